package io.tidaldb.wal;

import io.tidaldb.api.metrics.MetricsSink;
import io.tidaldb.support.metrics.Log2Histogram;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live counters of a {@link WalEngine}, summed over its shards. Updated once per batch by the
 * commit threads (never per record on the append path); readable from any thread.
 *
 * <p>Every committed batch was closed by exactly one trigger, so {@code sizeTriggers() +
 * delayTriggers() + immediateTriggers() + replicatedTriggers() == batches()}.
 */
public final class WalMetrics {
  private final LongAdder batches = new LongAdder();
  private final LongAdder records = new LongAdder();
  private final LongAdder bytes = new LongAdder();
  private final LongAdder fsyncs = new LongAdder();
  private final LongAdder fsyncNanos = new LongAdder();
  private final LongAdder sizeTriggers = new LongAdder();
  private final LongAdder delayTriggers = new LongAdder();
  private final LongAdder immediateTriggers = new LongAdder();
  private final LongAdder replicatedTriggers = new LongAdder();
  private final LongAdder appendTimeouts = new LongAdder();
  private final LongAdder failures = new LongAdder();
  private final LongAdder segmentsCreated = new LongAdder();
  private final LongAdder segmentsDeleted = new LongAdder();
  private final LongAdder wakeFailures = new LongAdder();
  private final LongAdder resets = new LongAdder();
  private final LongAdder recordsDiscarded = new LongAdder();
  private final Log2Histogram fsyncLatency = Log2Histogram.latencyNanos();
  private final Log2Histogram commitLatency = Log2Histogram.latencyNanos();
  private final Log2Histogram batchRecords = Log2Histogram.sizes(16);

  WalMetrics() {}

  /**
   * Returns the number of batches written.
   *
   * @return batches
   */
  public long batches() {
    return batches.sum();
  }

  /**
   * Returns the number of records written.
   *
   * @return records
   */
  public long records() {
    return records.sum();
  }

  /**
   * Returns the number of bytes written, headers included.
   *
   * @return bytes
   */
  public long bytes() {
    return bytes.sum();
  }

  /**
   * Returns the number of fsyncs of segment files (directory syncs not included).
   *
   * @return fsyncs
   */
  public long fsyncs() {
    return fsyncs.sum();
  }

  /**
   * Returns the time spent in segment fsyncs.
   *
   * @return total ns
   */
  public long fsyncNanosTotal() {
    return fsyncNanos.sum();
  }

  /**
   * Returns how many batches closed because the pending buffer was full.
   *
   * @return size-triggered batches
   */
  public long sizeTriggers() {
    return sizeTriggers.sum();
  }

  /**
   * Returns how many batches closed because the group commit delay had passed.
   *
   * @return delay-triggered batches
   */
  public long delayTriggers() {
    return delayTriggers.sum();
  }

  /**
   * Returns how many batches closed at once: no delay configured, or the log was closing.
   *
   * @return immediately triggered batches
   */
  public long immediateTriggers() {
    return immediateTriggers.sum();
  }

  /**
   * Returns how many batches were replicated ones, committed as they came.
   *
   * @return replicated batches
   */
  public long replicatedTriggers() {
    return replicatedTriggers.sum();
  }

  /**
   * Returns how many appends gave up waiting for room in a full pending buffer.
   *
   * @return append timeouts
   */
  public long appendTimeouts() {
    return appendTimeouts.sum();
  }

  /**
   * Returns how many shard logs stopped on a write, fsync or listener failure.
   *
   * @return failures
   */
  public long failures() {
    return failures.sum();
  }

  /**
   * Returns how many segment files were created.
   *
   * @return segments created
   */
  public long segmentsCreated() {
    return segmentsCreated.sum();
  }

  /**
   * Returns how many segment files truncation deleted.
   *
   * @return segments deleted
   */
  public long segmentsDeleted() {
    return segmentsDeleted.sum();
  }

  /**
   * Returns how many times a durability listener (the replication's wake-up) threw; the log goes
   * on, each cause logged once.
   *
   * @return failures of durability listeners
   */
  public long durabilityListenerFailures() {
    return wakeFailures.sum();
  }

  /**
   * Returns how many times a shard log was reset to a position ({@code resetTo}: snapshot
   * catch-up).
   *
   * @return resets
   */
  public long resets() {
    return resets.sum();
  }

  /**
   * Returns how many records resets discarded.
   *
   * @return records discarded by resets
   */
  public long recordsDiscarded() {
    return recordsDiscarded.sum();
  }

  void reset(long discarded) {
    resets.increment();
    recordsDiscarded.add(discarded);
  }

  void wakeFailed() {
    wakeFailures.increment();
  }

  void batchWritten(CommitTrigger trigger, int recordCount, int byteCount, long forceNanos) {
    batches.increment();
    records.add(recordCount);
    bytes.add(byteCount);
    fsyncs.increment();
    fsyncNanos.add(forceNanos);
    fsyncLatency.record(forceNanos);
    batchRecords.record(recordCount);
    switch (trigger) {
      case SIZE -> sizeTriggers.increment();
      case DELAY -> delayTriggers.increment();
      case IMMEDIATE -> immediateTriggers.increment();
      case REPLICATED -> replicatedTriggers.increment();
      default -> throw new IllegalArgumentException("not a closing trigger: " + trigger);
    }
  }

  /** A batch became durable {@code nanos} after its first record was appended. */
  void committed(long nanos) {
    commitLatency.record(nanos);
  }

  /**
   * Reports these counters and histograms (the {@code tidaldb_wal_} families).
   *
   * @param sink where to report them
   * @param labels labels of every sample (name, value pairs)
   */
  public void collect(MetricsSink sink, String... labels) {
    sink.counter(
        "tidaldb_wal_batches_total", "Batches the WAL wrote (one fsync each).", batches(), labels);
    sink.counter("tidaldb_wal_records_total", "Records the WAL wrote.", records(), labels);
    sink.counter(
        "tidaldb_wal_bytes_total", "Bytes the WAL wrote, headers included.", bytes(), labels);
    sink.histogram(
        "tidaldb_wal_fsync_seconds",
        "Time of one segment fsync (fdatasync) of a batch.",
        fsyncLatency.snapshot(1e-9),
        labels);
    sink.histogram(
        "tidaldb_wal_commit_seconds",
        "Time from a batch's first append to the batch being durable (group commit wait, write and fsync).",
        commitLatency.snapshot(1e-9),
        labels);
    sink.histogram(
        "tidaldb_wal_batch_records",
        "Records per committed batch.",
        batchRecords.snapshot(1),
        labels);
    String help = "Batches by what closed them (size, delay, immediate, replicated).";
    sink.counter(
        "tidaldb_wal_batch_triggers_total", help, sizeTriggers(), with(labels, "trigger", "size"));
    sink.counter(
        "tidaldb_wal_batch_triggers_total",
        help,
        delayTriggers(),
        with(labels, "trigger", "delay"));
    sink.counter(
        "tidaldb_wal_batch_triggers_total",
        help,
        immediateTriggers(),
        with(labels, "trigger", "immediate"));
    sink.counter(
        "tidaldb_wal_batch_triggers_total",
        help,
        replicatedTriggers(),
        with(labels, "trigger", "replicated"));
    sink.counter(
        "tidaldb_wal_append_timeouts_total",
        "Appends that gave up waiting for room in a full pending buffer.",
        appendTimeouts(),
        labels);
    sink.counter(
        "tidaldb_wal_failures_total",
        "Shard logs stopped by a write, fsync or listener failure.",
        failures(),
        labels);
    sink.counter(
        "tidaldb_wal_segments_created_total", "Segment files created.", segmentsCreated(), labels);
    sink.counter(
        "tidaldb_wal_segments_deleted_total",
        "Segment files deleted by truncation.",
        segmentsDeleted(),
        labels);
  }

  private static String[] with(String[] labels, String name, String value) {
    String[] all = java.util.Arrays.copyOf(labels, labels.length + 2);
    all[labels.length] = name;
    all[labels.length + 1] = value;
    return all;
  }

  void appendTimedOut() {
    appendTimeouts.increment();
  }

  void failed() {
    failures.increment();
  }

  void segmentCreated() {
    segmentsCreated.increment();
  }

  void segmentsDeleted(int count) {
    segmentsDeleted.add(count);
  }

  @Override
  public String toString() {
    return "WalMetrics[batches="
        + batches()
        + ", records="
        + records()
        + ", bytes="
        + bytes()
        + ", fsyncs="
        + fsyncs()
        + ", fsyncNanosTotal="
        + fsyncNanosTotal()
        + ", sizeTriggers="
        + sizeTriggers()
        + ", delayTriggers="
        + delayTriggers()
        + ", immediateTriggers="
        + immediateTriggers()
        + ", replicatedTriggers="
        + replicatedTriggers()
        + ", appendTimeouts="
        + appendTimeouts()
        + ", failures="
        + failures()
        + "]";
  }
}
