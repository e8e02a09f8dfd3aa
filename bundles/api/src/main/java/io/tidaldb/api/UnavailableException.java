package io.tidaldb.api;

import java.util.Optional;

/**
 * The service cannot serve the call now: it is closed, stopping, or did not reach the requested
 * durability in time. Unless {@link #mayBeStored()} is false, a signal that got this exception may
 * or may not have been stored; retry it with the same (session, seq) where exactly-once matters. A
 * signal for which {@link #mayBeStored()} is false was stored nowhere and is safe to retry as is.
 */
public class UnavailableException extends TidalException {
  private static final long serialVersionUID = 1L;

  private final boolean mayBeStored;
  private final int region;

  /**
   * Creates the exception for a signal that may or may not have been stored, at no known region.
   *
   * @param message what is unavailable and why
   */
  public UnavailableException(String message) {
    this(message, true, null);
  }

  /**
   * Creates the exception with a cause, for a signal that may or may not have been stored.
   *
   * @param message what is unavailable and why
   * @param cause the underlying failure
   */
  public UnavailableException(String message, Throwable cause) {
    super(message, cause);
    this.mayBeStored = true;
    this.region = -1;
  }

  /**
   * Creates the exception saying whether the signal may have been stored, and where.
   *
   * @param message what is unavailable and why, with the values involved
   * @param mayBeStored false if the signal was certainly stored nowhere (it was never sent or
   *     appended), true if it may or may not be stored
   * @param region the region the signal was sent to, or appended at, when known; else null
   * @since 1.1.0
   */
  public UnavailableException(String message, boolean mayBeStored, RegionId region) {
    super(message);
    this.mayBeStored = mayBeStored;
    this.region = region == null ? -1 : region.value();
  }

  /**
   * Returns whether the signal may have been stored. False means that nothing was sent or appended
   * anywhere (safe to retry without a session); true that it may or may not be stored.
   *
   * @return whether the signal may be stored
   * @since 1.1.0
   */
  public boolean mayBeStored() {
    return mayBeStored;
  }

  /**
   * Returns the region the signal was sent to (a forwarded write) or appended at (a leader that
   * stepped down before the durability level was met), when known.
   *
   * @return the region, or empty
   * @since 1.1.0
   */
  public Optional<RegionId> region() {
    return region < 0 ? Optional.empty() : Optional.of(RegionId.of(region));
  }
}
