package io.tidaldb.bench;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.router.HashShardRouter;
import io.tidaldb.testkit.ClusterConfig;
import io.tidaldb.testkit.SimulatedCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A three-region {@link SimulatedCluster} for the replication benchmarks, with each shard's
 * leader's store at hand, so a writer sends every signal straight to the region that leads its
 * shard (no retry loop, no allocation on the write path). If leadership moves during a run, {@link
 * #refresh} re-reads the leaders after a {@link NotLeaderException}.
 */
final class LeaderStores implements AutoCloseable {
  /** How long setup waits for every shard to elect a leader. */
  static final Duration ELECTION = Duration.ofSeconds(30);

  private final SimulatedCluster cluster;
  private final HashShardRouter router;
  private final RegionId[] leaders;
  private final SignalStore[] stores;
  private volatile long refreshes;

  private LeaderStores(SimulatedCluster cluster, int shards) {
    this.cluster = cluster;
    this.router = new HashShardRouter(shards);
    this.leaders = new RegionId[shards];
    this.stores = new SignalStore[shards];
  }

  /**
   * Builds a three-region cluster with data in {@code dir} (deleted by the caller) and waits for
   * every shard's leader.
   *
   * @param dir the data directory
   * @param shards the shard count
   * @return the running cluster
   */
  static LeaderStores open(Path dir, int shards) {
    return open(dir, shards, BenchTransport.INPROCESS);
  }

  /**
   * Builds a three-region cluster over a chosen transport with data in {@code dir} (deleted by the
   * caller) and waits for every shard's leader.
   *
   * @param dir the data directory (TLS stores are extracted into {@code dir/tls})
   * @param shards the shard count
   * @param transport the transport between the regions
   * @return the running cluster
   */
  static LeaderStores open(Path dir, int shards, BenchTransport transport) {
    ClusterConfig config =
        ClusterConfig.threeRegions()
            .withShards(shards)
            .withDirectory(dir)
            .withDurabilityTimeout(Duration.ofSeconds(30));
    if (transport != BenchTransport.INPROCESS) {
      config = config.withTransport(transport.factory(dir));
    }
    SimulatedCluster cluster = SimulatedCluster.build(config);
    try {
      cluster.awaitLeader(ELECTION);
      LeaderStores l = new LeaderStores(cluster, shards);
      l.refreshAll();
      return l;
    } catch (RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
  }

  /** Returns the cluster. */
  SimulatedCluster cluster() {
    return cluster;
  }

  /** Returns the router the cluster's stores use. */
  HashShardRouter router() {
    return router;
  }

  /**
   * Returns the store of the region leading a shard, as last looked up.
   *
   * @param shard the shard index
   * @return the leader's store
   */
  SignalStore leaderStore(int shard) {
    return stores[shard];
  }

  /**
   * Returns the region leading a shard, as last looked up.
   *
   * @param shard the shard index
   * @return the leader
   */
  RegionId leader(int shard) {
    return leaders[shard];
  }

  /**
   * Looks a shard's leader up again, after a write was refused with a {@link NotLeaderException}.
   *
   * @param shard the shard index
   */
  synchronized void refresh(int shard) {
    RegionId r = cluster.leaderOf(ShardId.of(shard));
    leaders[shard] = r;
    stores[shard] = cluster.node(r).db();
    refreshes++;
  }

  /** Returns how many times a leader was looked up again after setup. */
  long refreshes() {
    return refreshes;
  }

  /**
   * Returns the regions other than a shard's leader.
   *
   * @param shard the shard index
   * @return the followers' stores
   */
  List<SignalStore> followerStores(int shard) {
    List<SignalStore> list = new ArrayList<>();
    for (RegionId r : cluster.regions()) {
      if (!r.equals(leaders[shard])) {
        list.add(cluster.node(r).db());
      }
    }
    return list;
  }

  /** Describes the leader of every shard, e.g. {@code [0:r1, 1:r0, ...]}. */
  String describeLeaders() {
    StringBuilder b = new StringBuilder("[");
    for (int s = 0; s < leaders.length; s++) {
      b.append(s == 0 ? "" : ", ").append(s).append(':').append(leaders[s]);
    }
    return b.append(']').toString();
  }

  @Override
  public void close() {
    cluster.close();
  }

  private void refreshAll() {
    for (int s = 0; s < leaders.length; s++) {
      refresh(s);
    }
    refreshes = 0;
  }
}
