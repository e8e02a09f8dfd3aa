package io.tidaldb.replication.node;

import static io.tidaldb.replication.node.EpochSyncHarness.append;
import static io.tidaldb.replication.node.EpochSyncHarness.batches;
import static io.tidaldb.replication.node.EpochSyncHarness.replicate;
import static io.tidaldb.replication.node.EpochSyncHarness.upTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The epoch sync ends at the true divergence point for any two logs that obey log matching: a
 * shared prefix (the same batches), the last shared epoch continued by both for a while (both hold
 * a prefix of its leader's batches), then epochs that only one of them holds, interleaved in any
 * order (KIP-279's case among them). Afterwards the follower's log is a prefix of the leader's,
 * exactly as long as the common prefix, and the leader's batches from there make the logs equal.
 */
class EpochSyncPropertiesTest {

  @Property(tries = 40)
  void shouldCutTheFollowerExactlyWhereItsLogPartsFromTheLeaders(@ForAll long seed) {
    Path dir = TestDirs.create("epoch-sync");
    Random r = new Random(seed);
    try (EpochSyncHarness h = new EpochSyncHarness(dir);
        WalEngine sourceWal =
            WalEngine.open(WalConfig.builder(dir.resolve("source")).shardCount(1).build())) {
      ShardLog source = sourceWal.shard(0); // the logs of the leaders of the shared epochs
      int tag = 0;
      long next = r.nextInt(2);
      long last = -1;
      for (int k = r.nextInt(4); k > 0; k--) {
        last = next;
        next += 1 + r.nextInt(2);
        for (int calls = 1 + r.nextInt(2); calls > 0; calls--) {
          append(source, last, 1 + r.nextInt(3), tag++);
        }
      }
      List<Long> ends = new ArrayList<>(List.of(source.durablePosition()));
      if (last >= 0) {
        for (int x = r.nextInt(4); x > 0; x--) {
          append(source, last, 1 + r.nextInt(3), tag++);
          ends.add(source.durablePosition());
        }
      }
      int a = r.nextInt(ends.size());
      int b = r.nextInt(ends.size());
      replicate(h.follower, upTo(batches(source), ends.get(a)));
      replicate(h.leader, upTo(batches(source), ends.get(b)));
      StringBuilder story = new StringBuilder("seed " + seed + ": shared to " + ends);
      for (long e = next; e < next + 8; e++) {
        int side = r.nextInt(3);
        if (side < 2) {
          ShardLog log = side == 0 ? h.follower : h.leader;
          story.append(side == 0 ? ", follower e" : ", leader e").append(e);
          for (int calls = 1 + r.nextInt(2); calls > 0; calls--) {
            append(log, e, 1 + r.nextInt(3), tag++);
          }
        }
      }
      long common = ends.get(Math.min(a, b));

      h.syncAndCatchUp();

      assertEquals(common, h.syncedAt, story + "; cuts " + h.cuts);
      assertEquals(batches(h.leader), batches(h.follower), story.toString());
    } finally {
      TestDirs.delete(dir);
    }
  }
}
