package io.tidaldb.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.TenantId;
import io.tidaldb.session.client.SessionClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Retrying session clients under a seeded fault schedule on real three-region clusters: per seed,
 * two sessions write QUORUM and ALL signals (one new entity each) in rounds, and during each round
 * the schedule injects one fault among lost FORWARD_REPLYs, a crashed region (restarted after the
 * round), a leadership transfer and a partition of two regions (healed after the round). Then the
 * cluster converges and, per session: every write reported acknowledged is counted exactly once on
 * every region, every one reported not stored nowhere, every ambiguous one at most once, and a
 * re-send of the last acknowledged seq of each shard gets the client's ack.
 *
 * <p>The schedule (faults, regions, writes) is a function of the seed; the threads of the cluster
 * are not, so a replay repeats the schedule, not the interleaving. {@code -Dtidal.session.seeds=N}
 * runs N seeds (20 by default) from {@code -Dtidal.session.from=F} (1), {@code
 * -Dtidal.session.seed=S} only seed S. A failure names its seed.
 */
class SessionSeedsScenarioTest {
  private static final int ROUNDS = 3;

  @Test
  void shouldCountEveryAcknowledgedSessionWriteOnceUnderSeededFaults() {
    String one = System.getProperty("tidal.session.seed");
    long from = one != null ? Long.parseLong(one) : Long.getLong("tidal.session.from", 1);
    long count = one != null ? 1 : Long.getLong("tidal.session.seeds", 20);
    long started = System.nanoTime();
    long coalesced = 0;
    for (long seed = from; seed < from + count; seed++) {
      try {
        coalesced += run(seed);
      } catch (Throwable t) {
        throw new AssertionError(
            "session seed " + seed + " failed; replay with -Dtidal.session.seed=" + seed, t);
      }
    }
    System.out.printf(
        "session seeds: %d from %d passed in %.1f s, %d writes coalesced%n",
        count, from, (System.nanoTime() - started) / 1e9, coalesced);
    if (one == null) {
      assertTrue(coalesced > 0, "no write went in a coalesced batch: the seeds test little of it");
    }
  }

  /** Runs a seed; the writes its clients sent in coalesced batches. */
  private static long run(long seed) throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    FrameDrops drops = new FrameDrops();
    try (SimulatedCluster cluster =
        SimulatedCluster.build(
            ClusterConfig.threeRegions()
                .withDurabilityTimeout(Duration.ofSeconds(1))
                .withTransport(() -> drops))) {
      cluster.awaitLeader(Duration.ofSeconds(10));
      List<SessionClient> clients =
          List.of(
              cluster.session(TenantId.DEFAULT),
              // batches single writes from 2 in flight on (the rounds write few at once)
              cluster.session(TenantId.DEFAULT, b -> b.coalescing(1, 8)));
      List<SessionLedger> ledgers =
          List.of(
              new SessionLedger(cluster, clients.get(0), 1_000_000L * seed),
              new SessionLedger(cluster, clients.get(1), 1_000_000L * seed + 500_000));
      StringBuilder schedule = new StringBuilder();
      try {
        for (int round = 0; round < ROUNDS; round++) {
          round(cluster, drops, random, ledgers, schedule);
        }
        for (SessionLedger ledger : ledgers) {
          // one write per shard alone, its seq known (the rounds' writes may be coalesced)
          for (int shard = 0; shard < cluster.config().shards(); shard++) {
            ledger.write(shard, Durability.QUORUM);
          }
          List<SessionLedger.Write> resend = ledger.lastAckedPerShard();
          assertEquals(cluster.config().shards(), resend.size(), "a write to re-send per shard");
          ledger.check(true, resend);
        }
      } catch (Throwable t) {
        t.addSuppressed(new AssertionError("schedule of seed " + seed + ":" + schedule));
        throw t;
      } finally {
        clients.forEach(SessionClient::close);
      }
      long coalesced = clients.get(0).coalescedWrites() + clients.get(1).coalescedWrites();
      System.out.println(
          "session seed " + seed + ":" + schedule + " (" + coalesced + " coalesced)");
      return coalesced;
    }
  }

  /** One round: a fault, 3 to 6 writes started meanwhile, all of them ended, the fault undone. */
  private static void round(
      SimulatedCluster cluster,
      FrameDrops drops,
      SplittableRandom random,
      List<SessionLedger> ledgers,
      StringBuilder schedule)
      throws Exception {
    int fault = random.nextInt(4);
    List<RegionId> regions = cluster.regions();
    RegionId victim = regions.get(random.nextInt(regions.size()));
    RegionId other = regions.get((regions.indexOf(victim) + 1 + random.nextInt(2)) % 3);
    int shard = random.nextInt(cluster.config().shards());
    boolean allowAll = fault == 0 || fault == 2; // ALL needs every region up and reachable
    List<SessionLedger.Write> started = new ArrayList<>();
    int writes = 3 + random.nextInt(4);
    NetworkPartition cut = null;
    boolean crashed = false;
    switch (fault) {
      case 0 -> {
        int n = 1 + random.nextInt(2);
        drops.dropNext(FrameDrops.FORWARD_REPLY, n);
        schedule.append(" drop ").append(n).append(" replies;");
      }
      case 1 -> {
        cluster.crash(victim);
        crashed = true;
        schedule.append(" crash ").append(victim).append(';');
      }
      case 2 -> schedule.append(" transfer shard ").append(shard).append(';');
      default -> {
        cut = cluster.partition(victim, other);
        schedule.append(" partition ").append(victim).append('/').append(other).append(';');
      }
    }
    for (int i = 0; i < writes; i++) {
      SessionLedger ledger = ledgers.get(random.nextInt(ledgers.size()));
      Durability level = allowAll && random.nextBoolean() ? Durability.ALL : Durability.QUORUM;
      started.add(ledger.start(random.nextInt(cluster.config().shards()), level));
    }
    if (fault == 2) {
      schedule.append(transfer(cluster, shard, random));
    }
    for (SessionLedger.Write w : started) {
      try {
        w.result.get(120, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException ended) {
        // checked at the end: not stored (count 0) or ambiguous (at most 1)
      }
    }
    drops.clear(); // replies armed but not dropped (no write was forwarded) would hit later ones
    if (cut != null) {
      cut.close();
    }
    if (crashed) {
      cluster.restart(victim);
    }
    cluster.awaitLeader(Duration.ofSeconds(10));
  }

  /** Hands {@code shard} from its leader to another region; an election first is fine too. */
  private static String transfer(SimulatedCluster cluster, int shard, SplittableRandom random) {
    RegionId from = cluster.leaderOf(ShardId.of(shard));
    List<RegionId> others = new ArrayList<>(cluster.regions());
    others.remove(from);
    RegionId to = others.get(random.nextInt(others.size()));
    try {
      cluster.node(from).replication().transferLeadership(shard, to).get(10, TimeUnit.SECONDS);
      return " (" + from + " -> " + to + ")";
    } catch (Exception e) {
      // refused or overtaken by an election: the writes still end and are checked alike
      return " (" + from + " -> " + to + " not done: " + e + ")";
    }
  }
}
