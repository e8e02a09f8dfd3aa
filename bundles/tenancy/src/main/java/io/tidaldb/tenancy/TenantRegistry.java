package io.tidaldb.tenancy;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnknownTenantException;
import io.tidaldb.api.tenancy.TenantQuotas;
import java.util.Collection;
import java.util.Collections;
import java.util.TreeMap;

/**
 * The tenant registry of one region: a map of name to {@link TenantEntry}, a state-based CRDT whose
 * merge is the union of the names with each name's entries joined ({@link TenantEntry#merge}), so
 * it is commutative, associative and idempotent, and every region that has seen the same changes
 * holds the same registry whatever the order. Immutable: every change returns a new registry.
 *
 * <p>A deletion is absorbing and names are never reused: a deleted name cannot be created again (no
 * region can resurrect the data of a deleted tenant, and the store needs no incarnation of a tenant
 * in its log). {@code default} is neither created nor deleted: it always exists.
 */
public final class TenantRegistry {
  /** The most tenants (deleted ones included) a registry holds; creation beyond it is refused. */
  public static final int MAX_TENANTS = 10_000;

  /** The empty registry. */
  public static final TenantRegistry EMPTY = new TenantRegistry(new TreeMap<>());

  private final TreeMap<String, TenantEntry> entries;

  private TenantRegistry(TreeMap<String, TenantEntry> entries) {
    this.entries = entries;
  }

  /**
   * Builds a registry from entries (a decoded file or frame), merging entries of equal names.
   *
   * @param entries the entries
   * @return the registry
   */
  public static TenantRegistry of(Collection<TenantEntry> entries) {
    TreeMap<String, TenantEntry> map = new TreeMap<>();
    for (TenantEntry e : entries) {
      map.merge(e.name(), e, TenantEntry::merge);
    }
    return new TenantRegistry(map);
  }

  /**
   * Returns the entries, ordered by name.
   *
   * @return an unmodifiable view
   */
  public Collection<TenantEntry> entries() {
    return Collections.unmodifiableCollection(entries.values());
  }

  /**
   * Returns the entry of a name.
   *
   * @param name the tenant's name
   * @return the entry, or null
   */
  public TenantEntry get(String name) {
    return entries.get(name);
  }

  /** Returns how many names the registry holds, deleted ones included. */
  public int size() {
    return entries.size();
  }

  /**
   * Returns the join of this registry and another.
   *
   * @param other the other registry
   * @return the least upper bound; {@code this} if {@code other} adds nothing
   */
  public TenantRegistry merge(TenantRegistry other) {
    TreeMap<String, TenantEntry> map = null;
    for (TenantEntry e : other.entries.values()) {
      TenantEntry mine = entries.get(e.name());
      TenantEntry merged = mine == null ? e : mine.merge(e);
      if (merged != mine && !merged.equals(mine)) {
        if (map == null) {
          map = new TreeMap<>(entries);
        }
        map.put(e.name(), merged);
      }
    }
    return map == null ? this : new TenantRegistry(map);
  }

  /**
   * Returns this registry with a tenant created.
   *
   * @param tenant the tenant
   * @param quotas its quotas
   * @param millis the creation stamp's millis
   * @param region the creating region
   * @return the new registry
   * @throws InvalidArgumentException naming the tenant if it is {@code default}, exists, was
   *     deleted, or the registry is full
   */
  public TenantRegistry create(TenantId tenant, TenantQuotas quotas, long millis, int region) {
    checkNotDefault(tenant, "created");
    TenantEntry e = entries.get(tenant.name());
    if (e != null && e.deleted()) {
      throw deletedRefusal(e);
    }
    if (e != null) {
      throw new InvalidArgumentException(
          "tenant", tenant.name(), "exists (created at " + instant(e.createdMillis()) + ")");
    }
    if (entries.size() >= MAX_TENANTS) {
      throw new InvalidArgumentException(
          "tenant",
          tenant.name(),
          "the registry is full: " + entries.size() + " tenants, at most " + MAX_TENANTS);
    }
    TreeMap<String, TenantEntry> map = new TreeMap<>(entries);
    map.put(
        tenant.name(),
        new TenantEntry(
            tenant.name(), millis, region, millis, region, quotas, TenantEntry.NOT_DELETED, 0));
    return new TenantRegistry(map);
  }

  /**
   * Returns this registry with a tenant's quotas replaced.
   *
   * @throws UnknownTenantException if the tenant is not active
   */
  public TenantRegistry setQuotas(TenantId tenant, TenantQuotas quotas, long millis, int region) {
    TenantEntry e = active(tenant);
    TreeMap<String, TenantEntry> map = new TreeMap<>(entries);
    map.put(
        e.name(),
        new TenantEntry(
            e.name(),
            e.createdMillis(),
            e.createdRegion(),
            millis,
            region,
            quotas,
            e.deletedMillis(),
            e.deletedRegion()));
    return new TenantRegistry(map);
  }

  /**
   * Returns this registry with a tenant deleted; {@code this} if it already is.
   *
   * @throws UnknownTenantException if the registry never knew the tenant
   * @throws InvalidArgumentException if it is {@code default}
   */
  public TenantRegistry delete(TenantId tenant, long millis, int region) {
    checkNotDefault(tenant, "deleted");
    TenantEntry e = entries.get(tenant.name());
    if (e == null) {
      throw new UnknownTenantException(tenant);
    }
    if (e.deleted()) {
      return this;
    }
    TreeMap<String, TenantEntry> map = new TreeMap<>(entries);
    map.put(
        e.name(),
        new TenantEntry(
            e.name(),
            e.createdMillis(),
            e.createdRegion(),
            e.quotasMillis(),
            e.quotasRegion(),
            e.quotas(),
            millis,
            region));
    return new TenantRegistry(map);
  }

  /** Returns the highest stamp millis the registry holds (a region's clock stays above it). */
  public long maxMillis() {
    long max = 0;
    for (TenantEntry e : entries.values()) {
      max = Math.max(max, Math.max(e.createdMillis(), e.quotasMillis()));
      if (e.deleted()) {
        max = Math.max(max, e.deletedMillis());
      }
    }
    return max;
  }

  private TenantEntry active(TenantId tenant) {
    TenantEntry e = entries.get(tenant.name());
    if (e == null) {
      throw new UnknownTenantException(tenant);
    }
    if (e.deleted()) {
      throw new UnknownTenantException(tenant, deletedRule(e));
    }
    return e;
  }

  private static void checkNotDefault(TenantId tenant, String what) {
    if (TenantId.DEFAULT.equals(tenant)) {
      throw new InvalidArgumentException("tenant", tenant.name(), "always exists; never " + what);
    }
  }

  /** The refusal of a deleted name's creation. */
  static InvalidArgumentException deletedRefusal(TenantEntry e) {
    return new InvalidArgumentException("tenant", e.name(), deletedRule(e));
  }

  /** Why a deleted name is refused. */
  public static String deletedRule(TenantEntry e) {
    return "deleted at "
        + instant(e.deletedMillis())
        + " by region "
        + e.deletedRegion()
        + "; names are not reused so that no region can resurrect its data";
  }

  private static String instant(long millis) {
    return millis >= 0 ? Timestamp.ofMillis(millis).toString() : Long.toString(millis);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TenantRegistry r && r.entries.equals(entries);
  }

  @Override
  public int hashCode() {
    return entries.hashCode();
  }

  @Override
  public String toString() {
    return "TenantRegistry" + entries.values();
  }
}
