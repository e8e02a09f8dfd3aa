package io.tidaldb.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.router.HashShardRouter;
import io.tidaldb.session.client.SessionClient;
import io.tidaldb.testkit.ClusterConfig;
import io.tidaldb.testkit.FrameDrops;
import io.tidaldb.testkit.SimulatedCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The session ITs' shared parts: their three-region cluster on {@link FrameDrops} (built by the
 * test inside Felix) and a ledger of one session client's writes, one new entity each, with the
 * exactly-once check (every acknowledged write counted once on every region after convergence, a
 * re-send of a write's seq answered with the client's ack).
 */
final class SessionLedger {
  static final SignalType TYPE = SignalType.of("session-view");
  static final Duration ELECTION = Duration.ofSeconds(20);
  static final Duration CONVERGENCE = Duration.ofSeconds(60);

  /** One write of the ledger. */
  static final class Write {
    final long entity;
    final Signal signal;
    final long seq;
    final CompletableFuture<SignalAck> result;

    Write(long entity, Signal signal, long seq, CompletableFuture<SignalAck> result) {
      this.entity = entity;
      this.signal = signal;
      this.seq = seq;
      this.result = result;
    }

    SignalAck ack() throws Exception {
      return result.get(60, TimeUnit.SECONDS);
    }
  }

  private final SimulatedCluster cluster;
  private final SessionClient client;
  private final HashShardRouter router;
  private final List<Write> writes = new ArrayList<>();
  private long nextEntity;

  SessionLedger(SimulatedCluster cluster, SessionClient client, long firstEntity) {
    this.cluster = cluster;
    this.client = client;
    this.router = new HashShardRouter(cluster.config().shards());
    this.nextEntity = firstEntity;
  }

  /**
   * Builds a three-region cluster on a fresh directory with a 1 s durability timeout (a forward
   * without a reply gives up after 2 s) and {@code drops} as its transport; waits for a leader.
   */
  static SimulatedCluster cluster(String name, FrameDrops drops) {
    SimulatedCluster cluster =
        SimulatedCluster.build(
            ClusterConfig.threeRegions()
                .withDirectory(ItOptions.freshDirectory(name))
                .withDurabilityTimeout(Duration.ofSeconds(1))
                .withTransport(() -> drops));
    cluster.awaitLeader(ELECTION);
    return cluster;
  }

  /** A shard whose leader is not {@code region}. */
  static int shardNotLedBy(SimulatedCluster cluster, RegionId region) {
    for (int s = 0; s < cluster.config().shards(); s++) {
      if (!cluster.leaderOf(ShardId.of(s)).equals(region)) {
        return s;
      }
    }
    throw new AssertionError(region + " leads every shard");
  }

  /** Starts a QUORUM write of a new entity of {@code shard}; does not wait. */
  Write start(int shard) {
    long e = nextEntity++;
    while (router.shardOf(TenantId.DEFAULT, e) != shard) {
      e = nextEntity++;
    }
    Signal signal = Signal.of(TYPE, EntityId.of(e), 1.0, Timestamp.now());
    boolean alone = true;
    for (Write other : writes) {
      alone &= other.result.isDone();
    }
    // a write started while another is in flight may go in a coalesced batch: its seq is unknown
    long seq = alone ? client.session().nextSeq() : -1;
    Write w = new Write(e, signal, seq, client.signalAsync(signal, Durability.QUORUM));
    writes.add(w);
    return w;
  }

  /** Writes a new entity of {@code shard} at QUORUM and waits for its ack. */
  Write write(int shard) throws Exception {
    Write w = start(shard);
    w.ack();
    return w;
  }

  /** Waits until {@code region} counts the write's entity. */
  void awaitApplied(RegionId region, Write w) {
    long deadline = System.nanoTime() + ELECTION.toNanos();
    while (count(cluster, region, w.entity) == 0) {
      assertFalse(
          region + " never applied the write of entity " + w.entity, System.nanoTime() > deadline);
      LockSupport.parkNanos(1_000_000);
    }
  }

  /**
   * Waits for every write's ack, converges the cluster, checks that every region counts each write
   * exactly once, and re-sends {@code resend}'s seq at every region: each answered with the
   * client's ack.
   */
  void assertExactlyOnce(Write resend) throws Exception {
    for (Write w : writes) {
      w.ack();
    }
    cluster.awaitFullConvergence(CONVERGENCE);
    for (RegionId r : cluster.regions()) {
      for (Write w : writes) {
        assertEquals(
            r + " count of entity " + w.entity + " (seq " + w.seq + ")",
            1,
            count(cluster, r, w.entity));
      }
    }
    assertTrue("entity " + resend.entity + " may be coalesced: its seq is unknown", resend.seq > 0);
    SessionSeq again = new SessionSeq(client.session().id(), resend.seq, resend.seq);
    for (RegionId r : cluster.regions()) {
      SignalAck ack = resend(r, resend, again);
      assertEquals("a re-send of seq " + resend.seq + " at " + r, resend.ack(), ack);
    }
  }

  /**
   * Re-sends {@code w} at {@code region} as a client retries: again while it fails unavailable (a
   * change of leader can make a re-send ambiguous too), at most five times.
   */
  private SignalAck resend(RegionId region, Write w, SessionSeq seq) throws Exception {
    for (int attempt = 1; ; attempt++) {
      try {
        return cluster
            .store(region)
            .signalAsync(w.signal, Durability.QUORUM, seq)
            .get(30, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        if (!(e.getCause() instanceof io.tidaldb.api.UnavailableException) || attempt == 5) {
          throw e;
        }
      }
    }
  }

  static long count(SimulatedCluster cluster, RegionId region, long entity) {
    return cluster.store(region).read(TenantId.DEFAULT, TYPE, EntityId.of(entity)).count();
  }
}
