package io.tidaldb.http;

import java.nio.charset.StandardCharsets;

/**
 * One HTTP answer: status, body and its content type (UTF-8 JSON but for {@code /metrics}).
 *
 * @param status the HTTP status
 * @param body the body
 * @param contentType the body's content type
 */
public record Response(int status, byte[] body, String contentType) {
  /** The content type of every answer but {@code /metrics}. */
  public static final String CONTENT_TYPE = "application/json; charset=utf-8";

  /**
   * A JSON answer.
   *
   * @param status the HTTP status
   * @param body the JSON body
   */
  public Response(int status, byte[] body) {
    this(status, body, CONTENT_TYPE);
  }

  /**
   * Returns the body as text.
   *
   * @return the body
   */
  public String text() {
    return new String(body, StandardCharsets.UTF_8);
  }
}
