package io.tidaldb.http;

import java.util.Map;

/**
 * One HTTP request as the API sees it, independent of the servlet container.
 *
 * @param method the method, such as {@code GET}
 * @param path the path below the servlet's root, starting with {@code /}
 * @param query the query parameters (first value of each)
 * @param contentType the {@code Content-Type} header, or null
 * @param authorization the {@code Authorization} header, or null
 * @param body the body, at most the configured size
 */
public record Request(
    String method,
    String path,
    Map<String, String> query,
    String contentType,
    String authorization,
    byte[] body) {
  /** Copies the query map. */
  public Request {
    query = Map.copyOf(query);
    body = body == null ? new byte[0] : body;
  }

  /**
   * Returns a query parameter.
   *
   * @param name the parameter
   * @return its value, or null
   */
  public String param(String name) {
    return query.get(name);
  }
}
