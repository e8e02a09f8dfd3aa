package io.tidaldb.http;

import io.tidaldb.api.SignalStore;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.Replication;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.WeakHashMap;
import java.util.function.Supplier;

/**
 * Picks the store (and its region's replication) a request is served by: the region the request's
 * {@code region} parameter names, else the configured one, else the only store (with several: the
 * lowest region). A store's region is read once from its status and remembered.
 */
final class StoreSelector {
  /** A store and its region. */
  record Selected(SignalStore store, int region) {}

  private final Supplier<List<SignalStore>> stores;
  private final Supplier<List<Replication>> replications;
  private final int configuredRegion;
  private final Map<SignalStore, Integer> regions = new WeakHashMap<>();

  StoreSelector(
      Supplier<List<SignalStore>> stores,
      Supplier<List<Replication>> replications,
      int configuredRegion) {
    this.stores = stores;
    this.replications = replications;
    this.configuredRegion = configuredRegion;
  }

  /**
   * Picks the store.
   *
   * @param regionParam the request's {@code region} parameter, or null
   * @return the store and its region
   * @throws ApiException 400 for a malformed region, 404 for a region not served here, 503 when no
   *     store is registered
   */
  Selected select(String regionParam) {
    int wanted = configuredRegion;
    if (regionParam != null) {
      wanted = Params.intParam("region", regionParam, 0, 0xFFFF);
    }
    List<SignalStore> all = stores.get();
    if (all.isEmpty()) {
      throw new ApiException(
          503,
          "store_unavailable",
          "no store is registered (stopped or starting)",
          Stored.NOT_STORED);
    }
    if (wanted < 0 && all.size() == 1) {
      SignalStore only = all.get(0);
      try {
        return new Selected(only, regionOf(only));
      } catch (UnavailableException e) {
        throw new ApiException(503, "store_unavailable", e.getMessage(), Stored.NOT_STORED);
      }
    }
    Selected best = null;
    TreeSet<Integer> seen = new TreeSet<>();
    for (SignalStore s : all) {
      int r;
      try {
        r = regionOf(s);
      } catch (UnavailableException e) {
        continue;
      }
      seen.add(r);
      if (r == wanted || (wanted < 0 && (best == null || r < best.region()))) {
        best = new Selected(s, r);
      }
    }
    if (best == null) {
      if (seen.isEmpty()) {
        throw new ApiException(
            503, "store_unavailable", "no open store is registered", Stored.NOT_STORED);
      }
      throw new ApiException(
          404,
          "unknown_region",
          "region " + wanted + " is not served here; regions: " + seen,
          Stored.NOT_STORED);
    }
    return best;
  }

  /**
   * Returns the replication of a region, if it runs here.
   *
   * @param region the region
   * @return the replication, or null for a single region
   */
  Replication replication(int region) {
    for (Replication r : replications.get()) {
      if (r.region().value() == region) {
        return r;
      }
    }
    return null;
  }

  /**
   * Returns the regions of every open store here.
   *
   * @return the regions, ascending
   */
  TreeSet<Integer> regions() {
    TreeSet<Integer> seen = new TreeSet<>();
    for (SignalStore s : stores.get()) {
      try {
        seen.add(regionOf(s));
      } catch (UnavailableException e) {
        // a closed store serves no region
      }
    }
    return seen;
  }

  private int regionOf(SignalStore store) {
    synchronized (regions) {
      Integer r = regions.get(store);
      if (r != null) {
        return r;
      }
    }
    int r = store.status().region().value();
    synchronized (regions) {
      regions.put(store, r);
    }
    return r;
  }
}
