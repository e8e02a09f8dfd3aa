package io.tidaldb.reconcile.engine;

import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.reconcile.EntityState;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One message being received: the records of its frames so far, by (shard, tenant), and the index
 * the next frame must have. Acted on only once its last frame arrived whole, so a message with a
 * bad frame is dropped without anything merged.
 */
final class Assembly implements RecordVisitor {
  /** A shard of a tenant. */
  record ShardTenant(int shard, TenantId tenant) {}

  /** The HASHES of one (shard, tenant): the buckets compared and the sender's fingerprints. */
  static final class Range {
    final BitSet buckets = new BitSet();
    final LongList fingerprints = new LongList();
  }

  /** The STATES or FINAL of one (shard, tenant): states, and the fingerprints the sender lacks. */
  static final class States {
    final List<EntityState> states = new ArrayList<>();
    final LongList wanted = new LongList();
  }

  /**
   * The segment path of one (shard, tenant): in a HASHES, the initiator's salted segment digests
   * per bucket; in a STATES or FINAL, the masks of differing segments per bucket and the
   * fingerprints that follow them (a STATES' FPS: the responder's entities in those segments; a
   * FINAL's WANTED: those of them the initiator lacks).
   */
  static final class Segments {
    final Map<Integer, int[]> digests = new LinkedHashMap<>();
    final Map<Integer, Long> masks = new LinkedHashMap<>();
    final LongList fingerprints = new LongList();

    /** The segments set in the masks. */
    BitSet segments() {
      BitSet s = new BitSet();
      masks.forEach(
          (bucket, mask) -> {
            for (long m = mask; m != 0; m &= m - 1) {
              s.set(
                  bucket * ReconcileFrameDescriptor.BUCKET_SEGMENTS
                      + Long.numberOfTrailingZeros(m));
            }
          });
      return s;
    }
  }

  /** A shard's local session table of one replica id (TABLE_VERSION and TABLE records). */
  record ShardReplica(int shard, long replica) {}

  /** A local session table being received in pieces. */
  static final class Table {
    final long version;
    final byte[] bytes;
    int received;

    Table(long version, int total) {
      this.version = version;
      this.bytes = new byte[total];
    }

    boolean complete() {
      return received == bytes.length;
    }
  }

  /** A CLOSED record: a region's closed digest of a shard through a cut-off. */
  record Closed(long cutoff, long applied, long digest, long entries) {}

  final byte type;
  final long session;
  int nextIndex;
  long bytes;
  final Map<ShardTenant, long[]> groups = new LinkedHashMap<>();
  final Map<ShardTenant, long[]> leaves = new LinkedHashMap<>();
  final Map<ShardTenant, Integer> leafMasks = new LinkedHashMap<>();
  final Map<ShardTenant, Range> ranges = new LinkedHashMap<>();
  final Map<ShardTenant, States> states = new LinkedHashMap<>();
  final Map<ShardTenant, Segments> segments = new LinkedHashMap<>();
  final int[] done = new int[3];

  /** TABLE_VERSION records: per (shard, replica), the version (see the descriptor). */
  final Map<ShardReplica, Long> tableVersions = new LinkedHashMap<>();

  /** TABLE records: per (shard, replica), the table so far. */
  final Map<ShardReplica, Table> tables = new LinkedHashMap<>();

  /** COMPACT_PROBE: per shard, the cut-off epoch. */
  final Map<Integer, Long> probes = new LinkedHashMap<>();

  /** COMPACT_DIGEST: per shard, the answer. */
  final Map<Integer, Closed> closed = new LinkedHashMap<>();

  Assembly(byte type, long session) {
    this.type = type;
    this.session = session;
  }

  @Override
  public void groups(int shard, TenantId tenant, long[] digests) {
    groups.put(new ShardTenant(shard, tenant), digests);
  }

  @Override
  public void leaves(int shard, TenantId tenant, int mask, long[] digests) {
    ShardTenant key = new ShardTenant(shard, tenant);
    long[] all = leaves.computeIfAbsent(key, k -> new long[ReconcileFrameDescriptor.GROUPS * 32]);
    int i = 0;
    for (int g = 0; g < ReconcileFrameDescriptor.GROUPS; g++) {
      if ((mask & (1 << g)) != 0) {
        System.arraycopy(digests, i, all, g * 32, 32);
        i += 32;
      }
    }
    leafMasks.merge(key, mask, (a, b) -> a | b);
  }

  @Override
  public void range(int shard, TenantId tenant, BitSet buckets) throws FrameDecoder.BadFrame {
    ShardTenant key = new ShardTenant(shard, tenant);
    notBoth(key, "RANGE");
    ranges.computeIfAbsent(key, k -> new Range()).buckets.or(buckets);
  }

  @Override
  public void fingerprints(int shard, TenantId tenant, long[] fps) throws FrameDecoder.BadFrame {
    ShardTenant key = new ShardTenant(shard, tenant);
    if (type == ReconcileFrameDescriptor.STATES) {
      afterMask(key, "FPS").fingerprints.addAll(fps);
      return;
    }
    notBoth(key, "FPS");
    ranges.computeIfAbsent(key, k -> new Range()).fingerprints.addAll(fps);
  }

  @Override
  public void segments(int shard, TenantId tenant, int bucket, int[] salted)
      throws FrameDecoder.BadFrame {
    ShardTenant key = new ShardTenant(shard, tenant);
    if (ranges.containsKey(key)) {
      throw bad("SEGMENTS and RANGE or FPS records of shard " + shard + " tenant " + tenant);
    }
    if (segments.computeIfAbsent(key, k -> new Segments()).digests.putIfAbsent(bucket, salted)
        != null) {
      throw bad(
          "two SEGMENTS records of shard " + shard + " tenant " + tenant + " bucket " + bucket);
    }
  }

  @Override
  public void segmentMask(int shard, TenantId tenant, int bucket, long mask)
      throws FrameDecoder.BadFrame {
    ShardTenant key = new ShardTenant(shard, tenant);
    if (segments.computeIfAbsent(key, k -> new Segments()).masks.putIfAbsent(bucket, mask)
        != null) {
      throw bad(
          "two SEGMENT_MASK records of shard " + shard + " tenant " + tenant + " bucket " + bucket);
    }
  }

  /** Refuses a RANGE or FPS record of a (shard, tenant) that takes the segment path. */
  private void notBoth(ShardTenant key, String record) throws FrameDecoder.BadFrame {
    if (segments.containsKey(key)) {
      throw bad(
          record + " and SEGMENTS records of shard " + key.shard() + " tenant " + key.tenant());
    }
  }

  /** The segment part of a (shard, tenant) whose fingerprints follow its SEGMENT_MASKs. */
  private Segments afterMask(ShardTenant key, String record) throws FrameDecoder.BadFrame {
    Segments s = segments.get(key);
    if (s == null || s.masks.isEmpty()) {
      throw bad(
          record
              + " record of shard "
              + key.shard()
              + " tenant "
              + key.tenant()
              + " before any SEGMENT_MASK of it");
    }
    return s;
  }

  private FrameDecoder.BadFrame bad(String detail) {
    return new FrameDecoder.BadFrame(
        BadInput.MALFORMED,
        ReconcileFrameDescriptor.typeName(type) + " of session " + session + ": " + detail);
  }

  @Override
  public void state(int shard, TenantId tenant, SignalType type, long entity, byte[] state) {
    states
        .computeIfAbsent(new ShardTenant(shard, tenant), k -> new States())
        .states
        .add(new EntityState(type, entity, state));
  }

  @Override
  public void wanted(int shard, TenantId tenant, long[] fps) throws FrameDecoder.BadFrame {
    ShardTenant key = new ShardTenant(shard, tenant);
    if (type == ReconcileFrameDescriptor.FINAL) {
      afterMask(key, "WANTED").fingerprints.addAll(fps);
      return;
    }
    states.computeIfAbsent(key, k -> new States()).wanted.addAll(fps);
  }

  @Override
  public void done(int changed, int unchanged, int rejected) {
    done[0] += changed;
    done[1] += unchanged;
    done[2] += rejected;
  }

  @Override
  public void probe(int shard, long cutoff) throws FrameDecoder.BadFrame {
    if (probes.putIfAbsent(shard, cutoff) != null) {
      throw new FrameDecoder.BadFrame(
          BadInput.MALFORMED,
          "COMPACT_PROBE of session " + session + " probes shard " + shard + " twice");
    }
  }

  @Override
  public void closed(int shard, long cutoff, long applied, long digest, long entries)
      throws FrameDecoder.BadFrame {
    if (closed.putIfAbsent(shard, new Closed(cutoff, applied, digest, entries)) != null) {
      throw new FrameDecoder.BadFrame(
          BadInput.MALFORMED,
          "COMPACT_DIGEST of session " + session + " answers for shard " + shard + " twice");
    }
  }

  @Override
  public void tableVersion(int shard, long replica, long version) throws FrameDecoder.BadFrame {
    if (tableVersions.putIfAbsent(new ShardReplica(shard, replica), version) != null) {
      throw bad("two TABLE_VERSION records of shard " + shard + " replica " + hex(replica));
    }
  }

  @Override
  public void table(int shard, long replica, long version, int total, int offset, byte[] chunk)
      throws FrameDecoder.BadFrame {
    ShardReplica key = new ShardReplica(shard, replica);
    Table t = tables.get(key);
    if (t == null && offset == 0) {
      t = new Table(version, total);
      tables.put(key, t);
    }
    if (t == null || t.version != version || t.bytes.length != total || t.received != offset) {
      throw bad(
          "TABLE record of shard "
              + shard
              + " replica "
              + hex(replica)
              + " version "
              + version
              + " at offset "
              + offset
              + " of "
              + total
              + " does not continue the "
              + (t == null ? 0 : t.received)
              + " bytes received");
    }
    System.arraycopy(chunk, 0, t.bytes, offset, chunk.length);
    t.received += chunk.length;
  }

  private static String hex(long replica) {
    return "0x" + Long.toHexString(replica);
  }
}
