package io.tidaldb.wal;

import static io.tidaldb.wal.ReplicaTestSupport.batchesOf;
import static io.tidaldb.wal.ReplicaTestSupport.follow;
import static io.tidaldb.wal.ShardLogTest.awaitLatch;
import static io.tidaldb.wal.WalTestSupport.WAIT_NANOS;
import static io.tidaldb.wal.WalTestSupport.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WalReader;
import io.tidaldb.wal.WalTestSupport.Rec;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link ShardLog#truncateFrom}: cuts within a segment, at and across segment boundaries, no-ops
 * and refusals, appends and replicated batches continuing at the cut, readers, recovery after a cut
 * and after a cut interrupted by a crash, and a failing cut stopping the log.
 */
class TruncateFromTest {
  /** One signal per batch: 56-byte header + 41-byte record. */
  private static final int BATCH = BatchDescriptor.HEADER_LENGTH + RecordDescriptor.SIGNAL_LENGTH;

  /** Origin of records appended after a cut, so they differ from the records removed. */
  private static final int AFTER_CUT = 99;

  @TempDir Path dir;

  /**
   * Appends {@code n} signals, each in a batch of its own (each awaited), with {@code origin}.
   *
   * @return the records appended
   */
  static List<Rec> single(ShardLog log, int n, int origin) {
    List<Rec> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long p = log.nextPosition();
      Rec r = Rec.signal(p, (int) (p % 7), 1000 + p, p * 0.5, 1_700_000_000_000L + p, p, origin);
      assertEquals(p, r.append(log));
      log.awaitDurable(p, WAIT_NANOS);
      out.add(r);
    }
    return out;
  }

  /**
   * Appends one signal in a batch of its own, then {@code n} more that commit together as one batch
   * (the commit thread is held in the listener meanwhile).
   */
  private static List<Rec> grouped(ShardLog log, int n) {
    CountDownLatch inListener = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    log.setCommitListener(
        b -> {
          if (inListener.getCount() > 0) {
            inListener.countDown();
            awaitLatch(release);
          }
        });
    List<Rec> out = new ArrayList<>();
    for (int i = 0; i <= n; i++) {
      Rec r = WalTestSupport.signalNo(log.nextPosition());
      out.add(r);
      r.append(log);
      if (i == 0) {
        awaitLatch(inListener);
      }
    }
    release.countDown();
    log.awaitDurable(log.nextPosition() - 1, WAIT_NANOS);
    log.setCommitListener(null);
    return out;
  }

  private static WalConfig.Builder tiny(Path dir) {
    return WalTestSupport.small(dir).segmentBytes(1024); // 10 single-signal batches per segment
  }

  private static List<String> names(Path dir) throws IOException {
    return WalTestSupport.segments(dir, 0).stream().map(p -> p.getFileName().toString()).toList();
  }

  private static String segment(long firstPosition) {
    return SegmentFiles.name(0, firstPosition);
  }

  private static List<Rec> concat(List<Rec> a, List<Rec> b) {
    List<Rec> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  @Test
  void shouldRefuseAWaitOnACutPositionAsUnconfirmedUntilItIsRefilled() {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      ShardLog log = wal.shard(0);
      single(log, 20, 1);
      assertEquals(5, log.truncateFrom(15));
      UnavailableException e =
          assertThrows(UnavailableException.class, () -> log.awaitDurable(17, 1_000_000));
      assertTrue(e.getMessage().contains("position 17 of shard 0 was durable here but was cut"));
      assertThrows(UnavailableException.class, () -> log.whenDurable(19));
      assertThrows(InvalidArgumentException.class, () -> log.awaitDurable(20, 1_000_000));
      single(log, 5, AFTER_CUT);
      log.awaitDurable(17, 1_000_000); // a record holds that position again
    }
  }

  @Test
  void shouldCutAtABatchBoundaryInTheMiddleOfASegmentAndContinueThere() throws IOException {
    WalConfig config = WalTestSupport.small(dir).build();
    List<Rec> expected;
    try (WalEngine wal = WalEngine.open(config)) {
      ShardLog log = wal.shard(0);
      List<Rec> written = single(log, 20, 1);
      log.advanceEpoch(2);
      written.addAll(single(log, 10, 1));
      assertEquals(2, log.lastEpoch());

      assertEquals(15, log.truncateFrom(15));

      assertEquals(15, log.nextPosition());
      assertEquals(15, log.durablePosition());
      assertEquals(0, log.startPosition());
      assertEquals(2, log.epoch(), "the epoch is not lowered");
      assertEquals(0, log.lastEpoch(), "the batches of epoch 2 are gone");
      assertEquals(15, log.endOfEpoch(0));
      assertEquals(written.subList(0, 15), readAll(log, 0));
      assertEquals(15L * BATCH, Files.size(WalTestSupport.segments(dir, 0).get(0)));

      List<Rec> after = single(log, 5, AFTER_CUT);
      assertEquals(15, after.get(0).position());
      assertEquals(2, log.lastEpoch());
      assertEquals(15, log.endOfEpoch(0));
      expected = concat(written.subList(0, 15), after);
      assertEquals(expected, readAll(log, 0));
      assertEquals(expected.subList(10, 20), readAll(log, 10));
    }
    try (WalEngine wal = WalEngine.open(config)) {
      ShardLog log = wal.shard(0);
      assertEquals(expected, readAll(log, 0));
      assertEquals(20, log.nextPosition());
      assertEquals(2, log.epoch());
      assertEquals(2, log.lastEpoch());
      assertEquals(15, log.endOfEpoch(0));
    }
  }

  @Test
  void shouldCutAtASegmentBoundaryKeepingThatSegmentEmpty() throws IOException {
    WalConfig config = WalTestSupport.small(dir).build(); // 42 single-signal batches per segment
    List<Rec> expected;
    try (WalEngine wal = WalEngine.open(config)) {
      ShardLog log = wal.shard(0);
      List<Rec> written = single(log, 100, 1);
      assertEquals(List.of(segment(0), segment(42), segment(84)), names(dir));

      assertEquals(58, log.truncateFrom(42));

      assertEquals(List.of(segment(0), segment(42)), names(dir));
      assertEquals(42L * BATCH, Files.size(dir.resolve(segment(0))));
      assertEquals(0, Files.size(dir.resolve(segment(42))));
      assertEquals(written.subList(0, 42), readAll(log, 0));
      assertEquals(List.of(), readAll(log, 42));
      List<Rec> after = single(log, 3, AFTER_CUT);
      assertEquals(3L * BATCH, Files.size(dir.resolve(segment(42))), "written where the cut was");
      expected = concat(written.subList(0, 42), after);
      assertEquals(expected, readAll(log, 0));
    }
    try (WalEngine wal = WalEngine.open(config)) {
      assertEquals(expected, readAll(wal.shard(0), 0));
      assertEquals(45, wal.shard(0).nextPosition());
    }
  }

  @Test
  void shouldCutAcrossSeveralSegments() throws IOException {
    List<Rec> expected;
    try (WalEngine wal = WalEngine.open(tiny(dir).build())) {
      ShardLog log = wal.shard(0);
      List<Rec> written = single(log, 95, 1);
      assertEquals(10, names(dir).size());
      long deletedBefore = wal.metrics().segmentsDeleted();

      assertEquals(72, log.truncateFrom(23));

      assertEquals(List.of(segment(0), segment(10), segment(20)), names(dir));
      assertEquals(3L * BATCH, Files.size(dir.resolve(segment(20))));
      assertEquals(7, wal.metrics().segmentsDeleted() - deletedBefore);
      assertEquals(written.subList(0, 23), readAll(log, 0));
      List<Rec> after = single(log, 12, AFTER_CUT); // fills segment 20, rolls to 30
      assertEquals(List.of(segment(0), segment(10), segment(20), segment(30)), names(dir));
      expected = concat(written.subList(0, 23), after);
      assertEquals(expected, readAll(log, 0));
    }
    try (WalEngine wal = WalEngine.open(tiny(dir).build())) {
      ShardLog log = wal.shard(0);
      assertEquals(expected, readAll(log, 0));
      assertEquals(35, log.nextPosition());
      assertEquals(2, log.truncateBefore(25), "segments 0 and 10");
      InvalidArgumentException e =
          assertThrows(InvalidArgumentException.class, () -> log.truncateFrom(19));
      assertTrue(e.getMessage().contains("startPosition 20"), e.getMessage());
      assertEquals(15, log.truncateFrom(20), "everything held");
      assertEquals(20, log.startPosition());
      assertEquals(20, log.nextPosition());
      assertEquals(0, log.lastEpoch(), "no batch held");
      assertEquals(List.of(segment(20)), names(dir));
      single(log, 2, AFTER_CUT);
    }
    try (WalEngine wal = WalEngine.open(tiny(dir).build())) {
      ShardLog log = wal.shard(0);
      assertEquals(20, log.startPosition(), "the emptied first segment keeps the start");
      assertEquals(22, log.nextPosition());
      assertEquals(2, readAll(log, 20).size());
    }
  }

  @Test
  void shouldRemoveNothingAtTheDurablePosition() throws IOException {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      ShardLog log = wal.shard(0);
      assertEquals(0, log.truncateFrom(0), "empty log");
      List<Rec> written = single(log, 5, 1);
      long size = Files.size(WalTestSupport.segments(dir, 0).get(0));
      try (WalReader reader = log.openReader(0)) {
        assertNotNull(reader.next());
        assertEquals(0, log.truncateFrom(5));
        assertNotNull(reader.next(), "a no-op does not invalidate readers");
      }
      assertEquals(5, log.nextPosition());
      assertEquals(5, log.durablePosition());
      assertEquals(size, Files.size(WalTestSupport.segments(dir, 0).get(0)));
      assertEquals(written, readAll(log, 0));
    }
  }

  @Test
  void shouldRefuseNonBoundariesOutOfRangePositionsAndPendingAppendsNamingTheValues() {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      ShardLog log = wal.shard(0);
      List<Rec> written = grouped(log, 10); // batches: [0], [1..10]
      InvalidArgumentException inside =
          assertThrows(InvalidArgumentException.class, () -> log.truncateFrom(5));
      assertEquals("position", inside.argument());
      assertTrue(inside.getMessage().contains("positions 1 to 10"), inside.getMessage());
      assertTrue(inside.getMessage().contains("truncate at 1 or 11"), inside.getMessage());
      assertTrue(inside.getMessage().contains(segment(0) + " at offset " + BATCH));

      InvalidArgumentException beyond =
          assertThrows(InvalidArgumentException.class, () -> log.truncateFrom(12));
      assertTrue(beyond.getMessage().contains("12"), beyond.getMessage());
      assertTrue(beyond.getMessage().contains("durablePosition 11"), beyond.getMessage());
      InvalidArgumentException negative =
          assertThrows(InvalidArgumentException.class, () -> log.truncateFrom(-1));
      assertTrue(negative.getMessage().contains("startPosition 0"), negative.getMessage());

      CountDownLatch inListener = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      log.setCommitListener(
          b -> {
            inListener.countDown();
            awaitLatch(release);
          });
      log.appendSignal(1, 1, 1, 1, 1, 1);
      awaitLatch(inListener);
      log.appendSignal(2, 2, 2, 2, 2, 2);
      InvalidArgumentException pending =
          assertThrows(InvalidArgumentException.class, () -> log.truncateFrom(1));
      assertTrue(
          pending.getMessage().contains("2 appended records not yet durable"),
          pending.getMessage());
      assertTrue(pending.getMessage().contains("durable below 11"), pending.getMessage());
      assertTrue(pending.getMessage().contains("next position 13"), pending.getMessage());
      release.countDown();
      log.awaitDurable(12, WAIT_NANOS);
      log.setCommitListener(null);

      assertEquals(13, log.nextPosition());
      assertEquals(written, readAll(log, 0).subList(0, 11), "refusals change nothing");
      assertEquals(12, log.truncateFrom(1));
      assertEquals(written.subList(0, 1), readAll(log, 0));
    }
  }

  @Test
  void shouldInvalidateReadersOpenedBeforeTheCut() {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      ShardLog log = wal.shard(0);
      List<Rec> written = single(log, 10, 1);
      try (WalReader before = log.openReader(0)) {
        assertNotNull(before.next());
        log.truncateFrom(6);
        StorageException e = assertThrows(StorageException.class, before::next);
        assertTrue(e.getMessage().contains("truncated from position 6"), e.getMessage());
      }
      List<Rec> after = single(log, 2, AFTER_CUT);
      assertEquals(concat(written.subList(0, 6), after), readAll(log, 0));
    }
  }

  @Test
  void shouldContinueWithTheNewLeadersBatchesAfterCuttingToItsEndOfEpoch() throws IOException {
    Path aDir = dir.resolve("a");
    Path bDir = dir.resolve("b");
    Path followerDir = dir.resolve("follower");
    List<Rec> leaderRecords;
    try (WalEngine aWal = WalEngine.open(tiny(aDir).build());
        WalEngine bWal = WalEngine.open(tiny(bDir).build());
        WalEngine fWal = WalEngine.open(tiny(followerDir).build())) {
      ShardLog a = aWal.shard(0); // the old leader, epoch 1
      ShardLog b = bWal.shard(0); // the new leader: a's first 12 batches, then its own at epoch 2
      ShardLog follower = fWal.shard(0);
      a.advanceEpoch(1);
      single(a, 25, 1);
      List<ByteBuffer> aBatches = batchesOf(a, 0);
      follow(follower, aBatches);
      follow(b, aBatches.subList(0, 12));
      b.advanceEpoch(2);
      single(b, 8, 2);

      assertEquals(1, follower.lastEpoch());
      long end = b.endOfEpoch(follower.lastEpoch());
      assertEquals(12, end);
      assertEquals(13, follower.truncateFrom(end));
      assertEquals(1, follower.epoch());
      List<ByteBuffer> bBatches = batchesOf(b, end);
      InvalidArgumentException gap =
          assertThrows(
              InvalidArgumentException.class, () -> follower.appendReplicated(bBatches.get(1)));
      assertTrue(gap.getMessage().contains("expects a batch at position 12"), gap.getMessage());
      follow(follower, bBatches);

      leaderRecords = readAll(b, 0);
      assertEquals(leaderRecords, readAll(follower, 0));
      assertEquals(2, follower.lastEpoch());
      assertEquals(12, follower.endOfEpoch(1));
      assertEquals(20, follower.endOfEpoch(2));
    }
    List<Path> leaderSegments = WalTestSupport.segments(bDir, 0);
    List<Path> followerSegments = WalTestSupport.segments(followerDir, 0);
    assertEquals(names(bDir), names(followerDir));
    for (int i = 0; i < leaderSegments.size(); i++) {
      assertArrayEquals(
          Files.readAllBytes(leaderSegments.get(i)),
          Files.readAllBytes(followerSegments.get(i)),
          "segment " + followerSegments.get(i).getFileName());
    }
    try (WalEngine reopened = WalEngine.open(tiny(followerDir).build())) {
      assertEquals(leaderRecords, readAll(reopened.shard(0), 0));
      assertEquals(12, reopened.shard(0).endOfEpoch(1));
    }
  }

  /** How far a truncateFrom(23) of 55 single batches in 10-batch segments got before a crash. */
  enum Crash {
    NEWEST_SEGMENT_DELETED(50),
    LATER_SEGMENTS_DELETED(30),
    CUT_IN_HEADER(23),
    CUT_IN_PAYLOAD(23),
    CUT_DONE(23);

    final long recovered;

    Crash(long recovered) {
      this.recovered = recovered;
    }
  }

  @ParameterizedTest
  @EnumSource(Crash.class)
  void shouldRecoverAPrefixAfterACutInterruptedByACrash(Crash crash) throws IOException {
    List<Rec> written;
    try (WalEngine wal = WalEngine.open(tiny(dir).build())) {
      written = single(wal.shard(0), 55, 1);
    }
    List<Path> segments = WalTestSupport.segments(dir, 0); // 0, 10, 20, 30, 40, 50
    Files.delete(segments.get(5));
    if (crash != Crash.NEWEST_SEGMENT_DELETED) {
      Files.delete(segments.get(4));
      Files.delete(segments.get(3));
    }
    long cut = 3L * BATCH;
    switch (crash) {
      case CUT_IN_HEADER -> setLength(segments.get(2), cut + 20);
      case CUT_IN_PAYLOAD -> setLength(segments.get(2), cut + BatchDescriptor.HEADER_LENGTH + 9);
      case CUT_DONE -> setLength(segments.get(2), cut);
      default -> {}
    }
    List<Rec> expected;
    try (WalEngine wal = WalEngine.open(tiny(dir).build())) {
      ShardLog log = wal.shard(0);
      assertEquals(crash.recovered, log.nextPosition());
      assertEquals(written.subList(0, (int) crash.recovered), readAll(log, 0));
      assertEquals(crash.recovered - 23, log.truncateFrom(23), "the cut is simply redone");
      expected = concat(written.subList(0, 23), single(log, 4, AFTER_CUT));
    }
    try (WalEngine wal = WalEngine.open(tiny(dir).build())) {
      assertEquals(expected, readAll(wal.shard(0), 0));
    }
  }

  @Test
  void shouldStopTheLogNamingTheFileWhenTheCutFails() throws IOException {
    try (WalEngine wal = WalEngine.open(tiny(dir).build())) {
      ShardLog log = wal.shard(0);
      single(log, 30, 1);
      Path holder = dir.resolve(segment(10));
      Files.delete(holder);
      StorageException e = assertThrows(StorageException.class, () -> log.truncateFrom(12));
      assertTrue(e.getMessage().contains(holder.toString()), e.getMessage());
      assertEquals(1, wal.metrics().failures());
      UnavailableException later =
          assertThrows(UnavailableException.class, () -> log.appendSignal(1, 1, 1, 1, 1, 1));
      assertTrue(later.getMessage().contains("truncateFrom(12)"), later.getMessage());
      assertThrows(UnavailableException.class, () -> log.truncateFrom(12));
    }
  }

  private static void setLength(Path file, long size) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(size);
    }
  }
}
