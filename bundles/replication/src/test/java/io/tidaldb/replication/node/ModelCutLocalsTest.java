package io.tidaldb.replication.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tidaldb.api.Durability;
import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.wal.SignalPart;
import io.tidaldb.crdt.CrdtSignalState;
import io.tidaldb.crdt.ReplicaIds;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The model's set of cut LOCAL session records ({@link ModelCutLocals}) by hand, for the steps the
 * simulation's 3 s runs rarely or never reach: a retry compensates the cut record, another payload
 * keeps it, {@code ackedBelow} and the session's expiry release it, a set restored from a snapshot
 * decides only for the records from the snapshot's position on, and a cut part is taken back signal
 * by signal.
 */
class ModelCutLocalsTest {
  private static final long SESSION = 7;
  private static final long ENTITY = 3;
  private static final double WEIGHT = 2.5;
  private static final long EVENT_TIME = 1_750_000_000_000L;
  private static final long T0 = HlcStamp.pack(1_750_000_000_000L, 0);

  private final SimLog log = new SimLog(0);
  private final Map<Long, CrdtSignalState> states = new TreeMap<>();
  private final List<Long> compensated = new ArrayList<>();
  private long hlc = T0;
  private long committed =
      Long.MAX_VALUE; // the shard's known commit: everything, unless a test says

  @Test
  void shouldCompensateACutRecordWhenTheLogAppliesItsRetry() {
    ModelCutLocals set = cutOneRecord(new ModelCutLocals(0, false, 0, List.of()));
    assertEquals(1, set.entries().size());

    apply(set, write(2, new SessionSeq(SESSION, 1, 1), 11, hlc + 1)); // the retry, same payload

    assertEquals(1, states.get(ENTITY).count());
    assertEquals(WEIGHT, states.get(ENTITY).weightSum());
    assertEquals(1, compensated.size());
    assertEquals(List.of(), set.entries());
  }

  /**
   * Commit-wait (wp-lcut2): the retry matches the cut record, but its effect is taken back only
   * once the shard's known commit (exclusive) passes the retry, since the retry may still be cut.
   */
  @Test
  void shouldCompensateOnlyOnceTheRetryIsKnownCommitted() {
    committed = 0;
    ModelCutLocals set = cutOneRecord(new ModelCutLocals(0, true, 0, List.of()));
    SimBatch retry = write(2, new SessionSeq(SESSION, 1, 1), 11, hlc + 1);

    apply(set, retry);
    assertEquals(2, states.get(ENTITY).count(), "matched, not yet taken back");
    assertEquals(retry.firstPosition(), set.entries().get(0).retryPosition());
    commit(set, retry.firstPosition());
    assertEquals(List.of(), compensated, "the known commit is exclusive");
    apply(set, write(2, new SessionSeq(SESSION, 2, 1), 21, hlc + 1)); // acked below 1: no release
    assertEquals(1, set.entries().size());

    commit(set, retry.end());

    assertEquals(2, states.get(ENTITY).count()); // the retry and the other write
    assertEquals(WEIGHT * 2, states.get(ENTITY).weightSum());
    assertEquals(1, compensated.size());
    assertEquals(List.of(), set.entries());
  }

  /**
   * A cut at or below the matched retry (the retry was itself cut before it committed) holds the
   * entry again: nothing is taken back, and the next retry, once committed, takes it back once.
   */
  @Test
  void shouldHoldTheEntryAgainWhenItsRetryIsCutBeforeItCommits() {
    committed = 0;
    ModelCutLocals set = cutOneRecord(new ModelCutLocals(0, true, 0, List.of()));
    SimBatch retry = write(2, new SessionSeq(SESSION, 1, 1), 11, hlc + 1);
    apply(set, retry);

    set.cut(log.durableBatches(), retry.firstPosition());
    log.truncateFrom(retry.firstPosition());
    assertEquals(-1, set.entries().get(0).retryPosition(), "held again");
    commit(set, Long.MAX_VALUE);
    assertEquals(List.of(), compensated, "its retry is gone");

    apply(set, write(3, new SessionSeq(SESSION, 1, 1), 11, hlc + 1)); // the next retry, committed

    assertEquals(1, compensated.size());
    assertEquals(List.of(), set.entries());
  }

  /** A matched entry is released neither by its session's expiry: it waits for the commit. */
  @Test
  void shouldKeepAMatchedEntryPastItsSessionsExpiry() {
    committed = 0;
    ModelCutLocals set = cutOneRecord(new ModelCutLocals(0, true, 0, List.of()));
    SimBatch retry = write(2, new SessionSeq(SESSION, 1, 1), 11, hlc + 1);
    apply(set, retry);
    long idle = HlcStamp.pack(1_750_000_000_000L + 2 * ModelCutLocals.TTL_MILLIS, 0);

    apply(set, write(2, new SessionSeq(SESSION + 1, 1, 1), 31, idle));
    assertEquals(1, set.entries().size());
    commit(set, retry.end());

    assertEquals(1, compensated.size());
  }

  /** A matched entry stays matched through a snapshot and a restart (known commit 0 again). */
  @Test
  void shouldKeepTheMatchThroughARestart() {
    committed = 0;
    ModelCutLocals before = cutOneRecord(new ModelCutLocals(0, true, 0, List.of()));
    SimBatch retry = write(2, new SessionSeq(SESSION, 1, 1), 11, hlc + 1);
    apply(before, retry);

    ModelCutLocals after = new ModelCutLocals(0, true, retry.end(), before.entries());
    commit(after, retry.end());

    assertEquals(1, compensated.size());
    assertEquals(1, states.get(ENTITY).count());
  }

  /**
   * A cut record that comes back through a later leader's log (seed 3007) is the write's count: its
   * entry's end skips it and its entry in the set goes without a compensation.
   */
  @Test
  void shouldNotCompensateACutRecordThatReturnsThroughALaterLeadersLog() {
    ModelCutLocals set = cutOneRecord(new ModelCutLocals(0, false, 0, List.of()));

    apply(set, write(1, new SessionSeq(SESSION, 1, 1), 11, T0)); // the same record, again

    assertEquals(1, states.get(ENTITY).count());
    assertEquals(List.of(), compensated);
    assertEquals(List.of(), set.entries());
  }

  @Test
  void shouldKeepTheEffectWhenTheRecordOfTheSameSeqCarriesAnotherPayload() {
    ModelCutLocals set = cutOneRecord(new ModelCutLocals(0, false, 0, List.of()));

    apply(set, write(2, new SessionSeq(SESSION, 1, 1), 12, hlc + 1));

    assertEquals(2, states.get(ENTITY).count());
    assertEquals(List.of(), compensated);
    assertEquals(List.of(), set.entries());
  }

  @Test
  void shouldReleaseTheRecordOnceTheSessionHoldsItAcknowledged() {
    ModelCutLocals set = cutOneRecord(new ModelCutLocals(0, false, 0, List.of()));

    apply(set, write(2, new SessionSeq(SESSION, 2, 2), 21, hlc + 1)); // acked below 2: seq 1 done
    assertEquals(List.of(), set.entries());
    apply(set, write(2, new SessionSeq(SESSION, 1, 1), 11, hlc + 2)); // no retry would, but if

    assertEquals(List.of(), compensated);
    assertEquals(3, states.get(ENTITY).count());
  }

  @Test
  void shouldReleaseTheRecordWhenItsSessionExpiresByTheLogClock() {
    ModelCutLocals set = cutOneRecord(new ModelCutLocals(0, false, 0, List.of()));
    long idle = HlcStamp.pack(1_750_000_000_000L + ModelCutLocals.TTL_MILLIS, 0);

    apply(set, write(2, new SessionSeq(SESSION + 1, 1, 1), 31, idle)); // not yet: ttl, not beyond
    assertEquals(1, set.entries().size());
    apply(set, write(2, new SessionSeq(SESSION + 1, 2, 1), 32, idle + HlcStamp.pack(1, 0)));

    assertEquals(List.of(), set.entries());
  }

  @Test
  void shouldDecideOnlyForTheRecordsFromTheSnapshotsPositionAfterARestart() {
    ModelCutLocals before = cutOneRecord(new ModelCutLocals(0, false, 0, List.of()));
    SimBatch retry = write(2, new SessionSeq(SESSION, 1, 1), 11, hlc + 1);
    long snapshotAt = retry.end(); // the snapshot was written after the retry's compensation

    apply(new ModelCutLocals(0, false, snapshotAt, before.entries()), retry); // a replay below it

    assertEquals(List.of(), compensated);
    apply(
        new ModelCutLocals(0, false, retry.firstPosition(), before.entries()),
        retry); // at or above it
    assertEquals(1, compensated.size());
  }

  /**
   * The double compensation of the rule as wp-lcut states it (every region whose cut takes the
   * record compensates it; seed 657): region 1 (a follower) and region 0 (the deposed leader, the
   * record's origin) both hold the cut record; region 1 applies the retry first and compensates,
   * reconciliation carries its compensated state to region 0, and region 0's own compensation then
   * adds on top of the joined one: the write counts 0 times. When only the origin compensates, it
   * counts once on both.
   */
  @Test
  void shouldCompensateOnTopOfAJoinedCompensationUnlessOnlyTheOriginCompensates() {
    for (boolean originOnly : new boolean[] {false, true}) {
      ModelCutLocalsTest leader = new ModelCutLocalsTest();
      ModelCutLocalsTest follower = new ModelCutLocalsTest();
      ModelCutLocals leaderSet =
          leader.cutOneRecord(new ModelCutLocals(0, originOnly, 0, List.of()));
      ModelCutLocals followerSet =
          follower.cutOneRecord(new ModelCutLocals(1, originOnly, 0, List.of()));
      assertEquals(originOnly ? 0 : 1, followerSet.entries().size());
      SessionSeq retry = new SessionSeq(SESSION, 1, 1);

      follower.apply(followerSet, follower.write(2, retry, 11, T0 + 1));
      leader.states.get(ENTITY).merge(follower.states.get(ENTITY)); // a reconciliation session
      leader.apply(leaderSet, leader.write(2, retry, 11, T0 + 1));
      follower.states.get(ENTITY).merge(leader.states.get(ENTITY));

      assertEquals(
          originOnly ? 1 : 0, leader.states.get(ENTITY).count(), "origin only: " + originOnly);
      assertEquals(leader.states.get(ENTITY), follower.states.get(ENTITY));
    }
  }

  @Test
  void shouldTakeOnlyItsOwnRecordsWhenOnlyTheOriginCompensates() {
    ModelCutLocals set = new ModelCutLocals(1, true, 0, List.of());
    SimBatch cut = write(1, new SessionSeq(SESSION, 1, 1), 11, hlc); // origin 0

    set.cut(log.durableBatches(), cut.firstPosition());

    assertEquals(List.of(), set.entries());
  }

  /**
   * A cut LOCAL part (one {@code SIGNAL_BATCH_S} of three signals, two of one entity) is held one
   * entry per signal, keyed by (session, seq, index); the retry's part (the same signals, the same
   * payload hash, new stamps) matches each entry to its signal of the same index, and once
   * committed each signal is taken back once: every signal counts once. Keyed by (session, seq)
   * alone, the part's three entries would be one (the last signal's), and the other two would count
   * twice.
   */
  @Test
  void shouldCompensateACutLocalPartSignalBySignal() {
    committed = 0;
    ModelCutLocals set = new ModelCutLocals(0, true, 0, List.of());
    long[] entities = {ENTITY, ENTITY + 1, ENTITY};
    double[] weights = {2, 30, 400};
    SimBatch cut = writePart(1, new SessionSeq(SESSION, 1, 1), entities, weights, hlc);
    apply(set, cut);
    set.cut(log.durableBatches(), cut.firstPosition());
    log.truncateFrom(cut.firstPosition());
    assertEquals(3, set.entries().size(), "one entry per signal of the part");

    SimBatch retry = writePart(2, new SessionSeq(SESSION, 1, 1), entities, weights, hlc + 1);
    apply(set, retry);
    assertEquals(4, states.get(ENTITY).count(), "matched, not yet taken back");
    for (ModelCutLocals.Entry e : set.entries()) {
      assertEquals(retry.firstPosition() + e.index(), e.retryPosition(), "the same index");
      assertEquals(cut.signalIds()[e.index()] + 3, e.retrySignal());
    }
    commit(set, retry.end());

    assertEquals(2, states.get(ENTITY).count());
    assertEquals(402.0, states.get(ENTITY).weightSum());
    assertEquals(1, states.get(ENTITY + 1).count());
    assertEquals(30.0, states.get(ENTITY + 1).weightSum());
    assertEquals(List.of(cut.signalIds()[0], cut.signalIds()[1], cut.signalIds()[2]), compensated);
    assertEquals(List.of(), set.entries());
  }

  /** Epoch 1 writes (SESSION, 1) at LOCAL, the store applies it, and a cut takes it out. */
  private ModelCutLocals cutOneRecord(ModelCutLocals set) {
    SimBatch cut = write(1, new SessionSeq(SESSION, 1, 1), 11, hlc);
    apply(set, cut);
    set.cut(log.durableBatches(), cut.firstPosition());
    log.truncateFrom(cut.firstPosition());
    return set;
  }

  private void apply(ModelCutLocals set, SimBatch b) {
    for (int i = 0; i < b.recordCount(); i++) {
      states
          .computeIfAbsent(b.entity(i), e -> new CrdtSignalState())
          .applyAt(
              ReplicaIds.log(b.epoch()),
              b.firstPosition() + i,
              b.weight(i),
              b.eventTime(i),
              b.signalIds()[i],
              ModelStore.DECAY);
    }
    set.apply(b, committed, states, (signal, by) -> compensated.add(signal));
  }

  private void commit(ModelCutLocals set, long position) {
    committed = position;
    set.compensateCommitted(committed, states, (signal, by) -> compensated.add(signal));
  }

  /**
   * Appends one LOCAL part of {@code entities} (stamps from {@code stamp} on) in {@code epoch} and
   * makes it durable; its batch.
   */
  private SimBatch writePart(
      long epoch, SessionSeq seq, long[] entities, double[] weights, long stamp) {
    int n = entities.length;
    SignalPart part =
        new SignalPart() {
          @Override
          public int size() {
            return n;
          }

          @Override
          public int seriesId(int i) {
            return 1;
          }

          @Override
          public long entity(int i) {
            return entities[i];
          }

          @Override
          public double weight(int i) {
            return weights[i];
          }

          @Override
          public long eventTimeMillis(int i) {
            return EVENT_TIME + i;
          }

          @Override
          public long hlc(int i) {
            return stamp + i;
          }
        };
    log.startLeading(epoch);
    log.appendSessionPart(epoch, part, 0, seq, 41, Durability.LOCAL);
    log.commitStep(); // written
    log.commitStep(); // fsynced
    hlc = Math.max(hlc, stamp + n - 1);
    List<SimBatch> batches = log.durableBatches();
    return batches.get(batches.size() - 1);
  }

  /** Appends one LOCAL session record in {@code epoch} and makes it durable; its batch. */
  private SimBatch write(long epoch, SessionSeq seq, int payloadHash, long stamp) {
    log.startLeading(epoch);
    log.appendSessionSignal(
        epoch, 1, ENTITY, WEIGHT, EVENT_TIME, stamp, 0, seq, payloadHash, Durability.LOCAL);
    log.commitStep(); // written
    log.commitStep(); // fsynced
    hlc = Math.max(hlc, stamp);
    List<SimBatch> batches = log.durableBatches();
    return batches.get(batches.size() - 1);
  }
}
