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
    long linksDown) {}
