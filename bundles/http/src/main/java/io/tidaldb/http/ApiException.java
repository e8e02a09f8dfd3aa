package io.tidaldb.http;

/**
 * A request the API refuses or cannot serve: the HTTP status, a stable code, a message naming the
 * value, and what it means for the write ({@link Stored}). Rendered as the JSON error body by
 * {@link HttpApi}.
 */
public final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;
  private final Stored stored;

  /**
   * Creates the exception.
   *
   * @param status the HTTP status
   * @param code the stable code, such as {@code malformed_json}
   * @param message what was refused, naming the value
   * @param stored what it means for the write
   */
  public ApiException(int status, String code, String message, Stored stored) {
    super(message);
    this.status = status;
    this.code = code;
    this.stored = stored;
  }

  /**
   * A bad request (400) that stored nothing.
   *
   * @param code the stable code
   * @param message the message naming the value
   * @return the exception
   */
  public static ApiException badRequest(String code, String message) {
    return new ApiException(400, code, message, Stored.NOT_STORED);
  }

  /**
   * Returns the HTTP status.
   *
   * @return the status
   */
  public int status() {
    return status;
  }

  /**
   * Returns the stable code.
   *
   * @return the code
   */
  public String code() {
    return code;
  }

  /**
   * Returns what the refusal means for the write.
   *
   * @return stored, not stored or unknown
   */
  public Stored stored() {
    return stored;
  }
}
