package io.tidaldb.itests;

import static org.junit.Assert.assertEquals;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.options;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.SignalType;
import io.tidaldb.paxexam.TidalOptions;
import io.tidaldb.testkit.ShardCrash;
import io.tidaldb.testkit.SimulatedCluster;
import java.time.Duration;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.ops4j.pax.exam.util.Filter;

// README.md, "Testing your application with TidalDB": keep this class and the README identical.
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ReadmeExampleIT {
  @Inject
  @Filter(timeout = 30_000)
  SimulatedCluster cluster;

  @Inject
  @Filter(value = "(region=2)", timeout = 30_000)
  SignalStore region2;

  @Configuration
  public Option[] config() {
    return options(junitBundles(), TidalOptions.threeRegionCluster());
  }

  @Test
  public void viewsSurviveALeaderCrash() {
    cluster.awaitLeader(Duration.ofSeconds(10));
    cluster.writeSignal("view", 42, 1.0); // QUORUM, at the leader of entity 42's shard
    cluster.awaitFullConvergence(Duration.ofSeconds(10));
    assertEquals(1, region2.read(SignalType.of("view"), EntityId.of(42)).count());

    RegionId crashed = ShardCrash.crash(ShardId.of(0), cluster, true); // fail over, restart
    cluster.awaitFullConvergence(Duration.ofSeconds(20)); // leaders settled, restart caught up
    cluster.writeSignal("view", 42, 1.0);
    cluster.awaitFullConvergence(Duration.ofSeconds(20));
    assertEquals(
        2, cluster.node(crashed).db().read(SignalType.of("view"), EntityId.of(42)).count());
  }
}
