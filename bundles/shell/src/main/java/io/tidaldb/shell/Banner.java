package io.tidaldb.shell;

import io.tidaldb.api.RegionId;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;

/**
 * {@code tidal:about}, the console's banner (the distribution's {@code etc/gosh_profile} prints it
 * when the console starts): the version, the home, configuration and data directories, the
 * console's region and the keys that help.
 */
public final class Banner {
  private Banner() {}

  /**
   * The directories of one region.
   *
   * @param store the store's directory, as configured (relative to the home) or its default
   * @param wal the WAL's directory, or null if no WAL of the region is registered
   */
  public record RegionDirs(String store, String wal) {}

  /**
   * Formats the banner.
   *
   * @param version the version of the console bundle
   * @param home the working directory (the distribution home)
   * @param conf the configuration directory FileInstall reads, or null if none
   * @param regions each region's directories, by region
   * @param console the console's region, if chosen
   * @return the lines
   */
  public static String format(
      String version,
      Path home,
      String conf,
      SortedMap<RegionId, RegionDirs> regions,
      Optional<RegionId> console) {
    StringBuilder out = new StringBuilder();
    out.append("TidalDB ").append(version).append(": a multi-region signal store\n");
    out.append("  home    ").append(home).append('\n');
    out.append("  conf    ")
        .append(conf == null ? "(none: no FileInstall directory)" : abs(home, conf))
        .append(conf == null ? "" : " (*.cfg, applied when saved)")
        .append('\n');
    if (regions.isEmpty()) {
      out.append("  data    (no store is registered yet: tidal:regions shows the regions)\n");
    }
    for (Map.Entry<RegionId, RegionDirs> e : regions.entrySet()) {
      RegionDirs d = e.getValue();
      out.append("  data    ").append(e.getKey()).append(": store ").append(abs(home, d.store()));
      if (d.wal() != null) {
        out.append(", wal ").append(abs(home, d.wal()));
      }
      out.append('\n');
    }
    out.append("  console ")
        .append(
            console
                .map(RegionId::toString)
                .orElse(
                    regions.size() > 1
                        ? "the lowest region, chosen by the first command"
                        : "the only region"))
        .append(regions.size() > 1 ? " (tidal:use <region> to change)" : "")
        .append('\n');
    out.append(
        "help lists the commands, help tidal:signal shows one with an example; Tab completes,"
            + " Up recalls, Ctrl-C cancels the line; stop 0 stops the node.");
    return out.toString();
  }

  private static Path abs(Path home, String dir) {
    return home.resolve(dir).normalize();
  }
}
