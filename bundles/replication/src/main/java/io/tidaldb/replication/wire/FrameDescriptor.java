package io.tidaldb.replication.wire;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Layout of a replication frame (format version 1): the message one region sends another through a
 * {@link io.tidaldb.api.transport.Transport}. A frame is this 32-byte header followed by a body
 * whose layout depends on the message type. All numbers are little-endian; the magic reads {@code
 * "TDRF"} as a big-endian int, so its bytes on the wire are {@code 46 52 44 54}.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                    magic 0x54445246 ("TDRF")                   |  0
 *  +-------------------------------+-------------------------------+
 *  |          version = 1          |         message type          |  4
 *  +-------------------------------+-------------------------------+
 *  |                             shard                             |  8
 *  +---------------------------------------------------------------+
 *  |                 sender region (0..65535)                      | 12
 *  +---------------------------------------------------------------+
 *  |                             epoch                             | 16
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                          body length                          | 24
 *  +---------------------------------------------------------------+
 *  |         crc32c (bytes 0..27, then the body's bytes)           | 28
 *  +---------------------------------------------------------------+
 *  |                            body ...                           | 32
 * </pre>
 *
 * <p>Bodies by message type (offsets from the frame's first byte; every field is a long unless
 * marked):
 *
 * <pre>
 *  type name            length  fields
 *     1 WAL_BATCH       1..max  32 batch (a WAL batch, header v2 + payload, verbatim)
 *     2 ACK                  8  32 durable hwm
 *     3 RESEND_REQUEST       8  32 from position
 *     4 HEARTBEAT           24  32 leader hwm   40 sent nanos   48 commit
 *     5 HEARTBEAT_ACK       16  32 hwm          40 echo nanos
 *     6 VOTE_REQUEST        16  32 last epoch   40 hwm
 *     7 VOTE                 1  32 granted (byte: 0/1)
 *     8 EPOCH_END_REQUEST    8  32 last epoch
 *     9 EPOCH_END           16  32 found epoch  40 end position
 *    10 FORWARD       37..545   32 request id   40 entity   48 weight bits   56 event millis
 *                               64 durability (byte)   65 tenant length t (byte)   66 tenant
 *                                  then at 66+t: type length y (byte), type (y bytes)
 *    11 FORWARD_REPLY 28..3106  32 request id   40 position   48 hlc   56 durability (byte)
 *                               57 status (byte)   58 fields length f (short)   60 fields
 *    12 LIMITS            16  32 accept batch bytes   40 write batch bytes
 *    13 PRE_VOTE_REQUEST  16  32 last epoch   40 hwm
 *    14 PRE_VOTE           1  32 granted (byte: 0/1)
 *    15 TIMEOUT_NOW        8  32 leader log end
 *    16 SNAPSHOT_OFFER    24  32 position   40 last epoch   48 size
 *    17 SNAPSHOT_CHUNK 17..max 32 position  40 offset   48 bytes (the rest of the body)
 *    18 SNAPSHOT_ACK      18  32 position   40 received   48 status (byte)   49 reason (byte)
 *    19 FORWARD_SESSION 61..569  FORWARD's fields, then session, seq, acked below (longs)
 *    20 FORWARD_PART  65..max   32 request id   40 durability (byte)   41 session   49 seq
 *                               57 acked below   65 signal count n (unsigned short)
 *                               67 tenant length t (byte)   68 tenant (t bytes), then type count
 *                               k (byte, 1..255), k x (length y (byte), y bytes), then n slots
 *                               of 25 bytes: type index (byte, 0..k-1), entity, weight bits,
 *                               event millis
 * </pre>
 *
 * <p>{@code epoch} is the sender's epoch for the message (the batch's epoch for WAL_BATCH); {@code
 * shard} and {@code epoch} are never negative. {@code durable hwm} is the next position the
 * follower has durably applied.
 *
 * <p>HEARTBEAT's {@code commit} is the position below which the leader knows every record of the
 * shard committed (on a majority such that no later leader's log can lack it): its quorum position
 * once a record of its own epoch reached a quorum, before that what it knew as a follower. A
 * follower synced with that leader in its epoch takes the lower of it and its own durable position
 * as its known commit (issue 12: reconciliation gives away no state holding an uncommitted session
 * record). A 16-byte HEARTBEAT of an older build is still taken, with {@code commit} read as 0
 * (unknown); an older build refuses this one as malformed.
 *
 * <p>FORWARD carries a signal from a region that does not lead {@code shard} to the leader it
 * knows; FORWARD_REPLY answers it with the same request id. Tenant and type are UTF-8, 1..255
 * bytes; the lengths must add up to the body length exactly. {@code weight bits} is {@link
 * Double#doubleToRawLongBits}. Durability bytes are {@value #DURABILITY_LOCAL} LOCAL, {@value
 * #DURABILITY_QUORUM} QUORUM, {@value #DURABILITY_ALL} ALL; the status byte is one of the {@code
 * STATUS_} constants. For NOT_LEADER the reply's {@code position} holds the id of the leader the
 * replier knows, or -1.
 *
 * <p>FORWARD_SESSION is a FORWARD of a client session's write: FORWARD's body followed by the
 * write's {@link io.tidaldb.api.SessionSeq} (session id, never 0; seq, at least 1; acked below, 1
 * to seq), so the leader checks it against the shard's session table. FORWARD_REPLY answers it. A
 * region of an older build drops it as an unknown type, and the origin's request times out (may be
 * stored: the client retries with the same seq).
 *
 * <p>FORWARD_PART carries one shard's part of a client session's batch (1 to 65,535 signals of one
 * tenant, in the batch's order) to the shard's leader, which stores it at most once under (session,
 * seq) as one record; FORWARD_REPLY answers it with the position and stamp of the part's last
 * signal. Each signal's type is an index into the frame's table of type names (each name once, in
 * the order of first use); names are UTF-8, 1..255 bytes, and the lengths must add up to the body
 * length exactly. A region of an older build drops it as an unknown type, and the origin's request
 * times out (may be stored: the client retries the batch with the same seq).
 *
 * <p>A FORWARD_REPLY's {@code fields} are the refusal's typed fields ({@link ForwardError}), never
 * a message for the origin to parse; {@code f} is exactly their length and the body's rest. A
 * string is its length n (short, 0..{@value #FORWARD_FIELD_MAX_BYTES}) and n UTF-8 bytes. By
 * status: INVALID_ARGUMENT three strings, the argument's name, the value as rendered and the rule;
 * UNAVAILABLE a byte, may be stored (0 or 1), an int, the region where it may be stored (-1 for
 * none, else 0..65535), and a string, the message; OTHER a string, the message; OK, UNKNOWN_TENANT
 * and NOT_LEADER nothing ({@code f} = 0).
 *
 * <p>LIMITS tells another region the batch sizes of the sender's log of {@code shard}, WAL batch
 * header included, both at least 1: the largest batch it takes as a follower (its log, its frames
 * and its append queue) and the largest its log writes. A follower sends it to its leader until the
 * leader answers with its own; a region of an older build drops it as an unknown type.
 *
 * <p>PRE_VOTE_REQUEST asks whether the receiver would vote for the sender in the frame's {@code
 * epoch}, which is a proposed epoch (the sender's current epoch + 1), not the sender's: unlike
 * every other frame's epoch, a receiver never enters it. PRE_VOTE answers it: granted, with the
 * proposed epoch echoed; refused, with the answering region's current epoch (PreVote, Raft thesis
 * §9.6). A region of an older build drops both as unknown types, so a region of this build gets no
 * pre-vote majority, and so does not run, until a majority of the shard's regions runs this build.
 *
 * <p>TIMEOUT_NOW is a leader's request, in its epoch, that the receiver start an election at once,
 * skipping the pre-vote round (leadership transfer, Raft thesis §3.10); {@code leader log end} is
 * the leader's durable position when it sent it, which the receiver's own durable log must have
 * reached. A region of an older build drops it as an unknown type, and the transfer gives up at its
 * deadline.
 *
 * <p>SNAPSHOT_OFFER, SNAPSHOT_CHUNK and SNAPSHOT_ACK carry a snapshot of the shard's state from a
 * leader to a follower its log no longer reaches (snapshot catch-up), in the leader's epoch: the
 * offer names the snapshot ({@code position} it covers, the {@code last epoch} of the record below
 * it, its {@code size} in bytes), each chunk the bytes from {@code offset} (at least one), and the
 * follower's ack how many bytes it holds ({@code received}, where the leader resumes), with a
 * status byte ({@code SNAPSHOT_RECEIVING}, {@code SNAPSHOT_INSTALLED}, {@code SNAPSHOT_FAILED})
 * and, for a failure, a reason byte (one of the {@code SNAPSHOT_REASON_} constants; {@code
 * SNAPSHOT_REASON_NONE} otherwise). A region of an older build drops all three as unknown types.
 */
public final class FrameDescriptor {
  /** The magic number in a frame's first four bytes ("TDRF"). */
  public static final int MAGIC = 0x54445246;

  /** The frame format version this code writes and reads. */
  public static final short VERSION = 1;

  /** Offset of the magic number (int). */
  public static final int MAGIC_OFFSET = 0;

  /** Offset of the format version (short). */
  public static final int VERSION_OFFSET = 4;

  /** Offset of the message type (short). */
  public static final int TYPE_OFFSET = 6;

  /** Offset of the shard index (int). */
  public static final int SHARD_OFFSET = 8;

  /** Offset of the sending region's id (int, 0..65535). */
  public static final int SENDER_OFFSET = 12;

  /** Offset of the epoch (long). */
  public static final int EPOCH_OFFSET = 16;

  /** Offset of the body length in bytes (int). */
  public static final int BODY_LENGTH_OFFSET = 24;

  /** Offset of the CRC32C (int). */
  public static final int CRC_OFFSET = 28;

  /** Length of the header; the body starts here. */
  public static final int HEADER_LENGTH = 32;

  /** Offset of the body. */
  public static final int BODY_OFFSET = HEADER_LENGTH;

  /** Type of a frame carrying a WAL batch, leader to follower. */
  public static final short WAL_BATCH = 1;

  /** Type of a follower's acknowledgement of its durable HWM. */
  public static final short ACK = 2;

  /** Type of a follower's request to resend from a position. */
  public static final short RESEND_REQUEST = 3;

  /** Type of a leader's heartbeat. */
  public static final short HEARTBEAT = 4;

  /** Type of the answer to a heartbeat. */
  public static final short HEARTBEAT_ACK = 5;

  /** Type of a candidate's vote request. */
  public static final short VOTE_REQUEST = 6;

  /** Type of a vote. */
  public static final short VOTE = 7;

  /** A follower asks its new leader where the epoch of its last durable batch ends. */
  public static final short EPOCH_END_REQUEST = 8;

  /** The leader's answer to EPOCH_END_REQUEST. */
  public static final short EPOCH_END = 9;

  /** A region forwards a signal of a shard it does not lead to the shard's leader. */
  public static final short FORWARD = 10;

  /** The leader's answer to FORWARD. */
  public static final short FORWARD_REPLY = 11;

  /** A region tells another the batch sizes its log of the shard takes and writes. */
  public static final short LIMITS = 12;

  /** Type of a pre-vote request; its epoch is the proposed one, never entered by the receiver. */
  public static final short PRE_VOTE_REQUEST = 13;

  /** Type of the answer to a pre-vote request. */
  public static final short PRE_VOTE = 14;

  /** Type of a leader's request that the receiver start an election now (leadership transfer). */
  public static final short TIMEOUT_NOW = 15;

  /** Type of a leader's offer of a snapshot to a follower behind its log. */
  public static final short SNAPSHOT_OFFER = 16;

  /** Type of a piece of an offered snapshot's bytes. */
  public static final short SNAPSHOT_CHUNK = 17;

  /** Type of a follower's answer to a snapshot offer or chunk. */
  public static final short SNAPSHOT_ACK = 18;

  /**
   * Type of a forwarded signal of a client session (FORWARD with its session, seq, acked below).
   */
  public static final short FORWARD_SESSION = 19;

  /** Type of a forwarded part of a client session's batch (one shard's signals of the batch). */
  public static final short FORWARD_PART = 20;

  /** The smallest message type. */
  public static final short MIN_TYPE = WAL_BATCH;

  /** The largest message type. */
  public static final short MAX_TYPE = FORWARD_PART;

  /** Offset of ACK's durable hwm (long). */
  public static final int ACK_HWM_OFFSET = 32;

  /** Offset of RESEND_REQUEST's from position (long). */
  public static final int RESEND_FROM_OFFSET = 32;

  /** Offset of HEARTBEAT's leader hwm (long). */
  public static final int HEARTBEAT_LEADER_HWM_OFFSET = 32;

  /** Offset of HEARTBEAT's sent nanos (long). */
  public static final int HEARTBEAT_SENT_NANOS_OFFSET = 40;

  /** Offset of HEARTBEAT's commit (long: every record below it is committed at the leader). */
  public static final int HEARTBEAT_COMMIT_OFFSET = 48;

  /** The body length of a HEARTBEAT of an older build, without the commit. */
  public static final int HEARTBEAT_V1_BODY_LENGTH = 16;

  /** Offset of HEARTBEAT_ACK's hwm (long). */
  public static final int HEARTBEAT_ACK_HWM_OFFSET = 32;

  /** Offset of HEARTBEAT_ACK's echo nanos (long). */
  public static final int HEARTBEAT_ACK_ECHO_NANOS_OFFSET = 40;

  /** Offset of VOTE_REQUEST's last epoch (long). */
  public static final int VOTE_REQUEST_LAST_EPOCH_OFFSET = 32;

  /** Offset of VOTE_REQUEST's hwm (long). */
  public static final int VOTE_REQUEST_HWM_OFFSET = 40;

  /** Offset of VOTE's granted byte (0 or 1). */
  public static final int VOTE_GRANTED_OFFSET = 32;

  /** Offset of PRE_VOTE_REQUEST's last epoch (long, of the asker's last durable record). */
  public static final int PRE_VOTE_REQUEST_LAST_EPOCH_OFFSET = 32;

  /** Offset of PRE_VOTE_REQUEST's hwm (long, the asker's durable HWM). */
  public static final int PRE_VOTE_REQUEST_HWM_OFFSET = 40;

  /** Offset of PRE_VOTE's granted byte (0 or 1). */
  public static final int PRE_VOTE_GRANTED_OFFSET = 32;

  /** Offset of TIMEOUT_NOW's leader log end (long, the leader's durable position when sent). */
  public static final int TIMEOUT_NOW_LOG_END_OFFSET = 32;

  /** Offset of EPOCH_END_REQUEST's last epoch (of the follower's last durable batch). */
  public static final int EPOCH_END_REQUEST_LAST_EPOCH_OFFSET = 32;

  /** Offset of EPOCH_END's found epoch (the leader's largest epoch not above the one asked). */
  public static final int EPOCH_END_FOUND_EPOCH_OFFSET = 32;

  /** Offset of EPOCH_END's end position (where the found epoch ends in the leader's log). */
  public static final int EPOCH_END_POSITION_OFFSET = 40;

  /** Offset of LIMITS' accept batch bytes (long): the largest batch the sender takes. */
  public static final int LIMITS_ACCEPT_OFFSET = 32;

  /** Offset of LIMITS' write batch bytes (long): the largest batch the sender's log writes. */
  public static final int LIMITS_WRITE_OFFSET = 40;

  /** Offset of SNAPSHOT_OFFER's position (long): the log position the snapshot covers. */
  public static final int SNAPSHOT_OFFER_POSITION_OFFSET = 32;

  /** Offset of SNAPSHOT_OFFER's last epoch (long): the epoch of the record below the position. */
  public static final int SNAPSHOT_OFFER_LAST_EPOCH_OFFSET = 40;

  /** Offset of SNAPSHOT_OFFER's size (long): the snapshot's length in bytes. */
  public static final int SNAPSHOT_OFFER_SIZE_OFFSET = 48;

  /** Offset of SNAPSHOT_CHUNK's position (long): that of the snapshot the bytes belong to. */
  public static final int SNAPSHOT_CHUNK_POSITION_OFFSET = 32;

  /** Offset of SNAPSHOT_CHUNK's offset (long): where its bytes start in the snapshot. */
  public static final int SNAPSHOT_CHUNK_OFFSET_OFFSET = 40;

  /** Offset of SNAPSHOT_CHUNK's bytes; they run to the end of the body. */
  public static final int SNAPSHOT_CHUNK_BYTES_OFFSET = 48;

  /** SNAPSHOT_CHUNK's body without its bytes: position and offset. */
  public static final int SNAPSHOT_CHUNK_FIXED_BODY_LENGTH = 16;

  /** Offset of SNAPSHOT_ACK's position (long): that of the snapshot answered. */
  public static final int SNAPSHOT_ACK_POSITION_OFFSET = 32;

  /** Offset of SNAPSHOT_ACK's received (long): the bytes the follower holds, where to resume. */
  public static final int SNAPSHOT_ACK_RECEIVED_OFFSET = 40;

  /** Offset of SNAPSHOT_ACK's status (byte). */
  public static final int SNAPSHOT_ACK_STATUS_OFFSET = 48;

  /** Offset of SNAPSHOT_ACK's reason (byte). */
  public static final int SNAPSHOT_ACK_REASON_OFFSET = 49;

  /** Snapshot ack status: receiving; {@code received} bytes are held. */
  public static final byte SNAPSHOT_RECEIVING = 0;

  /** Snapshot ack status: installed; the follower's log continues at the position. */
  public static final byte SNAPSHOT_INSTALLED = 1;

  /** Snapshot ack status: failed (the reason byte says why); nothing is held any more. */
  public static final byte SNAPSHOT_FAILED = 2;

  /** Snapshot ack reason: none (not a failure). */
  public static final byte SNAPSHOT_REASON_NONE = 0;

  /** Snapshot ack reason: the bytes did not verify (checksum, length, shard or position). */
  public static final byte SNAPSHOT_REASON_CORRUPT = 1;

  /** Snapshot ack reason: the follower's store could not write or install it. */
  public static final byte SNAPSHOT_REASON_STORAGE = 2;

  /** Snapshot ack reason: the follower cannot install snapshots (no store, or not supported). */
  public static final byte SNAPSHOT_REASON_UNSUPPORTED = 3;

  /** Offset of FORWARD's request id (long). */
  public static final int FORWARD_REQUEST_ID_OFFSET = 32;

  /** Offset of FORWARD's entity (long). */
  public static final int FORWARD_ENTITY_OFFSET = 40;

  /** Offset of FORWARD's weight, as raw double bits (long). */
  public static final int FORWARD_WEIGHT_OFFSET = 48;

  /** Offset of FORWARD's event time in epoch milliseconds (long). */
  public static final int FORWARD_EVENT_MILLIS_OFFSET = 56;

  /** Offset of FORWARD's durability (byte). */
  public static final int FORWARD_DURABILITY_OFFSET = 64;

  /** Offset of FORWARD's tenant length t (unsigned byte); the tenant's t bytes follow. */
  public static final int FORWARD_TENANT_LENGTH_OFFSET = 65;

  /** Offset of FORWARD's tenant bytes; the type length (byte) and type bytes follow them. */
  public static final int FORWARD_TENANT_OFFSET = 66;

  /** FORWARD's body without tenant and type bytes: 4 longs, durability and two length bytes. */
  public static final int FORWARD_FIXED_BODY_LENGTH = 35;

  /** The bytes FORWARD_SESSION adds at the end of FORWARD's body: session, seq, acked below. */
  public static final int FORWARD_SESSION_TRAILER_LENGTH = 24;

  /** Offset of FORWARD_PART's durability (byte). */
  public static final int FORWARD_PART_DURABILITY_OFFSET = 40;

  /** Offset of FORWARD_PART's session id (long); its seq and acked below (longs) follow. */
  public static final int FORWARD_PART_SESSION_OFFSET = 41;

  /** Offset of FORWARD_PART's signal count (unsigned short). */
  public static final int FORWARD_PART_COUNT_OFFSET = 65;

  /** Offset of FORWARD_PART's tenant length (unsigned byte); the tenant's bytes follow. */
  public static final int FORWARD_PART_TENANT_LENGTH_OFFSET = 67;

  /** Offset of FORWARD_PART's tenant bytes. */
  public static final int FORWARD_PART_TENANT_OFFSET = 68;

  /** FORWARD_PART's body before its tenant's bytes: request id to the tenant length. */
  public static final int FORWARD_PART_FIXED_BODY_LENGTH = 36;

  /** Bytes of one FORWARD_PART signal slot: type index, entity, weight bits, event millis. */
  public static final int FORWARD_PART_SLOT_LENGTH = 25;

  /** The most signals one FORWARD_PART carries. */
  public static final int FORWARD_PART_MAX_SIGNALS = 0xFFFF;

  /** The shortest FORWARD_PART body: a 1-byte tenant, one 1-byte type, one slot. */
  public static final int FORWARD_PART_MIN_BODY_LENGTH =
      FORWARD_PART_FIXED_BODY_LENGTH + 1 + 1 + 2 + FORWARD_PART_SLOT_LENGTH;

  /** The most bytes of a FORWARD's tenant or type. */
  public static final int FORWARD_NAME_MAX_BYTES = 255;

  /** Offset of FORWARD_REPLY's request id (long). */
  public static final int REPLY_REQUEST_ID_OFFSET = 32;

  /** Offset of FORWARD_REPLY's position (long; the known leader's id for NOT_LEADER, or -1). */
  public static final int REPLY_POSITION_OFFSET = 40;

  /** Offset of FORWARD_REPLY's hybrid logical clock stamp (long). */
  public static final int REPLY_HLC_OFFSET = 48;

  /** Offset of FORWARD_REPLY's durability met (byte). */
  public static final int REPLY_DURABILITY_OFFSET = 56;

  /** Offset of FORWARD_REPLY's status (byte). */
  public static final int REPLY_STATUS_OFFSET = 57;

  /** Offset of FORWARD_REPLY's fields length f (short); the f bytes of fields follow. */
  public static final int REPLY_FIELDS_LENGTH_OFFSET = 58;

  /** Offset of FORWARD_REPLY's fields (laid out by status, see the class comment). */
  public static final int REPLY_FIELDS_OFFSET = 60;

  /** FORWARD_REPLY's body without the fields. */
  public static final int REPLY_FIXED_BODY_LENGTH = 28;

  /** The most UTF-8 bytes of one string field of a FORWARD_REPLY. */
  public static final int FORWARD_FIELD_MAX_BYTES = 1024;

  /** The fixed part of UNAVAILABLE's fields: may be stored (byte) and region (int). */
  public static final int REPLY_UNAVAILABLE_FIXED_LENGTH = 5;

  /** The most bytes of a FORWARD_REPLY's fields: three strings (INVALID_ARGUMENT). */
  public static final int REPLY_MAX_FIELDS_LENGTH = 3 * (2 + FORWARD_FIELD_MAX_BYTES);

  /** The largest FORWARD or FORWARD_REPLY frame, header included. */
  public static final int MAX_FORWARD_FRAME_LENGTH =
      HEADER_LENGTH + REPLY_FIXED_BODY_LENGTH + REPLY_MAX_FIELDS_LENGTH;

  /** Durability byte of LOCAL. */
  public static final byte DURABILITY_LOCAL = 0;

  /** Durability byte of QUORUM. */
  public static final byte DURABILITY_QUORUM = 1;

  /** Durability byte of ALL. */
  public static final byte DURABILITY_ALL = 2;

  /** Reply status: stored; position, hlc and durability describe it. */
  public static final byte STATUS_OK = 0;

  /** Reply status: the leader refused an argument ({@code InvalidArgumentException}). */
  public static final byte STATUS_INVALID_ARGUMENT = 1;

  /** Reply status: the leader does not know the tenant ({@code UnknownTenantException}). */
  public static final byte STATUS_UNKNOWN_TENANT = 2;

  /** Reply status: the leader could not serve it ({@code UnavailableException}). */
  public static final byte STATUS_UNAVAILABLE = 3;

  /** Reply status: the replier does not lead the shard; nothing was stored. */
  public static final byte STATUS_NOT_LEADER = 4;

  /** Reply status: any other failure, described by a message. */
  public static final byte STATUS_OTHER = 5;

  /**
   * The largest fixed body of the leadership and control frames (HEARTBEAT; SNAPSHOT_OFFER's is as
   * long).
   */
  public static final int MAX_FIXED_BODY_LENGTH = 24;

  private static final String[] NAMES = {
    null,
    "WAL_BATCH",
    "ACK",
    "RESEND_REQUEST",
    "HEARTBEAT",
    "HEARTBEAT_ACK",
    "VOTE_REQUEST",
    "VOTE",
    "EPOCH_END_REQUEST",
    "EPOCH_END",
    "FORWARD",
    "FORWARD_REPLY",
    "LIMITS",
    "PRE_VOTE_REQUEST",
    "PRE_VOTE",
    "TIMEOUT_NOW",
    "SNAPSHOT_OFFER",
    "SNAPSHOT_CHUNK",
    "SNAPSHOT_ACK",
    "FORWARD_SESSION",
    "FORWARD_PART"
  };

  private static final int[] BODY_LENGTHS = {
    0, -1, 8, 8, 24, 16, 16, 1, 8, 16, -1, -1, 16, 16, 1, 8, 24, -1, 18, -1, -1
  };

  private static final int CHUNK = 256;

  private FrameDescriptor() {}

  /**
   * Returns a message type's name.
   *
   * @param type the type, {@link #MIN_TYPE}..{@link #MAX_TYPE}
   * @return the name, such as {@code HEARTBEAT}
   */
  public static String typeName(int type) {
    return NAMES[type];
  }

  /**
   * Returns the fixed body length of a message type.
   *
   * @param type the type, {@link #MIN_TYPE}..{@link #MAX_TYPE}
   * @return the body length, or {@code -1} for WAL_BATCH, FORWARD, FORWARD_REPLY, SNAPSHOT_CHUNK,
   *     FORWARD_SESSION and FORWARD_PART, whose length varies
   */
  public static int bodyLength(int type) {
    return BODY_LENGTHS[type];
  }

  /**
   * Writes a header, except its CRC, at {@code offset} of a little-endian buffer.
   *
   * @param buffer the buffer (little-endian)
   * @param offset where the frame starts
   * @param type the message type
   * @param shard the shard
   * @param sender the sending region's id
   * @param epoch the epoch
   * @param bodyLength the body's length in bytes
   */
  public static void writeHeader(
      ByteBuffer buffer,
      int offset,
      short type,
      int shard,
      int sender,
      long epoch,
      int bodyLength) {
    buffer.putInt(offset + MAGIC_OFFSET, MAGIC);
    buffer.putShort(offset + VERSION_OFFSET, VERSION);
    buffer.putShort(offset + TYPE_OFFSET, type);
    buffer.putInt(offset + SHARD_OFFSET, shard);
    buffer.putInt(offset + SENDER_OFFSET, sender);
    buffer.putLong(offset + EPOCH_OFFSET, epoch);
    buffer.putInt(offset + BODY_LENGTH_OFFSET, bodyLength);
  }

  /**
   * Computes a frame's CRC32C, over header bytes 0..27 then the body, reading the buffer in place
   * (absolute reads through {@code scratch}: neither the buffer's position nor a heap is touched).
   *
   * @param crc a reusable checksum
   * @param scratch a reusable copy buffer of any non-zero length
   * @param buffer the frame's buffer, any byte order, read-only or not
   * @param offset where the frame starts
   * @param bodyLength the body's length
   * @return the checksum
   */
  public static int computeCrc(
      CRC32C crc, byte[] scratch, ByteBuffer buffer, int offset, int bodyLength) {
    crc.reset();
    update(crc, scratch, buffer, offset, CRC_OFFSET);
    update(crc, scratch, buffer, offset + BODY_OFFSET, bodyLength);
    return (int) crc.getValue();
  }

  /**
   * Returns a scratch array sized for {@link #computeCrc}.
   *
   * @return a new array
   */
  public static byte[] newCrcScratch() {
    return new byte[CHUNK];
  }

  private static void update(CRC32C crc, byte[] scratch, ByteBuffer buffer, int from, int length) {
    int done = 0;
    while (done < length) {
      int n = Math.min(scratch.length, length - done);
      buffer.get(from + done, scratch, 0, n);
      crc.update(scratch, 0, n);
      done += n;
    }
  }
}
