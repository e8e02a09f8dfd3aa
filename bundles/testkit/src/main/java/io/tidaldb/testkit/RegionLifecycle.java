package io.tidaldb.testkit;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.transport.LinkFaults;
import io.tidaldb.api.transport.LinkShaping;
import io.tidaldb.api.transport.Transport;
import java.util.List;

/**
 * Starts, stops, crashes, restarts and closes the regions of one cluster, keeping their services
 * and links in step. Every call is serialized on this object's monitor.
 */
final class RegionLifecycle {
  private final String clusterId;
  private final List<RegionProcess> nodes;
  private final Transport transport;
  private final ServicePublisher publisher;
  private final ClusterDirectory directory;
  private boolean closed;

  RegionLifecycle(
      String clusterId,
      List<RegionProcess> nodes,
      Transport transport,
      ServicePublisher publisher,
      ClusterDirectory directory) {
    this.clusterId = clusterId;
    this.nodes = List.copyOf(nodes);
    this.transport = transport;
    this.publisher = publisher;
    this.directory = directory;
  }

  synchronized void startAll() {
    checkOpen();
    for (RegionProcess n : nodes) {
      n.start();
      publisher.publish(n);
    }
  }

  /** How a region goes down. */
  enum Down {
    /** Graceful: pending records flushed and fsynced, closing checkpoint. */
    STOP,
    /** {@code kill -9}: nothing flushed; the files keep what was written. */
    CRASH,
    /** A power cut: as a crash, and every byte not fsynced is lost. */
    POWER_LOSS
  }

  /** Takes a region down; returns the bytes a power loss took (0 otherwise). */
  synchronized long down(RegionProcess n, Down how) {
    checkOpen();
    if (!n.isRunning()) {
      throw new InvalidArgumentException("region", n.region(), "is already down");
    }
    publisher.withdraw(n.region());
    if (transport instanceof LinkFaults faults) {
      for (RegionProcess other : nodes) {
        if (other != n) {
          faults.cut(n.region(), other.region());
        }
      }
    }
    return switch (how) {
      case STOP -> {
        n.stop();
        yield 0;
      }
      case CRASH -> n.crash(false);
      case POWER_LOSS -> n.crash(true);
    };
  }

  synchronized int wipe(RegionProcess n) {
    checkOpen();
    if (n.isRunning()) {
      throw new InvalidArgumentException(
          "region", n.region(), "is running; stop or crash it first");
    }
    return n.wipe();
  }

  synchronized void restart(RegionProcess n) {
    checkOpen();
    if (n.isRunning()) {
      throw new InvalidArgumentException(
          "region", n.region(), "is running; stop or crash it first");
    }
    // Heal first: a region that comes up cut off (or paused) would run for leader and disturb the
    // others.
    if (transport instanceof LinkFaults faults) {
      for (RegionProcess other : nodes) {
        if (other != n) {
          faults.heal(n.region(), other.region());
        }
      }
    }
    if (transport instanceof LinkShaping shaping) {
      shaping.resume(n.region());
    }
    n.start();
    publisher.publish(n);
  }

  /** Closes every region, the transport, then deletes a temporary directory. Idempotent. */
  synchronized void closeAll() {
    if (closed) {
      return;
    }
    closed = true;
    RuntimeException failure = null;
    for (RegionProcess n : nodes) {
      try {
        publisher.withdraw(n.region());
        n.stop();
      } catch (RuntimeException e) {
        failure = addFailure(failure, e);
      }
    }
    if (transport instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (Exception e) {
        failure = addFailure(failure, e);
      }
    }
    try {
      directory.deleteIfOwned(null);
    } catch (RuntimeException e) {
      failure = addFailure(failure, e);
    }
    if (failure != null) {
      throw failure;
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException(clusterId + " is closed");
    }
  }

  private RuntimeException addFailure(RuntimeException failure, Exception e) {
    if (failure == null) {
      return new IllegalStateException("closing " + clusterId + " failed", e);
    }
    failure.addSuppressed(e);
    return failure;
  }
}
