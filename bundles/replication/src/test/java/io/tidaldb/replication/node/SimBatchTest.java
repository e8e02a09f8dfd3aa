package io.tidaldb.replication.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.wal.SignalPart;
import io.tidaldb.wal.BatchDescriptor;
import io.tidaldb.wal.SimPartRecords;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * The simulation's batches with a session batch's part ({@code SIGNAL_BATCH_S}): the log writes it
 * in the WAL's bytes, one position per signal; {@link SimBatch} indexes entries (a part's signals
 * with their index, the part's session fields, its origin) and checks a received batch as the WAL
 * does, which the WAL's own replicated-batch check confirms.
 */
class SimBatchTest {
  private static final long EVENT_TIME = 1_750_000_000_000L;
  private static final SessionSeq PART_SEQ = new SessionSeq(7, 5, 4);

  @Test
  void shouldIndexAPartsSignalsAsEntriesOfItsPositions() {
    SimLog log = new SimLog(0);
    log.startLeading(1);
    log.appendSignal(1, 1, 10, 1.0, EVENT_TIME, 100, 0);
    long last = log.appendSessionPart(1, part(101), 2, PART_SEQ, 0x1234, Durability.QUORUM);
    log.appendSessionSignal(
        1, 1, 12, 4.0, EVENT_TIME, 104, 0, new SessionSeq(7, 6, 4), 99, Durability.LOCAL);
    log.commitStep(); // written
    log.commitStep(); // fsynced

    SimBatch b = log.durableBatches().get(0);
    assertEquals(3, last, "a part's append answers its last signal's position");
    assertEquals(5, b.recordCount(), "the header counts entries");
    assertEquals(5, b.end());
    assertArrayEquals(new long[] {100, 101, 102, 103, 104}, b.signalIds());
    assertEquals(100, b.hlcMin());
    assertEquals(104, b.hlcMax());
    assertFalse(b.isSession(0));
    assertEquals(1, b.partSize(0));
    for (int i = 1; i <= 3; i++) {
      assertTrue(b.isSession(i) && b.inPart(i));
      assertEquals(i - 1, b.partIndex(i));
      assertEquals(3, b.partSize(i));
      assertEquals(PART_SEQ, b.session(i));
      assertEquals(0x1234, b.payloadHash(i));
      assertEquals(Durability.QUORUM, b.durability(i));
      assertEquals(2, b.origin(i));
      assertEquals(20 + i - 1, b.entity(i));
      assertEquals(i * 10.0, b.weight(i));
      assertEquals(EVENT_TIME + i - 1, b.eventTime(i));
    }
    assertTrue(b.isSession(4) && !b.inPart(4));
    assertEquals(new SessionSeq(7, 6, 4), b.session(4));
    assertEquals(Durability.LOCAL, b.durability(4));
    assertEquals(0, b.origin(4));

    SimPartRecords.checkReplicated(b.bytes(), 0, SimLog.MAX_BATCH_BYTES); // the WAL's own check
    String[] why = new String[1];
    assertNotNull(SimBatch.check(b.bytes(), why), () -> why[0]);
  }

  @Test
  void shouldRefuseAPartBeyondTheHeadersCountAsTheWalDoes() {
    SimLog log = new SimLog(0);
    log.startLeading(1);
    log.appendSessionPart(1, part(101), 2, PART_SEQ, 0x1234, Durability.QUORUM);
    log.commitStep();
    log.commitStep();
    ByteBuffer bytes = log.durableBatches().get(0).bytes();
    ByteBuffer b = ByteBuffer.allocate(bytes.remaining()).order(ByteOrder.LITTLE_ENDIAN);
    b.put(bytes.duplicate()).clear();
    b.putInt(BatchDescriptor.RECORD_COUNT_OFFSET, 2); // one record of 3 signals: 3 entries
    int payload = b.getInt(BatchDescriptor.PAYLOAD_LENGTH_OFFSET);
    b.putInt(
        BatchDescriptor.CRC_OFFSET,
        BatchDescriptor.computeCrc(new CRC32C(), b.duplicate(), 0, payload));

    String[] why = new String[1];
    assertNull(SimBatch.check(b.duplicate(), why));
    assertTrue(why[0].contains("3 signals, beyond the count"), why[0]);
    InvalidArgumentException e =
        assertThrows(
            InvalidArgumentException.class,
            () -> SimPartRecords.checkReplicated(b.duplicate(), 0, SimLog.MAX_BATCH_BYTES));
    assertTrue(e.getMessage().contains("beyond the count"), e.getMessage());
  }

  /** Three signals of entities 20 to 22, weights 10, 20, 30, stamps from {@code stamp}. */
  private static SignalPart part(long stamp) {
    return new SignalPart() {
      @Override
      public int size() {
        return 3;
      }

      @Override
      public int seriesId(int i) {
        return 1;
      }

      @Override
      public long entity(int i) {
        return 20 + i;
      }

      @Override
      public double weight(int i) {
        return (i + 1) * 10.0;
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
  }
}
