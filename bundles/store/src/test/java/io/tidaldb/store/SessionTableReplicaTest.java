package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.replication.ShardSnapshot;
import io.tidaldb.session.table.SessionConfig;
import io.tidaldb.session.table.SessionTable;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every replica's session table is the same function of the shard log: a seeded mix of SIGNAL,
 * SIGNAL_S and DEFINE records appended through a leader store leaves the same table (canonical
 * encoding) and the same CRDT state at a follower fed its batches, at the follower recovered after
 * a crash from a snapshot plus replay, at the leader recovered from its log alone, and at a store
 * that installed the follower's snapshot and was fed the rest.
 */
class SessionTableReplicaTest {
  @TempDir Path dir;

  @Test
  void shouldHoldTheLeadersSessionTablesOnFollowersAfterRecoveryAndAfterAnInstall() {
    long seed = Long.getLong("tidal.seed", System.nanoTime());
    try (SessionRegions r = new SessionRegions(dir, seed)) {
      r.write(400);
      long[] mid = SessionRegions.ends(r.a);
      r.write(400);
      List<ByteBuffer> aTables = SessionRegions.tables(r.a);
      List<Object> aReads = r.reads(r.a);
      assertFedAndExpired(r, seed);

      // a follower fed the whole log, with a snapshot of every shard half-way
      StoreFixture b = r.follower("b", 1);
      SessionRegions.feed(r.a, b, mid);
      for (int i = 0; i < StoreFixture.SHARDS; i++) {
        b.store.shardState(i).checkpoint(CatchUpRegions.TIMEOUT);
      }
      SessionRegions.feedAll(r.a, b);
      r.assertSameAsA(b, aTables, aReads, "follower, seed " + seed);

      // the follower crashes: recovery = the half-way snapshot + replay of the rest
      b.reopenWithoutCheckpoint();
      for (int i = 0; i < StoreFixture.SHARDS; i++) {
        assertEquals(mid[i], b.store.shardState(i).snapshotPosition(), "seed " + seed);
      }
      r.assertSameAsA(b, aTables, aReads, "follower after snapshot + replay, seed " + seed);

      // a store installs the follower's half-way snapshot and is fed the rest
      StoreFixture c = r.follower("c", 2);
      for (int i = 0; i < StoreFixture.SHARDS; i++) {
        try (ShardSnapshot snapshot = b.store.openSnapshot(i).orElseThrow()) {
          assertEquals(mid[i], snapshot.position(), "seed " + seed);
          CatchUpRegions.transfer(snapshot, c.store, 4_093).install();
        }
      }
      SessionRegions.feedAll(r.a, c);
      r.assertSameAsA(c, aTables, aReads, "installed snapshot + feed, seed " + seed);

      // the leader crashes: it never wrote a snapshot, recovery replays its log alone
      r.a.reopenWithoutCheckpoint();
      for (int i = 0; i < StoreFixture.SHARDS; i++) {
        assertEquals(0, r.a.store.shardState(i).snapshotPosition(), "seed " + seed);
      }
      r.assertSameAsA(r.a, aTables, aReads, "leader after replay alone, seed " + seed);
    }
  }

  /** The mix reached the tables: sessions live and expired, windows held, clocks moved. */
  private static void assertFedAndExpired(SessionRegions r, long seed) {
    int live = 0;
    int tombstones = 0;
    int windows = 0;
    for (int i = 0; i < StoreFixture.SHARDS; i++) {
      SessionTable t = SessionRegions.table(r.a, i);
      live += t.liveSessions();
      tombstones += t.tombstones();
      windows += t.windowEntries();
      assertEquals(r.a.wal.shard(i).nextPosition(), t.appliedBelow(), "every record fed");
      assertTrue(t.clock() > 0, "the clock moved");
      assertTrue(
          !t.sameContentAs(new SessionTable(SessionConfig.DEFAULTS)), "shard " + i + " not empty");
    }
    System.out.println(
        "session writes "
            + r.sessionWrites
            + ": "
            + live
            + " live, "
            + tombstones
            + " tombstones, "
            + windows
            + " window entries");
    assertTrue(r.sessionWrites > 300, "seed " + seed + ": " + r.sessionWrites);
    assertTrue(r.partWrites > 60, "seed " + seed + ": " + r.partWrites + " parts");
    assertTrue(live > 0 && windows > 0, "seed " + seed + ": live " + live + ", window " + windows);
    assertTrue(tombstones > 0, "seed " + seed + ": sessions expired");
  }
}
