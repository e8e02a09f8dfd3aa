package io.tidaldb.transport.inprocess;

import io.tidaldb.api.RegionId;
import io.tidaldb.support.errors.ErrorCounters;
import io.tidaldb.support.errors.ThreadDeaths;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The receiving side of one region: its incoming links, shared by all its channels, its open
 * endpoints ({@link Channels}, one per channel) and the daemon thread ({@code
 * tidal-inprocess-<region>}) that drains the links into the handlers. The thread runs while any
 * channel of the region has an open endpoint.
 *
 * <p>Threading: the thread visits the links round-robin, taking up to {@value #BURST} frames from
 * each per visit (so a busy sender cannot starve the others), and calls the handler one frame at a
 * time; one thread per receiver makes delivery FIFO per sender, and so per channel of a sender. A
 * frame carries the endpoint it was sent to ({@link Frame#target}) and goes to that endpoint's
 * handler; if that endpoint closed after the frame was queued, the frame is dropped and counted
 * ({@code droppedNoEndpoint}), never handed to a later endpoint of the channel. When no link has a
 * frame due it parks, until the earliest due time if a link holds delayed or paused frames; a
 * sender that queues a frame (or a fault change that may release frames) unparks it only if it
 * announced it was going to sleep (a volatile flag set before its last look at the queues, so no
 * wake-up is lost). A frame a shaped link duplicated is handed to the handler twice in a row. The
 * thread owns its interrupt status: an interrupt left by a handler is cleared, never used to stop
 * it; {@link #stop} sets a flag and unparks it instead, so a handler doing interruptible I/O is
 * never disturbed.
 *
 * <p>Failures: whatever the handler throws (a RuntimeException or an Error) is counted ({@code
 * handlerFailures}) and logged once per cause ({@link FailureLog}), and delivery goes on with the
 * next frame. A failure of the delivery itself (a bug) ends the thread; its uncaught-exception
 * handler ({@link ThreadDeaths}) logs it once at ERROR, naming the region.
 */
final class Delivery implements Runnable {
  /** The most frames taken from one link before visiting the next. */
  static final int BURST = 64;

  private static final Logger LOG = LoggerFactory.getLogger(InProcessTransport.class);

  private final RegionId local;
  private final Channels channels = new Channels();
  private final FramePool pool;
  private final Counters counters;
  private final LongSupplier clock;
  private final FailureLog failures;
  private final Thread thread;
  private final ConcurrentHashMap<RegionId, Link> bySender = new ConcurrentHashMap<>();
  private volatile Link[] links = new Link[0];
  private volatile boolean sleeping;
  private volatile boolean stopped;

  Delivery(RegionId local, FramePool pool, Counters counters, LongSupplier clock) {
    this.local = local;
    this.pool = pool;
    this.counters = counters;
    this.clock = clock;
    this.failures = new FailureLog(LOG, local);
    ThreadDeaths deaths =
        new ThreadDeaths(
            new ErrorCounters(LOG, "delivery to " + local, Level.ERROR, Long.MAX_VALUE),
            System::nanoTime,
            "nothing more is delivered to " + local + " (its senders' links fill up)",
            null);
    this.thread = deaths.daemon("tidal-inprocess-" + local.value(), this);
  }

  void start() {
    thread.start();
  }

  /** Returns the receiving region. */
  RegionId local() {
    return local;
  }

  /** Returns the region's open endpoints by channel. */
  Channels channels() {
    return channels;
  }

  /**
   * Waits until the handler of a closed endpoint is not running, unless called by the delivery
   * thread itself (a handler closing an endpoint of its region).
   *
   * @param endpoint the endpoint, already marked closed and detached
   * @param timeoutMillis how long to wait for a handler that is still running
   * @return false if the handler was still running at the deadline
   */
  boolean awaitReturn(InProcessEndpoint endpoint, long timeoutMillis) {
    return Thread.currentThread() == thread || channels.awaitReturn(endpoint, timeoutMillis);
  }

  /**
   * Returns the link from a sender, lock-free.
   *
   * @param from the sending region
   * @return the link, or null if that region has not sent here yet
   */
  Link link(RegionId from) {
    return bySender.get(from);
  }

  /** Returns every incoming link. */
  Link[] links() {
    return links;
  }

  /**
   * Adds the link from a new sender; the transport calls this under its structure lock.
   *
   * @param link the new link
   */
  void add(Link link) {
    bySender.put(link.from, link);
    Link[] grown = Arrays.copyOf(links, links.length + 1);
    grown[grown.length - 1] = link;
    links = grown;
  }

  /**
   * Closes every incoming link; the transport calls this under its structure lock.
   *
   * @return the number of queued frames discarded
   */
  int closeLinks() {
    stopped = true;
    int dropped = 0;
    for (Link link : links) {
      dropped += link.close();
    }
    return dropped;
  }

  /** Wakes the thread if it is parked or about to park: a sender calls this after queuing. */
  void wake() {
    if (sleeping) {
      LockSupport.unpark(thread);
    }
  }

  /**
   * Stops the thread after {@link #closeLinks()} and waits for it, unless called by the thread
   * itself (a handler closing its own endpoint).
   *
   * @param timeoutMillis how long to wait for a handler that is still running
   * @return false if the thread was still running at the deadline
   */
  boolean stop(long timeoutMillis) {
    stopped = true;
    LockSupport.unpark(thread);
    if (Thread.currentThread() == thread) {
      return true;
    }
    try {
      thread.join(timeoutMillis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return !thread.isAlive();
  }

  @Override
  public void run() {
    LOG.debug("delivery to {} started", local);
    while (!stopped) { // an internal failure ends the thread: its handler logs it
      if (drain(clock.getAsLong()) == 0) {
        idle();
      }
    }
    LOG.debug("delivery to {} stopped", local);
  }

  private int drain(long now) {
    int delivered = 0;
    for (Link link : links) {
      for (int i = 0; i < BURST && !stopped; i++) {
        Frame frame = link.poll(now);
        if (frame == null) {
          break;
        }
        deliver(link.from, frame);
        delivered++;
      }
    }
    return delivered;
  }

  private void deliver(RegionId from, Frame frame) {
    InProcessEndpoint target = frame.target;
    try {
      for (int copy = 0; copy < frame.copies; copy++) {
        if (!channels.enter(target)) {
          counters.droppedNoEndpoint.increment();
          return;
        }
        counters.delivered.increment();
        try {
          target.handler().onFrame(from, frame.view());
        } catch (Throwable t) {
          counters.handlerFailures.increment();
          failures.record(from, t);
        } finally {
          channels.exit();
        }
      }
    } finally {
      pool.release(frame);
    }
  }

  private void idle() {
    sleeping = true;
    try {
      long due = nextDue();
      long now = clock.getAsLong();
      if (stopped || due <= now) {
        return;
      }
      long wait = due == Long.MAX_VALUE || due - now < 0 ? Long.MAX_VALUE : due - now;
      if (Thread.interrupted()) {
        LOG.debug("delivery to {}: cleared an interrupt left by the handler", local);
      }
      if (wait == Long.MAX_VALUE) {
        LockSupport.park(this);
      } else {
        LockSupport.parkNanos(this, wait);
      }
    } finally {
      sleeping = false;
    }
  }

  /**
   * Returns the earliest time a frame of any link may be delivered, MAX_VALUE if none is queued.
   */
  private long nextDue() {
    long due = Long.MAX_VALUE;
    for (Link link : links) {
      due = Math.min(due, link.nextDue());
    }
    return due;
  }
}
