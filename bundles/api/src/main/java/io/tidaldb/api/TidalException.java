package io.tidaldb.api;

/** Base of every exception TidalDB throws to its callers. */
public class TidalException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception with a message.
   *
   * @param message what went wrong, with the values involved
   */
  public TidalException(String message) {
    super(message);
  }

  /**
   * Creates an exception with a message and a cause.
   *
   * @param message what went wrong, with the values involved
   * @param cause the underlying failure
   */
  public TidalException(String message, Throwable cause) {
    super(message, cause);
  }
}
