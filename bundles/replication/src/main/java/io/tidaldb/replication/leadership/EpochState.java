package io.tidaldb.replication.leadership;

import io.tidaldb.api.RegionId;
import java.util.Objects;
import java.util.Optional;

/**
 * The current epoch and the vote cast in it, kept in step with an {@link EpochStore}: every change
 * is saved first and applied in memory only after the save returned, so a failing save changes
 * nothing. The epoch never decreases.
 */
public final class EpochState {
  private final EpochStore store;
  private long epoch;
  private Optional<RegionId> votedFor;

  /**
   * Loads the saved epoch and vote.
   *
   * @param store the durable store
   */
  public EpochState(EpochStore store) {
    this.store = Objects.requireNonNull(store, "store");
    EpochStore.PersistedEpoch saved = Objects.requireNonNull(store.load(), "store.load()");
    this.epoch = saved.epoch();
    this.votedFor = saved.votedFor();
  }

  /**
   * Returns the current epoch.
   *
   * @return the epoch
   */
  public long epoch() {
    return epoch;
  }

  /**
   * Returns the vote cast in the current epoch.
   *
   * @return the region voted for, empty when none
   */
  public Optional<RegionId> votedFor() {
    return votedFor;
  }

  /**
   * Moves to a higher epoch with no vote cast yet.
   *
   * @param newEpoch the new epoch, greater than the current one
   * @throws IllegalStateException if {@code newEpoch} does not exceed the current epoch
   */
  public void advanceTo(long newEpoch) {
    requireHigher(newEpoch);
    store.save(newEpoch, Optional.empty());
    epoch = newEpoch;
    votedFor = Optional.empty();
  }

  /**
   * Moves to a higher epoch and votes in it at once, with one save (a candidacy).
   *
   * @param newEpoch the new epoch, greater than the current one
   * @param candidate the region voted for
   */
  public void advanceAndVote(long newEpoch, RegionId candidate) {
    requireHigher(newEpoch);
    store.save(newEpoch, Optional.of(candidate));
    epoch = newEpoch;
    votedFor = Optional.of(candidate);
  }

  /**
   * Tells whether a vote for {@code candidate} may be granted in the current epoch: none cast yet,
   * or the same candidate again (a duplicated request).
   *
   * @param candidate the candidate
   * @return whether the vote is free for that candidate
   */
  public boolean canVoteFor(RegionId candidate) {
    return votedFor.isEmpty() || votedFor.get().equals(candidate);
  }

  /**
   * Casts (and saves) the vote of the current epoch.
   *
   * @param candidate the candidate
   * @throws IllegalStateException if a vote for another region was already cast
   */
  public void voteFor(RegionId candidate) {
    if (!canVoteFor(candidate)) {
      throw new IllegalStateException(
          "epoch " + epoch + ": already voted for " + votedFor.get() + ", not " + candidate);
    }
    if (votedFor.isEmpty()) {
      store.save(epoch, Optional.of(candidate));
      votedFor = Optional.of(candidate);
    }
  }

  private void requireHigher(long newEpoch) {
    if (newEpoch <= epoch) {
      throw new IllegalStateException("epoch must grow: " + newEpoch + " <= " + epoch);
    }
  }
}
