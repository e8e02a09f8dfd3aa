package io.tidaldb.testkit;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.api.router.ShardRouter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Sends a write to its shard's leader: the last region that accepted one for the shard, else the
 * leader a region names, retrying on {@link NotLeaderException} (nothing was stored) and on an
 * {@link UnavailableException} that says nothing was sent or stored ({@code mayBeStored()} false: a
 * region that forwards to a leader it cannot reach) until the durability timeout, looking for the
 * leader again every millisecond while no region leads the shard. Any other failure is thrown as
 * is: the write may have been appended, so it is not retried (a retry could count a signal twice).
 * Thread-safe.
 */
final class LeaderWrites {
  /** How long a write waits between two looks for a leader while no region leads its shard. */
  private static final long NO_LEADER_PARK_NANOS = 1_000_000L;

  private final ClusterProbe probe;
  private final ShardRouter router;
  private final Duration timeout;
  private final LongSupplier millisClock;
  private final AtomicReferenceArray<RegionId> hints;

  LeaderWrites(ClusterProbe probe, ShardRouter router, Duration timeout, LongSupplier millisClock) {
    this.probe = probe;
    this.router = router;
    this.timeout = timeout;
    this.millisClock = millisClock;
    this.hints = new AtomicReferenceArray<>(router.shardCount());
  }

  SignalAck write(
      TenantId tenant, SignalType type, long entity, double weight, Durability durability) {
    int shard = router.shardOf(tenant, entity);
    Deadline deadline = Deadline.after(timeout);
    RegionId target = hints.get(shard);
    NotLeaderException refused = null;
    UnavailableException unsent = null;
    while (true) {
      if (target == null) {
        target = probe.writableLeader(shard);
      }
      SignalStore store = target == null ? null : runningStore(target);
      RegionId next = null;
      if (store != null) {
        try {
          SignalAck ack =
              store.signal(
                  tenant,
                  type,
                  EntityId.of(entity),
                  weight,
                  Timestamp.ofMillis(millisClock.getAsLong()),
                  durability);
          hints.set(shard, target);
          return ack;
        } catch (NotLeaderException e) {
          refused = e;
          RegionId refusing = target;
          next = e.leader().filter(l -> !l.equals(refusing)).orElse(null);
        } catch (UnavailableException e) {
          if (e.mayBeStored()) {
            throw e;
          }
          // Nothing sent or stored: the addressed region forwards to a leader it cannot reach (one
          // that just crashed). Forget it and look for the leader again instead of failing at
          // once, which made writers spin through failed forwards while the survivors elected.
          hints.compareAndSet(shard, target, null);
          unsent = e;
        }
      } else {
        LockSupport.parkNanos(NO_LEADER_PARK_NANOS); // no leader: do not poll every region hot
      }
      target = next;
      if (deadline.expired()) {
        throw new ClusterTimeoutException(
            "no leader of shard "
                + shard
                + " accepted a write within "
                + timeout
                + (refused == null ? "" : " (last refusal: " + refused.getMessage() + ")")
                + (unsent == null ? "" : " (last unsent: " + unsent.getMessage() + ")")
                + "; "
                + probe.describe(shard));
      }
      deadline.park();
    }
  }

  private SignalStore runningStore(RegionId region) {
    RegionProcess n = probe.node(region);
    try {
      return n == null ? null : n.db();
    } catch (UnavailableException e) {
      return null; // crashed
    }
  }
}
