package io.tidaldb.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.RegionId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@link FailoverTrials} on a real three-region cluster (a few trials: the itest runs 20 and the
 * bench 100), and {@link FailoverReport}'s percentiles and summary line on fixed values.
 */
class FailoverTrialsTest {
  @Test
  void shouldMeasureEachFailoverAndLoseNoAcknowledgedWrite() {
    try (SimulatedCluster cluster = SimulatedCluster.build(ClusterConfig.threeRegions())) {
      FailoverReport r =
          FailoverTrials.run(cluster, 4, FailoverTrials.Options.defaults().withBreakdown(true));
      System.out.println(r.summary());
      System.out.print(r.breakdown());
      r.trials().forEach(System.out::println);
      assertEquals(4, r.trials().size(), r.toString());
      for (int i = 0; i < 4; i++) {
        FailoverTrial t = r.trials().get(i);
        assertEquals(i % cluster.config().shards(), t.shard(), t.toString());
        // a crash closes the region's endpoint, which the survivors see at once (issue 14): they
        // need no election timeout of silence; the floor is 10 s
        assertTrue(t.millis() >= 0 && t.millis() < 10_000, t.toString());
        // the survivors stopped naming the crashed leader before a new one acknowledged
        assertTrue(t.detected().isPresent(), t.toString());
        assertTrue(t.detected().get().compareTo(t.failover()) <= 0, t.toString());
      }
      assertEquals(0, r.ackedLost(), r.toString());
      assertEquals(0, r.duplicated(), r.toString());
      assertTrue(r.acknowledged() > 4 * 50, r.toString());
      for (RegionId region : cluster.regions()) {
        assertTrue(cluster.node(region).isRunning(), region + " left down");
      }
    }
  }

  @Test
  void shouldPrintNearestRankPercentilesInTheSummaryLine() {
    List<FailoverTrial> trials = new ArrayList<>();
    for (int ms = 1; ms <= 20; ms++) {
      trials.add(
          new FailoverTrial(
              0,
              RegionId.of(0),
              1,
              Duration.ofMillis(ms * 10L),
              Optional.empty(),
              Optional.empty(),
              Optional.empty(),
              Optional.empty()));
    }
    FailoverReport r = new FailoverReport(trials, 100, 2, 0, 0, Map.of(), 0, Duration.ofSeconds(1));
    assertEquals(
        "failover over 20 trials: p50 100 ms, p99 200 ms, max 200 ms, 0 acked lost", r.summary());
    assertEquals(180, r.percentileMillis(90));
    assertTrue(r.breakdown().contains("not sampled"), r.breakdown());
  }
}
