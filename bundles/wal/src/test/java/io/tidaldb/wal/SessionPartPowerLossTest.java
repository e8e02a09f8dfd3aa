package io.tidaldb.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.wal.RecordCursor;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import io.tidaldb.support.disk.SimulatedDisk;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A session batch's part is atomic through crashes and power losses: after each of twelve seeded
 * rounds of parts (some durable, some written but not fsynced when the disk crashes or loses
 * power), what the log recovers is a prefix of what was appended that holds every durable part and
 * ends at a part's end, never inside one; the log stays appendable. Prints its seed.
 */
class SessionPartPowerLossTest {
  @TempDir Path dir;

  private final SimulatedDisk disk = new SimulatedDisk();

  /** One entry of the log: the signal's entity (unique), its seq, its index and its part's size. */
  private record Entry(long position, long entity, long seq, int index, int size) {}

  @ParameterizedTest
  @EnumSource(LogKind.class)
  void shouldRecoverWholePartsOnlyAfterRandomCrashesAndPowerLosses(LogKind kind) {
    long seed = WalTestSupport.seed("SessionPartPowerLossTest[" + kind + "]");
    Random random = new Random(seed);
    WalConfig config = WalTestSupport.small(dir).files(PowerLossTest.on(disk)).build();
    List<Entry> appended = new ArrayList<>();
    int durable = 0;
    long seq = 0;
    for (int round = 0; round < 12; round++) {
      String where = "seed " + seed + ", round " + round + ", " + kind.describe(0);
      WalEngine wal = WalEngine.open(config);
      ShardLog log = WalTestSupport.log(wal, kind, 0);
      List<Entry> recovered = read(log);
      assertTrue(
          recovered.size() <= appended.size()
              && appended.subList(0, recovered.size()).equals(recovered),
          where + ": the " + recovered.size() + " entries recovered are no prefix of the appended");
      assertTrue(recovered.size() >= durable, where + ": " + durable + " were durable");
      if (!recovered.isEmpty()) {
        Entry last = recovered.get(recovered.size() - 1);
        assertEquals(last.size - 1, last.index, where + ": recovery ended inside a part: " + last);
      }
      appended.subList(recovered.size(), appended.size()).clear();
      long last = -1;
      for (int p = 1 + random.nextInt(8); p > 0; p--) {
        last = append(log, appended, ++seq, 1 + random.nextInt(log.maxPartSignals()));
      }
      log.awaitDurable(last, TimeUnit.SECONDS.toNanos(10));
      durable = appended.size();
      disk.stallForces(true); // the next batch is written, its fsync never returns
      for (int p = 1 + random.nextInt(3); p > 0; p--) {
        append(log, appended, ++seq, 1 + random.nextInt(8));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (disk.stalledForces() == 0) {
        assertTrue(System.nanoTime() < deadline, where + ": no force stalled within 10 s");
        Thread.onSpinWait();
        Thread.yield();
      }
      if (random.nextBoolean()) {
        disk.powerLoss();
      } else {
        disk.crash();
      }
      wal.halt();
      disk.stallForces(false);
    }
  }

  /** Appends a part of {@code n} signals under {@code seq}; its last position. */
  private static long append(ShardLog log, List<Entry> appended, long seq, int n) {
    long first = log.nextPosition();
    SessionPartRecordTest.Part part = new SessionPartRecordTest.Part(n);
    for (int i = 0; i < n; i++) {
      part.set(i, 1, seq * 1_000 + i, 1.0, 1, seq * 1_000 + i);
    }
    long last =
        log.appendSessionPart(
            ShardLog.ANY_EPOCH, part, 2, new SessionSeq(9, seq, 1), 0, Durability.LOCAL);
    assertEquals(first + n - 1, last, "the part takes " + n + " positions from " + first);
    for (int i = 0; i < n; i++) {
      appended.add(new Entry(first + i, seq * 1_000 + i, seq, i, n));
    }
    return last;
  }

  private static List<Entry> read(ShardLog log) {
    List<Entry> out = new ArrayList<>();
    try (WalReader reader = log.openReader(0)) {
      for (WalBatch batch = reader.next(); batch != null; batch = reader.next()) {
        RecordCursor c = batch.records();
        while (c.next()) {
          out.add(new Entry(c.position(), c.entity(), c.seq(), c.partIndex(), c.partSize()));
        }
      }
    }
    return out;
  }
}
