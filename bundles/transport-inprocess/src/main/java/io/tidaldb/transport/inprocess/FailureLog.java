package io.tidaldb.transport.inprocess;

import io.tidaldb.api.RegionId;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;

/**
 * Logs a handler's failures once per cause, so that a handler failing on every frame does not flood
 * the log: a cause is the exception's class and the place it was thrown; the first failure of each
 * cause is logged at WARN with its stack trace, later ones only at DEBUG (the transport counts them
 * all). At most {@value #MAX_CAUSES} causes are remembered; beyond that failures are only counted,
 * after one WARN saying so. Used by one delivery thread only.
 */
final class FailureLog {
  /** The most distinct causes remembered. */
  static final int MAX_CAUSES = 256;

  private final Logger log;
  private final RegionId local;
  private final Set<String> seen = new HashSet<>();
  private boolean saturated;

  FailureLog(Logger log, RegionId local) {
    this.log = log;
    this.local = local;
  }

  /**
   * Records a failure of the handler.
   *
   * @param from the region whose frame the handler failed on
   * @param failure what the handler threw
   * @return true if this failure was logged at WARN
   */
  boolean record(RegionId from, Throwable failure) {
    String cause = cause(failure);
    if (seen.contains(cause)) {
      log.debug("frame handler of {} failed again on a frame from {}: {}", local, from, cause);
      return false;
    }
    if (seen.size() >= MAX_CAUSES) {
      if (!saturated) {
        saturated = true;
        log.warn(
            "frame handler of {} failed with more than {} distinct causes; further new causes are"
                + " only counted",
            local,
            MAX_CAUSES);
      }
      return false;
    }
    seen.add(cause);
    log.warn(
        "frame handler of {} failed on a frame from {}; delivery goes on, and later failures of"
            + " this cause ({}) are only counted",
        local,
        from,
        cause,
        failure);
    return true;
  }

  private static String cause(Throwable failure) {
    StackTraceElement[] trace = failure.getStackTrace();
    return failure.getClass().getName() + (trace.length > 0 ? " at " + trace[0] : "");
  }
}
