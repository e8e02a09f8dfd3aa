package io.tidaldb.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.api.replication.ShardReplicationStatus;
import io.tidaldb.api.replication.ShardReplicationStatus.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** {@code tidal:transfer <shard> <region>}: asks the replication that leads the shard. */
class TransferCommandTest {
  private final List<String> asked = new ArrayList<>();

  /** A replication of one region, leading shard 0 or following it, that records transfers. */
  private final class FakeReplication extends ReplicationTableTest.FixedReplication {
    private final CompletableFuture<Void> answer;

    FakeReplication(int region, Role role, CompletableFuture<Void> answer) {
      super(
          region,
          () ->
              List.of(
                  new ShardReplicationStatus(
                      0, 3, role, Optional.of(RegionId.of(1)), List.of(), Optional.empty())));
      this.answer = answer;
    }

    @Override
    public CompletableFuture<Void> transferLeadership(int shard, RegionId to) {
      asked.add(region() + " shard " + shard + " to " + to);
      return answer;
    }
  }

  @Test
  void shouldAskTheRegionThatLeadsTheShardAndPrintOnceTheTargetLeads() {
    TidalCommands commands =
        commands(
            new FakeReplication(0, Role.FOLLOWER, CompletableFuture.completedFuture(null)),
            new FakeReplication(1, Role.LEADER, CompletableFuture.completedFuture(null)));
    String out = commands.transfer("0", "region-2");
    assertTrue(out.startsWith("ok: region-2 leads shard 0 (from region-1, "), out);
    assertEquals(List.of("region-1 shard 0 to region-2"), asked);
    assertTrue(commands.transfer("0", "2").startsWith("ok: region-2 leads shard 0"));
  }

  @Test
  void shouldPrintWhyATransferFailedAndTheUsageOnBadArguments() {
    TidalCommands commands =
        commands(
            new FakeReplication(
                1,
                Role.LEADER,
                CompletableFuture.failedFuture(
                    new UnavailableException("leadership transfer of shard 0: ... gave up"))));
    assertEquals("error: leadership transfer of shard 0: ... gave up", commands.transfer("0", "2"));
    assertEquals(TidalCommands.TRANSFER_USAGE, commands.transfer("0"));
    String bad = commands.transfer("0", "north");
    assertTrue(bad.startsWith("error: invalid region: 'north'"), bad);
    assertTrue(bad.endsWith(TidalCommands.TRANSFER_USAGE), bad);
    assertTrue(
        new TidalCommands(() -> null, List::of, () -> 0L)
            .transfer("0", "2")
            .startsWith("error: no replication is registered"));
  }

  private static TidalCommands commands(Replication... replications) {
    return new TidalCommands(() -> null, () -> List.of(replications), () -> 0L);
  }
}
