package io.tidaldb.session.table;

import io.tidaldb.api.TenantId;
import java.util.Arrays;
import java.util.HashMap;

/**
 * The tenants of a {@link SessionTable}, each bound to a small index in order of first apply (so
 * the binding is a function of the applied records), with its count of live sessions. A lookup
 * allocates nothing; the first {@value #SCANNED} tenants are found by comparing names, without the
 * hash of a {@link TenantId} (a record's {@code hashCode} per apply and check, bench/RESULTS.md
 * §17.4). Not thread-safe.
 */
final class TenantIndex {
  /** Tenants looked up by a scan of their names before the map. */
  static final int SCANNED = 4;

  private final HashMap<TenantId, Integer> ids = new HashMap<>();
  private TenantId[] names = new TenantId[4];
  private int[] live = new int[4];
  private int count;

  /** Returns the tenant's index, or -1 if it has none. */
  int find(TenantId tenant) {
    String name = tenant.name();
    for (int i = 0, n = Math.min(count, SCANNED); i < n; i++) {
      if (names[i] == tenant || names[i].name().equals(name)) {
        return i;
      }
    }
    if (count <= SCANNED) {
      return -1;
    }
    Integer id = ids.get(tenant);
    return id == null ? -1 : id;
  }

  /**
   * Returns the tenant's index if it is one of the first {@value #SCANNED}, else -1; for a reader
   * without the lock that validates what it read afterwards ({@link
   * SessionTable#checkAboveHighest}): reads only the names array (the map is not safe to read while
   * it changes) and may throw for a state seen mid-change.
   */
  int findScanned(TenantId tenant) {
    TenantId[] n = names;
    String name = tenant.name();
    for (int i = 0, end = Math.min(Math.min(count, SCANNED), n.length); i < end; i++) {
      TenantId t = n[i];
      if (t == tenant || (t != null && t.name().equals(name))) {
        return i;
      }
    }
    return -1;
  }

  /** Returns the tenant's index, binding the next one if it has none. */
  int intern(TenantId tenant) {
    int id = find(tenant);
    if (id >= 0) {
      return id;
    }
    if (count == names.length) {
      names = Arrays.copyOf(names, count * 2);
      live = Arrays.copyOf(live, count * 2);
    }
    names[count] = tenant;
    ids.put(tenant, count);
    return count++;
  }

  int count() {
    return count;
  }

  TenantId name(int id) {
    return names[id];
  }

  int live(int id) {
    return live[id];
  }

  void addLive(int id, int delta) {
    live[id] += delta;
  }

  long memoryBytes() {
    return 16L + 8L * names.length + 16L + 4L * live.length + 64L * count;
  }
}
