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
   * A compaction: folds every entity's log entries of epochs at or below a cut-off epoch into one
   * base entry. Its body holds the cut-off epoch and the closed digest through it that the leader
   * held when it appended the record; a region folds only where its own closed digest equals it
   * (else it skips the record: a crash lost some closed entries it had merged). Appended by the
   * shard's leader only after every region reported the same closed entries
   * (docs/design/replication.md, "Compaction of closed epochs").
   */
  public static final byte COMPACT = 3;

  /**
   * A signal of a client session: the fields of {@link #SIGNAL} and the write's session id, seq,
   * ackedBelow ({@link io.tidaldb.api.SessionSeq}) and a 32-bit hash of its payload. Applied like a
   * SIGNAL to the entity's state, and to the shard's session table, in position order on every
   * region (docs/design/sessions.md).
   *
   * @since 1.8.0
   */
  public static final byte SIGNAL_S = 4;

  /**
   * The compact form of {@link #SIGNAL_S} as stored: the same fields, the seq and {@code seq -
   * ackedBelow} in as few bytes as hold them and the durability in a form byte (55 to 69 bytes
   * against 70). Writers store session signals in this form since 1.10.0; a {@link RecordCursor}
   * reports a record of either form as {@link #SIGNAL_S} and reads its fields alike, so only code
   * that reads the bytes itself meets this kind (the layout: {@code RecordDescriptor} of the wal
   * bundle).
   *
   * @since 1.10.0
   */
  public static final byte SIGNAL_SC = 5;

  /**
   * One shard's part of a client session's batch of signals, as stored: one session header (the
   * session id, seq, ackedBelow, payload hash of the whole part and durability, as {@link
   * #SIGNAL_S}) and then the part's signals. The record takes one position per signal, so every
   * signal keeps a position of its own (the CRDT state keeps each signal under its position); a
   * {@link RecordCursor} reports each of them as a {@link #SIGNAL_S} entry carrying the header's
   * session fields, with {@link RecordCursor#partIndex} and {@link RecordCursor#partSize} saying
   * where in the part it is. The part is atomic: it is one record of one batch, and a log is only
   * ever cut at batch boundaries; the session table records (session, seq) once, at the part's last
   * position (docs/design/sessions.md, "Session batches").
   *
   * @since 1.12.0
   */
  public static final byte SIGNAL_BATCH_S = 6;

  private WalRecordKind() {}
}
