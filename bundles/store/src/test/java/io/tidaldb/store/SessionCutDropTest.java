package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.wal.RecordCursor;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import io.tidaldb.api.wal.WalRecordKind;
import io.tidaldb.crdt.CrdtSignalState;
import io.tidaldb.crdt.ReplicaIds;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cut (issue 12) removes the effect of exactly the suffix's {@code QUORUM} and {@code ALL}
 * session records and keeps every other record's (plain signals, {@code LOCAL} session records):
 * after {@link ShardTruncation} each entity's count, weight sum and log entry end equal those of a
 * model that applies, in log order, every record of the log but the dropped ones; also after
 * recovery, after a crash between the fenced snapshot and the cut itself, and whether the entries
 * are rebuilt from a snapshot below the cut or from the log's start. Seeded (prints its seed).
 */
class SessionCutDropTest {
  private static final long FENCE = SessionRegions.EPOCH + 1;

  @TempDir Path dir;

  /** One signal of the log, as read before the cut. */
  private record Rec(
      long epoch,
      long position,
      int series,
      long entity,
      double weight,
      long eventTime,
      long hlc,
      boolean dropped,
      boolean session) {}

  private record Key(int shard, int series, long entity) {}

  /** Where a crash interrupts the cut ({@link ShardTruncation}'s steps). */
  private enum Crash {
    NONE,
    /** After (b), the fenced snapshot: the log is not cut yet. */
    BEFORE_THE_CUT,
    /** After (d), the cut: the snapshot at the cut still carries the fence. */
    BEFORE_THE_UNFENCED_SNAPSHOT
  }

  @Test
  void shouldRemoveExactlyTheQuorumAndAllSessionRecordsRebuildingFromASnapshotBelowTheCut() {
    cutAndCompare(true, Crash.NONE);
  }

  @Test
  void shouldRemoveExactlyTheQuorumAndAllSessionRecordsRebuildingFromTheLogStart() {
    cutAndCompare(false, Crash.NONE);
  }

  @Test
  void shouldRecoverTheSameStateAfterACrashBetweenTheFencedSnapshotAndTheCut() {
    cutAndCompare(true, Crash.BEFORE_THE_CUT);
  }

  @Test
  void shouldRecoverTheSameStateAfterACrashBetweenTheCutAndTheUnfencedSnapshot() {
    cutAndCompare(false, Crash.BEFORE_THE_UNFENCED_SNAPSHOT);
  }

  private void cutAndCompare(boolean snapshotBelowCut, Crash crash) {
    long seed = Long.getLong("tidal.seed", System.nanoTime());
    try (SessionRegions r = new SessionRegions(dir, seed)) {
      r.write(150);
      long[] early = SessionRegions.ends(r.a);
      r.write(150);
      long[] cut = SessionRegions.ends(r.a);
      r.write(200); // the suffix: B holds it, the next leader does not

      StoreFixture b = r.follower("b", 1);
      SessionRegions.feed(r.a, b, early);
      if (snapshotBelowCut) {
        checkpoint(b);
      }
      SessionRegions.feedAll(r.a, b);
      checkpoint(b); // a snapshot above the cut: the cut deletes it
      List<List<Rec>> log = new ArrayList<>();
      int[] suffix = new int[3]; // dropped, LOCAL session, plain
      for (int i = 0; i < StoreFixture.SHARDS; i++) {
        log.add(records(b, i, cut[i], suffix));
      }
      String what = "seed " + seed;
      assertTrue(
          suffix[0] > 0 && suffix[1] > 0 && suffix[2] > 0,
          what
              + ": the suffix holds dropped, LOCAL session and plain signals: "
              + suffix[0]
              + ", "
              + suffix[1]
              + ", "
              + suffix[2]);

      for (int i = 0; i < StoreFixture.SHARDS; i++) {
        if (crash == Crash.NONE) {
          b.store.truncateLog(i, cut[i], FENCE);
        } else {
          ShardTruncation.persistCut(b.store.shardState(i), cut[i], FENCE);
          if (crash == Crash.BEFORE_THE_UNFENCED_SNAPSHOT) {
            b.wal.shard(i).truncateFrom(cut[i]);
          }
        }
      }
      if (crash != Crash.NONE) {
        b.reopenWithoutCheckpoint(); // recovery finishes the cut from the fenced snapshot
      }
      Map<Key, CrdtSignalState> expected = model(b, log);
      assertStates(expected, b, what + ": after the cut");
      b.reopenWithoutCheckpoint();
      assertStates(expected, b, what + ": after recovery");
      for (int i = 0; i < StoreFixture.SHARDS; i++) {
        assertEquals(cut[i], b.wal.shard(i).durablePosition(), what + ": shard " + i + " cut");
      }
    }
  }

  /** The signals of shard {@code i} at {@code f}, counting the suffix's kinds into {@code n}. */
  private static List<Rec> records(StoreFixture f, int i, long cut, int[] n) {
    List<Rec> out = new ArrayList<>();
    try (WalReader reader = f.wal.shard(i).openReader(0)) {
      for (WalBatch batch = reader.next(); batch != null; batch = reader.next()) {
        RecordCursor c = batch.records();
        while (c.next()) {
          byte kind = c.kind();
          if (kind != WalRecordKind.SIGNAL && kind != WalRecordKind.SIGNAL_S) {
            continue;
          }
          boolean session = kind == WalRecordKind.SIGNAL_S;
          boolean dropped = c.position() >= cut && session && c.durability() != Durability.LOCAL;
          if (c.position() >= cut) {
            n[dropped ? 0 : session ? 1 : 2]++;
          }
          out.add(
              new Rec(
                  batch.epoch(),
                  c.position(),
                  c.seriesId(),
                  c.entity(),
                  c.weight(),
                  c.eventTimeMillis(),
                  c.hlc(),
                  dropped,
                  session));
        }
      }
    }
    return out;
  }

  /** Applies every kept signal of a series still bound at {@code f}, in log order. */
  private static Map<Key, CrdtSignalState> model(StoreFixture f, List<List<Rec>> log) {
    Map<Key, CrdtSignalState> states = new HashMap<>();
    for (int i = 0; i < log.size(); i++) {
      SeriesRegistry registry = f.store.shardState(i).registry;
      for (Rec rec : log.get(i)) {
        SeriesRegistry.Series series = registry.get(rec.series());
        if (rec.dropped() || series == null) {
          continue;
        }
        states
            .computeIfAbsent(new Key(i, rec.series(), rec.entity()), k -> new CrdtSignalState())
            .applyAt(
                ReplicaIds.log(rec.epoch()),
                rec.position(),
                rec.weight(),
                rec.eventTime(),
                rec.hlc(),
                series.decay());
      }
    }
    return states;
  }

  private static void assertStates(
      Map<Key, CrdtSignalState> expected, StoreFixture f, String what) {
    Map<Key, CrdtSignalState> actual = new HashMap<>();
    for (int i = 0; i < StoreFixture.SHARDS; i++) {
      int shard = i;
      ShardState s = f.store.shardState(i);
      s.lock.readLock().lock();
      try {
        s.states.forEach(
            (series, entity, state) -> {
              if (!state.isEmpty()) {
                actual.put(new Key(shard, series, entity), state.copy());
              }
            });
      } finally {
        s.lock.readLock().unlock();
      }
    }
    expected.values().removeIf(CrdtSignalState::isEmpty);
    Set<Key> extra = new HashSet<>(actual.keySet());
    extra.removeAll(expected.keySet());
    Set<Key> missing = new HashSet<>(expected.keySet());
    missing.removeAll(actual.keySet());
    assertEquals(Set.of(), extra, what + ": entities counted that the model does not hold");
    assertEquals(Set.of(), missing, what + ": entities the model holds, not counted");
    long log = ReplicaIds.log(SessionRegions.EPOCH);
    for (Map.Entry<Key, CrdtSignalState> e : expected.entrySet()) {
      CrdtSignalState a = actual.get(e.getKey());
      CrdtSignalState x = e.getValue();
      String at = what + ": " + e.getKey();
      assertEquals(x.count(), a.count(), at + " count");
      assertEquals(x.weightSum(), a.weightSum(), at + " weight sum");
      assertEquals(x.entryEnd(log), a.entryEnd(log), at + " entry end");
      assertEquals(x.replicaCount(), a.replicaCount(), at + " entries");
    }
  }

  private static void checkpoint(StoreFixture f) {
    for (int i = 0; i < StoreFixture.SHARDS; i++) {
      f.store.shardState(i).checkpoint(CatchUpRegions.TIMEOUT);
    }
  }
}
