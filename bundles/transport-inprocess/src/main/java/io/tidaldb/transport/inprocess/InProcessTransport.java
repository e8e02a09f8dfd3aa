package io.tidaldb.transport.inprocess;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.transport.FrameHandler;
import io.tidaldb.api.transport.LinkFaults;
import io.tidaldb.api.transport.LinkShape;
import io.tidaldb.api.transport.LinkShaping;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.api.transport.TransportEndpoint;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Transport} between regions of one JVM: the embedded default and the transport of tests,
 * with {@link LinkFaults} and {@link LinkShaping} to simulate a faulty network.
 *
 * <p>Every directed link (sender region, receiver region) has its own FIFO queue, bounded by {@link
 * InProcessConfig#queueFrames()} and {@link InProcessConfig#queueBytes()}. {@link
 * TransportEndpoint#send} copies the frame and queues it without blocking, or returns why not.
 * Every region with an open endpoint has one daemon delivery thread, {@code tidal-inprocess-<region
 * id>}, that drains its incoming links round-robin and hands each frame to the handler of the
 * endpoint it was sent to as a read-only buffer, one frame at a time: frames from one sender arrive
 * in send order, each at most once, and a cut or a closing receiver discards whole frames only.
 *
 * <p>Channels ({@link #open(RegionId, int, FrameHandler)}): a region opens up to {@value
 * Transport#MAX_CHANNEL} + 1 endpoints, one per channel, each with its own handler, and an endpoint
 * sends to the other regions' endpoints on its own channel. The channels of two regions share their
 * links: one queue per direction carries every channel's frames, each frame stamped with the
 * endpoint it goes to, so cuts, pauses, shapes and queue bounds hold for every channel of a link
 * and each channel keeps its frames' order. Closing one channel's endpoint leaves the others
 * delivering; a frame still queued for it is dropped at delivery ({@code droppedNoEndpoint}). A
 * handler's exception is counted, logged once per cause, and delivery goes on. Idle delivery
 * threads park.
 *
 * <p>Copies: frames up to {@value FramePool#MAX_POOLED} bytes are copied into pooled buffers, so
 * steady traffic allocates nothing; larger frames get a buffer allocated per frame. The buffer a
 * handler sees is reused once the handler returns, as the SPI allows.
 *
 * <p>Faults (tests only): cuts are per direction; a shaped link ({@link LinkShape}) loses,
 * duplicates, delays and reorders frames as they are queued, drawing from a random stream per link
 * seeded by the shape's seed and the two regions, so one sender's frames on one link meet the same
 * fate on every run; a paused region's incoming and outgoing links hold their frames until the
 * pause ends. Delays and pauses are timed on {@code System.nanoTime}. Every change is logged at
 * INFO (a shape with its seed), and counted in {@link #metrics()}. A shaped link breaks the
 * guarantees above (at most once, in order) on purpose.
 *
 * <p>Thread-safe. Opening and closing endpoints, creating a link (at the first send of a pair) and
 * changing faults take one structure lock; sends and deliveries take only the monitor of their
 * link.
 */
public final class InProcessTransport implements Transport, LinkShaping, AutoCloseable {
  /** The transport's name, the value of its {@code transport.name} service property. */
  public static final String NAME = "inprocess";

  /** How long closing an endpoint waits for its handler to return. */
  public static final long STOP_TIMEOUT_MILLIS = 5_000;

  private static final Logger LOG = LoggerFactory.getLogger(InProcessTransport.class);

  /** The clock of delays and pauses. */
  private static final LongSupplier CLOCK = System::nanoTime;

  /** Longer pauses are cut to this (a pause that ends only on {@link #resume}, in effect). */
  private static final Duration LONGEST_PAUSE = Duration.ofDays(365);

  private final InProcessConfig config;
  private final FramePool pool = new FramePool();
  private final Counters counters = new Counters();
  private final ConcurrentHashMap<RegionId, Delivery> regions = new ConcurrentHashMap<>();
  private final Object structure = new Object();
  private final Faults faults = new Faults(); // guarded by structure
  private volatile boolean closed;

  /** Creates a transport with the {@link InProcessConfig#DEFAULTS default limits}. */
  public InProcessTransport() {
    this(InProcessConfig.DEFAULTS);
  }

  /**
   * Creates a transport.
   *
   * @param config its limits
   */
  public InProcessTransport(InProcessConfig config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int maxFrameBytes() {
    return config.maxFrameBytes();
  }

  /**
   * Returns the transport's limits.
   *
   * @return the configuration it was created with
   */
  public InProcessConfig config() {
    return config;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Opens the {@link Transport#REPLICATION_CHANNEL replication channel}, see {@link
   * #open(RegionId, int, FrameHandler)}.
   *
   * @throws UnavailableException if the transport is closed
   */
  @Override
  public TransportEndpoint open(RegionId local, FrameHandler handler) {
    return open(local, REPLICATION_CHANNEL, handler);
  }

  /**
   * {@inheritDoc}
   *
   * <p>The region's first open channel starts its delivery thread, shared by all its channels. A
   * channel may open again once its endpoint is closed; frames queued for the closed endpoint are
   * never handed to the new one.
   *
   * @throws UnavailableException if the transport is closed
   */
  @Override
  public TransportEndpoint open(RegionId local, int channel, FrameHandler handler) {
    Objects.requireNonNull(local, "local");
    Objects.requireNonNull(handler, "handler");
    if (channel < 0 || channel > MAX_CHANNEL) {
      throw new InvalidArgumentException("channel", channel, "must be 0.." + MAX_CHANNEL);
    }
    InProcessEndpoint endpoint;
    synchronized (structure) {
      if (closed) {
        throw new UnavailableException(
            "in-process transport is closed: cannot open " + local + " on channel " + channel);
      }
      Delivery delivery = regions.get(local);
      if (delivery != null && delivery.channels().get(channel) != null) {
        throw new InvalidArgumentException(
            "region", local, "already has an open endpoint on channel " + channel);
      }
      boolean first = delivery == null;
      if (first) {
        delivery = new Delivery(local, pool, counters, CLOCK);
      }
      endpoint = new InProcessEndpoint(this, local, channel, handler, delivery);
      delivery.channels().attach(endpoint);
      if (first) {
        regions.put(local, delivery);
        delivery.start();
      }
    }
    LOG.debug("opened the in-process endpoint of {} on channel {}", local, channel);
    return endpoint;
  }

  @Override
  public void cut(RegionId a, RegionId b) {
    int dropped =
        change(
            f -> {
              f.cut(a, b);
              f.cut(b, a);
            });
    LOG.info("cut the in-process link {} <-> {}, discarding {} queued frames", a, b, dropped);
  }

  @Override
  public void heal(RegionId a, RegionId b) {
    change(
        f -> {
          f.heal(a, b);
          f.heal(b, a);
        });
    LOG.info("healed the in-process link {} <-> {}", a, b);
  }

  /** {@inheritDoc} One-way cuts included; shapes and pauses stay. */
  @Override
  public void healAll() {
    change(Faults::healAll);
    LOG.info("healed every in-process link");
  }

  /**
   * {@inheritDoc}
   *
   * <p>Tells only whether the link is cut, in either direction: two regions that are not cut apart
   * are connected even while one of them has no open endpoint or is paused.
   */
  @Override
  public boolean connected(RegionId a, RegionId b) {
    return reachable(a, b) && reachable(b, a);
  }

  @Override
  public void cutOneWay(RegionId from, RegionId to) {
    int dropped = change(f -> f.cut(from, to));
    LOG.info("cut the in-process link {} -> {}, discarding {} queued frames", from, to, dropped);
  }

  @Override
  public void healOneWay(RegionId from, RegionId to) {
    change(f -> f.heal(from, to));
    LOG.info("healed the in-process link {} -> {}", from, to);
  }

  @Override
  public boolean reachable(RegionId from, RegionId to) {
    synchronized (structure) {
      return !faults.isCut(from, to);
    }
  }

  /** {@inheritDoc} Logged at INFO with the shape's seed, so that a test can be replayed. */
  @Override
  public void shape(RegionId from, RegionId to, LinkShape shape) {
    change(f -> f.shape(from, to, shape));
    LOG.info("shaped the in-process link {} -> {}: {}", from, to, shape);
  }

  /** {@inheritDoc} Logged at INFO with the shape's seed, so that a test can be replayed. */
  @Override
  public void shapeAll(LinkShape shape) {
    change(f -> f.shapeAll(shape));
    LOG.info("shaped every in-process link: {}", shape);
  }

  @Override
  public LinkShape shapeOf(RegionId from, RegionId to) {
    synchronized (structure) {
      return faults.shapeOf(from, to);
    }
  }

  /**
   * {@inheritDoc}
   *
   * @throws InvalidArgumentException if the duration is not positive
   */
  @Override
  public void pause(RegionId region, Duration duration) {
    Objects.requireNonNull(duration, "duration");
    if (duration.isNegative() || duration.isZero()) {
      throw new InvalidArgumentException("pause duration", duration, "must be more than zero");
    }
    long now = CLOCK.getAsLong();
    long nanos =
        duration.compareTo(LONGEST_PAUSE) > 0 ? LONGEST_PAUSE.toNanos() : duration.toNanos();
    change(f -> f.pause(region, now + nanos));
    LOG.info("paused in-process region {} for {}", region, duration);
  }

  @Override
  public void resume(RegionId region) {
    change(f -> f.resume(region));
    LOG.info("resumed in-process region {}", region);
  }

  @Override
  public boolean paused(RegionId region) {
    synchronized (structure) {
      return faults.paused(region, CLOCK.getAsLong());
    }
  }

  @Override
  public void reset() {
    change(Faults::reset);
    LOG.info("reset the in-process transport's faults: no cut, shape or pause");
  }

  /**
   * Returns the transport's counters.
   *
   * @return a snapshot of the totals since creation
   */
  public TransportMetrics metrics() {
    return counters.snapshot();
  }

  /**
   * Returns how many frames are queued from one region to another, waiting for delivery.
   *
   * @param from the sending region
   * @param to the receiving region
   * @return the number of queued frames of every channel, 0 if {@code to} has no open endpoint
   */
  public int queuedFrames(RegionId from, RegionId to) {
    Delivery delivery = regions.get(to);
    Link link = delivery == null ? null : delivery.link(from);
    return link == null ? 0 : link.queuedFrames();
  }

  /**
   * Closes every endpoint (see {@link TransportEndpoint#close()}); later sends return {@link
   * SendStatus#CLOSED} and {@link #open} throws. Idempotent.
   */
  @Override
  public void close() {
    List<InProcessEndpoint> open;
    synchronized (structure) {
      if (closed) {
        return;
      }
      closed = true;
      open = new ArrayList<>();
      for (Delivery delivery : regions.values()) {
        open.addAll(delivery.channels().all());
      }
    }
    for (InProcessEndpoint endpoint : open) {
      leave(endpoint);
    }
    LOG.debug("closed the in-process transport: {}", metrics());
  }

  @Override
  public String toString() {
    return "in-process transport " + config + (closed ? " (closed)" : "");
  }

  /** Sends a frame from an endpoint: the work of {@link TransportEndpoint#send}. */
  SendStatus route(InProcessEndpoint sender, RegionId to, ByteBuffer frame) {
    int length = frame.remaining();
    if (length < 1 || length > config.maxFrameBytes()) {
      throw new InvalidArgumentException(
          "frame length", length, "must be 1.." + config.maxFrameBytes() + " bytes");
    }
    if (closed || sender.isClosed()) {
      return counters.count(SendStatus.CLOSED);
    }
    Delivery receiver = regions.get(to);
    InProcessEndpoint target = receiver == null ? null : receiver.channels().get(sender.channel());
    if (target == null) {
      return counters.count(SendStatus.UNREACHABLE);
    }
    Link link = receiver.link(sender.local());
    if (link == null && (link = newLink(receiver, sender.local())) == null) {
      return counters.count(SendStatus.UNREACHABLE);
    }
    SendStatus refused = link.precheck(length);
    if (refused != null) {
      return counters.count(refused);
    }
    Frame copy = pool.acquire(length);
    copy.copyFrom(frame);
    copy.target = target;
    SendStatus status = link.offer(copy);
    if (status == SendStatus.SENT) {
      receiver.wake();
    } else {
      pool.release(copy);
    }
    return counters.count(status);
  }

  /**
   * Tells whether an endpoint's link to a region is up: the work of {@link
   * TransportEndpoint#connected}. Up while both ends have an endpoint open on the channel; a cut
   * leaves it up (see {@link InProcessEndpoint#connected}). Lock-free and allocation-free.
   */
  boolean linkUp(InProcessEndpoint sender, RegionId to) {
    if (closed || sender.isClosed()) {
      return false;
    }
    Delivery receiver = regions.get(to);
    return receiver != null && receiver.channels().get(sender.channel()) != null;
  }

  /**
   * Closes an endpoint: the work of {@link TransportEndpoint#close}. Idempotent. The region's last
   * channel also closes its links and stops its delivery thread.
   */
  void leave(InProcessEndpoint endpoint) {
    Delivery delivery = endpoint.delivery();
    int dropped = 0;
    boolean last;
    synchronized (structure) {
      if (endpoint.isClosed()) {
        return;
      }
      endpoint.markClosed();
      last = delivery.channels().detach(endpoint);
      if (last) {
        regions.remove(endpoint.local(), delivery);
        dropped = delivery.closeLinks();
      }
    }
    counters.droppedOnClose.add(dropped);
    boolean returned =
        last
            ? delivery.stop(STOP_TIMEOUT_MILLIS)
            : delivery.awaitReturn(endpoint, STOP_TIMEOUT_MILLIS);
    if (!returned) {
      LOG.warn(
          "the handler of {} did not return within {} ms of closing its endpoint on channel {};"
              + " {}",
          endpoint.local(),
          STOP_TIMEOUT_MILLIS,
          endpoint.channel(),
          last ? "its delivery thread ends when it does" : "it gets no further frames");
    }
    LOG.debug(
        "closed {}{}",
        endpoint,
        last ? ", the region's last, discarding " + dropped + " queued frames" : "");
  }

  private Link newLink(Delivery receiver, RegionId from) {
    synchronized (structure) {
      if (regions.get(receiver.local()) != receiver) {
        return null; // the region closed its last channel meanwhile
      }
      Link link = receiver.link(from);
      if (link == null) {
        link = new Link(from, receiver.local(), config, pool, counters, CLOCK);
        faults.apply(link);
        receiver.add(link);
      }
      return link;
    }
  }

  /**
   * Changes the faults and applies them to every link, then wakes every delivery thread (a healed,
   * unshaped or resumed link may have frames due now).
   *
   * @param change what to change, run under the structure lock
   * @return the number of queued frames discarded by new cuts (counted)
   */
  private int change(Consumer<Faults> change) {
    int dropped = 0;
    List<Delivery> open;
    synchronized (structure) {
      change.accept(faults);
      open = new ArrayList<>(regions.values());
      for (Delivery delivery : open) {
        for (Link link : delivery.links()) {
          dropped += faults.apply(link);
        }
      }
    }
    counters.droppedByCut.add(dropped);
    for (Delivery delivery : open) {
      delivery.wake();
    }
    return dropped;
  }
}
