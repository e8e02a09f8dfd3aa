package io.tidaldb.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.ReplicaState;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.api.replication.ShardReplicationStatus;
import io.tidaldb.api.replication.ShardReplicationStatus.RegionProgress;
import io.tidaldb.api.replication.ShardReplicationStatus.Role;
import io.tidaldb.api.replication.ShardReplicationStatus.SnapshotProgress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** {@code tidal:status} with replication: one aligned table, by region then shard. */
class ReplicationTableTest {

  /** A replication that answers a fixed status. */
  static class FixedReplication implements Replication {
    private final RegionId region;
    private final Supplier<List<ShardReplicationStatus>> status;

    FixedReplication(int region, Supplier<List<ShardReplicationStatus>> status) {
      this.region = RegionId.of(region);
      this.status = status;
    }

    @Override
    public RegionId region() {
      return region;
    }

    @Override
    public List<RegionId> regions() {
      return List.of(RegionId.of(0), RegionId.of(1), RegionId.of(2));
    }

    @Override
    public void checkLeader(int shard) {}

    @Override
    public CompletableFuture<Void> whenStored(int shard, long position, Durability level) {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public void attach(ReplicaState state) {}

    @Override
    public void detach(ReplicaState state) {}

    @Override
    public List<ShardReplicationStatus> status() {
      return status.get();
    }
  }

  private static RegionProgress progress(int region, long hwm, long lag, long lagMillis) {
    return new RegionProgress(RegionId.of(region), hwm, lag, lagMillis);
  }

  private static final Replication LEADER_0 =
      new FixedReplication(
          0,
          () ->
              List.of(
                  new ShardReplicationStatus(
                      0,
                      3,
                      Role.LEADER,
                      Optional.of(RegionId.of(0)),
                      List.of(
                          progress(0, 12345, 0, 0),
                          progress(1, 12000, 345, 17),
                          progress(2, 12345, 0, 0)))));

  private static final Replication FOLLOWER_1 =
      new FixedReplication(
          1,
          () ->
              List.of(
                  new ShardReplicationStatus(
                      0,
                      3,
                      Role.FOLLOWER,
                      Optional.of(RegionId.of(0)),
                      List.of(progress(1, 12000, 345, 17))),
                  new ShardReplicationStatus(
                      1,
                      12,
                      Role.FOLLOWER,
                      Optional.empty(),
                      List.of(progress(1, 7, 0, 0)),
                      Optional.of("WAL stopped: disk full"))));

  @Test
  void shouldPrintOneAlignedRowPerRegionShardAndPeerSortedByRegion() {
    assertEquals(
        String.join(
            "\n",
            "replication:",
            "region    shard  role      leader    epoch  of          hwm  lag  lag ms  problem",
            "region-0      0  LEADER    region-0      3  region-0  12345    0       0  -",
            "region-0      0  LEADER    region-0      3  region-1  12000  345      17  -",
            "region-0      0  LEADER    region-0      3  region-2  12345    0       0  -",
            "region-1      0  FOLLOWER  region-0      3  region-1  12000  345      17  -",
            "region-1      1  FOLLOWER  -            12  region-1      7    0       0  WAL stopped: disk"
                + " full"),
        ReplicationTable.format(List.of(FOLLOWER_1, LEADER_0)));
  }

  @Test
  void shouldShowAFollowerCatchingUpFromASnapshotOnBothSides() {
    Optional<SnapshotProgress> acked =
        Optional.of(new SnapshotProgress(1234567, 45_200_000, 120_300_000));
    Optional<SnapshotProgress> received =
        Optional.of(new SnapshotProgress(1234567, 46_000_000, 120_300_000));
    Replication leader =
        new FixedReplication(
            0,
            () ->
                List.of(
                    new ShardReplicationStatus(
                        0,
                        3,
                        Role.LEADER,
                        Optional.of(RegionId.of(0)),
                        List.of(
                            progress(0, 2000000, 0, 0),
                            new RegionProgress(RegionId.of(1), 10, 1999990, 900, acked)))));
    Replication follower =
        new FixedReplication(
            1,
            () ->
                List.of(
                    new ShardReplicationStatus(
                        0,
                        3,
                        Role.FOLLOWER,
                        Optional.of(RegionId.of(0)),
                        List.of(new RegionProgress(RegionId.of(1), 10, 1999990, 0, received)),
                        Optional.of("WAL stopped: disk full"))));
    String table = ReplicationTable.format(List.of(leader, follower));
    assertTrue(
        table.contains(
            "region-0      0  LEADER    region-0      3  region-1       10  1999990     900"
                + "  catching up: snapshot at 1234567, 45.2 of 120.3 MB"),
        table);
    assertTrue(
        table.contains(
            "catching up: snapshot at 1234567, 46.0 of 120.3 MB; WAL stopped: disk full"),
        table);
    assertTrue(table.contains("region-0  2000000        0       0  -"), table);
  }

  @Test
  void shouldPrintNothingWithoutReplication() {
    assertEquals("", ReplicationTable.format(List.of()));
  }

  @Test
  void shouldReportAReplicationThatFailsAndKeepTheOthers() {
    Replication closed =
        new FixedReplication(
            2,
            () -> {
              throw new UnavailableException("replication of region-2 is closed");
            });
    String table = ReplicationTable.format(List.of(closed, LEADER_0));
    assertTrue(table.contains("region-0      0  LEADER"), table);
    assertTrue(
        table.endsWith(
            "error: replication of region-2 did not answer: replication of region-2 is closed"),
        table);
  }

  @Test
  void shouldAppendTheTableToTheStoreStatus() {
    TidalCommandsTest.RecordingStore store = new TidalCommandsTest.RecordingStore();
    TidalCommands commands =
        new TidalCommands(() -> store, () -> List.of(LEADER_0), () -> TidalCommandsTest.NOW);
    String status = commands.status();
    assertTrue(status.startsWith("region-0 incarnation 0"), status);
    assertTrue(
        status.contains("entities 40\nreplication:\nregion    shard  role    leader    epoch  of"),
        status);

    TidalCommands single = new TidalCommands(() -> store, () -> TidalCommandsTest.NOW);
    assertTrue(!single.status().contains("replication"), single.status());
  }
}
