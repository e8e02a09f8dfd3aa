package io.tidaldb.replication.leadership;

import io.tidaldb.api.RegionId;
import java.util.Optional;

/**
 * Durable storage of a shard's epoch and the vote cast in it, so a restarted region never votes
 * twice in one epoch and never goes back to an older epoch.
 */
public interface EpochStore {
  /**
   * Loads what was last saved.
   *
   * @return the saved epoch and vote, or {@link PersistedEpoch#INITIAL} when nothing was saved
   */
  PersistedEpoch load();

  /**
   * Saves the epoch and the vote durably; returns only once both survive a crash.
   *
   * @param epoch the current epoch, never lower than the last saved one
   * @param votedFor the region voted for in {@code epoch}, empty when none yet
   */
  void save(long epoch, Optional<RegionId> votedFor);

  /**
   * A saved epoch and vote.
   *
   * @param epoch the epoch, {@code >= 0}
   * @param votedFor the region voted for in that epoch, empty when none
   */
  record PersistedEpoch(long epoch, Optional<RegionId> votedFor) {
    /** Nothing saved yet: epoch 0, no vote. */
    public static final PersistedEpoch INITIAL = new PersistedEpoch(0, Optional.empty());

    /**
     * Validates the values.
     *
     * @throws io.tidaldb.api.InvalidArgumentException if the epoch is negative
     */
    public PersistedEpoch {
      if (epoch < 0) {
        throw new io.tidaldb.api.InvalidArgumentException("epoch", epoch, "must be >= 0");
      }
      java.util.Objects.requireNonNull(votedFor, "votedFor");
    }
  }
}
