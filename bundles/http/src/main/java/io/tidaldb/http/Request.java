package io.tidaldb.http;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
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
 * @param headers the other headers the API reads ({@link #SESSION}, {@link #SEQ}, {@link
 *     #ACKED_BELOW}), by lower-case name
 */
public record Request(
    String method,
    String path,
    Map<String, String> query,
    String contentType,
    String authorization,
    byte[] body,
    Map<String, String> headers) {
  /** The header of a session batch's session id (1 to 16 hex digits). */
  public static final String SESSION = "Tidal-Session";

  /** The header of a session batch's seq. */
  public static final String SEQ = "Tidal-Seq";

  /** The header of a session batch's ackedBelow (default 1). */
  public static final String ACKED_BELOW = "Tidal-Acked-Below";

  /** The headers the API reads beside content type and authorization. */
  public static final List<String> HEADERS = List.of(SESSION, SEQ, ACKED_BELOW);

  /** Copies the maps; header names to lower case. */
  public Request {
    query = Map.copyOf(query);
    body = body == null ? new byte[0] : body;
    Map<String, String> lower = new HashMap<>();
    headers.forEach((k, v) -> lower.put(k.toLowerCase(Locale.ROOT), v));
    headers = Map.copyOf(lower);
  }

  /** A request without other headers. */
  public Request(
      String method,
      String path,
      Map<String, String> query,
      String contentType,
      String authorization,
      byte[] body) {
    this(method, path, query, contentType, authorization, body, Map.of());
  }

  /**
   * Returns a header the API reads.
   *
   * @param name its name, in any case
   * @return its value, or null
   */
  public String header(String name) {
    return headers.get(name.toLowerCase(Locale.ROOT));
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
