package io.tidaldb.api.replication;

import io.tidaldb.api.Durability;
import io.tidaldb.api.RegionId;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One region's replication, as its store sees it. Registered as a service with the property {@code
 * region} (the region's name); the store of that region binds it.
 */
@ProviderType
public interface Replication {
  /**
   * Returns the region this replication runs in.
   *
   * @return the local region
   */
  RegionId region();

  /**
   * Returns every region of the cluster, the local one included, in configuration order.
   *
   * @return the regions
   */
  List<RegionId> regions();

  /**
   * Checks that this region leads {@code shard} now and may append local writes to it.
   *
   * @param shard the shard
   * @throws NotLeaderException if it does not, naming the leader when one is known
   */
  void checkLeader(int shard);

  /**
   * Returns a future completed once the record at {@code position} of {@code shard} is stored at
   * {@code level}: {@code LOCAL} when the leader's log has it durable, {@code QUORUM} when a
   * majority of regions (the leader included) do, {@code ALL} when every region does. The future
   * fails with {@link io.tidaldb.api.UnavailableException} naming the level, the position and the
   * regions that have it, once the configured timeout passes or this region stops leading the
   * shard; it never stays incomplete.
   *
   * @param shard the shard
   * @param position a position this region appended as leader
   * @param level the durability asked for
   * @return the future
   */
  CompletableFuture<Void> whenStored(int shard, long position, Durability level);

  /**
   * Attaches the local store, which {@link ReplicaState#truncateLog} is called on when a shard's
   * log must be cut. Until a store is attached, this region neither follows (a follower applies
   * what it receives through the store) nor leads.
   *
   * @param state the store
   */
  void attach(ReplicaState state);

  /**
   * Detaches the store attached before; the region stops leading and following until another one is
   * attached.
   *
   * @param state the store attached before
   */
  void detach(ReplicaState state);

  /**
   * Returns each shard's leader, epoch, and every region's HWM and lag as this region knows them.
   *
   * @return the status, one entry per shard in shard order
   */
  List<ShardReplicationStatus> status();
}
