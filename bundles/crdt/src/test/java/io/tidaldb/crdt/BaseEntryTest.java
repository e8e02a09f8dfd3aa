package io.tidaldb.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** The base entry {@code base(c)}: fold, apply under a base, merge rules and the codec's rules. */
class BaseEntryTest {
  static final DecayModel DECAY = History.DECAY;
  static final long T0 = History.T0;
  static final long LOCAL = ReplicaIds.local(1, 0);

  /** One signal in each of epochs 0..4 (positions 10.., weights 1..5) and one local signal. */
  static CrdtSignalState fiveEpochs() {
    CrdtSignalState s = new CrdtSignalState();
    for (int e = 0; e < 5; e++) {
      s.applyAt(ReplicaIds.log(e), 10 + e, e + 1.0, T0 + e * 100, T0 + e, DECAY);
    }
    s.applyAt(LOCAL, 0, -0.5, T0 + 50, T0 + 9, DECAY);
    return s;
  }

  @Test
  void shouldFoldClosedEpochsIntoOneBaseKeepingTheAggregates() {
    CrdtSignalState s = fiveEpochs();
    assertTrue(s.fold(2));
    assertEquals(4, s.replicaCount(), "e3, e4, b2, the local entry");
    assertEquals(2, s.foldedThrough());
    assertEquals(5 - 1, s.count());
    assertEquals(1 + 2 + 3 + 4 + 5 - 0.5, s.weightSum());
    assertEquals(fiveEpochs().score(T0 + 1_000, DECAY), s.score(T0 + 1_000, DECAY), 1e-12);
    assertEquals("b2", ReplicaIds.toString(s.entries[2 * CrdtSignalState.STRIDE]), s.toString());
    assertEquals(0, s.entries[2 * CrdtSignalState.STRIDE + CrdtSignalState.END]);
    assertFalse(s.fold(2), "nothing left to fold");
    assertFalse(s.fold(1), "a lower cut-off folds nothing");
    assertTrue(s.fold(3));
    assertEquals(3, s.foldedThrough());
    assertEquals(3, s.replicaCount(), "e4, b3, the local entry");
    assertEquals(1 + 2 + 3 + 4 + 5 - 0.5, s.weightSum());
  }

  @Test
  void shouldSkipALogRecordOfAFoldedEpochAndApplyLaterOnes() {
    CrdtSignalState s = fiveEpochs();
    s.fold(2);
    CrdtSignalState before = s.copy();
    assertFalse(s.applyAt(ReplicaIds.log(1), 99, 7.0, T0, T0 + 20, DECAY), "folded epoch");
    assertFalse(s.applyAt(ReplicaIds.log(2), 11, 7.0, T0, T0 + 20, DECAY), "folded epoch");
    assertEquals(before, s);
    assertTrue(s.applyAt(ReplicaIds.log(3), 99, 7.0, T0, T0 + 20, DECAY));
    assertTrue(s.applyAt(ReplicaIds.log(9), 0, 7.0, T0, T0 + 21, DECAY));
    assertEquals(4 + 2, s.count());
    assertThrows(
        InvalidArgumentException.class,
        () -> s.applyAt(ReplicaIds.base(9), 0, 1.0, T0, T0 + 22, DECAY),
        "a base entry is made by fold only");
  }

  @Test
  void shouldLetTheHigherCutOffWinWholeAndDropTheLogEntriesItHolds() {
    CrdtSignalState unfolded = fiveEpochs();
    CrdtSignalState folded2 = fiveEpochs();
    folded2.fold(2);
    CrdtSignalState folded3 = fiveEpochs();
    folded3.fold(3);
    CrdtSignalState m = unfolded.copy();
    m.merge(folded2);
    assertEquals(folded2, m, "the unfolded copies of e0..e2 dropped");
    m.merge(folded3);
    assertEquals(folded3, m);
    CrdtSignalState n = folded3.copy();
    n.merge(folded2);
    n.merge(unfolded);
    assertEquals(folded3, n);
  }

  @Test
  void shouldJoinEqualCutOffsByMaximumRepairingABaseThatMissedAMerge() {
    CrdtSignalState small = new CrdtSignalState();
    CrdtSignalState full = new CrdtSignalState();
    for (int p = 0; p < 4; p++) {
      full.applyAt(ReplicaIds.log(1), p, 1.0, T0, T0 + p, DECAY);
      if (p < 2) {
        small.applyAt(ReplicaIds.log(1), p, 1.0, T0, T0 + p, DECAY);
      }
    }
    small.fold(1);
    full.fold(1);
    small.merge(full);
    assertEquals(full, small);
    assertEquals(4, small.count());
  }

  @Test
  void shouldReportTheLowestLogEpochBelowWhichNothingFolds() {
    assertEquals(Long.MAX_VALUE, new CrdtSignalState().lowestLogEpoch());
    CrdtSignalState s = fiveEpochs();
    assertEquals(0, s.lowestLogEpoch());
    s.fold(2);
    assertEquals(3, s.lowestLogEpoch(), "the base is no log entry");
    assertEquals(0, s.closedEntries(s.lowestLogEpoch() - 1));
    s.fold(4);
    assertEquals(Long.MAX_VALUE, s.lowestLogEpoch(), "a base and the local entry only");
  }

  @Test
  void shouldRoundTripAFoldedStateAndChangeBothHashes() {
    CrdtSignalState s = fiveEpochs();
    long content = s.contentHash();
    long closed = s.closedHash(2);
    assertNotEquals(0, closed);
    assertEquals(0, s.closedHash(-1));
    assertEquals(3, s.closedEntries(2));
    s.fold(2);
    assertNotEquals(content, s.contentHash());
    assertNotEquals(closed, s.closedHash(2));
    assertEquals(0, s.closedEntries(2));
    ByteBuffer b = ByteBuffer.allocate(s.encodedLength());
    s.writeTo(b);
    b.flip();
    CrdtSignalState read = CrdtSignalState.readFrom(b);
    assertEquals(s, read);
    assertEquals(s.contentHash(), read.contentHash());
    assertEquals(s.closedHash(2), read.closedHash(2));
  }

  @Test
  void shouldKeepALastSeenReplicaThatWasFoldedValid() {
    CrdtSignalState s = new CrdtSignalState();
    s.applyAt(ReplicaIds.log(0), 0, 1.0, T0, T0, DECAY);
    s.applyAt(ReplicaIds.log(1), 0, 1.0, T0, T0 + 5, DECAY);
    s.fold(1);
    assertEquals(ReplicaIds.log(1), s.lastSeenReplica());
    ByteBuffer b = ByteBuffer.allocate(s.encodedLength());
    s.writeTo(b);
    assertEquals(s, CrdtSignalState.readFrom(b.flip()));
  }

  @Test
  void shouldRejectTwoBasesANonZeroBaseEndAndALogEntryAtOrBelowTheCutOff() {
    CrdtSignalState s = fiveEpochs();
    s.fold(2); // entries: e3, e4, b2, r1.i0
    int e0 = SignalStateCodec.HEADER_LENGTH;
    int e1 = e0 + SignalStateCodec.ENTRY_LENGTH;
    int e2 = e1 + SignalStateCodec.ENTRY_LENGTH;
    assertRejected(s, "crdt state entry 2 end", b -> b.putLong(e2 + 8, 1));
    assertRejected(s, "crdt state entry 0 replica", b -> b.putLong(e0, ReplicaIds.log(2)));
    assertRejected(
        s, "crdt state entry 2 replica", b -> b.putLong(e1, ReplicaIds.base(1)).putLong(e1 + 8, 0));
    assertRejected(
        s, "crdt state entry 0 replica", b -> b.putLong(e1, ReplicaIds.base(3)).putLong(e1 + 8, 0));
  }

  private static void assertRejected(
      CrdtSignalState s, String field, java.util.function.Consumer<ByteBuffer> mutation) {
    ByteBuffer b = ByteBuffer.allocate(s.encodedLength()).order(ByteOrder.LITTLE_ENDIAN);
    s.writeTo(b);
    b.flip();
    mutation.accept(b);
    InvalidArgumentException e =
        assertThrows(InvalidArgumentException.class, () -> CrdtSignalState.readFrom(b));
    assertEquals(field, e.argument(), e.getMessage());
  }

  @Test
  void shouldNameTheBaseKindAndOrderItBetweenLogAndLocalEntries() {
    long b = ReplicaIds.base(7);
    assertEquals("b7", ReplicaIds.toString(b));
    assertTrue(ReplicaIds.isBase(b));
    assertFalse(ReplicaIds.isLog(b));
    assertTrue(ReplicaIds.isValid(b));
    assertEquals(7, ReplicaIds.cutOff(b));
    assertTrue(b > 0, "top bit 0");
    assertTrue(ReplicaIds.compare(ReplicaIds.log(ReplicaIds.MAX_EPOCH), b) < 0);
    assertTrue(ReplicaIds.compare(b, ReplicaIds.base(8)) < 0);
    assertTrue(ReplicaIds.compare(ReplicaIds.base(ReplicaIds.MAX_EPOCH), LOCAL) < 0);
    assertThrows(InvalidArgumentException.class, () -> ReplicaIds.log(ReplicaIds.MAX_EPOCH + 1));
    assertThrows(InvalidArgumentException.class, () -> ReplicaIds.base(-1));
    assertThrows(InvalidArgumentException.class, () -> ReplicaIds.epoch(b));
    assertThrows(InvalidArgumentException.class, () -> ReplicaIds.cutOff(ReplicaIds.log(7)));
    assertThrows(InvalidArgumentException.class, () -> ReplicaIds.region(b));
  }

  /** Merge laws, bit for bit, over states folded at random cut-offs (or not at all). */
  @Property(tries = 300, seed = "42201")
  void mergeStaysCommutativeAssociativeAndIdempotentWithBases(@ForAll long seed) {
    History h = History.random(seed);
    SplittableRandom random = new SplittableRandom(seed);
    CrdtSignalState a = foldedAtRandom(h.randomPrefixState(random), random);
    CrdtSignalState b = foldedAtRandom(h.randomPrefixState(random), random);
    CrdtSignalState c = foldedAtRandom(h.randomPrefixState(random), random);
    assertEquals(merged(a, b), merged(b, a), h::toString);
    assertEquals(merged(a, b).contentHash(), merged(b, a).contentHash(), h::toString);
    assertEquals(merged(merged(a, b), c), merged(a, merged(b, c)), h::toString);
    assertEquals(a, merged(a, a), h::toString);
    assertEquals(merged(a, b), merged(merged(a, b), b), h::toString);
  }

  private static CrdtSignalState foldedAtRandom(CrdtSignalState s, SplittableRandom random) {
    if (random.nextBoolean()) {
      s.fold(random.nextInt(5));
    }
    return s;
  }

  private static CrdtSignalState merged(CrdtSignalState a, CrdtSignalState b) {
    CrdtSignalState m = a.copy();
    m.merge(b);
    return m;
  }
}
