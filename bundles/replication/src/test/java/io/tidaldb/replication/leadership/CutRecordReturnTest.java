package io.tidaldb.replication.leadership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.RegionId;
import io.tidaldb.replication.leadership.SimCluster.MemoryEpochStore;
import io.tidaldb.replication.leadership.SimCluster.MutableLog;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 9, 2a: can a record a follower cut come back to it through a later leader's log? The vote
 * rule decides, so this drives the real state machines' votes (messages passed by hand, logs set as
 * the scenario leaves them). With five regions it can, so the store's cut must remove the effect of
 * the foreign-origin records it cuts (the store side: {@code ForeignCutTest}); with three it cannot
 * unless the follower voted while the record was still pending (the 2a race).
 */
class CutRecordReturnTest {
  private static final long MS = 1_000_000L;

  /** One region: its state machine, its log's facts, and the votes it sent. */
  private static final class Region {
    final MutableLog log = new MutableLog();
    final List<String> sent = new ArrayList<>();
    final List<String> events = new ArrayList<>();
    final ShardLeadership machine;

    Region(List<RegionId> regions, RegionId self) {
      LeadershipOutbox outbox = new VoteRecorder(sent);
      LeadershipListener listener =
          new LeadershipListener() {
            @Override
            public void onBecomeLeader(long epoch) {
              events.add("leader " + epoch);
            }

            @Override
            public void onBecomeFollower(RegionId leader, long epoch) {}

            @Override
            public void onLeaderLost() {}

            @Override
            public void onEpochRaised(long epoch) {
              events.add("raised " + epoch + " at hwm " + log.hwm);
            }
          };
      machine =
          new ShardLeadership(
              LeadershipConfig.withDefaults(regions, self, 7),
              log,
              new MemoryEpochStore(),
              outbox,
              listener,
              0);
    }

    void at(long lastEpoch, long hwm) {
      log.lastEpoch = lastEpoch;
      log.hwm = hwm;
    }

    /** Asks this region for its vote; returns whether it granted it. */
    boolean asked(RegionId candidate, long epoch, long lastEpoch, long hwm, long now) {
      machine.onVoteRequest(candidate, epoch, lastEpoch, hwm, now);
      String last = sent.get(sent.size() - 1);
      assertTrue(last.startsWith("vote " + candidate + " "), last);
      return last.endsWith("true");
    }
  }

  private static List<RegionId> regions(int n) {
    List<RegionId> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(RegionId.of(i));
    }
    return list;
  }

  @Test
  void shouldLetACutForeignRecordComeBackWithFiveRegions() {
    List<RegionId> ids = regions(5);
    RegionId a = ids.get(0);
    RegionId b = ids.get(1);
    RegionId c = ids.get(2);
    List<Region> r = new ArrayList<>();
    for (RegionId id : ids) {
      r.add(new Region(ids, id));
    }
    // Epoch 1, led by A: [0, 3) is on every region; R = [3, 6) reached only A and B.
    for (Region region : r) {
      region.at(1, 3);
    }
    r.get(0).at(1, 6);
    r.get(1).at(1, 6);

    // A falls silent; C runs for epoch 2: B refuses (C lacks R), D and E grant: C wins 3 of 5.
    assertFalse(r.get(1).asked(c, 2, 1, 3, 300 * MS));
    assertTrue(r.get(3).asked(c, 2, 1, 3, 300 * MS));
    assertTrue(r.get(4).asked(c, 2, 1, 3, 300 * MS));

    // B follows C and cuts R; C fails before any batch of epoch 2 is durable anywhere.
    r.get(1).at(1, 3);

    // A runs for epoch 3 with R: B, D and E are behind it, so it wins and ships R to B again.
    assertTrue(r.get(1).asked(a, 3, 1, 6, 900 * MS), "B grants: A's (1, 6) is ahead of its (1, 3)");
    assertTrue(r.get(3).asked(a, 3, 1, 6, 900 * MS));
    assertTrue(r.get(4).asked(a, 3, 1, 6, 900 * MS));
  }

  @Test
  void shouldNotLetAFollowerCutARecordItHadDurableWithThreeRegions() {
    List<RegionId> ids = regions(3);
    RegionId c = ids.get(2);
    Region a = new Region(ids, ids.get(0));
    Region b = new Region(ids, ids.get(1));
    // A (epoch 1) and B have R = [3, 6) durable; C does not: C cannot win epoch 2.
    a.at(1, 6);
    b.at(1, 6);
    assertFalse(b.asked(c, 2, 1, 3, 300 * MS));
    assertFalse(a.asked(c, 2, 1, 3, 300 * MS));
    // The epoch was raised (and the acks of epoch 1 fenced) before the log was compared.
    assertEquals("raised 2 at hwm 6", b.events.get(0));
  }
}
