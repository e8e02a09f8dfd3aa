package io.tidaldb.store;

import io.tidaldb.api.TenantId;
import io.tidaldb.api.tenancy.TenantDirectory;
import io.tidaldb.api.tenancy.TenantListener;
import io.tidaldb.api.tenancy.TenantQuotas;
import io.tidaldb.api.tenancy.TenantState;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/** A tenant directory the test changes by hand. */
final class FakeTenantDirectory implements TenantDirectory {
  private final Map<TenantId, TenantQuotas> active = new HashMap<>();
  private final Set<TenantId> deleted = new HashSet<>();
  private final List<TenantListener> listeners = new CopyOnWriteArrayList<>();
  Set<TenantId> protectedTenants = Set.of();

  synchronized FakeTenantDirectory create(String name, TenantQuotas quotas) {
    active.put(TenantId.of(name), quotas);
    changed();
    return this;
  }

  synchronized void delete(String name) {
    active.remove(TenantId.of(name));
    deleted.add(TenantId.of(name));
    changed();
  }

  private void changed() {
    for (TenantListener l : listeners) {
      l.tenantsChanged(this);
    }
  }

  @Override
  public int region() {
    return 0;
  }

  @Override
  public synchronized TenantState state(TenantId tenant) {
    return active.containsKey(tenant)
        ? TenantState.ACTIVE
        : deleted.contains(tenant) ? TenantState.DELETED : TenantState.UNKNOWN;
  }

  @Override
  public synchronized TenantQuotas quotas(TenantId tenant) {
    return active.getOrDefault(tenant, TenantQuotas.UNLIMITED);
  }

  @Override
  public synchronized Set<TenantId> active() {
    return Set.copyOf(active.keySet());
  }

  @Override
  public synchronized Set<TenantId> deleted() {
    return Set.copyOf(deleted);
  }

  @Override
  public void protect(String owner, Set<TenantId> tenants) {
    protectedTenants = tenants;
  }

  @Override
  public void addListener(TenantListener listener) {
    listeners.add(listener);
    listener.tenantsChanged(this);
  }

  @Override
  public void removeListener(TenantListener listener) {
    listeners.remove(listener);
  }
}
