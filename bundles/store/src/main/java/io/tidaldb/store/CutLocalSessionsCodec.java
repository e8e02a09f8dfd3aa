package io.tidaldb.store;

import io.tidaldb.api.InvalidArgumentException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The encoding of a shard's {@link CutLocalSessions} at the end of a snapshot body (version 11,
 * {@link SnapshotDescriptor}), little-endian; sessions in ascending id order and each session's
 * entries in (seq, part index) order, so equal sets encode to equal bytes.
 *
 * <pre>
 * group count int
 * group count x (session long, last HLC long, entry count int,
 *                entry count x (seq long, series int, entity long, epoch long, position long,
 *                               weight double, event time long, payload hash int, HLC long,
 *                               retry epoch long, retry position long, retry HLC long,
 *                               part index int, part size int, part HLC long))
 * </pre>
 *
 * <p>Version 10 (before session batches) has no part fields: read as a SIGNAL_S's (index 0, size 1,
 * part HLC the entry's HLC).
 *
 * <p>The retry fields name the shard-log retry an entry is matched to, compensated once that is
 * known committed; -1 in all three for a held entry (no retry matched).
 */
final class CutLocalSessionsCodec {
  /** Bytes of a group's header: session, last HLC, entry count. */
  static final int GROUP_LENGTH = 8 + 8 + 4;

  /** Bytes of an entry of version 10. */
  static final int ENTRY_LENGTH_V10 = 8 + 4 + 8 + 8 + 8 + 8 + 8 + 4 + 8 + 8 + 8 + 8;

  /** Bytes of an entry. */
  static final int ENTRY_LENGTH = ENTRY_LENGTH_V10 + 4 + 4 + 8;

  private CutLocalSessionsCodec() {}

  /** Returns the encoded length of {@code set} (null: the empty set). */
  static int encodedLength(CutLocalSessions set) {
    if (set == null) {
      return 4;
    }
    return 4 + set.groups().size() * GROUP_LENGTH + set.size() * ENTRY_LENGTH;
  }

  /** Writes {@code set} (null: the empty set) at {@code b}'s position. */
  static void writeTo(CutLocalSessions set, ByteBuffer b) {
    if (set == null) {
      b.putInt(0);
      return;
    }
    List<Map.Entry<Long, CutLocalSessions.Group>> groups = new ArrayList<>(set.groups().entrySet());
    groups.sort(Map.Entry.comparingByKey());
    b.putInt(groups.size());
    for (Map.Entry<Long, CutLocalSessions.Group> g : groups) {
      b.putLong(g.getKey());
      b.putLong(g.getValue().lastHlc);
      b.putInt(g.getValue().seqs.size());
      for (CutLocalEntry e : g.getValue().seqs.values()) {
        b.putLong(e.seq());
        b.putInt(e.series());
        b.putLong(e.entity());
        b.putLong(e.epoch());
        b.putLong(e.position());
        b.putDouble(e.weight());
        b.putLong(e.eventTimeMillis());
        b.putInt(e.payloadHash());
        b.putLong(e.hlc());
        b.putLong(e.retryEpoch());
        b.putLong(e.retryPosition());
        b.putLong(e.retryHlc());
        b.putInt(e.partIndex());
        b.putInt(e.partSize());
        b.putLong(e.partHlc());
      }
    }
  }

  /**
   * Returns {@code sessions} (a session table encoding, positioned at 0) followed by the encoding
   * of {@code set}, positioned at 0.
   */
  static ByteBuffer append(ByteBuffer sessions, CutLocalSessions set) {
    ByteBuffer b =
        ByteBuffer.allocate(sessions.remaining() + encodedLength(set))
            .order(ByteOrder.LITTLE_ENDIAN);
    b.put(sessions.duplicate());
    writeTo(set, b);
    return b.flip();
  }

  /**
   * Reads a set written by {@link #writeTo}, or by version 10 ({@code parts} false).
   *
   * @param ttlMillis the session ttl of the shard
   * @param parts whether the entries hold the part fields (version 11)
   * @throws InvalidArgumentException naming the field and value of a malformed encoding
   * @throws java.nio.BufferUnderflowException if the encoding is truncated
   */
  static CutLocalSessions readFrom(ByteBuffer b, long ttlMillis, int shard, boolean parts) {
    int entryLength = parts ? ENTRY_LENGTH : ENTRY_LENGTH_V10;
    CutLocalSessions set = new CutLocalSessions(ttlMillis);
    int groups = b.getInt();
    if (groups < 0 || (long) groups * GROUP_LENGTH > b.remaining()) {
      throw new InvalidArgumentException(
          "cut LOCAL session count", groups, "must be 0.." + b.remaining() / GROUP_LENGTH);
    }
    long previous = 0;
    for (int i = 0; i < groups; i++) {
      long session = b.getLong();
      if (i > 0 && session <= previous) {
        throw new InvalidArgumentException(
            "cut LOCAL session", Long.toHexString(session), "must be above the previous one");
      }
      previous = session;
      long lastHlc = b.getLong();
      int entries = b.getInt();
      if (entries < 1 || (long) entries * entryLength > b.remaining()) {
        throw new InvalidArgumentException(
            "cut LOCAL entry count", entries, "must be 1.." + b.remaining() / entryLength);
      }
      for (int k = 0; k < entries; k++) {
        CutLocalEntry e = readEntry(b, session, parts);
        if (e.retryPosition() < -1) {
          throw new InvalidArgumentException(
              "cut LOCAL retry position", e.retryPosition(), "must be -1 (held) or at least 0");
        }
        set.add(e, shard);
      }
      set.lastHlc(session, lastHlc);
    }
    return set;
  }

  private static CutLocalEntry readEntry(ByteBuffer b, long session, boolean parts) {
    long seq = b.getLong();
    int series = b.getInt();
    long entity = b.getLong();
    long epoch = b.getLong();
    long position = b.getLong();
    double weight = b.getDouble();
    long eventTime = b.getLong();
    int hash = b.getInt();
    long hlc = b.getLong();
    long retryEpoch = b.getLong();
    long retryPosition = b.getLong();
    long retryHlc = b.getLong();
    int index = parts ? b.getInt() : 0;
    int size = parts ? b.getInt() : 1;
    long partHlc = parts ? b.getLong() : hlc;
    if (size < 1 || size > 0xFFFF || index < 0 || index >= size) {
      throw new InvalidArgumentException(
          "cut LOCAL part index/size", index + "/" + size, "must be 0..size-1 of 1..65535");
    }
    return new CutLocalEntry(
        session,
        seq,
        series,
        entity,
        epoch,
        position,
        weight,
        eventTime,
        hash,
        hlc,
        retryEpoch,
        retryPosition,
        retryHlc,
        index,
        size,
        partHlc);
  }
}
