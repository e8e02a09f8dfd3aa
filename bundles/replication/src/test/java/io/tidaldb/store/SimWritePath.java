package io.tidaldb.store;

import io.tidaldb.api.Durability;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.crdt.CrdtSignalState;
import java.lang.reflect.Field;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The data-path simulation's window on the store's write path (test code in the store's package, so
 * it reaches the package-private classes): one region's real {@link WritePath#decide} and {@link
 * WriteAttempt}, whose routes the simulation carries out itself in virtual time (the real routes
 * block or run on executors), and the real reconciliation hashes ({@link ReconcileHashes}). The
 * write path's set of cut-off shards, which its routes keep, is kept here by the simulation through
 * {@link #cutOff(int, boolean)} as the routes do.
 */
public final class SimWritePath {
  /** The routes of {@link WritePath.Route}. */
  public enum Route {
    APPEND,
    FORWARD,
    WAIT,
    LOCAL_STREAM,
    FAIL
  }

  /** The default leader wait, as the store is configured by default. */
  public static final long LEADER_WAIT_NANOS = StoreConfig.DEFAULT_LEADER_WAIT_MILLIS * 1_000_000L;

  private final WritePath path;
  private final Set<Integer> cutOff;

  /**
   * @param replication the region's replication (its leader check and leader changes)
   * @param clock the region's monotonic clock, in ns
   */
  public SimWritePath(Replication replication, LongSupplier clock) {
    this.path = new WritePath(replication, null, null, LEADER_WAIT_NANOS, clock, Runnable::run);
    this.cutOff = cutOffOf(path);
  }

  /** Starts a write of {@code shard} at {@code level} at {@code nowNanos} (the region's clock). */
  public Attempt begin(int shard, Durability level, long nowNanos) {
    return new Attempt(new WriteAttempt(shard, level, nowNanos + LEADER_WAIT_NANOS));
  }

  /** The real decision for {@code a} now (the region's clock). */
  public Route decide(Attempt a) {
    return Route.valueOf(path.decide(a.attempt).name());
  }

  /** What the real routes do to the cut-off set: add after LOCAL_STREAM, remove on a leader. */
  public void cutOff(int shard, boolean cut) {
    if (cut) {
      cutOff.add(shard);
    } else {
      cutOff.remove(shard);
    }
  }

  /** The bucket of (type, entity) in the reconciliation digests. */
  public static int bucket(String type, long entity) {
    return ReconcileHashes.bucket(ReconcileHashes.keyHash(ReconcileHashes.typeHash(type), entity));
  }

  /** The entity hash of (type, entity) with {@code state} (0 if empty), as the digests sum it. */
  public static long entityHash(String type, long entity, CrdtSignalState state) {
    return ReconcileHashes.entityHash(
        ReconcileHashes.keyHash(ReconcileHashes.typeHash(type), entity), state);
  }

  @SuppressWarnings("unchecked")
  private static Set<Integer> cutOffOf(WritePath path) {
    try {
      Field f = WritePath.class.getDeclaredField("cutOff");
      f.setAccessible(true);
      return (Set<Integer>) f.get(path);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("WritePath has no cutOff set any more: update the simulation", e);
    }
  }

  /** One write's {@link WriteAttempt}. */
  public static final class Attempt {
    private final WriteAttempt attempt;

    Attempt(WriteAttempt attempt) {
      this.attempt = attempt;
    }

    /** The epoch of the fenced append (after {@link Route#APPEND}). */
    public long epoch() {
      return attempt.epoch();
    }

    /** The leader the last leader check named, or null. */
    public RegionId leader() {
      return attempt.leader();
    }

    /** The deadline, on the region's clock. */
    public long deadline() {
      return attempt.deadline();
    }

    /** The fenced append was refused: this region no longer leads. */
    public void refused(NotLeaderException e) {
      attempt.refused(e);
    }

    /** A forward failed; whether nothing was stored (the write decides again). */
    public boolean failed(UnavailableException e) {
      return attempt.failed(e);
    }

    /** Counts a wait; returns its length (0 or less: none). */
    public long waited(long nowNanos) {
      long wait = attempt.nextWaitNanos(nowNanos);
      attempt.waited();
      return wait;
    }
  }
}
