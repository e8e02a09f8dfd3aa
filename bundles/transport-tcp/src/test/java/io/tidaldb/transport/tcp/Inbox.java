package io.tidaldb.transport.tcp;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.FrameHandler;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** A frame handler that keeps a copy of every frame received, with its sender. Thread-safe. */
final class Inbox implements FrameHandler {
  /** One received frame. */
  record Received(RegionId from, byte[] bytes) {}

  private final List<Received> frames = new ArrayList<>();

  @Override
  public synchronized void onFrame(RegionId from, ByteBuffer frame) {
    byte[] copy = new byte[frame.remaining()];
    frame.duplicate().get(copy);
    frames.add(new Received(from, copy));
  }

  synchronized List<Received> frames() {
    return List.copyOf(frames);
  }

  synchronized int size() {
    return frames.size();
  }

  synchronized List<Received> from(RegionId region) {
    List<Received> out = new ArrayList<>();
    for (Received r : frames) {
      if (r.from().equals(region)) {
        out.add(r);
      }
    }
    return out;
  }
}
