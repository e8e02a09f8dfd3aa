package io.tidaldb.store;

import io.tidaldb.api.TenantId;
import io.tidaldb.api.wal.RecordCursor;
import io.tidaldb.api.wal.WalRecordKind;
import io.tidaldb.session.table.SessionTable;
import java.util.Arrays;

/**
 * The records of a shard's log queued for its session table ({@link ShardSessions#feed}), in
 * position order: what {@link ShardSessions#feed(SessionTable, RecordCursor,
 * SeriesRegistry.Series)} would apply at once, applied later by {@link #apply} in the same order
 * and by the same rule (a {@code SIGNAL_S} applies, a {@code SIGNAL} advances to its HLC, any other
 * record advances at the table's clock as it is when the record's turn comes). Primitive arrays of
 * a fixed capacity, nothing allocated per record. Not thread-safe: the commit thread's, under the
 * shard's write lock.
 */
final class QueuedFeeds {
  private static final byte APPLY = 0;
  private static final byte ADVANCE = 1;
  private static final byte ADVANCE_AT_CLOCK = 2;

  private final byte[] kinds;
  private final TenantId[] tenants;
  private final long[] sessions;
  private final long[] seqs;
  private final long[] ackedBelows;
  private final int[] hashes;
  private final long[] positions;
  private final long[] hlcs;
  private int size;

  QueuedFeeds(int capacity) {
    kinds = new byte[capacity];
    tenants = new TenantId[capacity];
    sessions = new long[capacity];
    seqs = new long[capacity];
    ackedBelows = new long[capacity];
    hashes = new int[capacity];
    positions = new long[capacity];
    hlcs = new long[capacity];
  }

  /** Records queued. */
  int size() {
    return size;
  }

  /**
   * Queues the record at the cursor; the caller applies the queue before it is full.
   *
   * @param c the cursor on the record
   * @param series the record's series (a SIGNAL or SIGNAL_S), or null for other kinds
   * @return the number of records queued
   */
  int add(RecordCursor c, SeriesRegistry.Series series) {
    int i = size;
    byte kind = c.kind();
    positions[i] = c.position();
    if (kind == WalRecordKind.SIGNAL_S) {
      kinds[i] = APPLY;
      tenants[i] = series.tenant();
      sessions[i] = c.session();
      seqs[i] = c.seq();
      ackedBelows[i] = c.ackedBelow();
      hashes[i] = c.payloadHash();
      hlcs[i] = c.hlc();
    } else if (kind == WalRecordKind.SIGNAL) {
      kinds[i] = ADVANCE;
      hlcs[i] = c.hlc();
    } else {
      kinds[i] = ADVANCE_AT_CLOCK;
    }
    return size = i + 1;
  }

  /**
   * Applies the {@code i}-th queued record to {@code table}; the caller applies them in order, then
   * {@link #clear}s the queue (also when an apply throws: the records after the failing one are
   * dropped with it, as the log's apply fails there).
   */
  void apply(int i, SessionTable table) {
    switch (kinds[i]) {
      case APPLY:
        table.apply(
            tenants[i], sessions[i], seqs[i], ackedBelows[i], hashes[i], positions[i], hlcs[i]);
        break;
      case ADVANCE:
        table.advance(positions[i], hlcs[i]);
        break;
      default:
        table.advance(positions[i], table.clock());
        break;
    }
  }

  /** Empties the queue; it holds no tenant past its records. */
  void clear() {
    Arrays.fill(tenants, 0, size, null);
    size = 0;
  }
}
