package io.tidaldb.replication.node;

import static io.tidaldb.replication.node.EpochSyncHarness.append;
import static io.tidaldb.replication.node.EpochSyncHarness.batches;
import static io.tidaldb.replication.node.EpochSyncHarness.replicate;
import static io.tidaldb.replication.node.EpochSyncHarness.upTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A follower's epoch sync against real logs, the leader's answers passed by hand. */
class EpochSyncTest {
  @TempDir Path dir;

  @Test
  void shouldAskAgainWhenTheLeadersAnswerNamesAnEpochThisLogNeverHad() {
    try (EpochSyncHarness h = new EpochSyncHarness(dir)) {
      // The follower led epoch 1 and wrote [e1: 0..10); the leader got only [e1: 0..5), then led
      // epoch 2 [e2: 5..15); the follower led epoch 3 meanwhile [e3: 10..20) (KIP-279's case).
      append(h.follower, 1, 5, 0);
      append(h.follower, 1, 5, 1);
      replicate(h.leader, upTo(batches(h.follower), 5));
      append(h.leader, 2, 10, 2);
      append(h.follower, 3, 10, 3);
      assertEquals(5, h.leader.endOfEpoch(1));

      int requests = h.syncAndCatchUp();

      // e3 -> the leader's e2 ends at 15, this log's e2 (none: its e1) at 10: cut at 10, ask
      // again with e1 -> e1 ends at 5 there: cut at 5, where the logs part.
      assertEquals(List.of(10L, 5L), h.cuts);
      assertEquals(2, requests, "e3, then e1 (exact: cut at 5, done)");
      assertEquals(batches(h.leader), batches(h.follower));
    }
  }

  @Test
  void shouldCutOnceWhenTheFollowerHoldsTheLeadersEpoch() {
    try (EpochSyncHarness h = new EpochSyncHarness(dir)) {
      append(h.follower, 1, 5, 0);
      replicate(h.leader, batches(h.follower));
      append(h.follower, 1, 5, 1); // accepted at LOCAL by the deposed leader of epoch 1
      append(h.leader, 2, 10, 2);

      assertEquals(1, h.syncAndCatchUp());

      assertEquals(List.of(5L), h.cuts);
      assertEquals(batches(h.leader), batches(h.follower));
    }
  }

  @Test
  void shouldKeepAFollowerWhoseLogIsAPrefixOfTheLeaders() {
    try (EpochSyncHarness h = new EpochSyncHarness(dir)) {
      append(h.leader, 1, 5, 0);
      append(h.leader, 1, 5, 1);
      replicate(h.follower, upTo(batches(h.leader), 5));
      append(h.leader, 4, 5, 2);

      assertEquals(1, h.syncAndCatchUp());

      assertEquals(List.of(), h.cuts);
      assertEquals(batches(h.leader), batches(h.follower));
    }
  }
}
