package io.tidaldb.wal;

/**
 * The two logs each shard has in the WAL directory: the {@link #SHARD shard log} (positions
 * assigned by the shard's leader, shipped, cut and reset by replication) and the {@link #LOCAL
 * local log} (the region's own stream of the shard's writes accepted while it could not reach the
 * leader; positions assigned here, never shipped, cut or reset). Both use the same segment and
 * batch format; the kind decides the file names, the commit thread's name and how messages name the
 * log, so recovery tells the two apart by name alone.
 */
enum LogKind {
  /** The shard log: {@code shard-SSSS-<first>.wal}, {@code shard-SSSS.start}. */
  SHARD("shard", "tidal-wal-commit-", "shard "),
  /** The local log: {@code local-SSSS-<first>.wal}, {@code local-SSSS.start}. */
  LOCAL("local", "tidal-wal-local-", "local log of shard ");

  private final String prefix;
  private final String threadPrefix;
  private final String label;

  LogKind(String prefix, String threadPrefix, String label) {
    this.prefix = prefix;
    this.threadPrefix = threadPrefix;
    this.label = label;
  }

  /** The file name prefix, without the dash: {@code shard} or {@code local}. */
  String prefix() {
    return prefix;
  }

  /** The name of a segment of this kind: 4-digit shard, 20-digit first position. */
  String segmentName(int shard, long firstPosition) {
    return String.format("%s-%04d-%020d.wal", prefix, shard, firstPosition);
  }

  /** The name of the log start file of this kind ({@link LogStart}). */
  String startName(int shard) {
    return String.format("%s-%04d.start", prefix, shard);
  }

  /** The name of the log's commit thread. */
  String threadName(int shard) {
    return threadPrefix + shard;
  }

  /** How messages name the log: {@code shard 3} or {@code local log of shard 3}. */
  String describe(int shard) {
    return label + shard;
  }
}
