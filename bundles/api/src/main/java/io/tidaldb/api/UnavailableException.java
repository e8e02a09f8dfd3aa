package io.tidaldb.api;

/**
 * The service cannot serve the call now: it is closed, stopping, or did not reach the requested
 * durability in time. A signal that got this exception may or may not have been stored; retry it
 * with the same (session, seq) where exactly-once matters.
 */
public class UnavailableException extends TidalException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what is unavailable and why
   */
  public UnavailableException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what is unavailable and why
   * @param cause the underlying failure
   */
  public UnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
