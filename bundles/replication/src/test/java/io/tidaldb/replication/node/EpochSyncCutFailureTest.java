package io.tidaldb.replication.node;

import static io.tidaldb.replication.node.EpochSyncHarness.append;
import static io.tidaldb.replication.node.EpochSyncHarness.batches;
import static io.tidaldb.replication.node.EpochSyncHarness.replicate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.StorageException;
import io.tidaldb.api.replication.ReplicaState;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower that must cut its log to follow the leader, whose store fails every cut (its snapshot
 * cannot be written): before, the sync asked again and cut again every round trip, each failure an
 * ERROR with a stack trace (hundreds a second, each cut writing a snapshot); now the cut is retried
 * with exponential back-off and its cause logged once.
 */
class EpochSyncCutFailureTest {
  private static final long MILLI = 1_000_000L;

  @TempDir Path dir;

  @Test
  void shouldBackOffAndLogOnceWhileEveryCutFails() {
    try (EpochSyncHarness h = new EpochSyncHarness(dir)) {
      append(h.follower, 1, 5, 0);
      replicate(h.leader, batches(h.follower));
      append(h.follower, 1, 5, 1); // to be cut: the leader of epoch 2 never had it
      append(h.leader, 2, 10, 2);
      AtomicBoolean failing = new AtomicBoolean(true);
      AtomicInteger attempts = new AtomicInteger();
      ReplicaState store =
          (shard, position, fenceEpoch) -> {
            attempts.incrementAndGet();
            if (failing.get()) {
              throw new StorageException("snapshot of shard " + shard + " failed: disk full");
            }
            return h.follower.truncateFrom(position);
          };

      // 2,000 rounds 1 ms apart: back-off from 10 ms doubling puts tries at 0, 10, 30, 70, 150,
      // 310, 630 and 1270 ms (before: one every few rounds)
      EpochSync sync = h.syncRounds(store, 2_000, MILLI);
      assertFalse(sync.synced());
      assertTrue(attempts.get() >= 2 && attempts.get() <= 9, "cuts tried: " + attempts.get());
      assertEquals(attempts.get(), sync.cutFailures());
      assertEquals(1, sync.cutFailureLines(), "one line for the cause");

      failing.set(false);
      EpochSync recovered = h.syncRounds(store, 1_000, 10 * MILLI);
      assertTrue(recovered.synced(), "the sync ends once the store can cut");
      assertEquals(5, h.follower.nextPosition());
    }
  }
}
