/**
 * The transport SPI: how regions send each other messages. A transport moves opaque frames — the
 * replication layer defines what is inside them (WAL batches, acknowledgements with high-water
 * marks, heartbeats, leadership messages) — between {@link
 * io.tidaldb.api.transport.TransportEndpoint endpoints}, one per region.
 *
 * <h2>Writing a transport</h2>
 *
 * A transport bundle registers a {@link io.tidaldb.api.transport.Transport} service (with a {@code
 * transport.name} property so that consumers can pick it with a target filter such as {@code
 * (transport.name=tcp)}) and honours this contract:
 *
 * <ul>
 *   <li>{@link io.tidaldb.api.transport.TransportEndpoint#send} never blocks and never throws for a
 *       full queue or an unreachable peer: it copies the frame and returns a {@link
 *       io.tidaldb.api.transport.SendStatus}. Back-pressure is a status, not an exception.
 *   <li>Frames between one ordered pair of regions arrive in the order they were sent, each at most
 *       once, whole or not at all. Frames may be lost (a dropped connection); the replication
 *       protocol resends from its high-water marks.
 *   <li>Every received frame is handed to the endpoint's {@link
 *       io.tidaldb.api.transport.FrameHandler} on a transport thread, one frame at a time per
 *       sending region. The handler must not block for long.
 *   <li>A frame longer than {@link io.tidaldb.api.transport.Transport#maxFrameBytes()} is refused
 *       with an {@link io.tidaldb.api.InvalidArgumentException} naming its length.
 *   <li>Since 1.4.0, {@link io.tidaldb.api.transport.TransportEndpoint#connected} tells whether the
 *       link to a region is up now (cheaply: it is polled on the replication thread's every round);
 *       a transport that cannot tell keeps the default, true. Replication uses a link that goes
 *       down (a crashed peer's connections closed by its kernel) to fail over at once instead of
 *       after the election timeout.
 * </ul>
 *
 * <h2>Faults for tests</h2>
 *
 * A transport that can simulate a network may also offer {@link
 * io.tidaldb.api.transport.LinkFaults} (two-way cuts) and, since 1.1.0, {@link
 * io.tidaldb.api.transport.LinkShaping} (one-way cuts, links shaped by a {@link
 * io.tidaldb.api.transport.LinkShape} that delay, lose, duplicate and reorder frames, and paused
 * regions). Shaped links break the contract above on purpose: they are a faulty network for tests.
 */
@Export
@Version("1.4.0")
package io.tidaldb.api.transport;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
