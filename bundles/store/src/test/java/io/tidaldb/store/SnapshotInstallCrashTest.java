package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.replication.ShardSnapshot;
import io.tidaldb.api.replication.SnapshotSink;
import io.tidaldb.api.wal.ShardLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A crash (kill -9, or a power loss of the WAL's disk) right after each step of a snapshot install
 * recovers either the former state and log (before the log reset) or the installed state with the
 * log at the snapshot's position (from the reset on); never an empty state over a log starting at
 * the position, never a refusal to open. The region then follows the leader as usual.
 */
class SnapshotInstallCrashTest {
  static final int SHARD = 3;

  @TempDir Path dir;
  CatchUpRegions regions;

  @AfterEach
  void close() {
    regions.close();
  }

  static Stream<Arguments> steps() {
    return Stream.of(SnapshotInstall.Step.values())
        .flatMap(step -> Stream.of(Arguments.of(step, false), Arguments.of(step, true)));
  }

  @ParameterizedTest(name = "{0}, power loss {1}")
  @MethodSource("steps")
  void shouldRecoverTheFormerOrTheInstalledStateAfterACrashAtEachStep(
      SnapshotInstall.Step step, boolean powerLoss) throws IOException {
    regions = new CatchUpRegions(dir, 3000 + step.ordinal());
    regions.writeAtA(2_000);
    regions.feedB();
    long formerEnd = regions.b.wal.shard(SHARD).durablePosition();
    List<Object> former = CatchUpRegions.reads(regions.b.store);
    regions.writeAtA(10_000);
    regions.a.store.checkpoint();
    regions.writeAtA(2_000);

    long position;
    try (ShardSnapshot snapshot = regions.a.store.openSnapshot(SHARD).orElseThrow()) {
      position = snapshot.position();
      SnapshotSink sink = CatchUpRegions.transfer(snapshot, regions.b.store, 65_536);
      regions.b.store.installHook(
          (shard, at) -> {
            if (at == step) {
              throw new IllegalStateException("crash after " + at);
            }
          });
      assertThrows(IllegalStateException.class, sink::install);
    }
    regions.crashB(powerLoss);
    regions.restartB();

    ShardLog log = regions.b.wal.shard(SHARD);
    if (step == SnapshotInstall.Step.VERIFIED) {
      assertEquals(0, log.startPosition(), "the former log");
      assertEquals(formerEnd, log.durablePosition());
      assertEquals(former, CatchUpRegions.reads(regions.b.store), "the former state");
      assertEquals(List.of(), installFiles());
      regions.catchUp(SHARD); // and the install can be done again
    } else {
      assertEquals(position, log.startPosition(), "the installed log");
      assertEquals(position, log.durablePosition());
      assertEquals(
          List.of(SnapshotDescriptor.fileName(SHARD, position)),
          snapshotFiles(),
          "the installed snapshot only");
    }
    regions.feedB();
    assertEquals(CatchUpRegions.reads(regions.a.store), CatchUpRegions.reads(regions.b.store));
    regions.b.reopen();
    assertEquals(CatchUpRegions.reads(regions.a.store), CatchUpRegions.reads(regions.b.store));
    assertTrue(regions.b.wal.shard(SHARD).startPosition() <= position);
  }

  List<String> snapshotFiles() throws IOException {
    try (Stream<Path> files = Files.list(dir.resolve("b").resolve("store"))) {
      return files
          .map(f -> f.getFileName().toString())
          .filter(n -> n.startsWith(SnapshotDescriptor.prefix(SHARD)))
          .sorted()
          .toList();
    }
  }

  List<String> installFiles() throws IOException {
    return snapshotFiles().stream().filter(n -> !n.endsWith(SnapshotDescriptor.SUFFIX)).toList();
  }
}
