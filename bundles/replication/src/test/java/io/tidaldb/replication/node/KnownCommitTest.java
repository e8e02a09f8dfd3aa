package io.tidaldb.replication.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.replication.ReplicaState;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * What a shard's known commit takes (issue 12): a leader's quorum position only once it passed the
 * first position of the leader's own epoch (before that a majority may hold an older epoch's record
 * that a later leader still cuts); a follower's only from the leader it synced with in its epoch,
 * bounded by its own durable position; never lower; a new store hears the current value; a store
 * that throws is not asked again for the same value.
 */
class KnownCommitTest {
  private final List<long[]> told = new ArrayList<>();
  private final AtomicReference<ReplicaState> store = new AtomicReference<>(recording(told));
  private final KnownCommit commit = new KnownCommit(RegionId.of(0), 3, store::get);

  private static ReplicaState recording(List<long[]> into) {
    return new ReplicaState() {
      @Override
      public long truncateLog(int shard, long position, long fenceEpoch) {
        return 0;
      }

      @Override
      public void onCommitted(int shard, long position) {
        into.add(new long[] {shard, position});
      }
    };
  }

  @Test
  void shouldCountALeadersQuorumOnlyOnceARecordOfItsOwnEpochReachedIt() {
    commit.onQuorum(50); // not leading yet
    commit.leading(40);
    commit.onQuorum(40); // a majority holds the older epochs' records below 40 only
    assertEquals(0, commit.known());
    commit.onQuorum(41); // the epoch's first record is on a majority
    assertEquals(41, commit.known());
    commit.onQuorum(45);
    commit.onQuorum(44);
    assertEquals(45, commit.known());
    assertEquals(List.of(41L, 45L), positions());
    commit.leaderChanged(); // deposed: what it knew stays true
    commit.onQuorum(60);
    assertEquals(45, commit.known());
  }

  @Test
  void shouldTakeAFollowersCommitFromItsSyncedLeaderBoundedByItsDurablePosition() {
    commit.onDurable(30); // no leader's commit yet
    assertEquals(0, commit.known());
    commit.onLeaderCommit(20, 12);
    assertEquals(12, commit.known(), "not beyond what is durable here");
    commit.onDurable(25);
    assertEquals(20, commit.known(), "up to the leader's commit as the log grows");
    commit.onLeaderCommit(10, 25); // an older heartbeat: nothing lower
    assertEquals(20, commit.known());
    commit.leaderChanged(); // a new epoch: nothing from the old leader's commit any more
    commit.onDurable(100);
    assertEquals(20, commit.known());
    commit.onLeaderCommit(90, 100);
    assertEquals(90, commit.known());
    assertEquals(List.of(12L, 20L, 90L), positions());
  }

  @Test
  void shouldTellANewStoreTheCurrentValueAndNotRetryAStoreThatThrows() {
    commit.leading(0);
    commit.onQuorum(7);
    assertEquals(0, commit.tell(), "told already");
    List<long[]> second = new ArrayList<>();
    store.set(recording(second));
    assertEquals(1, commit.tell());
    assertEquals(7, second.get(0)[1]);
    assertEquals(3, second.get(0)[0]);
    int[] calls = new int[1];
    store.set(
        new ReplicaState() {
          @Override
          public long truncateLog(int shard, long position, long fenceEpoch) {
            return 0;
          }

          @Override
          public void onCommitted(int shard, long position) {
            calls[0]++;
            throw new IllegalStateException("closed");
          }
        });
    assertEquals(0, commit.tell());
    assertEquals(0, commit.tell());
    assertEquals(1, calls[0], "asked once for the value");
    store.set(null);
    commit.onQuorum(9);
    assertEquals(9, commit.known(), "known without a store");
  }

  private List<Long> positions() {
    List<Long> out = new ArrayList<>();
    for (long[] t : told) {
      assertEquals(3, t[0]);
      out.add(t[1]);
    }
    return out;
  }
}
