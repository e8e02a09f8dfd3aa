package io.tidaldb.wal;

import static io.tidaldb.wal.WalTestSupport.WAIT_NANOS;
import static io.tidaldb.wal.WalTestSupport.readAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.StorageException;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.wal.WalTestSupport.Rec;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Crash recovery: every durable record comes back after reopening; a torn tail of the last segment
 * is truncated (and the log stays appendable); any other damage refuses to open with the file and
 * offset in the message. Run for the shard logs and for the local logs, which recover by the same
 * rules from their own files.
 */
@ParameterizedClass
@EnumSource(LogKind.class)
class RecoveryTest {
  /** One signal per batch: 56-byte header + 41-byte record. */
  private static final int BATCH = BatchDescriptor.HEADER_LENGTH + RecordDescriptor.SIGNAL_LENGTH;

  /** 4 KiB segments hold 42 single-record batches. */
  private static final int PER_SEGMENT = 4096 / BATCH;

  @TempDir Path dir;

  @Parameter LogKind kind;

  private ShardLog log(WalEngine wal, int shard) {
    return WalTestSupport.log(wal, kind, shard);
  }

  @Test
  void shouldRecoverEveryRecordOfEveryShardAfterReopen() {
    List<List<Rec>> appended = new ArrayList<>();
    WalConfig config = WalTestSupport.small(dir).shardCount(3).build();
    try (WalEngine wal = WalEngine.open(config)) {
      for (int s = 0; s < 3; s++) {
        appended.add(WalTestSupport.appendSignals(log(wal, s), 100 * (s + 1)));
      }
    }
    try (WalEngine wal = WalEngine.open(config)) {
      for (int s = 0; s < 3; s++) {
        ShardLog log = log(wal, s);
        assertEquals(appended.get(s), readAll(log, 0));
        assertEquals(100 * (s + 1), log.nextPosition());
        assertEquals(100 * (s + 1), log.durablePosition());
        assertEquals(0, log.startPosition());
      }
      List<Rec> more = WalTestSupport.appendSignals(log(wal, 0), 10);
      assertEquals(100, more.get(0).position());
    }
  }

  /** Ways a crash can leave the last batch of the last segment. */
  enum Tear {
    CUT_IN_HEADER,
    CUT_IN_PAYLOAD,
    ZEROED_BATCH,
    HEADER_PREFIX_THEN_ZEROS,
    GARBAGE_CRC_AT_EOF,
    CLAIMS_BEYOND_EOF
  }

  @ParameterizedTest
  @EnumSource(Tear.class)
  void shouldTruncateTornTailAndStayAppendable(Tear tear) throws IOException {
    List<Rec> written = writeSingleBatches(PER_SEGMENT + 10);
    Path last = lastSegment();
    long lastBatch = 9L * BATCH;
    assertEquals(lastBatch + BATCH, Files.size(last));
    switch (tear) {
      case CUT_IN_HEADER -> truncate(last, lastBatch + 20);
      case CUT_IN_PAYLOAD -> truncate(last, lastBatch + BatchDescriptor.HEADER_LENGTH + 10);
      case ZEROED_BATCH -> overwrite(last, lastBatch, new byte[BATCH]);
      case HEADER_PREFIX_THEN_ZEROS -> overwrite(last, lastBatch + 10, new byte[BATCH - 10]);
      case GARBAGE_CRC_AT_EOF -> flip(last, lastBatch + BatchDescriptor.CRC_OFFSET);
      case CLAIMS_BEYOND_EOF ->
          overwrite(last, lastBatch + BatchDescriptor.PAYLOAD_LENGTH_OFFSET, le(4096));
    }
    List<Rec> survivors = written.subList(0, written.size() - 1);
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      ShardLog log = log(wal, 0);
      assertEquals(lastBatch, Files.size(last), "torn batch truncated");
      assertEquals(survivors, readAll(log, 0));
      assertEquals(survivors.size(), log.nextPosition());
      WalTestSupport.appendSignals(log, 5);
    }
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      assertEquals(survivors.size() + 5, readAll(log(wal, 0), 0).size());
    }
  }

  @Test
  void shouldKeepEveryBatchWhenOnlyZerosFollowTheLast() throws IOException {
    List<Rec> written = writeSingleBatches(20);
    Path last = lastSegment();
    long size = Files.size(last);
    overwrite(last, size, new byte[3000]);
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      assertEquals(written, readAll(log(wal, 0), 0));
      assertEquals(size, Files.size(last));
    }
  }

  @Test
  void shouldRefuseFlippedByteInMiddleBatchOfLastSegment() throws IOException {
    writeSingleBatches(PER_SEGMENT + 10);
    Path last = lastSegment();
    long bad = 4L * BATCH;
    flip(last, bad + BatchDescriptor.HEADER_LENGTH + 7);
    assertRefused(last, bad, "BAD_CRC");
  }

  @Test
  void shouldRefuseBadBatchInSegmentThatIsNotLast() throws IOException {
    writeSingleBatches(PER_SEGMENT + 10);
    Path first = WalTestSupport.segments(dir, kind, 0).get(0);
    long bad = (PER_SEGMENT - 1L) * BATCH; // the very tail of a segment that is not the last
    flip(first, bad + BatchDescriptor.HEADER_LENGTH + 3);
    assertRefused(first, bad, "not the last");
  }

  @Test
  void shouldRefuseCutSegmentThatIsNotLast() throws IOException {
    writeSingleBatches(PER_SEGMENT + 10);
    Path first = WalTestSupport.segments(dir, kind, 0).get(0);
    long bad = (PER_SEGMENT - 1L) * BATCH;
    truncate(first, bad + 30);
    assertRefused(first, bad, "TRUNCATED_HEADER");
  }

  @Test
  void shouldRefuseLengthClaimingBeyondEofWhenSoundBatchesFollow() throws IOException {
    writeSingleBatches(20);
    Path last = lastSegment();
    long bad = 5L * BATCH;
    overwrite(last, bad + BatchDescriptor.PAYLOAD_LENGTH_OFFSET, le(1 << 20));
    assertRefused(last, bad, "BEYOND_END");
  }

  @Test
  void shouldRefuseGapBetweenSegments() throws IOException {
    writeSingleBatches(3 * PER_SEGMENT + 1);
    List<Path> segments = WalTestSupport.segments(dir, kind, 0);
    Files.delete(segments.get(1));
    StorageException e = assertRefused(segments.get(2), 0, "gap");
    assertTrue(e.getMessage().contains(String.valueOf(PER_SEGMENT)), e.getMessage());
  }

  @Test
  void shouldRefuseSegmentsOfUnknownShardsAndMalformedNames() throws IOException {
    writeSingleBatches(1);
    Path stray = dir.resolve(kind.segmentName(7, 0));
    Files.write(stray, new byte[0]);
    assertRefused(stray, -1, "shard 7");
    Files.delete(stray);
    Path malformed = dir.resolve(kind.prefix() + "-1-0.wal");
    Files.write(malformed, new byte[0]);
    assertRefused(malformed, -1, "malformed");
  }

  @Test
  void shouldRefuseSecondOpenOfTheSameDirectory() {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      StorageException e =
          assertThrows(
              StorageException.class, () -> WalEngine.open(WalTestSupport.small(dir).build()));
      assertTrue(e.getMessage().contains("already open"), e.getMessage());
      assertEquals(1, wal.shardCount());
    }
  }

  private StorageException assertRefused(Path file, long offset, String what) {
    StorageException e =
        assertThrows(
            StorageException.class, () -> WalEngine.open(WalTestSupport.small(dir).build()));
    String message = e.getMessage();
    assertTrue(message.contains(file.getFileName().toString()), message);
    if (offset >= 0) {
      assertTrue(message.contains("offset " + offset), message);
    }
    assertTrue(message.contains(what), message);
    return e;
  }

  private List<Rec> writeSingleBatches(int n) {
    List<Rec> written = new ArrayList<>();
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      ShardLog log = log(wal, 0);
      for (int i = 0; i < n; i++) {
        Rec r = WalTestSupport.signalNo(i);
        long position = r.append(log);
        log.awaitDurable(position, WAIT_NANOS);
        written.add(r);
      }
    }
    return written;
  }

  private Path lastSegment() throws IOException {
    List<Path> segments = WalTestSupport.segments(dir, kind, 0);
    return segments.get(segments.size() - 1);
  }

  private static void truncate(Path file, long size) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(size);
    }
  }

  private static void overwrite(Path file, long offset, byte[] bytes) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(offset);
      f.write(bytes);
    }
  }

  static void flip(Path file, long offset) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(offset);
      int b = f.read();
      f.seek(offset);
      f.write(b ^ 0x5A);
    }
  }

  private static byte[] le(int value) {
    return new byte[] {
      (byte) value, (byte) (value >> 8), (byte) (value >> 16), (byte) (value >> 24)
    };
  }
}
