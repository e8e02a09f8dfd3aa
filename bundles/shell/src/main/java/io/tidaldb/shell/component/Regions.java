package io.tidaldb.shell.component;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalStore;
import io.tidaldb.shell.Banner;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.osgi.framework.BundleContext;

/** Reads regions and directories from service properties (configuration copied by DS). */
final class Regions {
  /** The store's directory when its configuration does not set one. */
  static final String DEFAULT_STORE_DIR = "data/store";

  private Regions() {}

  /**
   * Returns the region a service's {@code region} property names.
   *
   * @param props the service properties
   * @return the region, or null if there is no such property or it is not a region id
   */
  static RegionId of(Map<String, Object> props) {
    Object value = props.get("region");
    if (value == null) {
      return null;
    }
    try {
      return RegionId.of(Integer.parseInt(value.toString().trim()));
    } catch (RuntimeException e) {
      return null; // not a number or out of range: the store is asked instead
    }
  }

  /** Formats the banner from the registered stores' and WALs' properties. */
  static String banner(
      BundleContext context,
      List<Map.Entry<Map<String, Object>, SignalStore>> stores,
      List<Map<String, Object>> wals,
      Optional<RegionId> console,
      String home) {
    SortedMap<RegionId, Banner.RegionDirs> dirs = new TreeMap<>((a, b) -> a.value() - b.value());
    for (Map.Entry<Map<String, Object>, SignalStore> e :
        stores == null ? List.<Map.Entry<Map<String, Object>, SignalStore>>of() : stores) {
      RegionId region = of(e.getKey());
      if (region == null) {
        region = RegionId.of(0); // an unconfigured store serves the default region
      }
      Object dir = e.getKey().get("directory");
      dirs.put(
          region,
          new Banner.RegionDirs(
              dir == null ? DEFAULT_STORE_DIR : dir.toString(), walDir(wals, region)));
    }
    return Banner.format(
        context.getBundle().getVersion().toString(),
        Path.of(home).toAbsolutePath().normalize(),
        context.getProperty("felix.fileinstall.dir"),
        dirs,
        console);
  }

  private static String walDir(List<Map<String, Object>> wals, RegionId region) {
    if (wals == null) {
      return null;
    }
    for (Map<String, Object> props : wals) {
      RegionId r = of(props);
      if ((r == null ? RegionId.of(0) : r).equals(region)) {
        Object dir = props.get("directory");
        return dir == null ? "data/wal" : dir.toString();
      }
    }
    return null;
  }
}
