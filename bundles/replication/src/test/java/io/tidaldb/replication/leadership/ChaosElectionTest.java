package io.tidaldb.replication.leadership;

import static io.tidaldb.replication.leadership.SimCluster.MS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.replication.leadership.SimCluster.Node;
import org.junit.jupiter.api.Test;

/**
 * Random message loss, duplication and reordering, crashes, partitions and link cuts (one or both
 * directions of one link) over many seeds. The harness fails at once if two regions lead one epoch
 * or an epoch goes back; after the faults stop exactly one leader must remain. Run one seed with
 * {@code -Dtidal.seed=N}.
 */
class ChaosElectionTest {
  private static final int SEEDS = 200;

  @Test
  void shouldKeepAtMostOneLeaderPerEpochAndGrowingEpochsUnderRandomFaults() {
    String fixed = System.getProperty("tidal.seed");
    long first = fixed == null ? 1 : Long.parseLong(fixed);
    long last = fixed == null ? SEEDS : first;
    System.out.println("ChaosElectionTest seeds " + first + ".." + last);
    long epochsLed = 0;
    for (long seed = first; seed <= last; seed++) {
      epochsLed += runOne(seed);
    }
    // The faults must really cause failovers, or the properties were checked on a quiet cluster.
    assertTrue(epochsLed > 3 * (last - first + 1), "epochs led: " + epochsLed);
  }

  @Test
  void shouldKeepTheSamePropertiesWhenRegionsSeeTheirLinksGoDown() {
    String fixed = System.getProperty("tidal.seed");
    long first = fixed == null ? 1 : Long.parseLong(fixed);
    long last = fixed == null ? SEEDS : first;
    System.out.println("ChaosElectionTest (links reported) seeds " + first + ".." + last);
    long epochsLed = 0;
    for (long seed = first; seed <= last; seed++) {
      epochsLed += runOne(seed, true);
    }
    assertTrue(epochsLed > 3 * (last - first + 1), "epochs led: " + epochsLed);
  }

  private static int runOne(long seed) {
    return runOne(seed, false);
  }

  private static int runOne(long seed, boolean linksReported) {
    SimCluster cluster = new SimCluster(seed, 3);
    cluster.linksReported = linksReported;
    cluster.lossRate = 0.2;
    cluster.duplicateRate = 0.2;
    cluster.minDelayNanos = 0;
    cluster.maxDelayNanos = 40 * MS; // delays near the heartbeat interval: heavy reordering
    try {
      for (int phase = 0; phase < 20; phase++) {
        for (Node n : cluster.nodes) {
          n.up = cluster.random.nextDouble() >= 0.15; // stopped, not restarted: state frozen
        }
        cluster.isolated.clear();
        if (cluster.random.nextBoolean()) {
          cluster.isolated.add(cluster.node(cluster.random.nextInt(3)).id);
        }
        cluster.cutLinks.clear();
        if (cluster.random.nextInt(3) == 0) {
          Node a = cluster.node(cluster.random.nextInt(3));
          Node b =
              cluster.nodes.get((cluster.nodes.indexOf(a) + 1 + cluster.random.nextInt(2)) % 3);
          if (cluster.random.nextBoolean()) {
            cluster.cut(a.id, b.id);
          } else {
            cluster.cutBoth(a.id, b.id);
          }
        }
        cluster.runFor(50 * MS + cluster.random.nextLong(400 * MS));
      }
      cluster.lossRate = 0;
      cluster.duplicateRate = 0;
      cluster.isolated.clear();
      cluster.cutLinks.clear();
      cluster.nodes.forEach(n -> n.up = true);
      cluster.runUntil(cluster::settled, 5_000 * MS, "settled after the faults");
      assertEquals(1, cluster.leaders().size(), "seed " + seed);
      return cluster.leaderOfEpoch.size();
    } catch (AssertionError e) {
      System.out.println(
          "ChaosElectionTest failed with seed "
              + seed
              + (linksReported ? " (links reported)" : "")
              + " (-Dtidal.seed="
              + seed
              + ")");
      throw e;
    }
  }
}
