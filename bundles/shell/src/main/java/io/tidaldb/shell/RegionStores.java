package io.tidaldb.shell;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalStore;
import java.util.Map;

/** The {@link SignalStore}s registered in the framework now, by region (one per region). */
@FunctionalInterface
public interface RegionStores {
  /**
   * Returns the stores registered now.
   *
   * @return region to store, possibly empty; never null
   */
  Map<RegionId, SignalStore> get();
}
