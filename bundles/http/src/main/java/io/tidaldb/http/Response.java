package io.tidaldb.http;

import java.nio.charset.StandardCharsets;

/**
 * One HTTP answer: status and a UTF-8 JSON body.
 *
 * @param status the HTTP status
 * @param body the JSON body
 */
public record Response(int status, byte[] body) {
  /** The content type of every answer. */
  public static final String CONTENT_TYPE = "application/json; charset=utf-8";

  /**
   * Returns the body as text.
   *
   * @return the body
   */
  public String text() {
    return new String(body, StandardCharsets.UTF_8);
  }
}
