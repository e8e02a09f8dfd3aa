package io.tidaldb.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import org.junit.jupiter.api.Test;

/**
 * {@link CrdtSignalState#replaceEntry}: a log entry rebuilt without some records, put in place of
 * the entry that held them, leaves exactly the state of the kept records (bit for bit, whatever
 * landmark each side was built at), touches no other entry and no last-seen register, and empties a
 * state it leaves without entries.
 */
class ReplaceEntryTest {
  private static final DecayModel DECAY = DecayModel.ofHalfLife(1_000);
  private static final long E = DECAY.epochMillis();
  private static final long T0 = 1_700_000_000_000L;
  private static final long LOG1 = ReplicaIds.log(1);
  private static final long LOG2 = ReplicaIds.log(2);
  private static final long LOCAL = ReplicaIds.local(3, 1);

  @Test
  void shouldLeaveExactlyTheKeptRecordsWhenTheRebuiltEntryReplacesTheOldOne() {
    CrdtSignalState live = new CrdtSignalState();
    live.applyAt(LOG1, 10, 2.5, T0, 100, DECAY);
    live.applyAt(LOG1, 11, 7.0, T0 + 3, 101, DECAY); // to be dropped
    live.applyAt(LOG1, 12, -1.25, T0 + 2 * E, 102, DECAY); // a later landmark
    live.applyAt(LOCAL, 0, 4.0, T0 + 5 * E, 103, DECAY); // a later landmark still, last seen
    live.applyAt(LOG2, 13, 1.0, T0 + 1, 104, DECAY); // wins last seen

    CrdtSignalState rebuilt = new CrdtSignalState(); // log(1) without position 11
    rebuilt.applyAt(LOG1, 10, 2.5, T0, 100, DECAY);
    rebuilt.applyAt(LOG1, 12, -1.25, T0 + 2 * E, 102, DECAY);

    CrdtSignalState expected = new CrdtSignalState(); // the kept records, another order
    expected.applyAt(LOG2, 13, 1.0, T0 + 1, 104, DECAY);
    expected.applyAt(LOCAL, 0, 4.0, T0 + 5 * E, 103, DECAY);
    expected.applyAt(LOG1, 10, 2.5, T0, 100, DECAY);
    expected.applyAt(LOG1, 12, -1.25, T0 + 2 * E, 102, DECAY);

    assertTrue(live.replaceEntry(LOG1, rebuilt));
    assertEquals(expected, live);
    assertEquals(expected.contentHash(), live.contentHash());
    assertEquals(13, live.entryEnd(LOG1));
    assertEquals(2, live.count()); // three signals, one retraction
    assertFalse(live.replaceEntry(LOG1, rebuilt), "the same entry again changes nothing");
  }

  @Test
  void shouldRemoveTheEntryWhenTheRebuiltStateHasNoneAndEmptyAStateLeftWithoutEntries() {
    CrdtSignalState live = new CrdtSignalState();
    live.applyAt(LOG1, 5, 1.0, T0, 1, DECAY);
    live.applyAt(LOG2, 6, 1.0, T0, 2, DECAY);
    assertTrue(live.replaceEntry(LOG2, new CrdtSignalState()));
    assertEquals(0, live.entryEnd(LOG2));
    assertEquals(6, live.entryEnd(LOG1));
    assertEquals(1, live.count());
    assertTrue(live.replaceEntry(LOG1, new CrdtSignalState()));
    assertTrue(live.isEmpty());
    assertEquals(new CrdtSignalState(), live);
    assertFalse(live.replaceEntry(LOG1, new CrdtSignalState()));
  }

  @Test
  void shouldRefuseANonLogReplicaAndAnotherHalfLifeLeavingTheStateUnchanged() {
    CrdtSignalState live = new CrdtSignalState();
    live.applyAt(LOG1, 5, 1.0, T0, 1, DECAY);
    CrdtSignalState before = live.copy();
    CrdtSignalState other = new CrdtSignalState();
    other.applyAt(LOG1, 5, 1.0, T0, 1, DecayModel.ofHalfLife(2_000));
    InvalidArgumentException e =
        assertThrows(InvalidArgumentException.class, () -> live.replaceEntry(LOG1, other));
    assertTrue(e.getMessage().contains("2000"), e.getMessage());
    e = assertThrows(InvalidArgumentException.class, () -> live.replaceEntry(LOCAL, other));
    assertTrue(e.getMessage().contains(Long.toHexString(LOCAL)), e.getMessage());
    assertEquals(before, live);
  }

  /**
   * A cut that drops every record of the last-seen write's epoch removes that entry and keeps the
   * register (the store's {@code CutDrops}): the state must still encode to bytes its own codec
   * reads back, or reconciliation and the snapshot at the cut refuse it. Found by the data-path
   * simulation with session clients (seed 275: "invalid crdt state lastSeenReplica: 'e3'").
   */
  @Test
  void shouldKeepAStateWhoseLastSeenEntryItRemovedReadable() {
    CrdtSignalState live = new CrdtSignalState();
    live.applyAt(LOG1, 5, 1.0, T0, 1, DECAY);
    live.applyAt(LOG2, 6, 3.0, T0 + 7, 2, DECAY); // wins last seen; to be dropped
    assertTrue(live.replaceEntry(LOG2, new CrdtSignalState()));
    assertEquals(LOG2, live.lastSeenReplica(), "the register stays");
    java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(live.encodedLength());
    live.writeTo(bytes);
    CrdtSignalState read = CrdtSignalState.readFrom(bytes.flip());
    assertEquals(live, read);
    assertFalse(bytes.hasRemaining());
    CrdtSignalState other = new CrdtSignalState();
    other.applyAt(LOG1, 4, 2.0, T0 + 1, 3, DECAY); // a shorter prefix of log(1), a later stamp
    other.merge(read);
    assertEquals(1, other.count());
    assertEquals(T0 + 1, other.lastSeenMillis(), "the later stamp wins the register");
  }
}
