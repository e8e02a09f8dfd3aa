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
import java.util.function.LongSupplier;

/**
 * Sends a write to its shard's leader: the last region that accepted one for the shard, else the
 * leader a region names, retrying on {@link NotLeaderException} (nothing was stored) until the
 * durability timeout. Any other failure is thrown as is: the write may have been appended, so it is
 * not retried (a retry could count a signal twice). Thread-safe.
 */
final class LeaderWrites {
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
        }
      }
      target = next;
      if (deadline.expired()) {
        throw new ClusterTimeoutException(
            "no leader of shard "
                + shard
                + " accepted a write within "
                + timeout
                + (refused == null ? "" : " (last refusal: " + refused.getMessage() + ")")
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
