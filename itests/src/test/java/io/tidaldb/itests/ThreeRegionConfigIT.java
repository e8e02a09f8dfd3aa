package io.tidaldb.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.api.wal.WriteAheadLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
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
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Three regions in one framework, configured only through Configuration Admin: factory
 * configurations {@code io.tidaldb.wal~rN}, {@code io.tidaldb.store~rN} and {@code
 * io.tidaldb.replication~rN} for N = 0, 1, 2 over the shared in-process transport. The node feature
 * is installed with the framework held below the engine's start level, so the factory
 * configurations exist before the WAL and store components first activate (as FileInstall does in
 * the distribution) and no unconfigured default instance ever opens a directory.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ThreeRegionConfigIT {
  private static final int REGIONS = ThreeRegions.REGIONS;
  private static final int ENTITIES = 10;
  private static final int SIGNALS_PER_ENTITY = 10;
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final SignalType VIEW = SignalType.of("view");

  @Inject private BundleContext context;

  @Inject
  @Filter(timeout = 20_000)
  private ConfigurationAdmin configAdmin;

  /**
   * Installs every bundle of the node feature, but starts the framework only up to the test
   * bundle's level: the engine (10) and the console (20) start once the test has configured them.
   *
   * @return the options
   */
  @Configuration
  public Option[] config() {
    return ThreeRegions.options(60_000);
  }

  /**
   * Configures three regions, waits for their stores, writes 100 signals at QUORUM, each entity's
   * in turn at regions 0, 1 and 2 (a region that does not lead the shard forwards the write to the
   * one that does), and reads the counts back on every region: exact for an entity without an
   * uncertain write (a QUORUM write that failed other than by a refusal may or may not be stored),
   * else acknowledged &le; count &le; acknowledged + uncertain.
   */
  @Test
  public void threeRegionsReplicateQuorumWritesToEveryRegion() throws Exception {
    Path data = ItOptions.freshDirectory(ThreeRegionConfigIT.class.getSimpleName());
    ThreeRegions.configure(configAdmin, data, -1);
    ThreeRegions.start(context);

    for (int r = 0; r < REGIONS; r++) {
      int region = r;
      Node.waitFor("SignalStore of region " + region, DEADLINE)
          .until(() -> store(region), Objects::nonNull);
      Node.waitFor("Replication of region " + region, DEADLINE)
          .until(() -> service(Replication.class, region), Objects::nonNull);
      WriteAheadLog wal = service(WriteAheadLog.class, region);
      assertTrue("WAL of region " + region, wal != null && wal.shardCount() == ItOptions.SHARDS);
    }
    assertEquals(REGIONS, count(SignalStore.class));
    assertEquals(REGIONS, count(WriteAheadLog.class));

    long[] uncertain = new long[ENTITIES + 1];
    for (int entity = 1; entity <= ENTITIES; entity++) {
      for (int i = 0; i < SIGNALS_PER_ENTITY; i++) {
        writeQuorum(entity, (entity + i) % REGIONS, uncertain);
      }
    }
    long totalUncertain = Arrays.stream(uncertain).sum();
    System.out.println(
        "three regions: "
            + ENTITIES * SIGNALS_PER_ENTITY
            + " QUORUM writes acknowledged, "
            + totalUncertain
            + " uncertain writes retried");
    for (int r = 0; r < REGIONS; r++) {
      int region = r;
      for (int e = 1; e <= ENTITIES; e++) {
        EntityId entity = EntityId.of(e);
        long extra = uncertain[e];
        Node.waitFor(
                "region "
                    + region
                    + " to hold every acknowledged signal of entity "
                    + e
                    + " (uncertain "
                    + extra
                    + ")",
                DEADLINE)
            .until(
                () -> countOn(region, entity),
                n ->
                    extra == 0
                        ? n == SIGNALS_PER_ENTITY
                        : n >= SIGNALS_PER_ENTITY && n <= SIGNALS_PER_ENTITY + extra);
      }
    }

    String status = console("tidal:status");
    assertTrue(status, status.contains("replication:"));
    assertTrue(status, status.contains("LEADER"));
    assertTrue(status, status.contains("region-2"));
  }

  /**
   * Writes one view of the entity at QUORUM at {@code region} until it is acknowledged: a refusal
   * ({@link NotLeaderException}: an election is running, nothing was stored) is retried, and so is
   * any other {@link UnavailableException} (a leadership change mid-write: the signal may or may
   * not be stored), which is counted in {@code uncertain}. A region whose store is not registered
   * (yet) is waited for.
   */
  private void writeQuorum(int entity, int region, long[] uncertain) {
    Node.waitFor(
            "region " + region + " to acknowledge a QUORUM write of entity " + entity, DEADLINE)
        .until(
            () -> {
              SignalStore s = store(region);
              if (s == null) {
                return false;
              }
              try {
                s.signal(
                    TenantId.DEFAULT,
                    VIEW,
                    EntityId.of(entity),
                    1.0,
                    Timestamp.now(),
                    Durability.QUORUM);
                return true;
              } catch (NotLeaderException e) {
                return false; // nothing was stored
              } catch (UnavailableException e) {
                uncertain[entity]++; // may or may not be stored
                return false;
              }
            });
  }

  private long countOn(int region, EntityId entity) {
    SignalStore s = store(region);
    return s == null ? -1 : s.read(TenantId.DEFAULT, VIEW, entity).count();
  }

  private SignalStore store(int region) {
    return service(SignalStore.class, region);
  }

  private <T> T service(Class<T> type, int region) {
    return ThreeRegions.service(context, type, region);
  }

  private int count(Class<?> type) throws InvalidSyntaxException {
    return context.getServiceReferences(type, null).size();
  }

  private String console(String command) throws Exception {
    return ThreeRegions.console(context, command, DEADLINE);
  }
}
