package io.tidaldb.tenancy;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.tenancy.TenantAdmin;
import io.tidaldb.api.tenancy.TenantDirectory;
import io.tidaldb.api.tenancy.TenantInfo;
import io.tidaldb.api.tenancy.TenantListener;
import io.tidaldb.api.tenancy.TenantQuotas;
import io.tidaldb.api.tenancy.TenantState;
import io.tidaldb.api.transport.SendStatus;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tenant registry of one region: its {@link TenantRegistry}, kept durable in a {@link
 * RegistryFile}, changed by the admin calls and by the states other regions gossip, and read by the
 * store through {@link TenantDirectory}. Plain Java; the DS component builds it.
 *
 * <p>Gossip (transport channel 2): after a local change the whole registry goes to every peer in
 * STATE frames (chunked to the transport's frame limit; any subset of entries is a valid state to
 * merge); every interval ({@link #doWork}) a DIGEST frame goes to every peer; a peer whose digest
 * differs answers with its state and its own digest, so one exchange converges both ways. Lost
 * frames are repaired by the next interval.
 *
 * <p>Thread-safety: changes (admin calls, merges) are serialised on this object; each is durable
 * before the new view is published and listeners are called (on the changing thread, in order).
 * Reads take the published immutable view without a lock.
 */
public final class TenancyNode implements TenantAdmin, TenantDirectory {
  private static final Logger LOG = LoggerFactory.getLogger(TenancyNode.class);

  /** Sends a frame to a peer on the tenancy channel. */
  @FunctionalInterface
  public interface Sender {
    /**
     * Sends a frame.
     *
     * @param to the peer
     * @param frame the frame
     * @return what the transport did with it
     */
    SendStatus send(RegionId to, ByteBuffer frame);
  }

  private final int region;
  private final List<RegionId> peers;
  private final RegistryFile file;
  private final LongSupplier wallMillis;
  private final Sender sender;
  private final int entriesPerFrame;
  private final long intervalNanos;
  private final CopyOnWriteArrayList<TenantListener> listeners = new CopyOnWriteArrayList<>();
  private final Map<String, Set<TenantId>> protectedBy = new LinkedHashMap<>();
  private final AtomicLong badFrames = new AtomicLong();
  private final AtomicLong merges = new AtomicLong();

  private volatile View view;
  private long lastMillis;
  private long nextDigestNanos;

  /** The published view of the registry: the registry and its active and deleted sets. */
  private record View(TenantRegistry registry, Set<TenantId> active, Set<TenantId> deleted) {
    static View of(TenantRegistry registry) {
      Set<TenantId> active = new HashSet<>();
      Set<TenantId> deleted = new HashSet<>();
      for (TenantEntry e : registry.entries()) {
        (e.deleted() ? deleted : active).add(TenantId.of(e.name()));
      }
      return new View(registry, Set.copyOf(active), Set.copyOf(deleted));
    }
  }

  /**
   * Loads the region's registry from its file.
   *
   * @param region this region
   * @param peers the other regions
   * @param file the registry file
   * @param wallMillis the wall clock, for stamps
   * @param sender sends frames to peers
   * @param maxFrameBytes the transport's frame limit
   * @param intervalNanos between digests to every peer (0: none)
   * @param nowNanos the time now, for the first digest
   * @throws StorageException naming the path if the file is corrupt
   */
  public TenancyNode(
      int region,
      List<RegionId> peers,
      RegistryFile file,
      LongSupplier wallMillis,
      Sender sender,
      int maxFrameBytes,
      long intervalNanos,
      long nowNanos) {
    int room = maxFrameBytes - RegistryFormat.HEADER_LENGTH - RegistryFormat.CRC_LENGTH;
    if (room < RegistryFormat.MAX_ENTRY_LENGTH) {
      throw new InvalidArgumentException(
          "max frame bytes",
          maxFrameBytes,
          "must hold one registry entry: at least "
              + (RegistryFormat.MAX_ENTRY_LENGTH
                  + RegistryFormat.HEADER_LENGTH
                  + RegistryFormat.CRC_LENGTH));
    }
    this.region = region;
    this.peers = List.copyOf(peers);
    this.file = file;
    this.wallMillis = wallMillis;
    this.sender = sender;
    this.entriesPerFrame = room / RegistryFormat.MAX_ENTRY_LENGTH;
    this.intervalNanos = intervalNanos;
    TenantRegistry loaded = file.load();
    this.view = View.of(loaded);
    this.lastMillis = loaded.maxMillis();
    this.nextDigestNanos = nowNanos;
    LOG.info(
        "tenant registry of region {} loaded from {}: {} active, {} deleted",
        region,
        file.path(),
        view.active().size(),
        view.deleted().size());
  }

  /** Returns the registry now. */
  public TenantRegistry registry() {
    return view.registry();
  }

  /** Returns how many frames were refused as malformed. */
  public long badFrames() {
    return badFrames.get();
  }

  /** Returns how many merged states changed the registry. */
  public long merges() {
    return merges.get();
  }

  @Override
  public int region() {
    return region;
  }

  @Override
  public synchronized TenantInfo create(TenantId tenant, TenantQuotas quotas) {
    requireNonNull(tenant, quotas);
    install(view.registry().create(tenant, quotas, nextMillis(), region), true);
    return info(view.registry().get(tenant.name()));
  }

  @Override
  public synchronized TenantInfo setQuotas(TenantId tenant, TenantQuotas quotas) {
    requireNonNull(tenant, quotas);
    install(view.registry().setQuotas(tenant, quotas, nextMillis(), region), true);
    return info(view.registry().get(tenant.name()));
  }

  @Override
  public synchronized TenantInfo delete(TenantId tenant) {
    requireNonNull(tenant, TenantQuotas.UNLIMITED);
    for (Map.Entry<String, Set<TenantId>> p : protectedBy.entrySet()) {
      if (p.getValue().contains(tenant)) {
        throw new InvalidArgumentException(
            "tenant", tenant.name(), "is named in the " + p.getKey() + "; remove it there first");
      }
    }
    TenantRegistry next = view.registry().delete(tenant, nextMillis(), region);
    if (next != view.registry()) {
      install(next, true);
    }
    return info(view.registry().get(tenant.name()));
  }

  @Override
  public List<TenantInfo> list() {
    List<TenantInfo> all = new ArrayList<>();
    for (TenantEntry e : view.registry().entries()) {
      all.add(info(e));
    }
    return all;
  }

  @Override
  public Optional<TenantInfo> describe(TenantId tenant) {
    TenantEntry e = tenant == null ? null : view.registry().get(tenant.name());
    return e == null ? Optional.empty() : Optional.of(info(e));
  }

  @Override
  public TenantState state(TenantId tenant) {
    View v = view;
    if (v.active().contains(tenant) || TenantId.DEFAULT.equals(tenant)) {
      return TenantState.ACTIVE;
    }
    return v.deleted().contains(tenant) ? TenantState.DELETED : TenantState.UNKNOWN;
  }

  @Override
  public TenantQuotas quotas(TenantId tenant) {
    TenantEntry e = view.registry().get(tenant.name());
    return e == null || e.deleted() ? TenantQuotas.UNLIMITED : e.quotas();
  }

  @Override
  public Set<TenantId> active() {
    return view.active();
  }

  @Override
  public Set<TenantId> deleted() {
    return view.deleted();
  }

  @Override
  public synchronized void protect(String owner, Set<TenantId> tenants) {
    if (tenants == null || tenants.isEmpty()) {
      protectedBy.remove(owner);
    } else {
      protectedBy.put(owner, Set.copyOf(tenants));
    }
  }

  @Override
  public synchronized void addListener(TenantListener listener) {
    listeners.add(listener);
    notify(listener);
  }

  @Override
  public void removeListener(TenantListener listener) {
    listeners.remove(listener);
  }

  /**
   * Handles a frame from a peer (a transport thread): a DIGEST that differs from ours is answered
   * with our state and digest; a STATE is merged. A malformed frame is counted and logged, never
   * thrown.
   *
   * @param from the sending region
   * @param frame the frame
   */
  public void onFrame(RegionId from, ByteBuffer frame) {
    try {
      byte kind = RegistryFormat.check(frame);
      if (kind == RegistryFormat.KIND_DIGEST) {
        long digest = RegistryFormat.decodeDigest(frame);
        TenantRegistry mine = view.registry();
        if (digest != RegistryFormat.digest(mine)) {
          sendState(from, mine);
          sender.send(from, RegistryFormat.encodeDigest(mine));
        }
      } else if (kind == RegistryFormat.KIND_STATE) {
        merge(TenantRegistry.of(RegistryFormat.decodeEntries(frame)), from);
      } else {
        throw new StorageException("tenant registry message: unknown kind " + kind);
      }
    } catch (StorageException | InvalidArgumentException e) {
      long n = badFrames.incrementAndGet();
      LOG.warn(
          "tenant registry of region {}: frame from {} refused ({} so far): {}",
          region,
          from,
          n,
          e.getMessage());
    }
  }

  /**
   * Sends a digest to every peer once per interval. Called by the component's thread.
   *
   * @param nowNanos the time now
   * @return whether digests went out
   */
  public boolean doWork(long nowNanos) {
    if (intervalNanos <= 0 || nowNanos - nextDigestNanos < 0) {
      return false;
    }
    nextDigestNanos = nowNanos + intervalNanos;
    ByteBuffer digest = RegistryFormat.encodeDigest(view.registry());
    for (RegionId peer : peers) {
      sender.send(peer, digest.duplicate());
    }
    return true;
  }

  /** Merges a peer's (partial) state: durable, published and told to listeners if it changes. */
  private synchronized void merge(TenantRegistry theirs, RegionId from) {
    TenantRegistry mine = view.registry();
    TenantRegistry merged = mine.merge(theirs);
    if (merged == mine || merged.equals(mine)) {
      return;
    }
    if (merged.size() > TenantRegistry.MAX_TENANTS) {
      throw new InvalidArgumentException(
          "tenant registry state",
          merged.size() + " tenants from region " + from,
          "at most " + TenantRegistry.MAX_TENANTS);
    }
    lastMillis = Math.max(lastMillis, merged.maxMillis());
    merges.incrementAndGet();
    install(merged, false);
  }

  /** Makes the registry durable, publishes it, tells listeners and (local changes) peers. */
  private void install(TenantRegistry next, boolean push) {
    file.save(next); // throws before anything changed if it cannot be made durable
    view = View.of(next);
    for (TenantListener l : listeners) {
      notify(l);
    }
    if (push) {
      for (RegionId peer : peers) {
        sendState(peer, next);
      }
    }
  }

  private void notify(TenantListener l) {
    try {
      l.tenantsChanged(this);
    } catch (RuntimeException e) {
      LOG.error("tenant registry of region {}: a listener failed: {}", region, e.toString(), e);
    }
  }

  private void sendState(RegionId to, TenantRegistry registry) {
    List<TenantEntry> all = new ArrayList<>(registry.entries());
    if (all.isEmpty()) {
      sender.send(to, RegistryFormat.encode(RegistryFormat.KIND_STATE, all));
      return;
    }
    for (int i = 0; i < all.size(); i += entriesPerFrame) {
      List<TenantEntry> chunk = all.subList(i, Math.min(all.size(), i + entriesPerFrame));
      SendStatus s = sender.send(to, RegistryFormat.encode(RegistryFormat.KIND_STATE, chunk));
      if (s != SendStatus.SENT) {
        LOG.debug("tenant registry of region {}: state to {} not sent: {}", region, to, s);
        return; // the next digest repairs it
      }
    }
  }

  private long nextMillis() {
    lastMillis = Math.max(wallMillis.getAsLong(), lastMillis + 1);
    return lastMillis;
  }

  private static void requireNonNull(TenantId tenant, TenantQuotas quotas) {
    if (tenant == null) {
      throw new InvalidArgumentException("tenant", null, "must not be null");
    }
    if (quotas == null) {
      throw new InvalidArgumentException("quotas", null, "must not be null");
    }
  }

  static TenantInfo info(TenantEntry e) {
    return new TenantInfo(
        TenantId.of(e.name()),
        e.quotas(),
        e.deleted() ? TenantState.DELETED : TenantState.ACTIVE,
        e.createdMillis(),
        e.createdRegion(),
        e.deleted() ? e.deletedMillis() : -1);
  }

  /** Returns the rule naming a deleted tenant's deletion, for the store's refusal. */
  public String deletedRule(TenantId tenant) {
    TenantEntry e = view.registry().get(tenant.name());
    return e != null && e.deleted() ? TenantRegistry.deletedRule(e) : "unknown tenant";
  }
}
