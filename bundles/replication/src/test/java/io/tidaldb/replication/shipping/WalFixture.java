package io.tidaldb.replication.shipping;

import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Helpers over real WAL engines for the shipping tests. */
final class WalFixture {
  static final long TIMEOUT = TimeUnit.SECONDS.toNanos(10);

  private WalFixture() {}

  static WalEngine open(Path dir, int shards) {
    return WalEngine.open(WalConfig.builder(dir).shardCount(shards).build());
  }

  /** Appends one series definition (when the log is empty) and then {@code n} signals. */
  static long appendSignals(ShardLog log, int n, Random random) {
    long last = -1;
    if (log.nextPosition() == 0) {
      last = log.appendDefine(1, "acme", "view");
    }
    for (int i = 0; i < n; i++) {
      last =
          log.appendSignal(
              1, random.nextInt(1000), 1 + random.nextInt(5), 1_700_000_000_000L + i, i + 1, 1);
    }
    return last;
  }

  /** Appends {@code n} records as {@code n} one-record batches. */
  static void appendOneRecordBatches(ShardLog log, int n, Random random) {
    for (int i = 0; i < n; i++) {
      long p = appendSignals(log, log.nextPosition() == 0 ? 0 : 1, random);
      log.awaitDurable(p, TIMEOUT);
    }
  }

  /** Copies every durable batch of a log from position 0. */
  static List<ByteBuffer> batches(ShardLog log) {
    List<ByteBuffer> out = new ArrayList<>();
    try (WalReader reader = log.openReader(0)) {
      for (WalBatch b = reader.next(); b != null; b = reader.next()) {
        ByteBuffer src = b.bytes();
        ByteBuffer copy = ByteBuffer.allocate(src.remaining());
        copy.put(src.duplicate()).flip();
        out.add(copy.asReadOnlyBuffer());
      }
    }
    return out;
  }

  /** Concatenates the shard's segment files, in name order. */
  static byte[] segmentBytes(Path dir, int shard) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files =
          s.filter(p -> p.getFileName().toString().startsWith(String.format("shard-%04d-", shard)))
              .sorted()
              .toList();
    }
    java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
    for (Path f : files) {
      all.write(Files.readAllBytes(f));
    }
    return all.toByteArray();
  }

  static long seed() {
    String property = System.getProperty("tidal.seed");
    long seed = property != null ? Long.parseLong(property) : System.nanoTime();
    System.out.println("seed " + seed + " (rerun with -Dtidal.seed=" + seed + ")");
    return seed;
  }
}
