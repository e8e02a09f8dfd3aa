package io.tidaldb.testkit;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.FrameHandler;
import io.tidaldb.api.transport.LinkShape;
import io.tidaldb.api.transport.LinkShaping;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.transport.inprocess.InProcessTransport;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The in-process transport that also drops, on delivery, the next frames of one replication frame
 * type while armed: {@code drops.dropNext(FrameDrops.FORWARD_REPLY, 1)} loses the next reply to a
 * forwarded write, so the write ends ambiguously ("no reply ... may or may not be stored") although
 * the leader stored it. Every other frame, the reconciliation channel and every {@link LinkShaping}
 * fault work as the in-process transport's. Pass it as {@code ClusterConfig.withTransport(() ->
 * drops)} (one cluster per instance). Thread-safe.
 *
 * @since testkit 1.6.0
 */
public final class FrameDrops implements Transport, LinkShaping, AutoCloseable {
  /**
   * The offset of a replication frame's type (a little-endian short) from the frame's start, as the
   * replication wire format's {@code FrameDescriptor.TYPE_OFFSET} (not exported to this bundle).
   */
  static final int TYPE_OFFSET = 6;

  /** The replication frame header's length ({@code FrameDescriptor.HEADER_LENGTH}). */
  static final int HEADER_LENGTH = 32;

  /** The type of a reply to a forwarded write ({@code FrameDescriptor.FORWARD_REPLY}). */
  public static final short FORWARD_REPLY = 11;

  private final InProcessTransport inner = new InProcessTransport();
  private final AtomicInteger armedType = new AtomicInteger(-1);
  private final AtomicInteger armedCount = new AtomicInteger();
  private final AtomicLong dropped = new AtomicLong();

  /** Creates the transport, nothing armed. */
  public FrameDrops() {}

  /**
   * Drops the next {@code count} replication frames of {@code type}, on any link, replacing what
   * was armed before.
   *
   * @param type the frame type (a {@code FrameDescriptor} constant of the replication wire format,
   *     such as {@link #FORWARD_REPLY})
   * @param count how many, at least 1
   * @throws IllegalArgumentException if {@code count} is below 1
   */
  public void dropNext(short type, int count) {
    if (count < 1) {
      throw new IllegalArgumentException("count " + count + " must be at least 1");
    }
    armedType.set(-1);
    armedCount.set(count);
    armedType.set(type);
  }

  /** Drops nothing more (what {@link #dropNext} armed and was not dropped yet is forgotten). */
  public void clear() {
    armedType.set(-1);
    armedCount.set(0);
  }

  /**
   * Returns how many frames were dropped so far.
   *
   * @return the count
   */
  public long dropped() {
    return dropped.get();
  }

  /**
   * Returns whether frames are still to be dropped.
   *
   * @return true while armed
   */
  public boolean armed() {
    return armedType.get() >= 0;
  }

  @Override
  public String name() {
    return inner.name();
  }

  @Override
  public int maxFrameBytes() {
    return inner.maxFrameBytes();
  }

  @Override
  public TransportEndpoint open(RegionId local, FrameHandler handler) {
    return inner.open(local, (from, frame) -> deliver(from, frame, handler));
  }

  @Override
  public TransportEndpoint open(RegionId local, int channel, FrameHandler handler) {
    if (channel != REPLICATION_CHANNEL) {
      return inner.open(local, channel, handler);
    }
    return open(local, handler);
  }

  private void deliver(RegionId from, ByteBuffer frame, FrameHandler handler) {
    int type = armedType.get();
    if (type >= 0 && frame.remaining() >= HEADER_LENGTH) {
      int at = frame.position() + TYPE_OFFSET;
      short actual = frame.duplicate().order(ByteOrder.LITTLE_ENDIAN).getShort(at);
      if (actual == type && take()) {
        dropped.incrementAndGet();
        return;
      }
    }
    handler.onFrame(from, frame);
  }

  private boolean take() {
    while (true) {
      int left = armedCount.get();
      if (left <= 0) {
        return false;
      }
      if (armedCount.compareAndSet(left, left - 1)) {
        if (left == 1) {
          armedType.set(-1);
        }
        return true;
      }
    }
  }

  @Override
  public void cut(RegionId a, RegionId b) {
    inner.cut(a, b);
  }

  @Override
  public void heal(RegionId a, RegionId b) {
    inner.heal(a, b);
  }

  @Override
  public void healAll() {
    inner.healAll();
  }

  @Override
  public boolean connected(RegionId a, RegionId b) {
    return inner.connected(a, b);
  }

  @Override
  public void cutOneWay(RegionId from, RegionId to) {
    inner.cutOneWay(from, to);
  }

  @Override
  public void healOneWay(RegionId from, RegionId to) {
    inner.healOneWay(from, to);
  }

  @Override
  public boolean reachable(RegionId from, RegionId to) {
    return inner.reachable(from, to);
  }

  @Override
  public void shape(RegionId from, RegionId to, LinkShape shape) {
    inner.shape(from, to, shape);
  }

  @Override
  public void shapeAll(LinkShape shape) {
    inner.shapeAll(shape);
  }

  @Override
  public LinkShape shapeOf(RegionId from, RegionId to) {
    return inner.shapeOf(from, to);
  }

  @Override
  public void pause(RegionId region, Duration duration) {
    inner.pause(region, duration);
  }

  @Override
  public void resume(RegionId region) {
    inner.resume(region);
  }

  @Override
  public boolean paused(RegionId region) {
    return inner.paused(region);
  }

  @Override
  public void reset() {
    inner.reset();
  }

  @Override
  public void close() {
    inner.close();
  }
}
