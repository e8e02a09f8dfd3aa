package io.tidaldb.transport.inprocess;

/**
 * A snapshot of an {@link InProcessTransport}'s counters, totals since it was created. Each counter
 * is read on its own, so a snapshot taken under traffic need not balance exactly.
 *
 * @param sent sends that returned {@link io.tidaldb.api.transport.SendStatus#SENT}
 * @param delivered frames handed to a handler (including those whose handler then threw)
 * @param backPressured sends refused because the link's queue was full
 * @param unreachable sends refused because no endpoint was open for the destination on the sender's
 *     channel or the link was cut
 * @param closed sends refused because the sending endpoint or the transport was closed
 * @param droppedByCut queued frames discarded by {@link InProcessTransport#cut} or {@link
 *     InProcessTransport#cutOneWay}
 * @param droppedOnClose queued frames discarded because their receiving region closed its last
 *     endpoint
 * @param droppedNoEndpoint queued frames discarded at delivery because the receiving endpoint of
 *     their channel closed after they were queued, while other channels of the region stayed open
 * @param handlerFailures frames whose handler threw
 * @param lost frames a shaped link dropped although their send returned SENT (see {@link
 *     io.tidaldb.api.transport.LinkShape#loss()})
 * @param duplicated frames a shaped link delivers twice (each copy counts in {@code delivered})
 * @param reordered frames a shaped link held back and queued behind the next frame
 * @param delayed frames a shaped link delayed by more than zero
 */
public record TransportMetrics(
    long sent,
    long delivered,
    long backPressured,
    long unreachable,
    long closed,
    long droppedByCut,
    long droppedOnClose,
    long droppedNoEndpoint,
    long handlerFailures,
    long lost,
    long duplicated,
    long reordered,
    long delayed) {}
