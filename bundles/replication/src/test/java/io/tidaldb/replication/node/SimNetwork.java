package io.tidaldb.replication.node;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.FrameHandler;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.api.transport.TransportEndpoint;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * A deterministic {@link Transport} for the data-path simulation: {@link TransportEndpoint#send}
 * copies the frame into a queue of frames in flight, and {@link #deliverDue} hands the frames that
 * are due to their endpoint's {@link FrameHandler} on the simulation thread. Per directed link:
 * one-way cuts (a cut refuses sends with {@code UNREACHABLE} and drops what is queued), a shape
 * (delay plus jitter, loss, duplication, reordering), and a bound of {@value #LINK_FRAMES} frames
 * ({@code BACK_PRESSURED}); per region: a pause that holds every frame to or from it until it ends.
 * Without a shape a link delivers in order after {@value #BASE_DELAY_NANOS} ns plus up to as much
 * again. Decisions come from one seeded random, so a seed replays exactly.
 */
final class SimNetwork implements Transport {
  static final int MAX_FRAME_BYTES = 1 << 20;
  static final int LINK_FRAMES = 4096;
  static final long BASE_DELAY_NANOS = 500_000L;

  /** How one directed link misbehaves. */
  record Shape(long delayNanos, long jitterNanos, double loss, double duplicate, double reorder) {}

  private record InFlight(long due, long seq, int from, int to, int cutGeneration, byte[] frame) {}

  private final int regions;
  private final SplittableRandom random;
  private final SimTrace trace;
  private final FrameHandler[] handlers;
  private final boolean[] cut; // [from * regions + to]
  private final int[] cutGeneration;
  private final int[] queued;
  private final long[] lastDue;
  private final Shape[] shapes;
  private final long[] pausedUntil;
  private final List<ArrayDeque<InFlight>> held = new ArrayList<>();
  private final PriorityQueue<InFlight> inFlight =
      new PriorityQueue<>(
          (a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
  private long seq;
  private long now;

  SimNetwork(int regions, SplittableRandom random, SimTrace trace) {
    this.regions = regions;
    this.random = random;
    this.trace = trace;
    this.handlers = new FrameHandler[regions];
    this.cut = new boolean[regions * regions];
    this.cutGeneration = new int[regions * regions];
    this.queued = new int[regions * regions];
    this.lastDue = new long[regions * regions];
    this.shapes = new Shape[regions * regions];
    this.pausedUntil = new long[regions];
    for (int i = 0; i < regions * regions; i++) {
      held.add(new ArrayDeque<>());
    }
  }

  @Override
  public String name() {
    return "simulation";
  }

  @Override
  public int maxFrameBytes() {
    return MAX_FRAME_BYTES;
  }

  @Override
  public TransportEndpoint open(RegionId local, FrameHandler handler) {
    int self = local.value();
    handlers[self] = handler;
    return new TransportEndpoint() {
      @Override
      public RegionId local() {
        return local;
      }

      @Override
      public SendStatus send(RegionId to, ByteBuffer frame) {
        return SimNetwork.this.send(self, to.value(), frame);
      }

      @Override
      public void close() {
        if (handlers[self] == handler) {
          handlers[self] = null;
        }
      }
    };
  }

  /** A region crashed: its endpoint is gone and frames to it are dropped on arrival. */
  void drop(int region) {
    handlers[region] = null;
    for (int other = 0; other < regions; other++) {
      cutGeneration[region * regions + other]++; // its frames in flight die with it
      cutGeneration[other * regions + region]++;
    }
  }

  void cutOneWay(int from, int to) {
    int link = from * regions + to;
    cut[link] = true;
    cutGeneration[link]++;
  }

  void heal(int from, int to) {
    cut[from * regions + to] = false;
  }

  void shape(int from, int to, Shape shape) {
    shapes[from * regions + to] = shape;
  }

  void pause(int region, long untilNanos) {
    pausedUntil[region] = Math.max(pausedUntil[region], untilNanos);
  }

  /** Heals every cut, unshapes every link and ends every pause. */
  void healAll() {
    java.util.Arrays.fill(cut, false);
    java.util.Arrays.fill(shapes, null);
    java.util.Arrays.fill(pausedUntil, 0);
  }

  /**
   * Whether a frame sent now from {@code from} to {@code to} would go through without a hold: the
   * link is not cut, {@code to} is up, and neither end is paused (a forward's and a reconciliation
   * session's reach in the simulation).
   */
  boolean reachable(int from, int to) {
    int link = from * regions + to;
    return !cut[link] && handlers[to] != null && !paused(link, now);
  }

  int inFlight() {
    return inFlight.size();
  }

  private SendStatus send(int from, int to, ByteBuffer frame) {
    if (frame.remaining() > MAX_FRAME_BYTES) {
      throw new IllegalArgumentException("frame of " + frame.remaining() + " bytes");
    }
    int link = from * regions + to;
    if (to < 0 || to >= regions || handlers[to] == null || cut[link]) {
      return SendStatus.UNREACHABLE;
    }
    if (queued[link] >= LINK_FRAMES) {
      return SendStatus.BACK_PRESSURED;
    }
    byte[] copy = new byte[frame.remaining()];
    frame.duplicate().get(copy);
    Shape s = shapes[link];
    double loss = random.nextDouble();
    double duplicate = random.nextDouble();
    double reorder = random.nextDouble();
    long jitter = random.nextLong(s == null ? BASE_DELAY_NANOS : s.jitterNanos() + 1);
    if (s != null && loss < s.loss()) {
      return SendStatus.SENT;
    }
    long delay = (s == null ? BASE_DELAY_NANOS : s.delayNanos()) + jitter;
    long due = now + delay;
    boolean reordered = s != null && reorder < s.reorder();
    if (!reordered) {
      due = Math.max(due, lastDue[link]); // in order unless reordered on purpose
      lastDue[link] = due;
    }
    int copies = s != null && duplicate < s.duplicate() ? 2 : 1;
    for (int c = 0; c < copies; c++) {
      inFlight.add(new InFlight(due, seq++, from, to, cutGeneration[link], copy));
      queued[link]++;
    }
    return SendStatus.SENT;
  }

  /**
   * Delivers every frame due at {@code nowNanos}, in due order. A frame of a link to or from a
   * paused region joins the link's held queue instead, and so does every later one while any is
   * held; the held frames are delivered in order once the pause ends (or {@link #healAll}).
   */
  void deliverDue(long nowNanos) {
    now = nowNanos;
    for (int link = 0; link < held.size(); link++) {
      if (!held.get(link).isEmpty() && !paused(link, nowNanos)) {
        for (InFlight f = held.get(link).poll(); f != null; f = held.get(link).poll()) {
          deliver(f, link, nowNanos);
        }
      }
    }
    while (!inFlight.isEmpty() && inFlight.peek().due <= nowNanos) {
      InFlight f = inFlight.poll();
      int link = f.from * regions + f.to;
      if (paused(link, nowNanos) || !held.get(link).isEmpty()) {
        held.get(link).add(f);
      } else {
        deliver(f, link, nowNanos);
      }
    }
  }

  private boolean paused(int link, long nowNanos) {
    return pausedUntil[link / regions] > nowNanos || pausedUntil[link % regions] > nowNanos;
  }

  private void deliver(InFlight f, int link, long nowNanos) {
    queued[link]--;
    FrameHandler h = handlers[f.to];
    if (h == null || f.cutGeneration != cutGeneration[link]) {
      return; // the region is down, or the link was cut since
    }
    trace.frame(nowNanos, f.from, f.to, f.frame);
    h.onFrame(RegionId.of(f.from), ByteBuffer.wrap(f.frame).order(ByteOrder.LITTLE_ENDIAN));
  }
}
