package io.tidaldb.wal;

import io.tidaldb.api.InvalidArgumentException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Immutable configuration of a {@link WalEngine}, built and validated by {@link Builder}.
 *
 * <pre>{@code
 * WalConfig config = WalConfig.builder(Path.of("data/wal"))
 *     .shardCount(4)
 *     .segmentBytes(64L << 20)
 *     .maxBatchBytes(4 << 20)
 *     .groupCommitDelayNanos(0)
 *     .appendTimeoutMillis(5000)
 *     .build();
 * }</pre>
 */
public final class WalConfig {
  /** The most shards a log can hold (segment names carry a 4-digit shard). */
  public static final int MAX_SHARDS = 9999;

  /** The smallest accepted {@code segmentBytes} and {@code maxBatchBytes}. */
  public static final int MIN_BYTES = 1024;

  /** The largest accepted {@code maxBatchBytes}. */
  public static final int MAX_BATCH_BYTES = 1 << 30;

  /**
   * The largest batch payload of a local log ({@code WalEngine.localLog}), in bytes, when {@code
   * maxBatchBytes} is larger: local logs are idle outside partitions, and each keeps two pending
   * buffers of its batch size.
   */
  public static final int LOCAL_MAX_BATCH_BYTES = 256 << 10;

  /** The longest accepted group commit delay. */
  public static final long MAX_DELAY_NANOS = TimeUnit.SECONDS.toNanos(10);

  /** The longest accepted append timeout. */
  public static final long MAX_APPEND_TIMEOUT_MILLIS = TimeUnit.HOURS.toMillis(1);

  private final Path directory;
  private final int shardCount;
  private final long segmentBytes;
  private final int maxBatchBytes;
  private final long groupCommitDelayNanos;
  private final long appendTimeoutMillis;
  private final WalFiles files;

  private WalConfig(Builder b) {
    this.directory = b.directory;
    this.shardCount = b.shardCount;
    this.segmentBytes = b.segmentBytes;
    this.maxBatchBytes = b.maxBatchBytes;
    this.groupCommitDelayNanos = b.groupCommitDelayNanos;
    this.appendTimeoutMillis = b.appendTimeoutMillis;
    this.files = b.files;
  }

  /**
   * Starts a configuration with the defaults: 4 shards, 64 MiB segments, 4 MiB batches, no group
   * commit delay, 5 s append timeout.
   *
   * @param directory the directory holding every shard's segments
   * @return a builder
   */
  public static Builder builder(Path directory) {
    return new Builder(directory);
  }

  /**
   * Returns the directory holding the segments.
   *
   * @return the directory
   */
  public Path directory() {
    return directory;
  }

  /**
   * Returns the number of shards.
   *
   * @return the shard count
   */
  public int shardCount() {
    return shardCount;
  }

  /**
   * Returns the size at which a segment rolls.
   *
   * @return bytes per segment
   */
  public long segmentBytes() {
    return segmentBytes;
  }

  /**
   * Returns the capacity of a shard's pending buffer: the largest batch payload.
   *
   * @return bytes per batch
   */
  public int maxBatchBytes() {
    return maxBatchBytes;
  }

  /**
   * Returns how long a batch stays open after its first record (0: commit as soon as the previous
   * fsync finished).
   *
   * @return the delay in ns
   */
  public long groupCommitDelayNanos() {
    return groupCommitDelayNanos;
  }

  /**
   * Returns how long an append waits for room in a full pending buffer.
   *
   * @return the timeout in ms
   */
  public long appendTimeoutMillis() {
    return appendTimeoutMillis;
  }

  /**
   * Returns where the segments are opened and their directory fsynced: {@link WalFiles#REAL} unless
   * a test replaced it (a simulated disk that can lose what was not fsynced).
   *
   * @return the file opener
   */
  public WalFiles files() {
    return files;
  }

  /**
   * This configuration as the local logs use it: {@code maxBatchBytes} capped at {@link
   * #LOCAL_MAX_BATCH_BYTES}, everything else the same.
   */
  WalConfig forLocalLogs() {
    if (maxBatchBytes <= LOCAL_MAX_BATCH_BYTES) {
      return this;
    }
    return builder(directory)
        .shardCount(shardCount)
        .segmentBytes(segmentBytes)
        .maxBatchBytes(LOCAL_MAX_BATCH_BYTES)
        .groupCommitDelayNanos(groupCommitDelayNanos)
        .appendTimeoutMillis(appendTimeoutMillis)
        .files(files)
        .build();
  }

  @Override
  public String toString() {
    return "WalConfig[directory="
        + directory
        + ", shardCount="
        + shardCount
        + ", segmentBytes="
        + segmentBytes
        + ", maxBatchBytes="
        + maxBatchBytes
        + ", groupCommitDelayNanos="
        + groupCommitDelayNanos
        + ", appendTimeoutMillis="
        + appendTimeoutMillis
        + "]";
  }

  /** Collects and validates the settings of a {@link WalConfig}. Not thread-safe. */
  public static final class Builder {
    private final Path directory;
    private int shardCount = 4;
    private long segmentBytes = 64L << 20;
    private int maxBatchBytes = 4 << 20;
    private long groupCommitDelayNanos;
    private long appendTimeoutMillis = 5000;
    private WalFiles files = WalFiles.REAL;

    private Builder(Path directory) {
      if (directory == null) {
        throw new InvalidArgumentException("directory", null, "must not be null");
      }
      this.directory = directory;
    }

    /**
     * Sets the number of shards.
     *
     * @param value 1 to {@link WalConfig#MAX_SHARDS}
     * @return this builder
     */
    public Builder shardCount(int value) {
      check("shardCount", value, 1, MAX_SHARDS);
      shardCount = value;
      return this;
    }

    /**
     * Sets the size at which a segment rolls.
     *
     * @param value at least {@link WalConfig#MIN_BYTES}
     * @return this builder
     */
    public Builder segmentBytes(long value) {
      check("segmentBytes", value, MIN_BYTES, Long.MAX_VALUE);
      segmentBytes = value;
      return this;
    }

    /**
     * Sets the capacity of each shard's pending buffer, the largest batch payload.
     *
     * @param value {@link WalConfig#MIN_BYTES} to {@link WalConfig#MAX_BATCH_BYTES}
     * @return this builder
     */
    public Builder maxBatchBytes(int value) {
      check("maxBatchBytes", value, MIN_BYTES, MAX_BATCH_BYTES);
      maxBatchBytes = value;
      return this;
    }

    /**
     * Sets how long a batch stays open after its first record.
     *
     * @param value 0 to {@link WalConfig#MAX_DELAY_NANOS}
     * @return this builder
     */
    public Builder groupCommitDelayNanos(long value) {
      check("groupCommitDelayNanos", value, 0, MAX_DELAY_NANOS);
      groupCommitDelayNanos = value;
      return this;
    }

    /**
     * Sets how long an append waits for room in a full pending buffer.
     *
     * @param value 0 to {@link WalConfig#MAX_APPEND_TIMEOUT_MILLIS}
     * @return this builder
     */
    public Builder appendTimeoutMillis(long value) {
      check("appendTimeoutMillis", value, 0, MAX_APPEND_TIMEOUT_MILLIS);
      appendTimeoutMillis = value;
      return this;
    }

    /**
     * Sets where segments are opened and their directory fsynced; for tests (a simulated disk).
     *
     * @param value the opener
     * @return this builder
     */
    public Builder files(WalFiles value) {
      if (value == null) {
        throw new InvalidArgumentException("files", null, "must not be null");
      }
      files = value;
      return this;
    }

    /**
     * Returns the configuration.
     *
     * @return the immutable configuration
     */
    public WalConfig build() {
      return new WalConfig(this);
    }

    private static void check(String name, long value, long min, long max) {
      if (value < min || value > max) {
        throw new InvalidArgumentException(
            name, value, "must be between " + min + " and " + max + " inclusive");
      }
    }
  }
}
