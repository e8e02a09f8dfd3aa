package io.tidaldb.replication.node;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.TransportEndpoint;
import java.nio.ByteBuffer;
import java.util.function.BiConsumer;

/**
 * A region's endpoint that reports every send answered {@link SendStatus#UNREACHABLE}: the link to
 * that region is down and the frames already queued on it are lost, so requests awaiting a reply
 * from there (forwarded writes) can fail at once. Every frame of the node goes through it
 * (shipping, leadership, epoch sync, forwarding), so the first send after a cut reports it.
 * Thread-safe; costs one comparison per send.
 */
final class WatchedEndpoint implements TransportEndpoint {
  private final TransportEndpoint inner;
  private volatile BiConsumer<RegionId, SendStatus> onUnreachable;

  WatchedEndpoint(TransportEndpoint inner) {
    this.inner = inner;
  }

  /** Sets who hears of an UNREACHABLE send (set once, after construction). */
  void onUnreachable(BiConsumer<RegionId, SendStatus> listener) {
    this.onUnreachable = listener;
  }

  @Override
  public RegionId local() {
    return inner.local();
  }

  @Override
  public SendStatus send(RegionId to, ByteBuffer frame) {
    SendStatus status = inner.send(to, frame);
    if (status == SendStatus.UNREACHABLE) {
      BiConsumer<RegionId, SendStatus> listener = onUnreachable;
      if (listener != null) {
        listener.accept(to, status);
      }
    }
    return status;
  }

  @Override
  public boolean connected(RegionId to) {
    return inner.connected(to);
  }

  @Override
  public void close() {
    inner.close();
  }
}
