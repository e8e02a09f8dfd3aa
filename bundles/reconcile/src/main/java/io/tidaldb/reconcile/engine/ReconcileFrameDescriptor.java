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
 *   FPS     count (u16), then count fingerprints (i64): in a HASHES, of the          HASHES,
 *           initiator's entities in the range; in a STATES, of the responder's       STATES
 *           entities in the segments of its SEGMENT_MASKs (after them)
 *   SEGMENTS bucket (u16, < 1024), then its 64 segment digests, salted (i32 each,    HASHES
 *           segment 64*bucket + i at i); no bucket twice per (shard, tenant)
 *   SEGMENT_MASK bucket (u16, < 1024), mask (u64, not 0; bit i = segment 64*bucket   STATES, FINAL
 *           + i): the bucket's segments whose salted digests differ; no bucket twice
 *   STATE   type index (u16), entity (i64), length (u32), canonical state bytes      STATES, FINAL,
 *                                                                                    DONE
 *   WANTED  count (u16), then count fingerprints (i64): in a STATES, of the          STATES, FINAL
 *           initiator's that the responder lacks; in a FINAL, of the responder's
 *           (sent in its FPS) that the initiator lacks (after the SEGMENT_MASKs)
 *   DONE    changed (u32), unchanged (u32), rejected (u32); shard and tenant 0       DONE
 *   PROBE   cut-off epoch c (i64, >= 0); tenant index 0, no names                   COMPACT_PROBE
 *   CLOSED  cut-off c (i64, >= 0), applied epoch (i64, >= -1), closed digest (i64),  COMPACT_DIGEST
 *           entries (i64, >= 0); tenant index 0, no names; applied <= c means "not
 *           past c": digest and entries are then 0 (not computed)
 *   TABLE_VERSION replica id (i64, a local one), version (i64): in a SUMMARY, a      SUMMARY,
 *           local session table the initiator holds (version >= 1); in a LEAVES,     LEAVES
 *           one the responder wants because the initiator's is newer (its own
 *           version, -1 if none); tenant index 0; no (shard, replica) twice
 *   TABLE   replica id (i64, a local one), version (i64, >= 1), total length (u32),  LEAVES,
 *           offset (u32), chunk length (u32), chunk bytes: a piece of the table's    HASHES
 *           canonical encoding ({@code SessionTable.writeTo}); the pieces of one
 *           table follow in order in one message (offset = bytes so far), a
 *           table larger than a frame spans frames; tenant index 0
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
 * <p>Segment path (for a (shard, tenant) whose initiator holds at least {@link
 * ReconcileConfig#segmentMinEntities} entities): the HASHES carries a SEGMENTS record per differing
 * bucket instead of RANGE and FPS; the STATES a SEGMENT_MASK per bucket with differing segments,
 * then the responder's FPS of its entities in them; the FINAL the initiator's states that the
 * responder's fingerprints did not match, and the SEGMENT_MASKs again followed by WANTED; the DONE
 * the responder's states of the wanted entities after its merge, beside the DONE record. A salted
 * segment digest is {@code (int) ((digest * (fmix64(session) | 1)) >>> 32)} ({@link
 * SegmentExchange#salted}). In one message a (shard, tenant) takes one path: SEGMENTS and RANGE or
 * FPS of the same (shard, tenant) in one HASHES, and FPS (STATES) or WANTED (FINAL) before a
 * SEGMENT_MASK of its (shard, tenant), are malformed. The version stays 1: the segment records are
 * additions, which a region of an older build refuses as malformed record kinds (its sessions as
 * initiator, and sessions of (shard, tenant)s below the threshold, go on).
 *
 * <p>Session tables (issue 12: the local streams' client-session tables, {@code
 * ReconcileState#sessionTableVersions}) ride on the same session: the SUMMARY carries the
 * initiator's version vector per shard (TABLE_VERSION); the LEAVES the responder's newer tables
 * (TABLE) and the versions it wants (TABLE_VERSION); the HASHES the initiator's tables the
 * responder wants (a HASHES with tables only when no bucket differs; the STATES answer is then
 * empty). A table that arrives incomplete, or that the store refuses as malformed, is counted as
 * bad input and the rest of the message is used. The version stays 1: an older region refuses the
 * new record kinds as malformed, so a session with it fails only where a local stream took session
 * writes.
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
  static final byte SEGMENTS_RECORD = 10;
  static final byte SEGMENT_MASK_RECORD = 11;
  static final byte TABLE_VERSION_RECORD = 12;
  static final byte TABLE_RECORD = 13;

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

  /** Segments per bucket, as in {@code ReconcileState.SEGMENTS_PER_BUCKET}. */
  static final int BUCKET_SEGMENTS = 64;

  static final int BUCKETS = GROUPS * GROUP_BUCKETS;
  static final int SEGMENTS_RECORD_LENGTH =
      RECORD_HEADER_LENGTH + 2 + BUCKET_SEGMENTS * Integer.BYTES;
  static final int SEGMENT_MASK_RECORD_LENGTH = RECORD_HEADER_LENGTH + 2 + Long.BYTES;

  static final int TABLE_VERSION_RECORD_LENGTH = RECORD_HEADER_LENGTH + 2 * Long.BYTES;
  static final int TABLE_RECORD_FIXED_LENGTH = RECORD_HEADER_LENGTH + 2 * Long.BYTES + 3 * 4;

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
      case SUMMARY -> kind == GROUPS_RECORD || kind == TABLE_VERSION_RECORD;
      case LEAVES -> kind == LEAVES_RECORD || kind == TABLE_VERSION_RECORD || kind == TABLE_RECORD;
      case HASHES ->
          kind == RANGE_RECORD
              || kind == FPS_RECORD
              || kind == SEGMENTS_RECORD
              || kind == TABLE_RECORD;
      case STATES ->
          kind == STATE_RECORD
              || kind == WANTED_RECORD
              || kind == SEGMENT_MASK_RECORD
              || kind == FPS_RECORD;
      case FINAL -> kind == STATE_RECORD || kind == SEGMENT_MASK_RECORD || kind == WANTED_RECORD;
      case DONE -> kind == DONE_RECORD || kind == STATE_RECORD;
      case COMPACT_PROBE -> kind == PROBE_RECORD;
      case COMPACT_DIGEST -> kind == CLOSED_RECORD;
      default -> false;
    };
  }
}
