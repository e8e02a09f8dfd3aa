package io.tidaldb.bench;

import io.tidaldb.api.SignalTickets;
import io.tidaldb.store.SignalStoreEngine;
import io.tidaldb.wal.WalEngine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * Commit (acknowledgement) latency of a steady stream of durable writes while the store writes a
 * periodic snapshot of a large shard, measured without JMH. One store on a real WAL with one shard
 * (fsync on, default group commit), snapshots every {@code records} records:
 *
 * <ol>
 *   <li>preload: {@code records} minus a few seconds' worth of signals, pipelined (windows of
 *       4096), the first {@code entities} to distinct entities, the rest to random ones among them;
 *   <li>stream: one writer submits one signal at a time to a random existing entity and awaits its
 *       durability ({@code submit} + {@code awaitDurable}), scheduled every {@code 1/rate} s. The
 *       stream crosses the snapshot interval: the commit that makes the log reach {@code records}
 *       starts the checkpoint. The stream goes on for {@code tailSeconds} after the snapshot is
 *       reported written ({@code snapshotPosition} no longer 0).
 * </ol>
 *
 * <p>Samples fall in three windows: <b>baseline</b> (before the record that starts the checkpoint:
 * no checkpoint), <b>checkpoint</b> (from that record until the snapshot is written) and
 * <b>after</b>. Each window has two histograms: the measured latency of each call, and the same
 * corrected for coordinated omission ({@code recordValueWithExpectedInterval}: a call that took
 * longer than the period also stands for the calls a steady client would have issued meanwhile). A
 * slot missed while a call was blocked is skipped, not fired late.
 *
 * <p>Usage: {@code java -Xms4g -Xmx4g -cp benchmarks.jar io.tidaldb.bench.CheckpointLatency
 * [records [entities [rate [baselineSeconds [tailSeconds [hgrm-dir]]]]]]}, defaults 10,000,000,
 * 2,000,000, 2000/s, 5 and 3. Prints the snapshot files' sizes; the store logs the write time.
 */
public final class CheckpointLatency {
  private static final long SEED = 0x1A6E57_000CL;
  private static final int WINDOW = 4096;
  private static final long MAX_NANOS = 120_000_000_000L;
  private static final String[] WINDOWS = {"baseline", "checkpoint", "after"};
  private static final long SLOW_NANOS = 5_000_000L;
  private static final int SLOW_MAX = 4096;
  private static final int SLOW_PRINTED = 10;

  private final SignalStoreEngine store;
  private final SplittableRandom random = new SplittableRandom(SEED);
  private final long now = System.currentTimeMillis();
  private final int entities;
  private final long[] slowStarts = new long[SLOW_MAX];
  private final long[] slowLatencies = new long[SLOW_MAX];
  private int slowCount;

  private CheckpointLatency(SignalStoreEngine store, int entities) {
    this.store = store;
    this.entities = entities;
  }

  /**
   * Runs the measurement and prints the percentiles.
   *
   * @param args records, entities, rate, baseline seconds, tail seconds, histogram directory
   */
  public static void main(String[] args) {
    long records = args.length > 0 ? Long.parseLong(args[0]) : 10_000_000L;
    int entities = args.length > 1 ? Integer.parseInt(args[1]) : 2_000_000;
    int rate = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
    int baselineSeconds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
    int tailSeconds = args.length > 4 ? Integer.parseInt(args[4]) : 3;
    Path hgrm = args.length > 5 ? Path.of(args[5]) : null;
    Path dir = BenchFiles.createTempDir("tidal-checkpoint-");
    WalEngine wal = Stores.openWal(dir, 1);
    try {
      SignalStoreEngine store = Stores.openStore(dir, wal, records);
      CheckpointLatency b = new CheckpointLatency(store, entities);
      long preload = records - (long) rate * baselineSeconds;
      long started = System.nanoTime();
      b.preload(preload);
      System.out.printf(
          "JDK %s; 1 shard, snapshot every %,d records; preloaded %,d signals over %,d entities in"
              + " %.1f s; stream %d/s, %d s baseline, %d s after the snapshot%n",
          System.getProperty("java.version"),
          records,
          preload,
          Stores.entities(store),
          (System.nanoTime() - started) / 1e9,
          rate,
          baselineSeconds,
          tailSeconds);
      System.gc();
      Histogram[][] h = new Histogram[WINDOWS.length][2];
      for (Histogram[] pair : h) {
        pair[0] = new Histogram(MAX_NANOS, 3);
        pair[1] = new Histogram(MAX_NANOS, 3);
      }
      long fsyncs = wal.metrics().fsyncs();
      long fsyncNanos = wal.metrics().fsyncNanosTotal();
      b.stream(records, 1_000_000_000L / rate, tailSeconds * 1_000_000_000L, h);
      long n = wal.metrics().fsyncs() - fsyncs;
      System.out.printf(
          "stream: %d fsyncs, mean fsync %.0f us%n",
          n, n == 0 ? 0.0 : (wal.metrics().fsyncNanosTotal() - fsyncNanos) / 1e3 / n);
      System.out.println(
          "| window | latency | samples | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | mean ms |");
      for (int w = 0; w < WINDOWS.length; w++) {
        print(WINDOWS[w], "measured", h[w][0]);
        print(WINDOWS[w], "CO-corrected", h[w][1]);
        Histograms.write(hgrm, WINDOWS[w] + "-measured", h[w][0]);
        Histograms.write(hgrm, WINDOWS[w] + "-corrected", h[w][1]);
      }
      printSnapshots(dir.resolve("store"));
    } finally {
      wal.close(); // the store is not closed: closing it would write another snapshot
      BenchFiles.deleteRecursively(dir);
    }
  }

  /** Writes {@code count} signals in pipelined windows and waits until all are applied. */
  private void preload(long count) {
    long last = -1;
    for (long i = 0; i < count; i++) {
      long entity = i < entities ? i : random.nextInt(entities);
      last = store.submit(Stores.TENANT, Stores.VIEW, entity, weight(), eventTime());
      if ((i + 1) % WINDOW == 0) {
        store.awaitDurable(last, Stores.TIMEOUT);
      }
    }
    store.awaitDurable(last, Stores.TIMEOUT);
    long target = SignalTickets.position(last) + 1;
    while (store.status().shards().get(0).appliedPosition() < target) {
      LockSupport.parkNanos(1_000_000);
    }
  }

  /**
   * Streams one signal per {@code period} until {@code tail} after the snapshot is written; {@code
   * h[window]} gets {measured, corrected}.
   */
  private void stream(long records, long period, long tail, Histogram[][] h) {
    int window = 0;
    long doneAt = 0;
    long startedAt = 0;
    long trigger = 0;
    long triggerPosition = 0;
    long next = System.nanoTime();
    while (window < 2 || System.nanoTime() - doneAt < tail) {
      long t0 = System.nanoTime();
      long ticket = store.submit(Stores.TENANT, Stores.VIEW, random.nextInt(entities), 1.0, now);
      store.awaitDurable(ticket, Stores.TIMEOUT);
      long latency = System.nanoTime() - t0;
      if (window == 0 && SignalTickets.position(ticket) + 1 >= records) {
        window = 1; // this commit starts the checkpoint
        startedAt = t0 + latency;
        trigger = latency;
        triggerPosition = SignalTickets.position(ticket);
      }
      if (window == 1 && latency > SLOW_NANOS && slowCount < SLOW_MAX) {
        slowStarts[slowCount] = t0 - startedAt;
        slowLatencies[slowCount++] = latency;
      }
      h[window][0].recordValue(latency);
      h[window][1].recordValueWithExpectedInterval(latency, period);
      next += period;
      long after = System.nanoTime();
      if (after > next) {
        next = after + period - (after - next) % period; // skip missed slots
      }
      if (window == 1 && store.snapshotPosition(0) > 0) {
        window = 2;
        doneAt = System.nanoTime();
      } else if (window == 1 && after - startedAt > MAX_NANOS) {
        throw new IllegalStateException("no snapshot within 120 s of position " + triggerPosition);
      }
      long wait;
      while ((wait = next - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
    }
    System.out.printf(
        "the commit that starts the checkpoint (position %,d) took %.3f ms; snapshot at %,d seen"
            + " %.1f ms after it returned%n",
        triggerPosition, trigger / 1e6, store.snapshotPosition(0), (doneAt - startedAt) / 1e6);
    printSlowCalls();
  }

  /** Prints how many checkpoint-window calls took over 5 ms and the longest ones, by start. */
  private void printSlowCalls() {
    Integer[] order = new Integer[slowCount];
    for (int i = 0; i < slowCount; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Long.compare(slowLatencies[b], slowLatencies[a]));
    Integer[] longest = Arrays.copyOf(order, Math.min(SLOW_PRINTED, slowCount));
    Arrays.sort(longest);
    System.out.printf(
        "checkpoint window: %d measured calls over %d ms; the longest (start after the trigger"
            + " returned: latency):",
        slowCount, SLOW_NANOS / 1_000_000);
    for (int i : longest) {
      System.out.printf(" %.1f: %.1f ms;", slowStarts[i] / 1e6, slowLatencies[i] / 1e6);
    }
    System.out.println();
  }

  private double weight() {
    return 1.0 + random.nextInt(4);
  }

  private long eventTime() {
    return now - random.nextLong(3_600_000);
  }

  private static void printSnapshots(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      files
          .filter(Files::isRegularFile)
          .sorted()
          .forEach(
              f -> {
                try {
                  System.out.printf("file %s: %,d bytes%n", f.getFileName(), Files.size(f));
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }

  private static void print(String window, String what, Histogram h) {
    Histograms.printRow(window, what, h, 3);
  }
}
