package io.tidaldb.transport.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.util.concurrent.ScheduledFuture;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.SendStatus;
import java.nio.ByteBuffer;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The outbound side of one link that is up: a bounded hand-off from the sending threads to the
 * channel's event loop, with write coalescing.
 *
 * <p>{@link #send} copies the frame behind its header into a pooled buffer and adds it to a queue;
 * the first send after a drain schedules one drain task on the event loop, which writes everything
 * queued and flushes once, so a burst of small frames (acks, heartbeats) goes out in one {@code
 * writev}. The bound counts both what waits for the drain and what Netty holds unwritten ({@link
 * Channel#bytesBeforeUnwritable()} against the high water mark, set to {@code queue.bytes}): a send
 * that would take the link beyond {@code queue.bytes}, or beyond {@code queue.frames} frames
 * waiting for the drain, answers {@link SendStatus#BACK_PRESSURED} and queues nothing. Concurrent
 * senders may overshoot the bound by one frame each, never more.
 *
 * <p>A connection is never reused: when the link goes down, what it still holds is dropped and
 * counted, and the next connection starts empty. Thread-safe.
 */
final class Connection {
  private final Channel channel;
  private final RegionId peer;
  private final long peerIncarnation;
  private final long queueBytes;
  private final int queueFrames;
  private final long highWaterMark;
  private final TcpCounters counters;
  private final TcpTransport transport;
  private final AtomicBoolean full = new AtomicBoolean();
  private ScheduledFuture<?> stallWatch; // on the event loop
  private long stallWritten; // on the event loop
  private long stallSince; // on the event loop
  private long drained; // bytes handed to Netty by drain(), on the event loop
  private final Queue<ByteBuf> outbound = new ConcurrentLinkedQueue<>();
  private final AtomicLong queuedBytes = new AtomicLong();
  private final AtomicInteger queuedFrames = new AtomicInteger();
  private final AtomicBoolean drainPending = new AtomicBoolean();
  private final Runnable drain = this::drain;
  private volatile int peerChannels;

  Connection(
      TcpTransport transport,
      Channel channel,
      RegionId peer,
      long peerIncarnation,
      int peerChannels) {
    this.transport = transport;
    this.channel = channel;
    this.peer = peer;
    this.peerIncarnation = peerIncarnation;
    this.peerChannels = peerChannels;
    this.queueBytes = transport.config().queueBytes();
    this.queueFrames = transport.config().queueFrames();
    this.highWaterMark = transport.highWaterMark();
    this.counters = transport.counters();
  }

  /**
   * Queues a DATA frame for the peer.
   *
   * @param channelId the endpoint's channel, 0..15
   * @param frame the frame; its position is unchanged
   * @return SENT, BACK_PRESSURED, or UNREACHABLE if the peer has no endpoint on the channel or the
   *     link is closing
   */
  SendStatus send(int channelId, ByteBuffer frame) {
    if ((peerChannels & (1 << channelId)) == 0 || !channel.isActive()) {
      return SendStatus.UNREACHABLE;
    }
    int length = frame.remaining();
    int size = TcpFrames.HEADER_BYTES + length;
    if (!reserve(size)) {
      if (full.compareAndSet(false, true)) {
        slowPeer();
      }
      return SendStatus.BACK_PRESSURED;
    }
    if (full.get()) {
      full.set(false);
    }
    ByteBuf buf = channel.alloc().directBuffer(size, size);
    TcpFrames.writeHeader(buf, TcpFrames.DATA, channelId, length);
    buf.writeBytes(frame.duplicate());
    return enqueue(buf) ? SendStatus.SENT : SendStatus.UNREACHABLE;
  }

  /**
   * Queues a control frame (CHANNELS), outside the bound: control frames are few and tiny.
   *
   * @param mask the open-channel mask to announce
   */
  void sendChannels(int mask) {
    ByteBuf buf = channel.alloc().directBuffer(TcpFrames.HEADER_BYTES + 2);
    TcpFrames.writeChannels(buf, mask);
    queuedBytes.addAndGet(buf.readableBytes());
    queuedFrames.incrementAndGet();
    enqueue(buf);
  }

  /**
   * A send found the link full: a slow-peer episode starts. Counted and logged (once per cause and
   * minute); with an idle timeout, a watch on the event loop closes the link if the episode lasts
   * that long without a byte reaching the socket (the peer stopped reading; a sender that refills
   * the link as fast as the peer drains it keeps it full, and that is no stall). Any send that
   * succeeds ends the episode.
   */
  private void slowPeer() {
    counters.slowPeer.increment();
    transport.linkError(
        "slow peer",
        "the link with "
            + peer
            + " is full ("
            + queuedBytes()
            + " bytes unwritten): the peer reads slower than this region sends; sends answer"
            + " BACK_PRESSURED until it catches up");
    long idleMs = transport.config().idleTimeoutMs();
    if (idleMs <= 0) {
      return;
    }
    long every = Math.max(1, idleMs / 3);
    try {
      channel
          .eventLoop()
          .execute(
              () -> {
                if (stallWatch == null) {
                  stallWritten = writtenBytes();
                  stallSince = transport.nanoTime();
                  stallWatch =
                      channel
                          .eventLoop()
                          .scheduleAtFixedRate(
                              () -> checkStall(idleMs), every, every, TimeUnit.MILLISECONDS);
                }
              });
    } catch (RejectedExecutionException e) {
      // the transport is closing
    }
  }

  /** Runs on the event loop while a slow-peer episode lasts. */
  private void checkStall(long idleMs) {
    if (!full.get() || !channel.isActive()) {
      stallWatch.cancel(false);
      stallWatch = null;
      return;
    }
    long written = writtenBytes();
    long now = transport.nanoTime();
    if (written > stallWritten) {
      stallWritten = written; // bytes reached the socket: the peer reads, however full we are
      stallSince = now;
    } else if (now - stallSince >= TimeUnit.MILLISECONDS.toNanos(idleMs)) {
      stallWatch.cancel(false);
      stallWatch = null;
      counters.stallClosed.increment();
      transport.linkError(
          "write stall",
          "closing the link with "
              + peer
              + ": it stayed full ("
              + queuedBytes()
              + " bytes unwritten) and not one byte reached the socket for "
              + idleMs
              + " ms (the peer stopped reading)");
      channel.close();
    }
  }

  private boolean reserve(int size) {
    long netty = Math.max(0, highWaterMark - channel.bytesBeforeUnwritable());
    long bytes = queuedBytes.addAndGet(size);
    if (bytes + netty > queueBytes) {
      queuedBytes.addAndGet(-size);
      return false;
    }
    if (queuedFrames.incrementAndGet() > queueFrames) {
      queuedFrames.decrementAndGet();
      queuedBytes.addAndGet(-size);
      return false;
    }
    return true;
  }

  private boolean enqueue(ByteBuf buf) {
    outbound.add(buf);
    if (drainPending.compareAndSet(false, true)) {
      try {
        channel.eventLoop().execute(drain);
      } catch (RejectedExecutionException e) {
        // the event loop is shutting down with the transport: nothing will be written
        discard();
        return false;
      }
    }
    return true;
  }

  /** Writes everything queued and flushes once; runs on the event loop. */
  private void drain() {
    drainPending.set(false);
    if (!channel.isActive()) {
      discard();
      return;
    }
    ByteBuf buf;
    int written = 0;
    while ((buf = outbound.poll()) != null) {
      int size = buf.readableBytes();
      channel.write(buf, channel.voidPromise());
      drained += size;
      queuedBytes.addAndGet(-size);
      queuedFrames.decrementAndGet();
      written++;
    }
    if (written > 0) {
      channel.flush();
    }
  }

  /**
   * Returns how many of the bytes {@link #drain} handed to Netty have left its outbound buffer for
   * the socket; grows while the peer reads. On the event loop.
   */
  private long writtenBytes() {
    ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
    return drained - (buffer == null ? 0 : buffer.totalPendingWriteBytes());
  }

  /**
   * Releases every queued frame, counting it dropped; called when the link goes down.
   *
   * @return how many frames were dropped
   */
  int discard() {
    int dropped = 0;
    ByteBuf buf;
    while ((buf = outbound.poll()) != null) {
      queuedBytes.addAndGet(-buf.readableBytes());
      queuedFrames.decrementAndGet();
      buf.release();
      dropped++;
    }
    counters.droppedOnDisconnect.add(dropped);
    return dropped;
  }

  /**
   * Returns the bytes queued on this link and not yet written to the socket: waiting for the drain
   * and held by Netty.
   *
   * @return bytes, an estimate while sends race
   */
  long queuedBytes() {
    long netty = Math.max(0, highWaterMark - channel.bytesBeforeUnwritable());
    return queuedBytes.get() + netty;
  }

  void peerChannels(int mask) {
    peerChannels = mask;
  }

  int peerChannels() {
    return peerChannels;
  }

  Channel channel() {
    return channel;
  }

  RegionId peer() {
    return peer;
  }

  long peerIncarnation() {
    return peerIncarnation;
  }

  @Override
  public String toString() {
    return "link to " + peer + " over " + channel;
  }
}
