package io.tidaldb.wal;

import static io.tidaldb.wal.WalTestSupport.readAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.support.disk.SimulatedDisk;
import io.tidaldb.wal.WalTestSupport.Rec;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A crash ({@link WalEngine#halt()} on a crashed {@link SimulatedDisk}) and a power loss (the disk
 * also forgets every byte not fsynced): every record acknowledged durable survives both; a batch
 * written but not fsynced survives a crash and is lost, whole, on a power loss; what recovery loads
 * is always a prefix of what was appended, CRC-checked, and the log stays appendable. Run for the
 * shard logs and for the local logs.
 */
@ParameterizedClass
@EnumSource(LogKind.class)
class PowerLossTest {
  @TempDir Path dir;

  @Parameter LogKind kind;

  private ShardLog log(WalEngine wal, int shard) {
    return WalTestSupport.log(wal, kind, shard);
  }

  private final SimulatedDisk disk = new SimulatedDisk();

  @Test
  void shouldKeepDurableRecordsAndLoseTheBatchWhoseFsyncThePowerLossInterrupted() {
    WalConfig config = WalTestSupport.small(dir).files(on(disk)).build();
    WalEngine wal = WalEngine.open(config);
    List<Rec> durable = WalTestSupport.appendSignals(log(wal, 0), 30);
    List<Rec> unsynced = writeUnsynced(log(wal, 0), 5);
    disk.powerLoss();
    wal.halt();
    disk.stallForces(false);
    try (WalEngine reopened = WalEngine.open(config)) {
      assertEquals(durable, readAll(log(reopened, 0), 0), "unsynced " + unsynced);
      assertEquals(30, log(reopened, 0).nextPosition());
      assertEquals(30, WalTestSupport.appendSignals(log(reopened, 0), 3).get(0).position());
    }
  }

  /**
   * After a crash the files hold the batch the dead process wrote but never fsynced (the page cache
   * kept it), and recovery reads it as the log. Recovery must make it durable before serving it:
   * before, a power loss after the restart took records the new incarnation had already served (and
   * could ship and count), and with a segment rolled behind it the log refused to open ("gap
   * between segments", the seeded test below with seed 17367697849881).
   */
  @Test
  void shouldMakeDurableWhatACrashLeftInThePageCacheWhenTheLogReopens() {
    WalConfig config = WalTestSupport.small(dir).files(on(disk)).build();
    WalEngine wal = WalEngine.open(config);
    List<Rec> durable = WalTestSupport.appendSignals(log(wal, 0), 30);
    List<Rec> unsynced = writeUnsynced(log(wal, 0), 5);
    disk.crash();
    wal.halt();
    disk.stallForces(false);
    List<Rec> written = new ArrayList<>(durable);
    written.addAll(unsynced); // the commit thread may have taken only the first of them
    WalEngine reopened = WalEngine.open(config);
    List<Rec> recovered = readAll(log(reopened, 0), 0);
    assertTrue(
        recovered.size() > durable.size() && isPrefix(recovered, written),
        "the page cache kept the written batch: " + recovered.size() + " records");
    disk.powerLoss();
    reopened.halt();
    try (WalEngine third = WalEngine.open(config)) {
      assertEquals(recovered, readAll(log(third, 0), 0), "recovery fsynced what it read");
    }
  }

  /**
   * Seeded rounds over both logs of two shards and 4 KiB segments (so batches roll segments while
   * forces are stalled): each round appends durable records to every log, then leaves a batch
   * written but not fsynced and more records pending in one log of the kind under test, then
   * crashes or loses power, and reopens. The logs share the directory and the disk, never their
   * records: every log must come back as a prefix of its own appends holding all its durable ones.
   */
  @Test
  void shouldRecoverACleanPrefixHoldingEveryDurableRecordAfterRandomCrashesAndPowerLosses() {
    long seed = WalTestSupport.seed("PowerLossTest[" + kind + "]");
    Random random = new Random(seed);
    WalConfig config = WalTestSupport.small(dir).shardCount(2).files(on(disk)).build();
    List<LogKind> kinds = List.of(kind, kind == LogKind.SHARD ? LogKind.LOCAL : LogKind.SHARD);
    List<List<Rec>> appended = new ArrayList<>(); // per log: kind-under-test 0, 1, then the other's
    for (int i = 0; i < 4; i++) {
      appended.add(new ArrayList<>());
    }
    int[] durable = new int[4];
    for (int round = 0; round < 12; round++) {
      WalEngine wal = WalEngine.open(config);
      for (int i = 0; i < 4; i++) {
        ShardLog log = WalTestSupport.log(wal, kinds.get(i / 2), i % 2);
        List<Rec> recovered = readAll(log, 0);
        String where =
            "seed " + seed + ", round " + round + ", " + kinds.get(i / 2).describe(i % 2);
        assertTrue(
            isPrefix(recovered, appended.get(i)),
            where
                + ": the "
                + recovered.size()
                + " records recovered are not a prefix of those appended");
        assertTrue(
            recovered.size() >= durable[i],
            where
                + ": "
                + recovered.size()
                + " records recovered, "
                + durable[i]
                + " were durable");
        appended.get(i).subList(recovered.size(), appended.get(i).size()).clear();
        appended.get(i).addAll(WalTestSupport.appendSignals(log, 1 + random.nextInt(60)));
        durable[i] = appended.get(i).size();
      }
      int shard = random.nextInt(2);
      appended.get(shard).addAll(writeUnsynced(log(wal, shard), 1 + random.nextInt(20)));
      if (random.nextBoolean()) {
        disk.powerLoss();
      } else {
        disk.crash();
      }
      wal.halt();
      disk.stallForces(false);
    }
  }

  /** The WAL's files on a simulated disk (the test kit adapts its disk the same way). */
  static WalFiles on(SimulatedDisk disk) {
    return new WalFiles() {
      @Override
      public FileChannel open(Path file, OpenOption... options) throws IOException {
        return disk.open(file, options);
      }

      @Override
      public void syncDirectory(Path directory) throws IOException {
        disk.syncDirectory(directory);
      }
    };
  }

  private static boolean isPrefix(List<Rec> prefix, List<Rec> of) {
    return prefix.size() <= of.size() && of.subList(0, prefix.size()).equals(prefix);
  }

  /**
   * Stalls forces, appends {@code n} records (at most 24, what one 1 KiB pending buffer holds, as
   * the commit thread may be stalled before it took any) and waits until the commit thread has
   * written a batch and waits in its fsync; returns the records appended (written or still
   * pending).
   */
  private List<Rec> writeUnsynced(ShardLog log, int n) {
    disk.stallForces(true);
    List<Rec> appended = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Rec r = WalTestSupport.signalNo(log.nextPosition());
      appended.add(WalTestSupport.withPosition(r, r.append(log)));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (disk.stalledForces() == 0) {
      assertTrue(System.nanoTime() < deadline, "no force stalled within 10 s");
      Thread.onSpinWait();
      Thread.yield();
    }
    assertTrue(log.durablePosition() <= appended.get(0).position(), "nothing new is durable");
    return appended;
  }
}
