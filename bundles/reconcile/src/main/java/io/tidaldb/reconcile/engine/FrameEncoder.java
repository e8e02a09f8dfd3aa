package io.tidaldb.reconcile.engine;

import static io.tidaldb.reconcile.engine.ReconcileFrameDescriptor.*;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Writes one message (one step of a session) as frames of at most {@code maxFrameBytes}: whole
 * records, each frame with its own name dictionaries ({@link ReconcileFrameDescriptor}). Frames go
 * to the sink as they fill; {@link #finish} sends the last one (possibly without records).
 */
final class FrameEncoder {
  private final int maxFrameBytes;
  private final int shards;
  private final long session;
  private final byte type;
  private final Consumer<ByteBuffer> sink;
  private final ByteBuffer records;
  private final Map<String, Integer> tenants = new HashMap<>();
  private final Map<String, Integer> types = new HashMap<>();
  private final List<String> tenantNames = new ArrayList<>();
  private final List<String> typeNames = new ArrayList<>();
  private int dictionaryBytes = 4;
  private int index;

  /** Where the open fingerprint record's count is, or -1 (see {@link #fingerprint}). */
  private int fpCountAt = -1;

  private byte fpKind;
  private int fpShard;
  private String fpTenant;
  private int fpCount;
  private long bytes;
  private int frames;

  FrameEncoder(int maxFrameBytes, int shards, long session, byte type, Consumer<ByteBuffer> sink) {
    if (maxFrameBytes < HEADER_LENGTH + 1024) {
      throw new IllegalArgumentException("frames of " + maxFrameBytes + " bytes are too small");
    }
    this.maxFrameBytes = maxFrameBytes;
    this.shards = shards;
    this.session = session;
    this.type = type;
    this.sink = sink;
    this.records = ByteBuffer.allocate(maxFrameBytes - HEADER_LENGTH);
  }

  void groups(int shard, String tenant, long[] groupDigests) {
    ByteBuffer b = record(GROUPS_RECORD, shard, tenant, null, GROUPS_RECORD_LENGTH);
    for (int g = 0; g < GROUPS; g++) {
      b.putLong(groupDigests[g]);
    }
  }

  /**
   * Writes the bucket digests of the groups in {@code mask} ({@code buckets}: all 1024), one record
   * per group so that any frame of at least 4 KiB holds a record.
   */
  void leaves(int shard, String tenant, int mask, long[] buckets) {
    int length = RECORD_HEADER_LENGTH + 4 + GROUP_BUCKETS * Long.BYTES;
    for (int g = 0; g < GROUPS; g++) {
      if ((mask & (1 << g)) != 0) {
        ByteBuffer b = record(LEAVES_RECORD, shard, tenant, null, length).putInt(1 << g);
        for (int i = g * GROUP_BUCKETS; i < (g + 1) * GROUP_BUCKETS; i++) {
          b.putLong(buckets[i]);
        }
      }
    }
  }

  void range(int shard, String tenant, BitSet buckets) {
    ByteBuffer b = record(RANGE_RECORD, shard, tenant, null, RANGE_RECORD_LENGTH);
    byte[] bitmap = buckets.toByteArray();
    b.put(bitmap, 0, Math.min(bitmap.length, BITMAP_BYTES));
    for (int i = bitmap.length; i < BITMAP_BYTES; i++) {
      b.put((byte) 0);
    }
  }

  /**
   * Appends a fingerprint ({@link ReconcileFrameDescriptor#FPS_RECORD} or {@link
   * ReconcileFrameDescriptor#WANTED_RECORD}) to the open record of the same kind, shard and tenant,
   * or opens one.
   */
  void fingerprint(byte kind, int shard, String tenant, long fp) {
    if (fpCountAt >= 0
        && fpKind == kind
        && fpShard == shard
        && fpTenant.equals(tenant)
        && fpCount < MAX_FPS_PER_RECORD
        && dictionaryBytes + records.position() + Long.BYTES <= records.capacity()) {
      records.putLong(fp);
      records.putShort(fpCountAt, (short) ++fpCount);
      return;
    }
    ByteBuffer b = record(kind, shard, tenant, null, FPS_RECORD_FIXED_LENGTH + Long.BYTES);
    fpCountAt = b.position();
    b.putShort((short) 1).putLong(fp);
    fpKind = kind;
    fpShard = shard;
    fpTenant = tenant;
    fpCount = 1;
  }

  /** Writes a SEGMENTS record: a bucket's 64 salted segment digests ({@code salted[0..63]}). */
  void segments(int shard, String tenant, int bucket, int[] salted) {
    ByteBuffer b = record(SEGMENTS_RECORD, shard, tenant, null, SEGMENTS_RECORD_LENGTH);
    b.putShort((short) bucket);
    for (int i = 0; i < BUCKET_SEGMENTS; i++) {
      b.putInt(salted[i]);
    }
  }

  /** Writes a SEGMENT_MASK record: a bucket's segments whose digests differ (bit i: segment i). */
  void segmentMask(int shard, String tenant, int bucket, long mask) {
    record(SEGMENT_MASK_RECORD, shard, tenant, null, SEGMENT_MASK_RECORD_LENGTH)
        .putShort((short) bucket)
        .putLong(mask);
  }

  void state(int shard, String tenant, String typeName, long entity, byte[] state) {
    int length = STATE_RECORD_FIXED_LENGTH + state.length;
    record(STATE_RECORD, shard, tenant, typeName, length)
        .putLong(entity)
        .putInt(state.length)
        .put(state);
  }

  void done(int changed, int unchanged, int rejected) {
    record(DONE_RECORD, 0, "", null, DONE_RECORD_LENGTH)
        .putInt(changed)
        .putInt(unchanged)
        .putInt(rejected);
  }

  /** Writes a PROBE record: the cut-off epoch {@code c} of a shard this region leads. */
  void probe(int shard, long cutoff) {
    record(PROBE_RECORD, shard, null, null, PROBE_RECORD_LENGTH).putLong(cutoff);
  }

  /**
   * Writes a CLOSED record: this region's answer to a PROBE (digest and entries 0 when {@code
   * applied <= cutoff}).
   */
  void closed(int shard, long cutoff, long applied, long digest, long entries) {
    record(CLOSED_RECORD, shard, null, null, CLOSED_RECORD_LENGTH)
        .putLong(cutoff)
        .putLong(applied)
        .putLong(digest)
        .putLong(entries);
  }

  /** Writes a TABLE_VERSION record: a local session table's replica id and version. */
  void tableVersion(int shard, long replica, long version) {
    record(TABLE_VERSION_RECORD, shard, null, null, TABLE_VERSION_RECORD_LENGTH)
        .putLong(replica)
        .putLong(version);
  }

  /**
   * Writes a local session table's encoding as TABLE records, in pieces that fit the frames (a
   * table larger than a frame spans frames).
   */
  void table(int shard, long replica, long version, byte[] encoding) {
    int room = maxFrameBytes - HEADER_LENGTH - 4 - TABLE_RECORD_FIXED_LENGTH;
    int offset = 0;
    do {
      int free = records.capacity() - dictionaryBytes - records.position();
      int length = Math.min(encoding.length - offset, room);
      if (free - TABLE_RECORD_FIXED_LENGTH >= Math.min(length, 1024)) {
        length = Math.min(length, free - TABLE_RECORD_FIXED_LENGTH); // fill this frame first
      }
      record(TABLE_RECORD, shard, null, null, TABLE_RECORD_FIXED_LENGTH + length)
          .putLong(replica)
          .putLong(version)
          .putInt(encoding.length)
          .putInt(offset)
          .putInt(length)
          .put(encoding, offset, length);
      offset += length;
    } while (offset < encoding.length);
  }

  /** Sends the last frame. */
  void finish() {
    flush(true);
  }

  /** Bytes of every frame sent so far. */
  long bytes() {
    return bytes;
  }

  int frames() {
    return frames;
  }

  /**
   * Makes room for a record of {@code length} bytes plus the names it adds, writes its header
   * (tenant index 0 without a name if {@code tenant} is null) and the type index (if {@code
   * typeName} is not null), and returns the buffer to write the rest to.
   */
  private ByteBuffer record(byte kind, int shard, String tenant, String typeName, int length) {
    int added = names(tenant, typeName);
    if (dictionaryBytes + added + records.position() + length > records.capacity()
        || tenantNames.size() >= MAX_NAMES - 1
        || typeNames.size() >= MAX_NAMES - 1) {
      if (records.position() == 0) {
        throw new IllegalArgumentException(
            "a record of " + length + " bytes does not fit a frame of " + maxFrameBytes);
      }
      flush(false);
      added = names(tenant, typeName);
    }
    fpCountAt = -1;
    int t = tenant == null ? 0 : add(tenant, tenants, tenantNames);
    ByteBuffer b = records.put(kind).putShort((short) shard).putShort((short) t);
    if (typeName != null) {
      b.putShort((short) add(typeName, types, typeNames));
    }
    return b;
  }

  /** Dictionary bytes the names would add to the current frame. */
  private int names(String tenant, String typeName) {
    int added = tenant == null || tenants.containsKey(tenant) ? 0 : 1 + tenant.length();
    if (typeName != null && !types.containsKey(typeName)) {
      added += 1 + typeName.length();
    }
    return added;
  }

  private int add(String name, Map<String, Integer> map, List<String> list) {
    Integer i = map.get(name);
    if (i != null) {
      return i;
    }
    map.put(name, list.size());
    list.add(name);
    dictionaryBytes += 1 + name.length();
    return list.size() - 1;
  }

  private void flush(boolean last) {
    int body = dictionaryBytes + records.position();
    ByteBuffer frame = ByteBuffer.allocate(HEADER_LENGTH + body);
    frame
        .putInt(MAGIC)
        .put(VERSION)
        .put(type)
        .put(last ? FLAG_LAST : 0)
        .put((byte) 0)
        .putShort((short) shards)
        .putShort((short) 0)
        .putLong(session)
        .putInt(index++)
        .putInt(body);
    putNames(frame, tenantNames);
    putNames(frame, typeNames);
    frame.put(records.flip());
    records.clear();
    fpCountAt = -1;
    tenants.clear();
    types.clear();
    tenantNames.clear();
    typeNames.clear();
    dictionaryBytes = 4;
    bytes += frame.capacity();
    frames++;
    sink.accept(frame.flip());
  }

  private static void putNames(ByteBuffer frame, List<String> names) {
    frame.putShort((short) names.size());
    for (String name : names) {
      frame.put((byte) name.length()).put(name.getBytes(StandardCharsets.US_ASCII));
    }
  }
}
