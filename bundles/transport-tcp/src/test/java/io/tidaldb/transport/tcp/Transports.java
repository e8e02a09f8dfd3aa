package io.tidaldb.transport.tcp;

import io.tidaldb.api.RegionId;
import io.tidaldb.transport.tcp.TcpConfig.PeerAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * Starts TCP transports on loopback with ephemeral ports, for tests. Transports are started in
 * descending region order, so every region's dialler (a lower id) is started after it and knows its
 * bound port; the address of a lower peer is never dialled, so it is a placeholder.
 */
final class Transports {
  /** The address given for peers that are never dialled (lower ids dial us). */
  static final PeerAddress NOT_DIALLED = new PeerAddress("127.0.0.1", 9);

  private Transports() {}

  /** Test settings: small limits, quick reconnects, no idle timeout. */
  static TcpConfig config(RegionId region, Map<RegionId, PeerAddress> peers) {
    return TcpConfig.defaults(region, "127.0.0.1", 0, peers)
        .withLimits(1 << 20, 4L << 20, 1024)
        .withTimings(20, 200, 2_000, 0);
  }

  /**
   * Starts transports of regions 0..n-1, each knowing all the others.
   *
   * @param n how many
   * @return the transports by region id
   */
  static Map<RegionId, TcpTransport> start(int n) {
    return start(n, c -> c);
  }

  /**
   * Starts transports of regions 0..n-1, each knowing all the others, with changed settings.
   *
   * @param n how many
   * @param change changes each region's test settings (such as turning TLS on)
   * @return the transports by region id
   */
  static Map<RegionId, TcpTransport> start(int n, UnaryOperator<TcpConfig> change) {
    Map<RegionId, TcpTransport> started = new TreeMap<>((a, b) -> a.value() - b.value());
    Map<RegionId, PeerAddress> bound = new HashMap<>();
    for (int id = n - 1; id >= 0; id--) {
      RegionId region = RegionId.of(id);
      TcpTransport t = new TcpTransport(change.apply(config(region, peersOf(region, n, bound))));
      bound.put(region, new PeerAddress("127.0.0.1", t.localAddress().getPort()));
      started.put(region, t);
    }
    return started;
  }

  /** The peer list of one region among 0..n-1, with the ports bound so far. */
  static Map<RegionId, PeerAddress> peersOf(
      RegionId region, int n, Map<RegionId, PeerAddress> bound) {
    Map<RegionId, PeerAddress> peers = new HashMap<>();
    for (int id = 0; id < n; id++) {
      RegionId peer = RegionId.of(id);
      if (!peer.equals(region)) {
        peers.put(peer, id > region.value() ? bound.get(peer) : NOT_DIALLED);
      }
    }
    return peers;
  }

  static void closeAll(Map<RegionId, TcpTransport> transports) {
    for (TcpTransport t : transports.values()) {
      t.close();
    }
  }
}
