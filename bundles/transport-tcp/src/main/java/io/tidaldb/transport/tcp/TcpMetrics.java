package io.tidaldb.transport.tcp;

/**
 * A snapshot of a {@link TcpTransport}'s counters, totals since it started.
 *
 * @param sent frames accepted by {@code send} ({@link io.tidaldb.api.transport.SendStatus#SENT})
 * @param backPressured sends refused because a link's outbound buffer was full
 * @param unreachable sends refused because the link was down or the peer's channel closed
 * @param closed sends refused because the endpoint or the transport was closed
 * @param delivered frames handed to a local endpoint's handler
 * @param droppedNoEndpoint frames received for a channel without an open endpoint
 * @param droppedOnDisconnect frames queued on a link when it went down, never written
 * @param handlerFailures frames whose handler threw
 * @param malformed inbound frames that broke the format (oversized, bad header, bad HELLO, data
 *     before HELLO); each closed its link
 * @param refused links refused at HELLO (unknown, wrong or duplicate region, wrong target, version
 *     or frame limit)
 * @param helloTimeouts connections closed because no HELLO came in time
 * @param idleClosed links closed because the peer was silent for the idle timeout
 * @param slowPeer slow-peer episodes: a send found its link full after sends had succeeded (a peer
 *     reading slower than the senders write, or not at all)
 * @param stallClosed links closed because they stayed full, their unwritten bytes not shrinking,
 *     for the idle timeout (a peer that stopped reading)
 * @param connectFailures dials that failed (refused, timed out, unresolved)
 * @param connectionsRefused accepted connections closed at once: max.inbound.connections were open
 * @param linksUp times a link came up (HELLO exchanged), reconnects included
 * @param linksDown times a link that was up went down
 * @param tlsExpired TLS connections refused because the peer's certificate had expired (or was not
 *     yet valid)
 * @param tlsUntrusted TLS connections refused because the peer presented no certificate or one the
 *     trust store's CA did not sign (the JDK cannot tell these apart)
 * @param tlsWrongRegion TLS connections refused because the peer's certificate named no region,
 *     another region than the one dialled or allowed to dial, or another than its HELLO
 * @param tlsPlaintextPeer TLS connections on which the peer spoke plaintext
 * @param tlsOnPlaintext plaintext connections on which the peer started a TLS handshake
 * @param tlsPeerRefused TLS connections the peer refused after the handshake (an alert received: it
 *     did not accept this transport's certificate)
 * @param tlsFailed other TLS handshake failures (a timeout, a close during the handshake)
 */
public record TcpMetrics(
    long sent,
    long backPressured,
    long unreachable,
    long closed,
    long delivered,
    long droppedNoEndpoint,
    long droppedOnDisconnect,
    long handlerFailures,
    long malformed,
    long refused,
    long helloTimeouts,
    long idleClosed,
    long slowPeer,
    long stallClosed,
    long connectFailures,
    long connectionsRefused,
    long linksUp,
    long linksDown,
    long tlsExpired,
    long tlsUntrusted,
    long tlsWrongRegion,
    long tlsPlaintextPeer,
    long tlsOnPlaintext,
    long tlsPeerRefused,
    long tlsFailed) {

  /**
   * Returns every TLS refusal, all causes together.
   *
   * @return the sum of the {@code tls*} counters
   */
  public long tlsRefused() {
    return tlsExpired
        + tlsUntrusted
        + tlsWrongRegion
        + tlsPlaintextPeer
        + tlsOnPlaintext
        + tlsPeerRefused
        + tlsFailed;
  }
}
