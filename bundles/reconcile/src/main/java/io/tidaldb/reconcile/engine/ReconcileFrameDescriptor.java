package io.tidaldb.reconcile.engine;

/**
 * The reconciliation wire frame, sent on {@code Transport.RECONCILE_CHANNEL}. Big-endian. A message
 * (one step of a session) is one or more frames of the same type and session, numbered from 0; the
 * last has {@link #FLAG_LAST}. Every frame stands alone: it carries its own dictionaries of tenant
 * and type names, which its records refer to by index, and whole records only.
 *
 * <pre>
 *  0       4    5    6     7    8         10        12
 * +-------+----+----+-----+----+---------+---------+
 * | magic |ver |type|flags|rsv | shards  |  rsv    |
 * +-------+----+----+-----+----+---------+---------+
 * 12 session id (i64) | 20 frame index (i32) | 24 body length (i32) | 28 body
 *
 * body:
 *   tenant count (u16), then per tenant: name length (u8), name (ASCII)
 *   type count (u16),   then per type:   name length (u8), name (ASCII)
 *   records until the end of the body, each: kind (u8), shard (u16), tenant index (u16), then
 *
 *   GROUPS  32 group digests (i64; group g = sum of buckets 32g..32g+31)            SUMMARY
 *   LEAVES  group mask (u32; one bit when written), then 32 bucket digests (i64) per   LEAVES
 *           group in the mask
 *   RANGE   bucket bitmap (128 bytes; bit b = byte b/8, bit b%8): buckets compared   HASHES
 *   FPS     count (u16), then count fingerprints (i64) of entities in the range     HASHES
 *   STATE   type index (u16), entity (i64), length (u32), canonical state bytes      STATES, FINAL
 *   WANTED  count (u16), then count fingerprints (i64) the responder lacks           STATES
 *   DONE    changed (u32), unchanged (u32), rejected (u32); shard and tenant 0       DONE
 *   PROBE   cut-off epoch c (i64, >= 0); tenant index 0, no names                   COMPACT_PROBE
 *   CLOSED  cut-off c (i64, >= 0), applied epoch (i64, >= -1), closed digest (i64),  COMPACT_DIGEST
 *           entries (i64, >= 0); tenant index 0, no names; applied <= c means "not
 *           past c": digest and entries are then 0 (not computed)
 * </pre>
 *
 * A fingerprint ({@link Fingerprints}) is a 64-bit hash of (session id, type name, entity, state
 * hash): the initiator sends one per entity of the compared buckets instead of its key, the
 * responder answers the fingerprints it has no match for, and the initiator finds their entities by
 * computing the same function.
 *
 * <p>Session: SUMMARY (initiator) → LEAVES, HASHES → STATES, FINAL → DONE: three round trips at
 * most. {@code shards} is the sender's shard count, which must equal the receiver's.
 *
 * <p>Compaction probe (docs/design/replication.md, "Compaction of closed epochs"), one round trip
 * outside any session: COMPACT_PROBE (the leader of the shards, one PROBE record per shard, each
 * shard at most once) → COMPACT_DIGEST (one CLOSED record per probed shard the responder could
 * read, with the same c; a shard left out counts as unanswered). The session id field carries the
 * probe's id. A region of an older version refuses both types as malformed, which blocks compaction
 * (never reconciliation).
 */
public final class ReconcileFrameDescriptor {
  /** "TDRC". */
  public static final int MAGIC = 0x54445243;

  /** The version this code writes and reads. */
  public static final byte VERSION = 1;

  static final int MAGIC_OFFSET = 0;
  static final int VERSION_OFFSET = 4;
  static final int TYPE_OFFSET = 5;
  static final int FLAGS_OFFSET = 6;
  static final int RESERVED_OFFSET = 7;
  static final int SHARDS_OFFSET = 8;
  static final int RESERVED2_OFFSET = 10;
  static final int SESSION_OFFSET = 12;
  static final int INDEX_OFFSET = 20;
  static final int BODY_LENGTH_OFFSET = 24;

  /** Bytes before the body. */
  public static final int HEADER_LENGTH = 28;

  /** The last frame of a message. */
  static final byte FLAG_LAST = 1;

  // frame types
  static final byte SUMMARY = 1;
  static final byte LEAVES = 2;
  static final byte HASHES = 3;
  static final byte STATES = 4;
  static final byte FINAL = 5;
  static final byte DONE = 6;
  static final byte COMPACT_PROBE = 7;
  static final byte COMPACT_DIGEST = 8;

  /** The highest frame type. */
  static final byte MAX_TYPE = COMPACT_DIGEST;

  // record kinds
  static final byte GROUPS_RECORD = 1;
  static final byte LEAVES_RECORD = 2;
  static final byte RANGE_RECORD = 3;
  static final byte FPS_RECORD = 4;
  static final byte STATE_RECORD = 5;
  static final byte WANTED_RECORD = 6;
  static final byte DONE_RECORD = 7;
  static final byte PROBE_RECORD = 8;
  static final byte CLOSED_RECORD = 9;

  /** kind, shard, tenant index. */
  static final int RECORD_HEADER_LENGTH = 5;

  /** Buckets per group, and groups per (shard, tenant). */
  static final int GROUP_BUCKETS = 32;

  static final int GROUPS = 32;
  static final int BITMAP_BYTES = 128;

  static final int GROUPS_RECORD_LENGTH = RECORD_HEADER_LENGTH + GROUPS * Long.BYTES;
  static final int RANGE_RECORD_LENGTH = RECORD_HEADER_LENGTH + BITMAP_BYTES;
  static final int FPS_RECORD_FIXED_LENGTH = RECORD_HEADER_LENGTH + 2;
  static final int STATE_RECORD_FIXED_LENGTH = RECORD_HEADER_LENGTH + 2 + 8 + 4;
  static final int MAX_FPS_PER_RECORD = 0xFFFF;
  static final int DONE_RECORD_LENGTH = RECORD_HEADER_LENGTH + 12;
  static final int PROBE_RECORD_LENGTH = RECORD_HEADER_LENGTH + Long.BYTES;
  static final int CLOSED_RECORD_LENGTH = RECORD_HEADER_LENGTH + 4 * Long.BYTES;

  /** The most names a frame's dictionary holds. */
  static final int MAX_NAMES = 0xFFFF;

  private ReconcileFrameDescriptor() {}

  /** Returns a frame type's name for log lines. */
  static String typeName(int type) {
    return switch (type) {
      case SUMMARY -> "SUMMARY";
      case LEAVES -> "LEAVES";
      case HASHES -> "HASHES";
      case STATES -> "STATES";
      case FINAL -> "FINAL";
      case DONE -> "DONE";
      case COMPACT_PROBE -> "COMPACT_PROBE";
      case COMPACT_DIGEST -> "COMPACT_DIGEST";
      default -> "type " + type;
    };
  }

  /** Returns the record kind a frame type may carry, or whether the kind is allowed. */
  static boolean allows(byte type, byte kind) {
    return switch (type) {
      case SUMMARY -> kind == GROUPS_RECORD;
      case LEAVES -> kind == LEAVES_RECORD;
      case HASHES -> kind == RANGE_RECORD || kind == FPS_RECORD;
      case STATES -> kind == STATE_RECORD || kind == WANTED_RECORD;
      case FINAL -> kind == STATE_RECORD;
      case DONE -> kind == DONE_RECORD;
      case COMPACT_PROBE -> kind == PROBE_RECORD;
      case COMPACT_DIGEST -> kind == CLOSED_RECORD;
      default -> false;
    };
  }
}
