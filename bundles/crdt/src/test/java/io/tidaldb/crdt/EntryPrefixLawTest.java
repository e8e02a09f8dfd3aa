package io.tidaldb.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The prefix law of the issue-11 entry scheme: a single-epoch shard log of signals for a few
 * entities, regions that apply random prefixes of it (plus each its own local stream) and, in any
 * interleaving, merge each other's states, apply records again, cut their log (keeping the state)
 * and take the records again, install another region's state joined with their own, and crash back
 * to a snapshot and replay: once every region caught up and gossiped, every entity's state equals,
 * bit for bit, the state of applying each record exactly once.
 */
class EntryPrefixLawTest {
  static final DecayModel DECAY = History.DECAY;

  /** A record of one stream: its position and the signal of one entity. */
  record Rec(long position, int entity, double weight, long eventTime, long hlc) {
    boolean applyTo(CrdtSignalState[] states, long replica) {
      return states[entity].applyAt(replica, position, weight, eventTime, hlc, DECAY);
    }
  }

  /** A region: its per-entity states, how far it applied the log and its local stream. */
  static final class Region {
    final long local;
    final List<Rec> localStream;
    CrdtSignalState[] states;
    int applied;
    int target;
    int localApplied;
    CrdtSignalState[] snapshot;
    int snapshotApplied;

    Region(int index, int entities, List<Rec> localStream, int target) {
      this.local = ReplicaIds.local(index + 1, 0);
      this.localStream = localStream;
      this.states = fresh(entities);
      this.snapshot = fresh(entities);
      this.target = target;
    }

    void mergeFrom(CrdtSignalState[] other) {
      for (int e = 0; e < states.length; e++) {
        states[e].merge(other[e]);
      }
    }
  }

  @Property(tries = 400, seed = "42101")
  void everyRecordCountsOnceWhateverPrefixesMergesCutsAndReplaysTheRegionsSaw(@ForAll long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    long log = ReplicaIds.log(random.nextInt(4));
    int entities = 1 + random.nextInt(4);
    long firstPosition = random.nextInt(3) == 0 ? 0 : random.nextLong(1_000_000);
    List<Rec> history = stream(random, entities, firstPosition, random.nextInt(80));
    Region[] regions = new Region[2 + random.nextInt(3)];
    for (int r = 0; r < regions.length; r++) {
      List<Rec> local = stream(random, entities, 0, random.nextInt(12));
      regions[r] = new Region(r, entities, local, random.nextInt(history.size() + 1));
    }
    String context = "seed " + seed;
    for (int step = 0, steps = 6 * (history.size() + 10); step < steps; step++) {
      Region region = regions[random.nextInt(regions.length)];
      Region other = regions[random.nextInt(regions.length)];
      switch (random.nextInt(8)) {
        case 0, 1 -> advance(region, history, log);
        case 2 -> region.mergeFrom(other.states);
        case 3 -> {
          if (region.applied > 0) { // a record inside the prefix it holds is skipped
            Rec again = history.get(random.nextInt(region.applied));
            assertFalse(again.applyTo(region.states, log), context + ": applied twice " + again);
          }
        }
        case 4 -> region.applied = random.nextInt(region.applied + 1); // a cut keeps the state
        case 5 -> { // install the other's state joined with the live one; the log continues there
          region.mergeFrom(other.states);
          region.applied = other.applied;
          region.target = Math.max(region.target, other.applied);
        }
        case 6 -> { // a snapshot of the state at the applied position
          region.snapshot = copy(region.states);
          region.snapshotApplied = region.applied;
        }
        default -> {
          if (random.nextBoolean()) { // a crash: back to the snapshot, then replay
            region.states = copy(region.snapshot);
            region.applied = region.snapshotApplied;
            region.localApplied = 0;
          } else if (region.localApplied < region.localStream.size()) {
            region.localStream.get(region.localApplied++).applyTo(region.states, region.local);
          }
        }
      }
    }
    int longest = 0;
    for (Region region : regions) {
      while (region.applied < region.target) {
        advance(region, history, log);
      }
      while (region.localApplied < region.localStream.size()) {
        region.localStream.get(region.localApplied++).applyTo(region.states, region.local);
      }
      longest = Math.max(longest, region.target);
    }
    for (int round = 0; round < 2; round++) {
      for (Region region : regions) {
        regions[0].mergeFrom(region.states);
      }
      for (Region region : regions) {
        region.mergeFrom(regions[0].states);
      }
    }
    CrdtSignalState[] expected = fresh(entities);
    for (Rec rec : history.subList(0, longest)) {
      rec.applyTo(expected, log);
    }
    for (Region region : regions) {
      for (Rec rec : region.localStream) {
        rec.applyTo(expected, region.local);
      }
    }
    for (int r = 0; r < regions.length; r++) {
      for (int e = 0; e < entities; e++) {
        assertEquals(expected[e], regions[r].states[e], context + ", region " + r + " entity " + e);
      }
    }
  }

  private static void advance(Region region, List<Rec> history, long log) {
    if (region.applied < region.target) {
      history.get(region.applied++).applyTo(region.states, log);
    }
  }

  static List<Rec> stream(SplittableRandom random, int entities, long firstPosition, int count) {
    List<Rec> out = new ArrayList<>(count);
    long time = History.T0 + random.nextLong(History.EPOCH);
    for (int k = 0; k < count; k++) {
      time += random.nextLong(History.EPOCH / 2);
      long eventTime = random.nextInt(5) == 0 ? time - random.nextLong(3 * History.EPOCH) : time;
      long hlc = ((History.T0 + k) << 16) | random.nextInt(3);
      out.add(
          new Rec(
              firstPosition + k, random.nextInt(entities), History.weight(random), eventTime, hlc));
    }
    return out;
  }

  static CrdtSignalState[] fresh(int entities) {
    CrdtSignalState[] states = new CrdtSignalState[entities];
    for (int e = 0; e < entities; e++) {
      states[e] = new CrdtSignalState();
    }
    return states;
  }

  static CrdtSignalState[] copy(CrdtSignalState[] states) {
    CrdtSignalState[] out = new CrdtSignalState[states.length];
    for (int e = 0; e < states.length; e++) {
      out[e] = states[e].copy();
    }
    return out;
  }
}
