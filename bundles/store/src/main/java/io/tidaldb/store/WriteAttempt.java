package io.tidaldb.store;

import io.tidaldb.api.Durability;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.NotLeaderException;
import java.util.concurrent.TimeUnit;

/**
 * What one write found on its way through {@link WritePath}: the epoch it may append in, the last
 * leader check's refusal, the leader last known, the last failure that stored nothing, and how long
 * it may still wait. Used by one thread at a time (a synchronous writer, or the stages of an
 * asynchronous one, which complete one after the other).
 */
final class WriteAttempt {
  private final int shard;
  private final Durability level;
  private final long deadline;
  private long epoch;
  private NotLeaderException refused;
  private RegionId lastLeader;
  private UnavailableException unsent; // the last forward that stored nothing, since the refusal
  private int tries;
  private boolean mustWait; // the last forward stored nothing: wait before the next one
  private long backoff = WritePath.FIRST_BACKOFF_NANOS;

  WriteAttempt(int shard, Durability level, long deadlineNanos) {
    this.shard = shard;
    this.level = level;
    this.deadline = deadlineNanos;
  }

  int shard() {
    return shard;
  }

  Durability level() {
    return level;
  }

  long deadline() {
    return deadline;
  }

  /** The epoch this region leads in, for the fenced append. */
  long epoch() {
    return epoch;
  }

  /** How many waits (and so decisions after the first) this write has been through. */
  int tries() {
    return tries;
  }

  void leads(long leaderEpoch) {
    this.epoch = leaderEpoch;
  }

  /** Records a refusal of the leader check, and the leader it names (if any). */
  void refused(NotLeaderException e) {
    refused = e;
    if (e.leader().isPresent()) {
      if (!e.leader().get().equals(lastLeader)) {
        unsent = null; // a new leader: what failed towards the former one says nothing of it
      }
      lastLeader = e.leader().get();
    }
  }

  /** The leader the last check named, or null. */
  RegionId leader() {
    return refused == null ? null : refused.leader().orElse(null);
  }

  /**
   * Records a forward's failure; returns whether nothing was stored, so the write may decide again
   * (a {@link NotLeaderException} or an {@link UnavailableException} whose {@code mayBeStored()} is
   * false), or false if it must go to the caller as is.
   */
  boolean failed(UnavailableException e) {
    if (e instanceof NotLeaderException n) {
      refused(n);
      unsent = null;
    } else if (e.mayBeStored()) {
      return false;
    } else {
      unsent = e;
    }
    mustWait = true;
    return true;
  }

  /** Whether the last forward stored nothing and the write has not waited since. */
  boolean mustWait() {
    return mustWait;
  }

  /** Counts one wait and doubles the back-off. */
  void waited() {
    tries++;
    mustWait = false;
    backoff = Math.min(backoff * 2, WritePath.MAX_BACKOFF_NANOS);
  }

  /** The next wait: one back-off, never past the deadline (0 or less: none). */
  long nextWaitNanos(long nowNanos) {
    return Math.min(backoff, deadline - nowNanos);
  }

  /**
   * The failure once the bound passed: nothing was stored anywhere ({@code mayBeStored()} false). A
   * {@link NotLeaderException} when the last obstacle was that no leader is known (or the one
   * reached no longer leads), else an {@link UnavailableException} naming the unreachable leader.
   */
  UnavailableException failure(RegionId self, long leaderWaitNanos) {
    return failure(self, leaderWaitNanos, null);
  }

  /**
   * The failure once the bound passed, for a LOCAL write the local stream refused too ({@code
   * local}, nothing stored: a series the shard does not define yet, or no local logs): as {@link
   * #failure(RegionId, long)}, with the local stream's reason appended.
   */
  UnavailableException failure(RegionId self, long leaderWaitNanos, UnavailableException local) {
    String bound =
        "no leader took this "
            + level
            + " write of shard "
            + shard
            + " within the leader wait of "
            + TimeUnit.NANOSECONDS.toMillis(leaderWaitNanos)
            + " ms (timed out after "
            + tries
            + (tries == 1 ? " wait" : " waits")
            + "); nothing stored"
            + (local == null ? "" : "; the local stream refused it too: " + local.getMessage());
    if (unsent != null && lastLeader != null) {
      UnavailableException e =
          new UnavailableException(
              "shard "
                  + shard
                  + ": leader "
                  + lastLeader
                  + " unreachable ("
                  + unsent.getMessage()
                  + "); "
                  + bound,
              false,
              null);
      e.initCause(unsent);
      return e;
    }
    String known = lastLeader == null ? "" : " (last known leader " + lastLeader + ")";
    NotLeaderException e =
        new NotLeaderException(self, shard, refused.epoch(), refused.leader(), bound + known);
    e.initCause(refused);
    return e;
  }
}
