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
final class Assembly implements FrameDecoder.RecordVisitor {
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
  final int[] done = new int[3];

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
  public void range(int shard, TenantId tenant, BitSet buckets) {
    ranges.computeIfAbsent(new ShardTenant(shard, tenant), k -> new Range()).buckets.or(buckets);
  }

  @Override
  public void fingerprints(int shard, TenantId tenant, long[] fps) {
    ranges
        .computeIfAbsent(new ShardTenant(shard, tenant), k -> new Range())
        .fingerprints
        .addAll(fps);
  }

  @Override
  public void state(int shard, TenantId tenant, SignalType type, long entity, byte[] state) {
    states
        .computeIfAbsent(new ShardTenant(shard, tenant), k -> new States())
        .states
        .add(new EntityState(type, entity, state));
  }

  @Override
  public void wanted(int shard, TenantId tenant, long[] fps) {
    states.computeIfAbsent(new ShardTenant(shard, tenant), k -> new States()).wanted.addAll(fps);
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
}
