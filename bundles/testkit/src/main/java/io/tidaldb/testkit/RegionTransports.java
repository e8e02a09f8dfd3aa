package io.tidaldb.testkit;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.FrameHandler;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.api.transport.TransportEndpoint;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One {@link Transport} made of one transport per region, for a {@link SimulatedCluster} over a
 * transport that speaks for one region only, such as TCP ({@code tidal-transport-tcp}: one process
 * per region in production): {@link #open(RegionId, int, FrameHandler)} opens the endpoint on that
 * region's own transport, so every frame between two regions crosses the real transport (for TCP, a
 * loopback connection). Each region's transport must know the others as its peers.
 *
 * <p>Offers no {@link io.tidaldb.api.transport.LinkFaults} or {@link
 * io.tidaldb.api.transport.LinkShaping}: a cluster over it crashes, stops and restarts regions, but
 * cannot cut or shape links. {@link #close()} closes the region transports that are {@link
 * AutoCloseable} if the composite owns them ({@link #owning}), none if it borrows them ({@link
 * #borrowing}: they belong to someone else, e.g. their DS components). Thread-safe.
 *
 * @since 1.7.0
 */
public final class RegionTransports implements Transport, AutoCloseable {
  private final Map<RegionId, Transport> transports;
  private final boolean owned;
  private final String name;
  private final int maxFrameBytes;

  private RegionTransports(Map<RegionId, ? extends Transport> transports, boolean owned) {
    if (transports == null || transports.isEmpty()) {
      throw new InvalidArgumentException(
          "region transports", transports, "must hold a transport for at least one region");
    }
    Map<RegionId, Transport> copy = new TreeMap<>((a, b) -> Integer.compare(a.value(), b.value()));
    TreeSet<String> names = new TreeSet<>();
    int max = Integer.MAX_VALUE;
    for (Map.Entry<RegionId, ? extends Transport> e : transports.entrySet()) {
      if (e.getKey() == null || e.getValue() == null) {
        throw new InvalidArgumentException(
            "region transports", transports, "must not hold a null region or transport");
      }
      copy.put(e.getKey(), e.getValue());
      names.add(e.getValue().name());
      max = Math.min(max, e.getValue().maxFrameBytes());
    }
    this.transports = Collections.unmodifiableMap(copy);
    this.owned = owned;
    this.name = String.join("+", names);
    this.maxFrameBytes = max;
  }

  /**
   * Returns a composite that closes the given transports when it is closed.
   *
   * @param transports each region's transport
   * @return the composite
   * @throws InvalidArgumentException if the map is empty or holds a null
   */
  public static RegionTransports owning(Map<RegionId, ? extends Transport> transports) {
    return new RegionTransports(transports, true);
  }

  /**
   * Returns a composite that leaves the given transports open when it is closed.
   *
   * @param transports each region's transport
   * @return the composite
   * @throws InvalidArgumentException if the map is empty or holds a null
   */
  public static RegionTransports borrowing(Map<RegionId, ? extends Transport> transports) {
    return new RegionTransports(transports, false);
  }

  /**
   * Returns the region transports.
   *
   * @return an unmodifiable map in region order
   */
  public Map<RegionId, Transport> transports() {
    return transports;
  }

  /**
   * Returns the names of the region transports, joined by {@code +} when they differ.
   *
   * @return such as {@code tcp}
   */
  @Override
  public String name() {
    return name;
  }

  /**
   * Returns the smallest frame limit of the region transports.
   *
   * @return bytes
   */
  @Override
  public int maxFrameBytes() {
    return maxFrameBytes;
  }

  @Override
  public TransportEndpoint open(RegionId local, FrameHandler handler) {
    return open(local, REPLICATION_CHANNEL, handler);
  }

  /**
   * Opens the endpoint on {@code local}'s own transport.
   *
   * @throws InvalidArgumentException also if {@code local} has no transport here, naming the
   *     regions that have one
   */
  @Override
  public TransportEndpoint open(RegionId local, int channel, FrameHandler handler) {
    Transport transport = transports.get(local);
    if (transport == null) {
      throw new InvalidArgumentException(
          "region", local, "has no transport here; regions with one: " + transports.keySet());
    }
    return transport.open(local, channel, handler);
  }

  /**
   * Closes the region transports if owned (each one even if another fails); else does nothing.
   *
   * @throws IllegalStateException if closing one failed, naming the region; the others' failures
   *     are suppressed on it
   */
  @Override
  public void close() {
    if (!owned) {
      return;
    }
    List<RuntimeException> failures = new ArrayList<>();
    for (Map.Entry<RegionId, Transport> e : transports.entrySet()) {
      if (e.getValue() instanceof AutoCloseable closeable) {
        try {
          closeable.close();
        } catch (Exception ex) {
          failures.add(
              new IllegalStateException(
                  "closing the transport of " + e.getKey() + " failed: " + ex, ex));
        }
      }
    }
    if (!failures.isEmpty()) {
      RuntimeException first = failures.get(0);
      failures.stream().skip(1).forEach(first::addSuppressed);
      throw first;
    }
  }

  @Override
  public String toString() {
    return "RegionTransports[" + name + " " + transports.keySet() + (owned ? ", owned]" : "]");
  }
}
