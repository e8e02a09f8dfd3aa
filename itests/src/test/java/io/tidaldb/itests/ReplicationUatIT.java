package io.tidaldb.itests;

import static org.junit.Assert.assertEquals;

import io.tidaldb.api.Durability;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalAggregate;
import io.tidaldb.itests.RegionReads.Key;
import io.tidaldb.testkit.SimulatedCluster;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.ops4j.pax.exam.util.Filter;
import org.osgi.framework.BundleContext;

/**
 * Acceptance: three regions in one framework ({@code TidalOptions.threeRegionCluster}) take 1,000
 * QUORUM signals over 50 entities and two signal types and, once converged, every region's store
 * service holds exactly what was written: per (type, entity) the count and the weight sum (weights
 * are multiples of 1/4, so the sums are exact in any order).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ReplicationUatIT {
  private static final int SIGNALS = 1_000;
  private static final int ENTITIES = 50;
  private static final String[] TYPES = {"click", "view"};
  private static final Duration ELECTION = Duration.ofSeconds(10);
  private static final Duration CONVERGENCE = Duration.ofSeconds(20);

  @Inject private BundleContext context;

  @Inject
  @Filter(timeout = 30_000)
  private SimulatedCluster cluster;

  /**
   * Provisions the feature, the test kit and its three-region cluster.
   *
   * @return the options
   */
  @Configuration
  public Option[] config() {
    return ItOptions.cluster(ReplicationUatIT.class);
  }

  /** Every QUORUM-acknowledged signal is on every region, exactly once, with its weight. */
  @Test
  public void everyRegionHoldsExactlyWhatWasWritten() {
    cluster.awaitLeader(ELECTION);
    Map<Key, double[]> written = new TreeMap<>();
    for (int i = 0; i < SIGNALS; i++) {
      String type = TYPES[i % TYPES.length];
      long entity = 1 + (i / TYPES.length * 7L) % ENTITIES; // each type: all 50, 10 times
      double weight = 0.25 * (1 + i % 8);
      SignalAck ack = cluster.writeSignal(type, entity, weight);
      assertEquals(Durability.QUORUM, ack.durability());
      double[] e = written.computeIfAbsent(new Key(type, entity), k -> new double[2]);
      e[0]++;
      e[1] += weight;
    }
    assertEquals(ENTITIES * TYPES.length, written.size());

    cluster.awaitFullConvergence(CONVERGENCE);

    for (RegionId region : cluster.regions()) {
      Map<Key, SignalAggregate> reads =
          RegionReads.readAll(RegionReads.store(context, cluster, region), written.keySet());
      long total = 0;
      for (Map.Entry<Key, double[]> e : written.entrySet()) {
        SignalAggregate a = reads.get(e.getKey());
        assertEquals(region + " count of " + e.getKey(), (long) e.getValue()[0], a.count());
        assertEquals(region + " weight sum of " + e.getKey(), e.getValue()[1], a.weightSum(), 0.0);
        total += a.count();
      }
      assertEquals(region + " total", SIGNALS, total);
    }
  }
}
