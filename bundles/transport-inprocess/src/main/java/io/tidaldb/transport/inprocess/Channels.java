package io.tidaldb.transport.inprocess;

import io.tidaldb.api.transport.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The open endpoints of one region, one per channel (0 to {@link Transport#MAX_CHANNEL}), and which
 * of them has its handler running on the region's delivery thread.
 *
 * <p>The endpoints are a copy-on-write array: the transport attaches and detaches under its
 * structure lock, senders and the delivery thread read it lock-free. The delivery thread marks the
 * endpoint whose handler it runs ({@link #enter}, {@link #exit}), so that closing one channel can
 * wait for that channel's handler to return ({@link #awaitReturn}) while the other channels go on.
 * The delivery thread publishes the endpoint, then checks it is still open; a closer marks it
 * closed, then reads the running endpoint: with both volatile, one of them sees the other, so no
 * handler runs for a channel once its close returned. Exiting costs one volatile write and read,
 * and takes a monitor only while a closer is waiting.
 */
final class Channels {
  private volatile InProcessEndpoint[] open = new InProcessEndpoint[Transport.MAX_CHANNEL + 1];
  private volatile InProcessEndpoint running;
  private final AtomicInteger closers = new AtomicInteger();
  private final Object returned = new Object();

  /**
   * Returns the open endpoint of a channel, lock-free.
   *
   * @param channel 0 to {@link Transport#MAX_CHANNEL}
   * @return the endpoint, or null if the channel has none open
   */
  InProcessEndpoint get(int channel) {
    return open[channel];
  }

  /** Adds an endpoint on its channel, which has none; under the transport's structure lock. */
  void attach(InProcessEndpoint endpoint) {
    InProcessEndpoint[] next = open.clone();
    next[endpoint.channel()] = endpoint;
    open = next;
  }

  /**
   * Removes an endpoint; under the transport's structure lock.
   *
   * @param endpoint an attached endpoint
   * @return true if no channel of the region has an endpoint left
   */
  boolean detach(InProcessEndpoint endpoint) {
    InProcessEndpoint[] next = open.clone();
    if (next[endpoint.channel()] == endpoint) {
      next[endpoint.channel()] = null;
    }
    open = next;
    for (InProcessEndpoint e : next) {
      if (e != null) {
        return false;
      }
    }
    return true;
  }

  /** Returns every open endpoint of the region. */
  List<InProcessEndpoint> all() {
    List<InProcessEndpoint> all = new ArrayList<>();
    for (InProcessEndpoint e : open) {
      if (e != null) {
        all.add(e);
      }
    }
    return all;
  }

  /**
   * Marks the endpoint whose handler the delivery thread is about to run.
   *
   * @param endpoint the frame's endpoint
   * @return false if it closed meanwhile: the handler must not run
   */
  boolean enter(InProcessEndpoint endpoint) {
    running = endpoint;
    if (endpoint.isClosed()) {
      exit();
      return false;
    }
    return true;
  }

  /** Marks that the handler returned, and wakes a closer waiting for it. */
  void exit() {
    running = null;
    if (closers.get() > 0) {
      synchronized (returned) {
        returned.notifyAll();
      }
    }
  }

  /**
   * Waits until the handler of a closed endpoint is not running.
   *
   * @param endpoint the endpoint, already marked closed
   * @param timeoutMillis how long to wait at most
   * @return false if the handler was still running at the deadline, or the wait was interrupted
   */
  boolean awaitReturn(InProcessEndpoint endpoint, long timeoutMillis) {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    closers.incrementAndGet();
    try {
      synchronized (returned) {
        while (running == endpoint) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            return false;
          }
          returned.wait(Math.max(1, left / 1_000_000));
        }
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return running != endpoint;
    } finally {
      closers.decrementAndGet();
    }
  }
}
