package io.tidaldb.reconcile.engine;

import io.tidaldb.support.errors.ErrorCounters;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A counter per {@link BadInput} cause, and one log line per cause through {@link ErrorCounters}.
 */
final class BadInputs {
  private final ErrorCounters errors;
  private final Map<BadInput, AtomicLong> counts = new EnumMap<>(BadInput.class);

  BadInputs(ErrorCounters errors) {
    this.errors = errors;
    for (BadInput cause : BadInput.values()) {
      counts.put(cause, new AtomicLong());
    }
  }

  /** Counts one refusal and logs it (the first of its cause, then summaries). */
  void record(BadInput cause, long nowNanos, String detail) {
    counts.get(cause).incrementAndGet();
    errors.record(cause.cause(), null, nowNanos, detail);
  }

  long count(BadInput cause) {
    return counts.get(cause).get();
  }
}
