package io.tidaldb.testkit;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.router.HashShardRouter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Writes for the partition scenarios: one new entity per signal (so every count is exactly 0 or 1),
 * in chosen shards, remembered as acknowledged, failed-maybe-stored or failed-not-stored; and the
 * check that every region counts each exactly as its outcome allows.
 */
final class DivergentWrites {
  static final SignalType TYPE = SignalType.of("view");

  private final SimulatedCluster cluster;
  private final HashShardRouter router;
  private final List<Long> acked = new ArrayList<>();
  private final List<Long> maybe = new ArrayList<>();
  private final List<Long> notStored = new ArrayList<>();
  private long nextEntity;
  private long lastWritten = -1;

  DivergentWrites(SimulatedCluster cluster, long firstEntity) {
    this.cluster = cluster;
    this.router = new HashShardRouter(cluster.config().shards());
    this.nextEntity = firstEntity;
  }

  /** Defines the series in every shard (a LOCAL write into a region's own stream needs it). */
  static void defineSeries(SimulatedCluster cluster) {
    HashShardRouter router = new HashShardRouter(cluster.config().shards());
    boolean[] done = new boolean[cluster.config().shards()];
    for (long e = 1_000_000_000L; ; e++) {
      int shard = router.shardOf(TenantId.DEFAULT, e);
      if (!done[shard]) {
        cluster.writeSignal(TenantId.DEFAULT.name(), TYPE.name(), e, 1.0, Durability.QUORUM);
        done[shard] = true;
      }
      boolean all = true;
      for (boolean d : done) {
        all &= d;
      }
      if (all) {
        return;
      }
    }
  }

  /**
   * What a session cut scenario starts from: a shard {@code leader} leads, the series defined in
   * every shard and converged, and a weight-1 signal of a new entity of that shard.
   */
  record LeaderWrite(int shard, DivergentWrites writes, long entity, Signal signal) {}

  /**
   * Prepares a {@link LeaderWrite}: waits up to {@code election} for a shard led by {@code leader}
   * and up to {@code converge} for the series' definitions to reach every region.
   */
  static LeaderWrite leaderWrite(
      SimulatedCluster cluster, RegionId leader, Duration election, Duration converge) {
    int shard = PreferredLeaders.shardsLedBy(cluster, leader, election).iterator().next();
    defineSeries(cluster);
    cluster.awaitFullConvergence(converge);
    DivergentWrites writes = new DivergentWrites(cluster, 1);
    long entity = writes.nextEntity(Set.of(shard));
    Signal signal = new Signal(TenantId.DEFAULT, TYPE, EntityId.of(entity), 1.0, Timestamp.now());
    return new LeaderWrite(shard, writes, entity, signal);
  }

  /** Returns the next unused entity whose shard is one of {@code shards}. */
  long nextEntity(Set<Integer> shards) {
    while (!shards.contains(router.shardOf(TenantId.DEFAULT, nextEntity))) {
      nextEntity++;
    }
    return nextEntity++;
  }

  /**
   * Writes three QUORUM signals at {@code next}, the shard's new leader, so that its log runs past
   * a deposed leader's: the logs converge only once the deposed leader has cut its suffix and
   * caught up (same positions alone would not show the cut: a retry lands where the cut record
   * was). Fails the test if one is not acknowledged.
   */
  void moveOn(RegionId next, int shard) {
    for (int i = 0; i < 3; i++) {
      Optional<UnavailableException> failed = writeAt(next, Set.of(shard), Durability.QUORUM);
      if (failed.isPresent()) {
        throw new AssertionError("QUORUM write at the new leader " + next + ": " + failed.get());
      }
    }
  }

  /**
   * Writes one signal of a new entity at {@code region} through its write path and records the
   * outcome.
   *
   * @return the failure, if it failed
   */
  Optional<UnavailableException> writeAt(
      RegionId region, Set<Integer> shards, Durability durability) {
    long entity = nextEntity(shards);
    lastWritten = entity;
    try {
      cluster
          .store(region)
          .signal(
              new Signal(TenantId.DEFAULT, TYPE, EntityId.of(entity), 1.0, Timestamp.now()),
              durability);
      acked.add(entity);
      return Optional.empty();
    } catch (UnavailableException e) {
      (e.mayBeStored() ? maybe : notStored).add(entity);
      return Optional.of(e);
    }
  }

  /** Writes a signal of a new entity at its shard's leader, wherever it is, and records it. */
  void writeAtLeader(Set<Integer> shards, Durability durability) {
    long entity = nextEntity(shards);
    cluster.writeSignal(TenantId.DEFAULT.name(), TYPE.name(), entity, 1.0, durability);
    acked.add(entity);
  }

  /** Returns the entity of the last {@link #writeAt}. */
  long lastWritten() {
    return lastWritten;
  }

  int acknowledged() {
    return acked.size();
  }

  int failed() {
    return maybe.size() + notStored.size();
  }

  /**
   * Returns null if every running region counts each acknowledged entity exactly once, each
   * not-stored one zero times and each maybe-stored one the same 0 or 1 everywhere; else the first
   * that does not.
   */
  String countProblem() {
    List<RegionId> regions = cluster.regions();
    for (long e : acked) {
      for (RegionId r : regions) {
        long c = count(r, e);
        if (c != 1) {
          return r + " counts acknowledged entity " + e + " " + c + " times";
        }
      }
    }
    for (long e : notStored) {
      for (RegionId r : regions) {
        long c = count(r, e);
        if (c != 0) {
          return r + " counts entity " + e + " (write failed, nothing stored) " + c + " times";
        }
      }
    }
    for (long e : maybe) {
      long first = count(regions.get(0), e);
      for (RegionId r : regions) {
        long c = count(r, e);
        if (c > 1 || c != first) {
          return r
              + " counts entity "
              + e
              + " (failed, may be stored) "
              + c
              + " times, "
              + regions.get(0)
              + " "
              + first;
        }
      }
    }
    return null;
  }

  /**
   * Returns null if {@code region} counts each acknowledged entity exactly once, else the first.
   */
  String countProblemAt(RegionId region) {
    for (long e : acked) {
      long c = count(region, e);
      if (c != 1) {
        return region + " counts acknowledged entity " + e + " " + c + " times";
      }
    }
    return null;
  }

  long count(RegionId region, long entity) {
    return cluster.store(region).read(TenantId.DEFAULT, TYPE, EntityId.of(entity)).count();
  }

  @Override
  public String toString() {
    return acked.size()
        + " acknowledged, "
        + maybe.size()
        + " failed maybe stored, "
        + notStored.size()
        + " failed not stored";
  }
}
