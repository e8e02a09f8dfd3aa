package io.tidaldb.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.wal.RecordCursor;
import io.tidaldb.api.wal.WalRecordKind;
import io.tidaldb.wal.WalTestSupport.Rec;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32C;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Round-trip laws of the batch and record codecs: what {@link PendingBatch} encodes, {@link
 * BatchView} and its cursor decode unchanged, and the stored CRC is CRC32C over header bytes 0..51
 * followed by the payload. jqwik prints the seed of a failing run; rerun with {@code @Property(seed
 * = "...")}.
 */
class CodecPropertiesTest {

  @Property(tries = 300)
  void headerFieldsShouldRoundTrip(
      @ForAll int shard,
      @ForAll long epoch,
      @ForAll long firstPosition,
      @ForAll long hlcMin,
      @ForAll long hlcMax,
      @ForAll int count,
      @ForAll int payloadLength) {
    ByteBuffer b =
        ByteBuffer.allocate(BatchDescriptor.HEADER_LENGTH).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    BatchDescriptor.writeHeader(
        b, 0, shard, count, epoch, firstPosition, hlcMin, hlcMax, payloadLength);
    BatchView view = new BatchView().wrap(b, 0, Path.of("mem"), 0);
    assertEquals(shard, view.shard());
    assertEquals(epoch, view.epoch());
    assertEquals(firstPosition, view.firstPosition());
    assertEquals(count, view.recordCount());
    assertEquals(hlcMin, view.hlcMin());
    assertEquals(hlcMax, view.hlcMax());
    assertEquals(payloadLength, view.payloadLength());
    assertEquals(BatchDescriptor.MAGIC, b.getInt(BatchDescriptor.MAGIC_OFFSET));
    assertEquals(BatchDescriptor.VERSION, b.getShort(BatchDescriptor.VERSION_OFFSET));
  }

  @Property(tries = 300)
  void recordsShouldRoundTripThroughABatch(
      @ForAll("recordLists") List<Rec> records,
      @ForAll long epoch,
      @ForAll("positions") long firstPosition) {
    PendingBatch batch = new PendingBatch(RecordDescriptor.MAX_RECORD_LENGTH * 20);
    batch.reset(firstPosition);
    batch.epoch = epoch;
    for (Rec r : records) {
      if (r.kind() == WalRecordKind.SIGNAL) {
        RecordDescriptor.writeSignal(
            batch.buffer,
            batch.writeOffset,
            r.seriesId(),
            r.entity(),
            r.weight(),
            r.eventTime(),
            r.hlc(),
            r.origin());
        batch.writeOffset += RecordDescriptor.SIGNAL_LENGTH;
        batch.stamp(r.hlc());
      } else {
        assertEquals(
            RecordDescriptor.defineLength(r.tenant(), r.type()),
            RecordDescriptor.writeDefine(
                batch.buffer, batch.writeOffset, r.seriesId(), r.tenant(), r.type()));
        batch.writeOffset += RecordDescriptor.defineLength(r.tenant(), r.type());
      }
      batch.count++;
    }
    int length = batch.seal(5, new CRC32C());

    BatchView view = new BatchView().wrap(batch.buffer, 0, Path.of("mem"), 0);
    assertEquals(length, view.length());
    assertEquals(5, view.shard());
    assertEquals(epoch, view.epoch());
    assertEquals(firstPosition, view.firstPosition());
    assertEquals(records.size(), view.recordCount());
    long[] hlcs =
        records.stream()
            .filter(r -> r.kind() == WalRecordKind.SIGNAL)
            .mapToLong(Rec::hlc)
            .toArray();
    assertEquals(
        hlcs.length == 0 ? 0 : java.util.Arrays.stream(hlcs).min().getAsLong(), view.hlcMin());
    assertEquals(
        hlcs.length == 0 ? 0 : java.util.Arrays.stream(hlcs).max().getAsLong(), view.hlcMax());
    RecordCursor cursor = view.records();
    for (int i = 0; i < records.size(); i++) {
      assertTrue(cursor.next());
      assertEquals(WalTestSupport.withPosition(records.get(i), firstPosition + i), Rec.of(cursor));
    }
    assertFalse(cursor.next());

    ByteBuffer bytes = view.bytes();
    byte[] all = new byte[bytes.remaining()];
    bytes.get(all);
    CRC32C expected = new CRC32C();
    expected.update(all, 0, BatchDescriptor.CRC_OFFSET);
    expected.update(all, BatchDescriptor.HEADER_LENGTH, all.length - BatchDescriptor.HEADER_LENGTH);
    assertEquals((int) expected.getValue(), view.bytes().getInt(BatchDescriptor.CRC_OFFSET));
  }

  /**
   * A session batch's part among plain signals: every signal reads back as one entry at its own
   * position, a part's as SIGNAL_S entries with the part's session fields, index and size; the
   * replicated-batch check, which counts entries, takes the batch.
   */
  @Property(tries = 300)
  void partsShouldReadAsOneSessionEntryPerSignalAmongPlainSignals(
      @ForAll("partSizes") List<Integer> items,
      @ForAll("positions") long firstPosition,
      @ForAll long session) {
    long sessionId = session == 0 ? 1 : session;
    PendingBatch batch = new PendingBatch(1 << 16);
    batch.reset(firstPosition);
    batch.epoch = 3;
    List<long[]> expected = new java.util.ArrayList<>(); // entity, seq (0: plain), index, size
    long hlc = 1;
    for (int k = 0; k < items.size(); k++) {
      int n = items.get(k);
      if (n == 0) { // a plain signal
        RecordDescriptor.writeSignal(batch.buffer, batch.writeOffset, 1, hlc, 0.5, 7, hlc, 9);
        batch.writeOffset += RecordDescriptor.SIGNAL_LENGTH;
        batch.count++;
        expected.add(new long[] {hlc, 0, 0, 1});
        hlc++;
        continue;
      }
      SessionPartRecordTest.Part part = new SessionPartRecordTest.Part(n);
      for (int i = 0; i < n; i++, hlc++) {
        part.set(i, 2, hlc, i, 7, hlc);
        expected.add(new long[] {hlc, k + 1, i, n});
      }
      batch.writeOffset +=
          SessionPartDescriptor.write(
              batch.buffer,
              batch.writeOffset,
              part,
              9,
              new io.tidaldb.api.SessionSeq(sessionId, k + 1, 1),
              k,
              io.tidaldb.api.Durability.values()[k % 3]);
      batch.count += n;
    }
    batch.seal(0, new CRC32C());
    BatchView view = new BatchView().wrap(batch.buffer, 0, Path.of("mem"), 0);
    assertEquals(expected.size(), view.recordCount(), "one entry per signal");
    RecordCursor c = view.records();
    for (int e = 0; e < expected.size(); e++) {
      long[] x = expected.get(e);
      assertTrue(c.next());
      assertEquals(firstPosition + e, c.position());
      assertEquals(x[0], c.entity());
      assertEquals(x[0], c.hlc());
      assertEquals(9, c.origin());
      assertEquals(x[2], c.partIndex());
      assertEquals(x[3], c.partSize());
      if (x[1] == 0) {
        assertEquals(WalRecordKind.SIGNAL, c.kind());
      } else {
        assertEquals(WalRecordKind.SIGNAL_S, c.kind());
        assertEquals(sessionId, c.session());
        assertEquals(x[1], c.seq());
        assertEquals(1, c.ackedBelow());
        assertEquals(x[1] - 1, c.payloadHash());
        assertEquals(io.tidaldb.api.Durability.values()[(int) (x[1] - 1) % 3], c.durability());
        assertEquals(x[2], c.weight());
      }
    }
    assertFalse(c.next());
    ByteBuffer sealed = ReplicaTestSupport.copy(view.bytes());
    assertEquals(sealed, ReplicatedBatchCheck.check(sealed, 0, 1 << 16), "the check takes it");
  }

  @Provide
  Arbitrary<List<Integer>> partSizes() {
    return Arbitraries.integers().between(0, 12).list().ofMinSize(1).ofMaxSize(12);
  }

  @Provide
  Arbitrary<Long> positions() {
    return Arbitraries.longs().between(0, Long.MAX_VALUE / 2);
  }

  @Provide
  Arbitrary<List<Rec>> recordLists() {
    return records().list().ofMinSize(1).ofMaxSize(20);
  }

  private static Arbitrary<Rec> records() {
    Arbitrary<Rec> signals =
        Combinators.combine(
                Arbitraries.integers(),
                Arbitraries.longs(),
                Arbitraries.doubles(),
                Arbitraries.longs(),
                Arbitraries.longs(),
                Arbitraries.integers())
            .as((s, e, w, t, h, o) -> Rec.signal(0, s, e, w, t, h, o));
    Arbitrary<String> names = Arbitraries.strings().ascii().ofMinLength(1).ofMaxLength(255);
    Arbitrary<Rec> defines =
        Combinators.combine(Arbitraries.integers(), names, names)
            .as((s, tenant, type) -> Rec.define(0, s, tenant, type));
    return Arbitraries.oneOf(signals, defines);
  }
}
