package io.tidaldb.api.wal;

/** The kinds of record a log holds, as stored in each record's first byte. */
public final class WalRecordKind {
  /**
   * A signal: series id, entity, weight, event time, HLC stamp and origin replica of one signal.
   */
  public static final byte SIGNAL = 1;

  /**
   * A series definition: binds a shard-local series id to a (tenant, signal type) pair. It
   * precedes, in the same shard's log, every signal record that uses the id.
   */
  public static final byte DEFINE = 2;

  /**
   * A compaction: folds every entity's log entries of epochs at or below a cut-off epoch (the
   * record's 8-byte body) into one base entry. Appended by the shard's leader only after every
   * region reported the same closed entries (docs/design/replication.md, "Compaction of closed
   * epochs").
   */
  public static final byte COMPACT = 3;

  private WalRecordKind() {}
}
