package io.tidaldb.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.api.replication.ShardReplicationStatus;
import io.tidaldb.api.replication.ShardReplicationStatus.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Several regions in one framework: the console's region is chosen once, changes only by {@code
 * tidal:use}, and a store that goes away makes the commands say so instead of moving to another.
 */
class MultiRegionCommandsTest {
  static final long NOW = TidalCommandsTest.NOW;

  final Map<RegionId, SignalStore> registered = new ConcurrentHashMap<>();
  final List<Replication> replications = new ArrayList<>();
  final TidalCommands commands =
      TidalCommands.forRegions(() -> Map.copyOf(registered), () -> replications, () -> NOW);

  private TidalCommandsTest.RecordingStore register(int region) {
    TidalCommandsTest.RecordingStore s = new TidalCommandsTest.RecordingStore();
    registered.put(RegionId.of(region), s);
    return s;
  }

  /** A replication of {@code region} whose shards 0..3 are all led by {@code leader}. */
  private static Replication replication(int region, int leader, long contactAgeNanos) {
    return new ReplicationTableTest.FixedReplication(
        region,
        () ->
            IntStream.range(0, 4)
                .mapToObj(
                    s ->
                        new ShardReplicationStatus(
                            s,
                            5,
                            region == leader ? Role.LEADER : Role.FOLLOWER,
                            Optional.of(RegionId.of(leader)),
                            List.of()))
                .toList()) {
      @Override
      public long regionContactAgeNanos(RegionId r) {
        return r.value() == region ? 0 : contactAgeNanos;
      }
    };
  }

  @Test
  void shouldAnnounceTheLowestRegionOnceWhenSeveralAreRegistered() {
    register(2);
    TidalCommandsTest.RecordingStore zero = register(0);
    register(1);

    String first = commands.signal("default", "view", "1", "1");
    assertEquals(
        "console region: region-0 (the lowest of region-0, region-1, region-2;"
            + " tidal:use <region> to change)\n"
            + "ok: durable at LOCAL, stored by region-0: shard-2 position 17 stamp "
            + NOW
            + ".3",
        first);
    assertEquals(1, zero.calls.size());
    assertTrue(commands.read("default", "view", "42").startsWith("count=3 "));
  }

  @Test
  void shouldNeverMoveToAnotherRegionWhenTheConsoleRegionsStoreGoesAway() {
    TidalCommandsTest.RecordingStore zero = register(0);
    register(1);
    TidalCommandsTest.RecordingStore two = register(2);
    assertEquals("ok: console region is region-1", commands.use("region-1"));

    registered.remove(RegionId.of(1)); // its configuration is being changed: re-registered later
    String answer = commands.signal("default", "view", "1", "1");
    assertEquals(
        "error: store unavailable: the store of region-1 is not registered (its store or wal"
            + " bundle stopped, or its configuration is being changed); stores here: region-0,"
            + " region-2; tidal:use <region> chooses another",
        answer);
    assertTrue(commands.read("default", "view", "42").contains("the store of region-1"));
    assertEquals(0, zero.calls.size() + two.calls.size(), "no other region took the write");

    TidalCommandsTest.RecordingStore back = register(1);
    assertTrue(
        commands.signal("default", "view", "1", "1").contains("stored by region-1"),
        "the console region's store is used again once it is back");
    assertEquals(1, back.calls.size());
    assertEquals(Optional.of(RegionId.of(1)), commands.consoleRegion());
  }

  @Test
  void shouldRefuseToUseARegionWithoutAStoreHereAndKeepTheConsoleRegion() {
    register(0);
    register(1);
    commands.use("1");
    assertEquals(
        "error: no store of region-5 is registered in this node (stores here: region-0,"
            + " region-1); the console region stays region-1",
        commands.use("5"));
    assertEquals(
        "error: invalid region: 'x' (must be a region id such as 2 or region-2)\n"
            + ConsoleRegion.USE_USAGE,
        commands.use("x"));
    assertEquals("console region: region-1; stores here: region-0, region-1", commands.use());
    assertEquals(ConsoleRegion.USE_USAGE, commands.use("1", "2"));
  }

  @Test
  void shouldReadAnotherRegionForOneCommandWithRegionOption() {
    TidalCommandsTest.RecordingStore zero = register(0);
    register(1);
    commands.use("0");
    assertTrue(commands.read("default", "view", "42", "--region", "1").startsWith("count=3 "));
    assertTrue(
        commands
            .read("default", "view", "42", "--region", "3")
            .startsWith("error: store unavailable: the store of region-3 is not registered"));
    assertEquals(
        "error: option --region needs a value\n" + TidalCommands.READ_USAGE,
        commands.read("default", "view", "42", "--region"));
    assertEquals(TidalCommands.READ_USAGE, commands.read("default", "view", "--region", "1"));
    assertTrue(commands.top("default", "view", "2", "--region", "1").startsWith("1. entity=42"));
    commands.signal("default", "view", "1", "1");
    assertEquals(1, zero.calls.size(), "--region did not change the console's region");
  }

  @Test
  void shouldNameTheLeaderThatStoredAWriteAndTheLevelReached() {
    register(0);
    register(1);
    replications.add(replication(0, 0, 1_000_000));
    replications.add(replication(1, 0, 1_000_000));
    commands.use("1");
    String at = "shard-2 position 17 stamp " + NOW + ".3";
    assertEquals(
        "ok: durable at LOCAL, stored by region-0 alone so far (shard-2's leader, via region-1): "
            + at,
        commands.signal("default", "view", "1", "1"));
    assertEquals(
        "ok: durable at QUORUM, stored by a majority of the regions (leader region-0, via"
            + " region-1): "
            + at,
        commands.signal("default", "view", "1", "1", "--durability", "quorum"));
    commands.use("0");
    assertEquals(
        "ok: durable at LOCAL, stored by region-0 alone so far (shard-2's leader): " + at,
        commands.signal("default", "view", "1", "1"));
    assertEquals(
        "ok: durable at ALL, stored by every region (leader region-0): " + at,
        commands.signal("default", "view", "1", "1", "--durability", "all"));
  }

  @Test
  void shouldStillAcknowledgeWhenTheReplicationDoesNotNameTheLeader() {
    register(1);
    replications.add(
        new ReplicationTableTest.FixedReplication(
            1,
            () -> {
              throw new io.tidaldb.api.UnavailableException("status: no answer in 1 s");
            }));
    assertEquals(
        "ok: durable at LOCAL, stored by shard-2's leader alone so far (via region-1): shard-2"
            + " position 17 stamp "
            + NOW
            + ".3",
        commands.signal("default", "view", "1", "1"));
  }

  @Test
  void shouldListRegionsUpOrDownWithLastHeardAndShardsLed() {
    register(0);
    replications.add(replication(0, 0, 12_000_000));
    replications.add(replication(1, 0, 12_000_000)); // region 1: replication here, no store
    commands.use("0");
    String table = commands.regions();
    assertEquals(
        String.join(
            "\n",
            "region      state                              last heard  leads",
            "region-0 *  up (here)                          -           shard-0 shard-1 shard-2"
                + " shard-3",
            "region-1    down (here: store not registered)  -           -",
            "region-2    up                                 12 ms ago   -",
            "* the console's region (tidal:use <region> to change)"),
        table);
  }

  @Test
  void shouldShowARegionNeverHeardFromOrSilentTooLongAsDown() {
    register(0);
    replications.add(replication(0, 0, -1));
    assertTrue(commands.regions().contains("region-1  down       never"), commands.regions());
    replications.set(0, replication(0, 0, (RegionsCommand.SILENT_MILLIS + 1) * 1_000_000));
    assertTrue(commands.regions().contains("region-2  down       3001 ms ago"), commands.regions());
  }

  @Test
  void shouldPrintStatusAsJsonWithTheConsoleRegionAndReplication() {
    register(0);
    register(1);
    replications.add(replication(1, 1, 0));
    commands.use("1");
    String json = commands.status("--json");
    assertTrue(json.startsWith("{\"consoleRegion\":\"region-1\",\"region\":\"region-0\""), json);
    assertTrue(
        json.contains(
            "\"shards\":[{\"shard\":0,\"walStart\":0,\"next\":501,\"durable\":501,\"applied\":501,"
                + "\"snapshot\":0,\"entities\":40,\"localDurable\":0}]"),
        json);
    assertTrue(
        json.contains(
            "\"replication\":[{\"region\":\"region-1\",\"shards\":[{\"shard\":0,\"role\":"
                + "\"LEADER\",\"leader\":\"region-1\",\"epoch\":5,\"problem\":null,\"regions\":[]}"),
        json);
    assertTrue(json.endsWith("]}]}"), json);
    assertEquals(
        "{\"error\":\"store unavailable: the store of region-7 is not registered (its store or wal"
            + " bundle stopped, or its configuration is being changed); stores here: region-0,"
            + " region-1; tidal:use <region> chooses another\"}",
        commands.status("--json", "--region", "7"));
    assertEquals(
        "error: unknown option '--yaml'\n" + StatusCommand.USAGE, commands.status("--yaml"));
  }
}
