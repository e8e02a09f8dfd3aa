/**
 * The HTTP API of a node (docs/ARCHITECTURE.md, "HTTP API"): {@link io.tidaldb.http.HttpApi} routes
 * container-independent {@link io.tidaldb.http.Request}s to small handlers through a {@link
 * io.tidaldb.http.Router}; {@link io.tidaldb.http.SignalCodec} parses JSON and NDJSON signal bodies
 * with Jackson's streaming parser; {@link io.tidaldb.http.ApiServlet} adapts it to the servlet
 * container. Not exported.
 */
package io.tidaldb.http;
