package io.tidaldb.testkit;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.tenancy.TenantListener;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.store.SignalStoreEngine;
import io.tidaldb.tenancy.RegistryFile;
import io.tidaldb.tenancy.TenancyNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One incarnation of a region's tenant registry: a {@link TenancyNode} over {@code
 * <region>/tenancy/tenants.reg} on the cluster transport's {@link Transport#TENANCY_CHANNEL}, its
 * digests sent every {@link #DIGEST_INTERVAL} by a daemon thread, its changes told to the region's
 * store (as the store's DS component does).
 */
final class RegionTenancy implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RegionTenancy.class);

  /** Between digests to each peer. */
  static final Duration DIGEST_INTERVAL = Duration.ofMillis(200);

  private final TenancyNode node;
  private final TransportEndpoint endpoint;
  private final ScheduledExecutorService timer;
  private final TenantListener listener;

  private RegionTenancy(
      TenancyNode node,
      TransportEndpoint endpoint,
      ScheduledExecutorService timer,
      TenantListener listener) {
    this.node = node;
    this.endpoint = endpoint;
    this.timer = timer;
    this.listener = listener;
  }

  /**
   * Starts the registry of a region and binds its store to it.
   *
   * @return the running registry; null (logged) if the transport does not carry the channel
   */
  static RegionTenancy start(
      RegionId region,
      List<RegionId> regions,
      Path directory,
      Transport transport,
      SignalStoreEngine store) {
    List<RegionId> peers = new ArrayList<>(regions);
    peers.remove(region);
    TransportEndpoint[] endpoint = new TransportEndpoint[1];
    TenancyNode node =
        new TenancyNode(
            region.value(),
            peers,
            new RegistryFile(directory),
            System::currentTimeMillis,
            (to, frame) ->
                endpoint[0] == null
                    ? io.tidaldb.api.transport.SendStatus.CLOSED
                    : endpoint[0].send(to, frame),
            transport.maxFrameBytes(),
            DIGEST_INTERVAL.toNanos(),
            System.nanoTime());
    try {
      endpoint[0] = transport.open(region, Transport.TENANCY_CHANNEL, node::onFrame);
    } catch (UnavailableException e) {
      LOG.warn(
          "{}: no tenant registry, the transport lacks its channel: {}", region, e.getMessage());
      return null;
    }
    ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tidal-tenancy-" + region.value());
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(
        () -> {
          try {
            node.doWork(System.nanoTime());
          } catch (RuntimeException e) {
            LOG.warn("{}: tenancy digests failed: {}", region, e.toString());
          }
        },
        0,
        DIGEST_INTERVAL.toMillis() / 4,
        TimeUnit.MILLISECONDS);
    TenantListener listener = store::tenantsChanged;
    node.protect("store configuration key 'tenants'", Set.ofNames(store.configuredTenants()));
    node.addListener(listener);
    return new RegionTenancy(node, endpoint[0], timer, listener);
  }

  /** Returns the registry. */
  TenancyNode node() {
    return node;
  }

  @Override
  public void close() {
    node.removeListener(listener);
    timer.shutdownNow();
    endpoint.close();
  }

  /** Names to tenants. */
  private static final class Set {
    static java.util.Set<io.tidaldb.api.TenantId> ofNames(java.util.Set<String> names) {
      java.util.Set<io.tidaldb.api.TenantId> t = new java.util.HashSet<>();
      for (String n : names) {
        t.add(io.tidaldb.api.TenantId.of(n));
      }
      return t;
    }
  }
}
