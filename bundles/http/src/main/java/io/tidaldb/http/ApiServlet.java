package io.tidaldb.http;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Adapts {@link HttpApi} to a servlet container: reads the body up to the configured limit (413
 * beyond it, before anything is parsed), parses the query string itself (never a form body), and
 * writes the JSON answer. Registered at {@code /*} on the OSGi HTTP Whiteboard by the bundle's
 * component.
 */
public class ApiServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  private final transient HttpApi api;

  /**
   * Creates the servlet.
   *
   * @param api the API it serves
   */
  public ApiServlet(HttpApi api) {
    this.api = api;
  }

  @Override
  protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String path = nullToEmpty(req.getServletPath()) + nullToEmpty(req.getPathInfo());
    long max = api.config().maxBodyBytes();
    long length = req.getContentLengthLong();
    Response answer;
    if (length > max) {
      answer = api.tooLarge(length);
    } else {
      byte[] body = readBody(req.getInputStream(), (int) max);
      if (body == null) {
        answer = api.tooLarge(-1);
      } else {
        Map<String, String> query;
        try {
          query = query(req.getQueryString());
        } catch (ApiException e) {
          query = null;
        }
        answer =
            query == null
                ? HttpApi.error(
                    ApiException.badRequest(
                        "invalid_argument",
                        "malformed query: '" + Params.clip(req.getQueryString()) + "'"))
                : api.handle(
                    new Request(
                        req.getMethod(),
                        path.isEmpty() ? "/" : path,
                        query,
                        req.getContentType(),
                        req.getHeader("Authorization"),
                        body,
                        headers(req)));
      }
    }
    resp.setStatus(answer.status());
    resp.setContentType(answer.contentType());
    if (answer.status() == 401) {
      resp.setHeader("WWW-Authenticate", "Bearer realm=\"tidaldb\"");
    }
    if (answer.status() == 413) {
      resp.setHeader("Connection", "close");
    }
    resp.setContentLength(answer.body().length);
    try (OutputStream out = resp.getOutputStream()) {
      out.write(answer.body());
    }
  }

  /** The headers of {@link Request#HEADERS} the request has. */
  private static Map<String, String> headers(HttpServletRequest req) {
    Map<String, String> out = new java.util.HashMap<>();
    for (String name : Request.HEADERS) {
      String value = req.getHeader(name);
      if (value != null) {
        out.put(name, value);
      }
    }
    return out;
  }

  /** The body, or null if it is longer than {@code max} bytes. */
  private static byte[] readBody(InputStream in, int max) throws IOException {
    byte[] buf = new byte[Math.min(max + 1, 64 * 1024)];
    int n = 0;
    while (true) {
      if (n == buf.length) {
        if (buf.length > max) {
          return null;
        }
        buf = java.util.Arrays.copyOf(buf, (int) Math.min((long) max + 1, buf.length * 2L));
      }
      int r = in.read(buf, n, buf.length - n);
      if (r < 0) {
        break;
      }
      n += r;
    }
    if (n > max) {
      return null;
    }
    return n == buf.length ? buf : java.util.Arrays.copyOf(buf, n);
  }

  /**
   * Parses a query string; the first value of a repeated name wins.
   *
   * @param q the raw query string, or null
   * @return the parameters
   */
  static Map<String, String> query(String q) {
    Map<String, String> out = new HashMap<>();
    if (q == null || q.isEmpty()) {
      return out;
    }
    for (String pair : q.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      out.putIfAbsent(name, value);
    }
    return out;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(
          "invalid_argument", "malformed query: '" + Params.clip(s) + "'");
    }
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
