package io.tidaldb.reconcile.component;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.reconcile.ClosedDigest;
import io.tidaldb.api.reconcile.EntityKey;
import io.tidaldb.api.reconcile.EntityState;
import io.tidaldb.api.reconcile.MergeReport;
import io.tidaldb.api.reconcile.ReconcileState;
import io.tidaldb.api.reconcile.ShardEpochs;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.api.transport.FrameHandler;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.reconcile.ReconcileReport;
import io.tidaldb.support.config.ConfigValues;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The DS shell: configuration, the channel, the thread, and a session between two regions. */
class ReconcileComponentTest {

  @Test
  void shouldReconcileTwoRegionsOverTheReconcileChannelOnItsOwnThread() throws Exception {
    ChannelTransport transport = new ChannelTransport();
    ReconcileComponent r0 = component(transport, 0);
    ReconcileComponent r1 = component(transport, 1);
    try {
      assertEquals(List.of(RegionId.of(1)), r0.peers());
      ReconcileReport report = r0.reconcileAll().get(10, TimeUnit.SECONDS);
      assertEquals(List.of(RegionId.of(1)), report.peers(), report::toString);
      assertEquals(1, report.roundTrips());
      assertTrue(transport.channels.keySet().stream().allMatch(k -> k.endsWith("/1")));
    } finally {
      r0.deactivate();
      r1.deactivate();
    }
    assertThrows(
        java.util.concurrent.ExecutionException.class,
        () -> r0.reconcileAll().get(1, TimeUnit.SECONDS));
    assertTrue(transport.channels.isEmpty(), "the endpoints are closed");
  }

  @Test
  void shouldRefuseATransportWithoutTheChannel() {
    Transport old =
        new Transport() {
          @Override
          public String name() {
            return "old";
          }

          @Override
          public int maxFrameBytes() {
            return 1 << 20;
          }

          @Override
          public TransportEndpoint open(RegionId local, FrameHandler handler) {
            throw new AssertionError("the replication channel is not for reconciliation");
          }
        };
    Map<String, Object> raw = Map.of("region", "0", "regions", "0,1");
    assertThrows(
        UnavailableException.class,
        () -> new ReconcileComponent(new EmptyState(), old, config(raw), raw));
  }

  @Test
  void shouldRefuseBadConfigurationNamingTheKey() {
    assertRefused("region", Map.of("regions", "0,1"));
    assertRefused("regions", Map.of("region", "2", "regions", "0,1"));
    assertRefused("regions", Map.of("region", "0", "regions", "0,x"));
    assertRefused("regions", Map.of("region", "0", "regions", "0,0"));
    assertRefused("interval.ms", Map.of("region", "0", "regions", "0,1", "interval.ms", "-1"));
    assertRefused(
        "session.timeout.ms", Map.of("region", "0", "regions", "0,1", "session.timeout.ms", "0"));
    assertRefused(
        "compact.enabled", Map.of("region", "0", "regions", "0,1", "compact.enabled", "yes"));
  }

  @Test
  void shouldCompactByDefaultAndTurnItOffByConfiguration() {
    ConfigValues v =
        new ConfigValues(
            ReconcileComponent.PID,
            Map.of(),
            LoggerFactory.getLogger(ReconcileComponentTest.class));
    Map<String, Object> on = Map.of("region", "0", "regions", "0,1");
    assertTrue(ReconcileComponent.toReconcileConfig(config(on), on, v).compactEnabled());
    Map<String, Object> off = Map.of("region", "0", "regions", "0,1", "compact.enabled", "false");
    assertFalse(ReconcileComponent.toReconcileConfig(config(off), off, v).compactEnabled());
  }

  private static void assertRefused(String key, Map<String, Object> raw) {
    InvalidArgumentException e =
        assertThrows(
            InvalidArgumentException.class,
            () ->
                ReconcileComponent.toReconcileConfig(
                    config(raw),
                    raw,
                    new ConfigValues(
                        ReconcileComponent.PID,
                        raw,
                        LoggerFactory.getLogger(ReconcileComponentTest.class))));
    assertEquals(key, e.argument(), e.getMessage());
  }

  private static ReconcileComponent component(Transport transport, int region) {
    Map<String, Object> raw = new HashMap<>();
    raw.put("region", String.valueOf(region));
    raw.put("regions", "0,1");
    raw.put("interval.ms", "0");
    return new ReconcileComponent(new EmptyState(), transport, config(raw), raw);
  }

  /** A transport carrying every channel, delivering on the sender's thread. */
  static final class ChannelTransport implements Transport {
    final Map<String, FrameHandler> channels = new ConcurrentHashMap<>();

    @Override
    public String name() {
      return "test";
    }

    @Override
    public int maxFrameBytes() {
      return 1 << 16;
    }

    @Override
    public TransportEndpoint open(RegionId local, FrameHandler handler) {
      return open(local, REPLICATION_CHANNEL, handler);
    }

    @Override
    public TransportEndpoint open(RegionId local, int channel, FrameHandler handler) {
      String key = local.value() + "/" + channel;
      channels.put(key, handler);
      return new TransportEndpoint() {
        @Override
        public RegionId local() {
          return local;
        }

        @Override
        public SendStatus send(RegionId to, ByteBuffer frame) {
          FrameHandler h = channels.get(to.value() + "/" + channel);
          if (h == null) {
            return SendStatus.UNREACHABLE;
          }
          h.onFrame(local, frame.asReadOnlyBuffer());
          return SendStatus.SENT;
        }

        @Override
        public void close() {
          channels.remove(key);
        }
      };
    }
  }

  /** A store side without state: one shard, no tenants. */
  static final class EmptyState implements ReconcileState {
    @Override
    public int shardCount() {
      return 1;
    }

    @Override
    public Set<TenantId> tenants(int shard) {
      return Set.of();
    }

    @Override
    public void bucketDigests(int shard, TenantId tenant, long[] into) {
      java.util.Arrays.fill(into, 0);
    }

    @Override
    public void forEachInBuckets(int shard, TenantId tenant, BitSet buckets, EntityVisitor v) {}

    @Override
    public int entityCount(int shard, TenantId tenant) {
      return 0;
    }

    @Override
    public void segmentDigests(int shard, TenantId tenant, BitSet buckets, long[] into) {
      for (int b = buckets.nextSetBit(0); b >= 0; b = buckets.nextSetBit(b + 1)) {
        java.util.Arrays.fill(into, b * SEGMENTS_PER_BUCKET, (b + 1) * SEGMENTS_PER_BUCKET, 0L);
      }
    }

    @Override
    public void forEachInSegments(int shard, TenantId tenant, BitSet segments, EntityVisitor v) {}

    @Override
    public List<EntityState> states(int shard, TenantId tenant, Collection<EntityKey> keys) {
      return List.of();
    }

    @Override
    public MergeReport merge(int shard, TenantId tenant, List<EntityState> states) {
      return new MergeReport(0, 0, List.of());
    }

    @Override
    public ShardEpochs epochs(int shard) {
      return new ShardEpochs(shard, -1, -1, -1);
    }

    @Override
    public ClosedDigest closedDigest(int shard, long throughEpoch) {
      return new ClosedDigest(shard, throughEpoch, 0, 0);
    }

    @Override
    public CompletableFuture<Long> compact(int shard, long throughEpoch) {
      return CompletableFuture.failedFuture(
          new NotLeaderException(RegionId.of(0), shard, -1, Optional.empty()));
    }
  }

  /** A configuration object like SCR's (see ReplicationComponentTest). */
  static ReconcileComponent.Config config(Map<String, Object> raw) {
    return (ReconcileComponent.Config)
        Proxy.newProxyInstance(
            ReconcileComponent.Config.class.getClassLoader(),
            new Class<?>[] {ReconcileComponent.Config.class},
            (proxy, method, args) -> {
              Object value = raw.get(method.getName().replace('_', '.'));
              Class<?> type = method.getReturnType();
              if (value == null) {
                Object fallback = method.getDefaultValue();
                return fallback != null ? fallback : type == int.class ? (Object) 0 : null;
              }
              if (type == String[].class) {
                return new String[] {value.toString()};
              }
              if (type == int.class) {
                return Integer.valueOf(value.toString());
              }
              if (type == long.class) {
                return Long.valueOf(value.toString());
              }
              if (type == boolean.class) {
                return Boolean.valueOf(value.toString());
              }
              return value.toString();
            });
  }
}
