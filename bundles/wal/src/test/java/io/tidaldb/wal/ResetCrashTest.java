package io.tidaldb.wal;

import static io.tidaldb.wal.TruncateFromTest.single;
import static io.tidaldb.wal.WalTestSupport.readAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.tidaldb.api.StorageException;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.support.disk.SimulatedDisk;
import io.tidaldb.wal.CrashingFiles.Fault;
import io.tidaldb.wal.WalTestSupport.Rec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link ShardLog#resetTo} is atomic across a crash and a power loss at every step: for k = 0, 1,
 * ... the disk dies before the reset's k-th file operation (write, force, truncate, create, rename,
 * delete, directory fsync; {@link CrashingFiles}), until a k at which the reset completes. After
 * each fault the log must open either exactly as before the reset or empty at the position with the
 * reset's last epoch, and keep working (appends, a second restart). Every failure names the
 * scenario, the fault, k and the operations done.
 */
class ResetCrashTest {
  @TempDir Path root;

  /**
   * The log before the reset: {@code priorReset} (a position, or -1) applied first, so the start
   * file already exists and the reset replaces it; then {@code records} single-signal batches of
   * epoch 2 in 1 KiB segments (ten records each); then the reset to {@code position} with {@code
   * lastEpoch}.
   */
  record Scenario(String name, long priorReset, int records, long position, long lastEpoch) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** What a log looked like, to compare the reopened one with. */
  record State(long start, long next, long lastEpoch, List<Long> endOfEpochs, List<Rec> records) {
    static State of(ShardLog log) {
      List<Long> ends = new ArrayList<>();
      for (long e = 0; e <= 6; e++) {
        ends.add(log.endOfEpoch(e));
      }
      return new State(
          log.startPosition(),
          log.nextPosition(),
          log.lastEpoch(),
          ends,
          readAll(log, log.startPosition()));
    }

    static State emptyAt(long position, long lastEpoch) {
      List<Long> ends = new ArrayList<>();
      for (long e = 0; e <= 6; e++) {
        ends.add(position);
      }
      return new State(position, position, lastEpoch, ends, List.of());
    }
  }

  static Stream<Arguments> faults() {
    List<Scenario> scenarios =
        List.of(
            new Scenario("inside, onto a segment's first position", -1, 35, 20, 3),
            new Scenario("below an earlier reset, replacing its start file", 100, 25, 40, 2),
            new Scenario("beyond the log", -1, 15, 1000, 5),
            new Scenario("an empty log", -1, 0, 7, 1));
    List<Arguments> out = new ArrayList<>();
    for (Scenario s : scenarios) {
      for (Fault f : Fault.values()) {
        out.add(Arguments.of(s, f));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("faults")
  void shouldOpenAsTheOldLogOrTheResetOneAfterAFaultAtEveryStep(Scenario s, Fault fault)
      throws IOException {
    int olds = 0;
    int news = 0;
    for (int k = 0; ; k++) {
      Path dir = Files.createDirectories(root.resolve(fault + "-" + s.records() + "-" + k));
      Path wal = Files.createDirectories(dir.resolve("wal"));
      SimulatedDisk disk = new SimulatedDisk();
      CrashingFiles files = new CrashingFiles(disk, Files.createDirectories(dir.resolve("stash")));
      WalEngine engine = WalEngine.open(config(wal, files));
      ShardLog log = engine.shard(0);
      if (s.priorReset() >= 0) {
        log.resetTo(s.priorReset(), 1);
      }
      log.advanceEpoch(2);
      single(log, s.records(), 1);
      State old = State.of(log);
      files.arm(k, fault);
      boolean completed;
      try {
        log.resetTo(s.position(), s.lastEpoch());
        completed = true;
      } catch (StorageException e) {
        completed = false;
        assertTrue(files.struck(), "failed without a fault: " + e);
        assertTrue(log.failure().isPresent(), "a failed reset stops the log");
        UnavailableException refused =
            assertThrows(UnavailableException.class, () -> log.appendSignal(1, 1, 1, 1, 1, 1));
        assertTrue(refused.getMessage().contains("resetTo(" + s.position()), refused.getMessage());
      }
      String where = s + ", " + fault + " before operation " + k + " after " + files.done();
      State expectedNew = State.emptyAt(s.position(), s.lastEpoch());
      if (completed) {
        assertEquals(expectedNew, State.of(log), where + ": the completed reset");
        engine.close();
      } else {
        engine.halt();
      }
      CrashingFiles restarted =
          new CrashingFiles(disk, Files.createDirectories(dir.resolve("stash-restarted")));
      State recovered = reopenAndAppend(wal, restarted, where);
      if (recovered.equals(old)) {
        olds++;
      } else if (recovered.equals(expectedNew)) {
        news++;
      } else {
        fail(
            where
                + ": opened as neither the old log nor the reset one:\n recovered "
                + recovered
                + "\n old       "
                + old
                + "\n reset     "
                + expectedNew);
      }
      if (completed) {
        System.out.println(
            "ResetCrashTest " + s + ", " + fault + ": " + k + " operations " + files.done());
        assertEquals(k, files.done().size(), where);
        assertTrue(olds > 0 && news > 0, where + ": old " + olds + " times, new " + news);
        return;
      }
      assertTrue(k < 100, where + ": the reset never completed");
    }
  }

  /**
   * Opens the log, captures its state, appends three records, and checks that a second restart
   * opens the same log with them.
   */
  private static State reopenAndAppend(Path wal, CrashingFiles files, String where) {
    WalConfig config = config(wal, files);
    State recovered;
    List<Rec> appended;
    try (WalEngine engine = WalEngine.open(config)) {
      ShardLog log = engine.shard(0);
      recovered = State.of(log);
      log.advanceEpoch(6);
      appended = single(log, 3, 77);
    } catch (RuntimeException e) {
      throw new AssertionError(where + ": the log did not open or take appends: " + e, e);
    }
    try (WalEngine engine = WalEngine.open(config)) {
      List<Rec> all = new ArrayList<>(recovered.records());
      all.addAll(appended);
      ShardLog log = engine.shard(0);
      assertEquals(all, readAll(log, log.startPosition()), where + ": after a second restart");
      assertEquals(recovered.next() + 3, log.nextPosition(), where);
      assertEquals(6, log.lastEpoch(), where);
    }
    return recovered;
  }

  private static WalConfig config(Path wal, CrashingFiles files) {
    return ResetToTest.tiny(wal).files(files).build();
  }
}
