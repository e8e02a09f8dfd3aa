package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.reconcile.EntityKey;
import io.tidaldb.api.reconcile.EntityState;
import io.tidaldb.api.reconcile.ReconcileState;
import io.tidaldb.api.wal.RecordCursor;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rule of issue 12's reconcile-before-cut gap at the store: {@code ReconcileState.states} gives
 * no state away that holds a {@code QUORUM}/{@code ALL} session record at or above the shard's
 * known commit ({@code ReplicaState.onCommitted}); {@code LOCAL} session records and plain signals
 * hold nothing back. Checked against a model of the log (per entity its highest such position) on a
 * follower fed a seeded mix: with no commit known, as the commit rises, after a cut removes a
 * suffix (its records' entries go, the prefix's stay), after a restart from a snapshot that holds
 * them (the commit is 0 again: the log below the snapshot is read), once the commit passes
 * everything, and after a restart that replays the log; a single region withholds nothing. Prints
 * its seed.
 */
class PendingSessionStatesTest {
  private static final long FENCE = SessionRegions.EPOCH + 1;

  @TempDir Path dir;

  private record Key(int shard, int series, long entity) {}

  @Test
  void shouldWithholdExactlyTheStatesOfUncommittedQuorumAndAllSessionRecords() {
    long seed = Long.getLong("tidal.seed", System.nanoTime());
    String what = "seed " + seed;
    try (SessionRegions r = new SessionRegions(dir, seed)) {
      r.write(300);
      long[] cut = SessionRegions.ends(r.a);
      r.write(200); // the suffix the follower cuts below
      StoreFixture b = r.follower("b", 1);
      SessionRegions.feedAll(r.a, b);
      long[] ends = SessionRegions.ends(b);

      Map<Key, Long> pending = pendingPositions(b, new long[StoreFixture.SHARDS]);
      assertTrue(pending.size() > 10, what + ": QUORUM/ALL session records: " + pending.size());
      long[] none = new long[StoreFixture.SHARDS];
      assertGiven(b, pending, none, what + ": no commit known");

      long[] half = new long[StoreFixture.SHARDS];
      for (int i = 0; i < half.length; i++) {
        half[i] = cut[i] / 2;
        b.store.onCommitted(i, half[i]);
        b.store.onCommitted(i, half[i] / 2); // never lowers it
      }
      assertGiven(b, pending, half, what + ": commit at half the prefix");

      for (int i = 0; i < StoreFixture.SHARDS; i++) {
        b.store.truncateLog(i, cut[i], FENCE);
      }
      Map<Key, Long> prefix = pendingPositions(b, new long[StoreFixture.SHARDS]);
      assertGiven(b, prefix, half, what + ": after the cut");

      // the cut wrote a snapshot at the cut: the records below it are read from the retained log
      b.reopenWithoutCheckpoint();
      assertGiven(b, prefix, new long[StoreFixture.SHARDS], what + ": after a restart, commit 0");

      for (int i = 0; i < StoreFixture.SHARDS; i++) {
        b.store.onCommitted(i, ends[i]);
      }
      assertGiven(b, Map.of(), ends, what + ": everything committed");
      assertGiven(r.a, Map.of(), none, what + ": a single region withholds nothing");
    }
  }

  @Test
  void shouldWithholdTheReplayedRecordsAfterARestartUntilTheCommitIsKnownAgain() {
    long seed = Long.getLong("tidal.seed", System.nanoTime());
    String what = "seed " + seed;
    try (SessionRegions r = new SessionRegions(dir, seed)) {
      r.write(300);
      StoreFixture b = r.follower("b", 1);
      SessionRegions.feedAll(r.a, b);
      long[] ends = SessionRegions.ends(b);
      for (int i = 0; i < StoreFixture.SHARDS; i++) {
        b.store.onCommitted(i, ends[i]);
      }
      Map<Key, Long> none = Map.of();
      assertGiven(b, none, ends, what + ": all committed");
      b.reopenWithoutCheckpoint(); // no snapshot: the whole log is replayed, the commit is 0
      Map<Key, Long> pending = pendingPositions(b, new long[StoreFixture.SHARDS]);
      assertTrue(!pending.isEmpty(), what);
      assertGiven(b, pending, new long[StoreFixture.SHARDS], what + ": after the restart");
      for (int i = 0; i < StoreFixture.SHARDS; i++) {
        b.store.onCommitted(i, ends[i]);
      }
      assertGiven(b, pending, ends, what + ": the first commit known again");
    }
  }

  /**
   * Per entity of {@code f}'s logs, the highest position of a QUORUM/ALL session record at or above
   * {@code from}.
   */
  private static Map<Key, Long> pendingPositions(StoreFixture f, long[] from) {
    Map<Key, Long> out = new HashMap<>();
    for (int i = 0; i < StoreFixture.SHARDS; i++) {
      try (WalReader reader = f.wal.shard(i).openReader(f.wal.shard(i).startPosition())) {
        for (WalBatch batch = reader.next(); batch != null; batch = reader.next()) {
          RecordCursor c = batch.records();
          while (c.next()) {
            if (c.position() >= from[i] && CutDrops.dropped(c)) {
              out.merge(new Key(i, c.seriesId(), c.entity()), c.position(), Math::max);
            }
          }
        }
      }
    }
    return out;
  }

  /**
   * Asks {@code f} for the state of every entity it holds and checks that exactly those whose
   * highest pending position lies at or above the shard's commit are left out.
   */
  private static void assertGiven(
      StoreFixture f, Map<Key, Long> pending, long[] committed, String what) {
    ReconcileState reconcile = f.store.reconcileState();
    int withheld = 0;
    int given = 0;
    for (int i = 0; i < StoreFixture.SHARDS; i++) {
      ShardState s = f.store.shardState(i);
      Map<Key, SeriesRegistry.Series> keys = new HashMap<>();
      s.lock.readLock().lock();
      try {
        int shard = i;
        s.states.forEach(
            (series, entity, state) -> {
              if (!state.isEmpty()) {
                keys.put(new Key(shard, series, entity), s.registry.get(series));
              }
            });
      } finally {
        s.lock.readLock().unlock();
      }
      for (Map.Entry<Key, SeriesRegistry.Series> e : keys.entrySet()) {
        Key k = e.getKey();
        SeriesRegistry.Series series = e.getValue();
        List<EntityState> states =
            reconcile.states(i, series.tenant(), List.of(new EntityKey(series.type(), k.entity())));
        Long highest = pending.get(k);
        boolean expectWithheld = highest != null && highest >= committed[i];
        assertEquals(
            expectWithheld ? 0 : 1,
            states.size(),
            what
                + ": "
                + k
                + " highest pending "
                + highest
                + ", commit "
                + committed[i]
                + ", store's entry "
                + describe(s, k));
        if (expectWithheld) {
          withheld++;
        } else {
          given++;
        }
      }
    }
    System.out.println(what + ": " + withheld + " states withheld, " + given + " given");
    assertTrue(given > 0, what + ": some states given");
  }

  private static String describe(ShardState s, Key k) {
    List<Object> parts = new ArrayList<>();
    parts.add(s.pending.pending(k.series(), k.entity()));
    parts.add(s.pending.committed());
    parts.add(s.pending.trackedFrom());
    return parts.toString();
  }
}
