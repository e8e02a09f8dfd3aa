package io.tidaldb.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Maps (method, path) to a {@link Handler}: each route is a method and a pattern of segments,
 * literal or {@code {name}}; a match hands the named segments to the handler. A path no route
 * matches is a 404 ({@code unknown_route}), a path matched for another method a 405 ({@code
 * method_not_allowed}) naming the methods allowed. Routes are added once, then read by any thread.
 */
public final class Router {
  /** Serves one route. */
  @FunctionalInterface
  public interface Handler {
    /**
     * Serves a request.
     *
     * @param request the request
     * @param params the path's named segments
     * @return the answer
     * @throws ApiException for a refusal
     */
    Response handle(Request request, Map<String, String> params);
  }

  private record Route(String method, String[] segments, Handler handler) {}

  private final List<Route> routes = new ArrayList<>();

  /**
   * Adds a route.
   *
   * @param method the method, such as {@code GET}
   * @param pattern the path pattern, such as {@code /v1/tenants/{t}/top/{type}}
   * @param handler the handler
   * @return this router
   */
  public Router add(String method, String pattern, Handler handler) {
    routes.add(new Route(method, split(pattern), handler));
    return this;
  }

  /**
   * Serves a request with the route that matches it.
   *
   * @param request the request
   * @return the handler's answer
   * @throws ApiException 404 or 405 when no route matches, or the handler's refusal
   */
  public Response route(Request request) {
    String[] path = split(request.path());
    TreeSet<String> allowed = new TreeSet<>();
    for (Route r : routes) {
      Map<String, String> params = match(r.segments, path);
      if (params == null) {
        continue;
      }
      if (r.method.equals(request.method())) {
        return r.handler.handle(request, params);
      }
      allowed.add(r.method);
    }
    if (!allowed.isEmpty()) {
      throw new ApiException(
          405,
          "method_not_allowed",
          "method " + request.method() + " not allowed on " + request.path() + "; use " + allowed,
          Stored.NOT_STORED);
    }
    throw new ApiException(
        404,
        "unknown_route",
        "no route for " + request.method() + " " + request.path(),
        Stored.NOT_STORED);
  }

  private static Map<String, String> match(String[] pattern, String[] path) {
    if (pattern.length != path.length) {
      return null;
    }
    Map<String, String> params = new LinkedHashMap<>();
    for (int i = 0; i < pattern.length; i++) {
      String p = pattern[i];
      if (p.length() > 2 && p.charAt(0) == '{' && p.charAt(p.length() - 1) == '}') {
        if (path[i].isEmpty()) {
          return null;
        }
        params.put(p.substring(1, p.length() - 1), path[i]);
      } else if (!p.equals(path[i])) {
        return null;
      }
    }
    return params;
  }

  private static String[] split(String path) {
    String p = path.startsWith("/") ? path.substring(1) : path;
    if (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p.isEmpty() ? new String[0] : p.split("/", -1);
  }
}
