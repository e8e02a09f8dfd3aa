package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cut of the log takes the cut session records out of the session table: after {@link
 * ShardTruncation} the table equals the table of a store fed only the surviving prefix (while the
 * CRDT state keeps the cut records' effect, issue 11), also after recovery, whether the table is
 * rebuilt from a snapshot below the cut or from the log's start.
 */
class SessionTableCutTest {
  @TempDir Path dir;

  @Test
  void shouldRebuildTheSessionTableOfTheSurvivingPrefixFromASnapshotBelowTheCut() {
    cutAndCompare(true);
  }

  @Test
  void shouldRebuildTheSessionTableOfTheSurvivingPrefixFromTheLogStart() {
    cutAndCompare(false);
  }

  private void cutAndCompare(boolean snapshotBelowCut) {
    long seed = Long.getLong("tidal.seed", System.nanoTime());
    try (SessionRegions r = new SessionRegions(dir, seed)) {
      r.write(150);
      long[] early = SessionRegions.ends(r.a);
      r.write(150);
      long[] cut = SessionRegions.ends(r.a);
      r.write(200); // the suffix: B gets it, the next leader does not

      StoreFixture b = r.follower("b", 1);
      SessionRegions.feed(r.a, b, early);
      if (snapshotBelowCut) {
        checkpoint(b);
      }
      SessionRegions.feedAll(r.a, b);
      checkpoint(b); // a snapshot above the cut: the cut deletes it
      List<ByteBuffer> before = SessionRegions.tables(b);

      StoreFixture prefix = r.follower("prefix", 2);
      SessionRegions.feed(r.a, prefix, cut);
      List<ByteBuffer> expected = SessionRegions.tables(prefix);

      for (int i = 0; i < StoreFixture.SHARDS; i++) {
        b.store.truncateLog(i, cut[i], SessionRegions.EPOCH + 1);
        assertNotEquals(
            expected.get(i), before.get(i), "seed " + seed + ": the suffix fed shard " + i);
      }
      assertEquals(expected, SessionRegions.tables(b), "seed " + seed + ": after the cut");
      b.reopenWithoutCheckpoint();
      assertEquals(expected, SessionRegions.tables(b), "seed " + seed + ": after recovery");
    }
  }

  private static void checkpoint(StoreFixture f) {
    for (int i = 0; i < StoreFixture.SHARDS; i++) {
      f.store.shardState(i).checkpoint(CatchUpRegions.TIMEOUT);
    }
  }
}
