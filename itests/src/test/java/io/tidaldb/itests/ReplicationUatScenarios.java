package io.tidaldb.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalAggregate;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.itests.RegionReads.Key;
import io.tidaldb.testkit.SimulatedCluster;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import javax.inject.Inject;
import org.junit.Test;
import org.ops4j.pax.exam.util.Filter;
import org.osgi.framework.BundleContext;

/**
 * Acceptance, written once and run per transport (one subclass each, with its own
 * {@code @Configuration}: {@link ReplicationUatIT} in-process, {@link ReplicationUatTcpIT} over
 * TCP; Apache Ratis's {@code RaftBasicTests} pattern): three regions in one framework take 1,000
 * QUORUM signals over 50 entities and two signal types and, once converged, every region's store
 * service holds exactly what was written: per (type, entity) the count and the weight sum (weights
 * are multiples of 1/4, so the sums are exact in any order). A write that fails with an {@link
 * UnavailableException} (a leadership change mid-write) may or may not be stored: its (type,
 * entity) is then held to acknowledged &le; count &le; acknowledged + failed, and such writes must
 * stay rare (normally there are none).
 *
 * <p>The cluster is the test kit component's: it closes when the component deactivates.
 */
public abstract class ReplicationUatScenarios {
  private static final int SIGNALS = 1_000;
  private static final int ENTITIES = 50;
  private static final String[] TYPES = {"click", "view"};
  private static final Duration ELECTION = Duration.ofSeconds(10);
  private static final Duration CONVERGENCE = Duration.ofSeconds(20);
  private static final int MAX_UNCERTAIN = SIGNALS / 100;

  @Inject protected BundleContext context;

  @Inject
  @Filter(timeout = 30_000)
  protected SimulatedCluster cluster;

  /** Every QUORUM-acknowledged signal is on every region, exactly once, with its weight. */
  @Test
  public void everyRegionHoldsExactlyWhatWasWritten() {
    cluster.awaitLeader(ELECTION);
    // per (type, entity): acknowledged count and weight sum, failed count and weight sum
    Map<Key, double[]> written = new TreeMap<>();
    int uncertain = 0;
    for (int i = 0; i < SIGNALS; i++) {
      String type = TYPES[i % TYPES.length];
      long entity = 1 + (i / TYPES.length * 7L) % ENTITIES; // each type: all 50, 10 times
      double weight = 0.25 * (1 + i % 8);
      double[] e = written.computeIfAbsent(new Key(type, entity), k -> new double[4]);
      try {
        SignalAck ack = cluster.writeSignal(type, entity, weight);
        assertEquals(Durability.QUORUM, ack.durability());
        e[0]++;
        e[1] += weight;
      } catch (UnavailableException ex) {
        // not a refusal (those are retried): the write may or may not be stored
        uncertain++;
        e[2]++;
        e[3] += weight;
      }
    }
    assertEquals(ENTITIES * TYPES.length, written.size());
    System.out.println(
        "replication UAT over "
            + ItOptions.clusterTransport(context)
            + ": "
            + (SIGNALS - uncertain)
            + " acknowledged, "
            + uncertain
            + " uncertain");
    assertTrue(
        uncertain + " of " + SIGNALS + " writes failed (limit " + MAX_UNCERTAIN + ")",
        uncertain <= MAX_UNCERTAIN);

    cluster.awaitFullConvergence(CONVERGENCE);

    for (RegionId region : cluster.regions()) {
      Map<Key, SignalAggregate> reads =
          RegionReads.readAll(RegionReads.store(context, cluster, region), written.keySet());
      long total = 0;
      for (Map.Entry<Key, double[]> e : written.entrySet()) {
        SignalAggregate a = reads.get(e.getKey());
        double[] w = e.getValue();
        if (w[2] == 0) {
          assertEquals(region + " count of " + e.getKey(), (long) w[0], a.count());
          assertEquals(region + " weight sum of " + e.getKey(), w[1], a.weightSum(), 0.0);
        } else {
          String what = region + " " + e.getKey() + " (acked " + w[0] + ", failed " + w[2] + ")";
          assertTrue(what + ": count " + a.count(), a.count() >= w[0] && a.count() <= w[0] + w[2]);
          assertTrue(
              what + ": weight sum " + a.weightSum(),
              a.weightSum() >= w[1] && a.weightSum() <= w[1] + w[3]);
        }
        total += a.count();
      }
      String what = region + " total (uncertain " + uncertain + ")";
      assertTrue(what + ": " + total, total >= SIGNALS - uncertain && total <= SIGNALS);
    }
  }
}
