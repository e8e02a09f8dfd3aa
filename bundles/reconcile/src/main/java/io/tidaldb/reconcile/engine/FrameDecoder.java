package io.tidaldb.reconcile.engine;

import static io.tidaldb.reconcile.engine.ReconcileFrameDescriptor.*;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;

/**
 * Reads and validates frames ({@link ReconcileFrameDescriptor}): every length, index, name and
 * shard is checked, and a frame that fails is refused whole with a {@link BadFrame} naming the
 * cause and the values.
 */
final class FrameDecoder {
  /** A frame refused, with the counter it goes to. */
  static final class BadFrame extends Exception {
    private static final long serialVersionUID = 1L;
    final BadInput cause;

    BadFrame(BadInput cause, String detail) {
      super(detail, null, false, false);
      this.cause = cause;
    }
  }

  /** A frame's header. */
  record Header(byte type, boolean last, long session, int index, int length) {}

  private FrameDecoder() {}

  /** Reads and checks the header (magic, version, type, reserved bytes, shard count, length). */
  static Header header(ByteBuffer f, int shards) throws BadFrame {
    int length = f.remaining();
    if (length < HEADER_LENGTH) {
      throw malformed(
          "frame of " + length + " bytes, shorter than the " + HEADER_LENGTH + " byte header");
    }
    int p = f.position();
    int magic = f.getInt(p + MAGIC_OFFSET);
    if (magic != MAGIC) {
      throw malformed(
          "magic 0x" + Integer.toHexString(magic) + ", expected 0x" + Integer.toHexString(MAGIC));
    }
    byte version = f.get(p + VERSION_OFFSET);
    if (version != VERSION) {
      throw malformed("version " + version + ", this region reads " + VERSION);
    }
    byte type = f.get(p + TYPE_OFFSET);
    if (type < SUMMARY || type > MAX_TYPE) {
      throw malformed("unknown frame type " + type);
    }
    byte flags = f.get(p + FLAGS_OFFSET);
    if ((flags & ~FLAG_LAST) != 0
        || f.get(p + RESERVED_OFFSET) != 0
        || f.getShort(p + RESERVED2_OFFSET) != 0) {
      throw malformed(typeName(type) + " frame with flags " + flags + " or reserved bytes set");
    }
    int senderShards = Short.toUnsignedInt(f.getShort(p + SHARDS_OFFSET));
    if (senderShards != shards) {
      throw malformed(
          typeName(type)
              + " frame from a cluster of "
              + senderShards
              + " shards, this region has "
              + shards);
    }
    int body = f.getInt(p + BODY_LENGTH_OFFSET);
    if (body != length - HEADER_LENGTH) {
      throw malformed(
          typeName(type)
              + " frame announces a body of "
              + body
              + " bytes but carries "
              + (length - HEADER_LENGTH));
    }
    int index = f.getInt(p + INDEX_OFFSET);
    if (index < 0) {
      throw malformed(typeName(type) + " frame index " + index);
    }
    return new Header(type, (flags & FLAG_LAST) != 0, f.getLong(p + SESSION_OFFSET), index, length);
  }

  /** Reads the body's dictionaries and records, handing each record to {@code v}. */
  static void records(ByteBuffer frame, Header h, int shards, RecordVisitor v) throws BadFrame {
    ByteBuffer f = frame.duplicate().position(frame.position() + HEADER_LENGTH);
    String what = typeName(h.type()) + " frame " + h.index() + " of session " + h.session();
    try {
      String[] tenantNames = names(f, what, "tenant");
      TenantId[] tenants = new TenantId[tenantNames.length];
      String[] typeNames = names(f, what, "type");
      SignalType[] types = new SignalType[typeNames.length];
      for (int i = 0; i < typeNames.length; i++) {
        try {
          types[i] = SignalType.of(typeNames[i]);
        } catch (InvalidArgumentException e) {
          throw malformed(what + ": type name '" + typeNames[i] + "': " + e.getMessage());
        }
      }
      while (f.hasRemaining()) {
        byte kind = f.get();
        if (!allows(h.type(), kind)) {
          throw malformed(
              what
                  + ": record kind "
                  + kind
                  + " at offset "
                  + (f.position() - 1 - frame.position()));
        }
        int shard = Short.toUnsignedInt(f.getShort());
        int t = Short.toUnsignedInt(f.getShort());
        if (kind == DONE_RECORD) {
          v.done(count(f, what), count(f, what), count(f, what));
          continue;
        }
        if (shard >= shards) {
          throw new BadFrame(
              BadInput.UNKNOWN_SHARD, what + ": shard " + shard + ", this region has " + shards);
        }
        if (kind == PROBE_RECORD || kind == CLOSED_RECORD) {
          compactRecord(f, kind, shard, t, what, v);
          continue;
        }
        if (kind == TABLE_VERSION_RECORD || kind == TABLE_RECORD) {
          tableRecord(f, kind, shard, t, what, v);
          continue;
        }
        TenantId tenant = tenant(tenants, tenantNames, t, what);
        switch (kind) {
          case GROUPS_RECORD -> {
            long[] digests = new long[GROUPS];
            f.asLongBuffer().get(digests);
            f.position(f.position() + GROUPS * Long.BYTES);
            v.groups(shard, tenant, digests);
          }
          case LEAVES_RECORD -> {
            int mask = f.getInt();
            long[] digests = new long[Integer.bitCount(mask) * GROUP_BUCKETS];
            if (f.remaining() < digests.length * Long.BYTES) {
              throw malformed(what + ": LEAVES record of shard " + shard + " cut short");
            }
            f.asLongBuffer().get(digests);
            f.position(f.position() + digests.length * Long.BYTES);
            v.leaves(shard, tenant, mask, digests);
          }
          case RANGE_RECORD -> {
            byte[] bitmap = new byte[BITMAP_BYTES];
            f.get(bitmap);
            v.range(shard, tenant, BitSet.valueOf(bitmap));
          }
          case FPS_RECORD -> v.fingerprints(shard, tenant, fingerprints(f, what));
          case SEGMENTS_RECORD, SEGMENT_MASK_RECORD ->
              segmentRecord(f, kind, shard, tenant, what, v);
          case STATE_RECORD -> {
            SignalType type = type(types, f, what);
            long entity = f.getLong();
            int length = f.getInt();
            if (length <= 0 || length > f.remaining()) {
              throw malformed(
                  what
                      + ": state of "
                      + type
                      + "/"
                      + entity
                      + " has length "
                      + length
                      + " with "
                      + f.remaining()
                      + " bytes left");
            }
            byte[] state = new byte[length];
            f.get(state);
            v.state(shard, tenant, type, entity, state);
          }
          default -> v.wanted(shard, tenant, fingerprints(f, what));
        }
      }
    } catch (BufferUnderflowException e) {
      throw malformed(what + ": a record is cut short at the end of the body");
    }
  }

  /** Reads and checks a SEGMENTS or SEGMENT_MASK record's body (after its header). */
  private static void segmentRecord(
      ByteBuffer f, byte kind, int shard, TenantId tenant, String what, RecordVisitor v)
      throws BadFrame {
    int bucket = Short.toUnsignedInt(f.getShort());
    String record =
        (kind == SEGMENTS_RECORD ? "SEGMENTS" : "SEGMENT_MASK")
            + " record of shard "
            + shard
            + " tenant "
            + tenant
            + " bucket "
            + bucket;
    if (bucket >= BUCKETS) {
      throw malformed(what + ": " + record + ": a bucket must be below " + BUCKETS);
    }
    if (kind == SEGMENT_MASK_RECORD) {
      long mask = f.getLong();
      if (mask == 0) {
        throw malformed(what + ": " + record + " has the mask 0 (no segment)");
      }
      v.segmentMask(shard, tenant, bucket, mask);
      return;
    }
    int[] salted = new int[BUCKET_SEGMENTS];
    f.asIntBuffer().get(salted);
    f.position(f.position() + BUCKET_SEGMENTS * Integer.BYTES);
    v.segments(shard, tenant, bucket, salted);
  }

  /** Reads and checks a TABLE_VERSION or TABLE record's body (after its header). */
  private static void tableRecord(
      ByteBuffer f, byte kind, int shard, int tenantIndex, String what, RecordVisitor v)
      throws BadFrame {
    String record =
        (kind == TABLE_RECORD ? "TABLE" : "TABLE_VERSION") + " record of shard " + shard;
    if (tenantIndex != 0) {
      throw malformed(what + ": " + record + " has tenant index " + tenantIndex + ", must be 0");
    }
    long replica = f.getLong();
    if (replica >= 0 || (replica & 0x7FFF_FFFF_0000_0000L) != 0) {
      throw malformed(
          what
              + ": "
              + record
              + " names replica 0x"
              + Long.toHexString(replica)
              + ", not a local one");
    }
    long version = f.getLong();
    if (kind == TABLE_VERSION_RECORD) {
      if (version < -1) {
        throw malformed(what + ": " + record + " has version " + version + ", must be >= -1");
      }
      v.tableVersion(shard, replica, version);
      return;
    }
    int total = f.getInt();
    int offset = f.getInt();
    int length = f.getInt();
    if (version < 1
        || total <= 0
        || offset < 0
        || length <= 0
        || offset > total - length
        || length > f.remaining()) {
      throw malformed(
          what
              + ": "
              + record
              + " has version "
              + version
              + ", total "
              + total
              + ", offset "
              + offset
              + ", chunk "
              + length
              + " with "
              + f.remaining()
              + " bytes left");
    }
    byte[] chunk = new byte[length];
    f.get(chunk);
    v.table(shard, replica, version, total, offset, chunk);
  }

  /** Reads and checks a PROBE or CLOSED record's body (after its header). */
  private static void compactRecord(
      ByteBuffer f, byte kind, int shard, int tenantIndex, String what, RecordVisitor v)
      throws BadFrame {
    String record = (kind == PROBE_RECORD ? "PROBE" : "CLOSED") + " record of shard " + shard;
    if (tenantIndex != 0) {
      throw malformed(what + ": " + record + " has tenant index " + tenantIndex + ", must be 0");
    }
    long cutoff = f.getLong();
    if (cutoff < 0) {
      throw malformed(what + ": " + record + " has the negative cut-off epoch " + cutoff);
    }
    if (kind == PROBE_RECORD) {
      v.probe(shard, cutoff);
      return;
    }
    long applied = f.getLong();
    long digest = f.getLong();
    long entries = f.getLong();
    if (applied < -1) {
      throw malformed(what + ": " + record + " has applied epoch " + applied + ", must be >= -1");
    }
    if (entries < 0) {
      throw malformed(what + ": " + record + " has " + entries + " entries, must be >= 0");
    }
    if (applied <= cutoff && (digest != 0 || entries != 0)) {
      throw malformed(
          what
              + ": "
              + record
              + " is not past its cut-off "
              + cutoff
              + " (applied epoch "
              + applied
              + ") but carries digest "
              + digest
              + " and "
              + entries
              + " entries, must be 0");
    }
    v.closed(shard, cutoff, applied, digest, entries);
  }

  private static String[] names(ByteBuffer f, String what, String kind) throws BadFrame {
    int count = Short.toUnsignedInt(f.getShort());
    String[] names = new String[count];
    for (int i = 0; i < count; i++) {
      int length = Byte.toUnsignedInt(f.get());
      byte[] bytes = new byte[length];
      f.get(bytes);
      for (byte b : bytes) {
        if (b < 0x20 || b > 0x7E) {
          throw malformed(what + ": " + kind + " name " + i + " holds the byte " + b);
        }
      }
      names[i] = new String(bytes, StandardCharsets.US_ASCII);
    }
    return names;
  }

  private static TenantId tenant(TenantId[] tenants, String[] names, int t, String what)
      throws BadFrame {
    if (t >= names.length) {
      throw malformed(what + ": tenant index " + t + " of " + names.length + " names");
    }
    if (tenants[t] == null) {
      try {
        tenants[t] = TenantId.of(names[t]);
      } catch (InvalidArgumentException e) {
        throw new BadFrame(
            BadInput.UNKNOWN_TENANT, what + ": tenant '" + names[t] + "': " + e.getMessage());
      }
    }
    return tenants[t];
  }

  private static SignalType type(SignalType[] types, ByteBuffer f, String what) throws BadFrame {
    int i = Short.toUnsignedInt(f.getShort());
    if (i >= types.length) {
      throw malformed(what + ": type index " + i + " of " + types.length + " names");
    }
    return types[i];
  }

  private static long[] fingerprints(ByteBuffer f, String what) throws BadFrame {
    int count = Short.toUnsignedInt(f.getShort());
    if (count == 0 || f.remaining() < count * Long.BYTES) {
      throw malformed(what + ": " + count + " fingerprints with " + f.remaining() + " bytes left");
    }
    long[] fps = new long[count];
    f.asLongBuffer().get(fps);
    f.position(f.position() + count * Long.BYTES);
    return fps;
  }

  private static int count(ByteBuffer f, String what) throws BadFrame {
    int n = f.getInt();
    if (n < 0) {
      throw malformed(what + ": DONE count " + n);
    }
    return n;
  }

  private static BadFrame malformed(String detail) {
    return new BadFrame(BadInput.MALFORMED, detail);
  }
}
