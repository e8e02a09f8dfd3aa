package io.tidaldb.store;

import io.tidaldb.api.TenantId;
import io.tidaldb.api.UnknownTenantException;
import io.tidaldb.api.tenancy.TenantDirectory;
import io.tidaldb.api.tenancy.TenantQuotas;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The store's view of its tenants: those its configuration names ({@code tenants} plus {@code
 * default}), the active ones of the tenant registry ({@link TenantDirectory}, the last known set
 * kept while none is bound, also across a restart: {@link RegistryTenants}), and the ones this
 * store purged ({@link PurgedTenants}, durable). Known = configured or active, and not purged.
 * Reads are one or two volatile reads and set lookups; no allocation.
 */
final class TenantGate {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TenantGate.class);

  /** The rule of a deleted tenant's refusal. */
  static final String DELETED_RULE =
      "deleted; its state is purged and names are not reused so that no region can resurrect its"
          + " data";

  private volatile Set<String> configured;
  private final Path directory;
  private volatile Set<String> active = Set.of();
  private volatile Set<String> purged;
  private volatile Map<String, TenantQuotas> quotas = Map.of();
  final TenantQuotaGate quotaGate;

  /** A gate that purges nothing, for shards built without an engine (tests). */
  static final TenantGate NONE = new TenantGate();

  private TenantGate() {
    this.configured = Set.of();
    this.directory = null;
    this.purged = Set.of();
    this.quotaGate = new TenantQuotaGate(System::nanoTime);
  }

  TenantGate(Set<String> configured, Path directory, TenantQuotaGate quotaGate) {
    this.configured = Set.copyOf(configured);
    this.directory = directory;
    this.purged = PurgedTenants.load(directory);
    this.quotaGate = quotaGate;
    Map<String, TenantQuotas> last = RegistryTenants.load(directory);
    this.active = Set.copyOf(last.keySet());
    this.quotas = limited(last);
  }

  private static Map<String, TenantQuotas> limited(Map<String, TenantQuotas> all) {
    Map<String, TenantQuotas> q = new HashMap<>();
    all.forEach(
        (name, tq) -> {
          if (!tq.isUnlimited()) {
            q.put(name, tq);
          }
        });
    return Map.copyOf(q);
  }

  /**
   * Replaces the configured tenants (a live change of the store's {@code tenants}).
   *
   * @param next the tenants the configuration names now
   */
  void configure(Set<String> next) {
    configured = Set.copyOf(next);
  }

  /** The configured tenants (they cannot be deleted through the registry). */
  Set<String> configured() {
    return configured;
  }

  /** Refuses a tenant that is not known, saying "deleted" for a purged one. */
  void check(TenantId tenant) {
    String name = tenant.name();
    Set<String> p = purged;
    if (!p.isEmpty() && p.contains(name)) {
      throw new UnknownTenantException(tenant, DELETED_RULE);
    }
    if (!configured.contains(name) && !active.contains(name)) {
      throw new UnknownTenantException(tenant);
    }
  }

  /** Whether records and merges of the tenant are no-ops. */
  boolean isPurged(TenantId tenant) {
    Set<String> p = purged;
    return !p.isEmpty() && p.contains(tenant.name());
  }

  /** Whether any tenant is purged. */
  boolean anyPurged() {
    return !purged.isEmpty();
  }

  /** The purged tenants. */
  Set<String> purged() {
    return purged;
  }

  /** The quotas of a tenant, unlimited unless the registry set some. */
  TenantQuotas quotas(String tenant) {
    TenantQuotas q = quotas.get(tenant);
    return q == null ? TenantQuotas.UNLIMITED : q;
  }

  /** True if some tenant has a quota. */
  boolean anyQuota() {
    return !quotas.isEmpty();
  }

  /**
   * Takes the registry's view: the active tenants and their quotas. Returns the deleted tenants not
   * purged yet (the caller purges them).
   */
  synchronized Set<TenantId> update(TenantDirectory registry) {
    Map<String, TenantQuotas> view = new HashMap<>();
    for (TenantId t : registry.active()) {
      view.put(t.name(), registry.quotas(t));
    }
    Set<TenantId> toPurge = new HashSet<>();
    for (TenantId t : registry.deleted()) {
      view.remove(t.name());
      if (!purged.contains(t.name())) {
        toPurge.add(t);
      }
    }
    Set<String> names = Set.copyOf(view.keySet());
    Map<String, TenantQuotas> q = limited(view);
    if (directory != null && (!names.equals(active) || !q.equals(quotas))) {
      try {
        RegistryTenants.save(directory, view);
      } catch (RuntimeException e) {
        // a cache: the view still applies now, a restart refuses these tenants until it binds
        LOG.warn("cannot keep the registry's tenants in {}: {}", directory, e.toString());
      }
    }
    active = names;
    quotas = q;
    quotaGate.retain(quotas);
    return toPurge;
  }

  /**
   * Records a purge durably before anything is dropped; from the moment it returns, every record
   * and merge of the tenant is a no-op and every call refuses it.
   *
   * @return false if it was purged already
   */
  synchronized boolean recordPurge(TenantId tenant) {
    if (purged.contains(tenant.name())) {
      return false;
    }
    Set<String> next = new HashSet<>(purged);
    next.add(tenant.name());
    PurgedTenants.save(directory, next); // durable first: a crash after it replays nothing of it
    purged = Set.copyOf(next);
    Set<String> a = new HashSet<>(active);
    a.remove(tenant.name());
    active = Set.copyOf(a);
    return true;
  }
}
