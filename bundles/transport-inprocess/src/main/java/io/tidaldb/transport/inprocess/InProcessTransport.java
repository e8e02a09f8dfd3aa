package io.tidaldb.transport.inprocess;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.transport.FrameHandler;
import io.tidaldb.api.transport.LinkFaults;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.api.transport.TransportEndpoint;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Transport} between regions of one JVM: the embedded default and the transport of tests,
 * with {@link LinkFaults} to simulate partitions.
 *
 * <p>Every directed link (sender region, receiver region) has its own FIFO queue, bounded by {@link
 * InProcessConfig#queueFrames()} and {@link InProcessConfig#queueBytes()}. {@link
 * TransportEndpoint#send} copies the frame and queues it without blocking, or returns why not.
 * Every open endpoint has one daemon delivery thread, {@code tidal-inprocess-<region id>}, that
 * drains its incoming links round-robin and hands each frame to the endpoint's handler as a
 * read-only buffer, one frame at a time: frames from one sender arrive in send order, each at most
 * once, and a cut or a closing receiver discards whole frames only. A handler's exception is
 * counted, logged once per cause, and delivery goes on. Idle delivery threads park.
 *
 * <p>Copies: frames up to {@value FramePool#MAX_POOLED} bytes are copied into pooled buffers, so
 * steady traffic allocates nothing; larger frames get a buffer allocated per frame. The buffer a
 * handler sees is reused once the handler returns, as the SPI allows.
 *
 * <p>Thread-safe. Opening and closing endpoints, creating a link (at the first send of a pair) and
 * cutting or healing links take one structure lock; sends and deliveries take only the monitor of
 * their link.
 */
public final class InProcessTransport implements Transport, LinkFaults, AutoCloseable {
  /** The transport's name, the value of its {@code transport.name} service property. */
  public static final String NAME = "inprocess";

  /** How long closing an endpoint waits for its handler to return. */
  public static final long STOP_TIMEOUT_MILLIS = 5_000;

  private static final Logger LOG = LoggerFactory.getLogger(InProcessTransport.class);

  private final InProcessConfig config;
  private final FramePool pool = new FramePool();
  private final Counters counters = new Counters();
  private final ConcurrentHashMap<RegionId, InProcessEndpoint> endpoints =
      new ConcurrentHashMap<>();
  private final Object structure = new Object();
  private final Set<Integer> cuts = new HashSet<>(); // guarded by structure
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
   * <p>Starts the endpoint's delivery thread. A region may open again once its endpoint is closed.
   *
   * @throws UnavailableException if the transport is closed
   */
  @Override
  public TransportEndpoint open(RegionId local, FrameHandler handler) {
    Objects.requireNonNull(local, "local");
    Objects.requireNonNull(handler, "handler");
    InProcessEndpoint endpoint;
    synchronized (structure) {
      if (closed) {
        throw new UnavailableException("in-process transport is closed: cannot open " + local);
      }
      if (endpoints.containsKey(local)) {
        throw new InvalidArgumentException("region", local, "already has an open endpoint");
      }
      Delivery delivery = new Delivery(local, handler, pool, counters);
      endpoint = new InProcessEndpoint(this, local, delivery);
      endpoints.put(local, endpoint);
      delivery.start();
    }
    LOG.debug("opened the in-process endpoint of {}", local);
    return endpoint;
  }

  @Override
  public void cut(RegionId a, RegionId b) {
    int dropped = 0;
    synchronized (structure) {
      cuts.add(pair(a, b));
      for (Link link : links(a, b)) {
        dropped += link.cut();
      }
    }
    counters.droppedByCut.add(dropped);
    LOG.info("cut the in-process link {} <-> {}, discarding {} queued frames", a, b, dropped);
  }

  @Override
  public void heal(RegionId a, RegionId b) {
    synchronized (structure) {
      cuts.remove(pair(a, b));
      for (Link link : links(a, b)) {
        link.heal();
      }
    }
    LOG.info("healed the in-process link {} <-> {}", a, b);
  }

  @Override
  public void healAll() {
    synchronized (structure) {
      cuts.clear();
      for (InProcessEndpoint endpoint : endpoints.values()) {
        for (Link link : endpoint.delivery().links()) {
          link.heal();
        }
      }
    }
    LOG.info("healed every in-process link");
  }

  /**
   * {@inheritDoc}
   *
   * <p>Tells only whether the link is cut: two regions that are not cut apart are connected even
   * while one of them has no open endpoint.
   */
  @Override
  public boolean connected(RegionId a, RegionId b) {
    int key = pair(a, b);
    synchronized (structure) {
      return !cuts.contains(key);
    }
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
   * @return the number of queued frames, 0 if {@code to} has no open endpoint
   */
  public int queuedFrames(RegionId from, RegionId to) {
    InProcessEndpoint endpoint = endpoints.get(to);
    Link link = endpoint == null ? null : endpoint.delivery().link(from);
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
      open = new ArrayList<>(endpoints.values());
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
    InProcessEndpoint target = endpoints.get(to);
    if (target == null) {
      return counters.count(SendStatus.UNREACHABLE);
    }
    Link link = target.delivery().link(sender.local());
    if (link == null && (link = newLink(target, sender.local())) == null) {
      return counters.count(SendStatus.UNREACHABLE);
    }
    SendStatus refused = link.precheck(length);
    if (refused != null) {
      return counters.count(refused);
    }
    Frame copy = pool.acquire(length);
    copy.copyFrom(frame);
    SendStatus status = link.offer(copy);
    if (status == SendStatus.SENT) {
      target.delivery().wake();
    } else {
      pool.release(copy);
    }
    return counters.count(status);
  }

  /** Closes an endpoint: the work of {@link TransportEndpoint#close}. Idempotent. */
  void leave(InProcessEndpoint endpoint) {
    int dropped;
    synchronized (structure) {
      if (endpoint.isClosed()) {
        return;
      }
      endpoint.markClosed();
      endpoints.remove(endpoint.local(), endpoint);
      dropped = endpoint.delivery().closeLinks();
    }
    counters.droppedOnClose.add(dropped);
    if (!endpoint.delivery().stop(STOP_TIMEOUT_MILLIS)) {
      LOG.warn(
          "the handler of {} did not return within {} ms of closing its endpoint; its delivery"
              + " thread ends when it does",
          endpoint.local(),
          STOP_TIMEOUT_MILLIS);
    }
    LOG.debug(
        "closed the in-process endpoint of {}, discarding {} queued frames", endpoint, dropped);
  }

  private Link newLink(InProcessEndpoint target, RegionId from) {
    synchronized (structure) {
      if (target.isClosed()) {
        return null;
      }
      Link link = target.delivery().link(from);
      if (link == null) {
        link = new Link(from, config, pool, cuts.contains(pair(from, target.local())));
        target.delivery().add(link);
      }
      return link;
    }
  }

  /** Returns the existing links between two regions, both directions; under the lock. */
  private List<Link> links(RegionId a, RegionId b) {
    List<Link> found = new ArrayList<>(2);
    addLink(found, a, b);
    if (!a.equals(b)) {
      addLink(found, b, a);
    }
    return found;
  }

  private void addLink(List<Link> found, RegionId from, RegionId to) {
    InProcessEndpoint endpoint = endpoints.get(to);
    Link link = endpoint == null ? null : endpoint.delivery().link(from);
    if (link != null) {
      found.add(link);
    }
  }

  /** The key of the unordered pair {a, b} (region ids are 16 bits). */
  private static int pair(RegionId a, RegionId b) {
    int x = Objects.requireNonNull(a, "a").value();
    int y = Objects.requireNonNull(b, "b").value();
    return Math.min(x, y) << 16 | Math.max(x, y);
  }
}
