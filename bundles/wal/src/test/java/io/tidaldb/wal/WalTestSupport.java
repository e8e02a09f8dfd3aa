package io.tidaldb.wal;

import io.tidaldb.api.wal.RecordCursor;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import io.tidaldb.api.wal.WalRecordKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Shared helpers of the WAL tests: small configurations, record snapshots, seeds, files. */
final class WalTestSupport {
  static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

  private WalTestSupport() {}

  /** A snapshot of one record, comparable with equals. */
  record Rec(
      long position,
      byte kind,
      int seriesId,
      long entity,
      double weight,
      long eventTime,
      long hlc,
      int origin,
      String tenant,
      String type) {

    static Rec signal(
        long position, int seriesId, long entity, double weight, long time, long hlc, int origin) {
      return new Rec(
          position, WalRecordKind.SIGNAL, seriesId, entity, weight, time, hlc, origin, null, null);
    }

    static Rec define(long position, int seriesId, String tenant, String type) {
      return new Rec(position, WalRecordKind.DEFINE, seriesId, 0, 0, 0, 0, 0, tenant, type);
    }

    static Rec of(RecordCursor c) {
      return c.kind() == WalRecordKind.SIGNAL
          ? signal(
              c.position(),
              c.seriesId(),
              c.entity(),
              c.weight(),
              c.eventTimeMillis(),
              c.hlc(),
              c.origin())
          : define(c.position(), c.seriesId(), c.tenantName(), c.typeName());
    }

    long append(ShardLog log) {
      return kind == WalRecordKind.SIGNAL
          ? log.appendSignal(seriesId, entity, weight, eventTime, hlc, origin)
          : log.appendDefine(seriesId, tenant, type);
    }
  }

  /** A small configuration: one shard, 4 KiB segments, 1 KiB batches. */
  static WalConfig.Builder small(Path dir) {
    return WalConfig.builder(dir).shardCount(1).segmentBytes(4096).maxBatchBytes(1024);
  }

  /** The signal the tests append at index {@code i}. */
  static Rec signalNo(long i) {
    return Rec.signal(
        i, (int) (i % 7), 1000 + i, i * 0.5 - 3, 1_700_000_000_000L + i, 10 * i + 1, (int) (i % 3));
  }

  /** Appends {@code n} signals and waits until they are durable; returns what was appended. */
  static List<Rec> appendSignals(ShardLog log, int n) {
    List<Rec> appended = new ArrayList<>();
    long last = -1;
    for (int i = 0; i < n; i++) {
      Rec r = signalNo(log.nextPosition());
      last = r.append(log);
      appended.add(withPosition(r, last));
    }
    if (last >= 0) {
      log.awaitDurable(last, WAIT_NANOS);
    }
    return appended;
  }

  static Rec withPosition(Rec r, long position) {
    return new Rec(
        position,
        r.kind(),
        r.seriesId(),
        r.entity(),
        r.weight(),
        r.eventTime(),
        r.hlc(),
        r.origin(),
        r.tenant(),
        r.type());
  }

  /** Reads every durable record at or above {@code from}. */
  static List<Rec> readAll(ShardLog log, long from) {
    List<Rec> out = new ArrayList<>();
    try (WalReader reader = log.openReader(from)) {
      for (WalBatch b = reader.next(); b != null; b = reader.next()) {
        RecordCursor c = b.records();
        while (c.next()) {
          if (c.position() >= from) {
            out.add(Rec.of(c));
          }
        }
      }
    }
    return out;
  }

  /** Returns a seed from {@code -Dtidal.seed} or the clock, and prints it for a rerun. */
  static long seed(String test) {
    String given = System.getProperty("tidal.seed");
    long seed = given != null ? Long.parseLong(given) : System.nanoTime();
    System.out.println(test + ": seed " + seed + " (rerun with -Dtidal.seed=" + seed + ")");
    return seed;
  }

  /** Lists a shard log's segment files in position order. */
  static List<Path> segments(Path dir, int shard) throws IOException {
    return segments(dir, LogKind.SHARD, shard);
  }

  /** Lists the segment files of a shard's log of one kind in position order. */
  static List<Path> segments(Path dir, LogKind kind, int shard) throws IOException {
    String prefix = String.format("%s-%04d-", kind.prefix(), shard);
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted().toList();
    }
  }

  /** The shard's log of one kind: {@link WalEngine#shard} or {@link WalEngine#localLog}. */
  static ShardLog log(WalEngine wal, LogKind kind, int shard) {
    return kind == LogKind.SHARD ? wal.shard(shard) : wal.localLog(shard);
  }
}
