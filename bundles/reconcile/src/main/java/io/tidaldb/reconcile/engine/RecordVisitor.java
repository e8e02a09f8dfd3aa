package io.tidaldb.reconcile.engine;

import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import java.util.BitSet;

/**
 * Receives the records of a frame, in order (from {@link FrameDecoder#records}). The defaults
 * ignore a record.
 */
interface RecordVisitor {
  default void groups(int shard, TenantId tenant, long[] digests) {}

  default void leaves(int shard, TenantId tenant, int mask, long[] digests) {}

  /**
   * A RANGE record.
   *
   * @throws FrameDecoder.BadFrame if the message already takes the segment path for the (shard,
   *     tenant)
   */
  default void range(int shard, TenantId tenant, BitSet buckets) throws FrameDecoder.BadFrame {}

  /**
   * An FPS record (a HASHES' or, after a SEGMENT_MASK of the (shard, tenant), a STATES').
   *
   * @throws FrameDecoder.BadFrame if it is out of place (see {@link ReconcileFrameDescriptor})
   */
  default void fingerprints(int shard, TenantId tenant, long[] fps) throws FrameDecoder.BadFrame {}

  default void state(int shard, TenantId tenant, SignalType type, long entity, byte[] state) {}

  /**
   * A WANTED record (a STATES' or, after a SEGMENT_MASK of the (shard, tenant), a FINAL's).
   *
   * @throws FrameDecoder.BadFrame if it is out of place
   */
  default void wanted(int shard, TenantId tenant, long[] fps) throws FrameDecoder.BadFrame {}

  /**
   * A SEGMENTS record (bucket checked < 1024).
   *
   * @throws FrameDecoder.BadFrame if the message already holds the bucket, or RANGE or FPS of the
   *     (shard, tenant)
   */
  default void segments(int shard, TenantId tenant, int bucket, int[] salted)
      throws FrameDecoder.BadFrame {}

  /**
   * A SEGMENT_MASK record (bucket checked < 1024, mask not 0).
   *
   * @throws FrameDecoder.BadFrame if the message already holds the bucket
   */
  default void segmentMask(int shard, TenantId tenant, int bucket, long mask)
      throws FrameDecoder.BadFrame {}

  default void done(int changed, int unchanged, int rejected) {}

  /**
   * A PROBE record (its cut-off checked >= 0).
   *
   * @throws FrameDecoder.BadFrame if the message already probed the shard
   */
  default void probe(int shard, long cutoff) throws FrameDecoder.BadFrame {}

  /**
   * A CLOSED record (checked: cut-off >= 0, applied >= -1, entries >= 0, digest and entries 0 when
   * not past the cut-off).
   *
   * @throws FrameDecoder.BadFrame if the message already answered for the shard
   */
  default void closed(int shard, long cutoff, long applied, long digest, long entries)
      throws FrameDecoder.BadFrame {}

  /**
   * A TABLE_VERSION record (replica checked local, version >= -1).
   *
   * @throws FrameDecoder.BadFrame if the message already names the (shard, replica)
   */
  default void tableVersion(int shard, long replica, long version) throws FrameDecoder.BadFrame {}

  /**
   * A TABLE record's piece (replica checked local, version >= 1, the piece within the total).
   *
   * @throws FrameDecoder.BadFrame if the piece does not continue the table's earlier ones
   */
  default void table(int shard, long replica, long version, int total, int offset, byte[] chunk)
      throws FrameDecoder.BadFrame {}
}
