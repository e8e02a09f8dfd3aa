package io.tidaldb.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tidaldb.api.RegionId;
import java.nio.file.Path;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class BannerTest {
  @Test
  void shouldShowVersionDirectoriesAndTheConsoleRegion() {
    TreeMap<RegionId, Banner.RegionDirs> dirs = new TreeMap<>((a, b) -> a.value() - b.value());
    dirs.put(RegionId.of(1), new Banner.RegionDirs("data/region-1/store", "data/region-1/wal"));
    dirs.put(RegionId.of(0), new Banner.RegionDirs("/abs/store", null));
    assertEquals(
        String.join(
            "\n",
            "TidalDB 0.1.0: a multi-region signal store",
            "  home    /opt/tidaldb",
            "  conf    /opt/tidaldb/conf/three-regions (*.cfg, applied when saved)",
            "  data    region-0: store /abs/store",
            "  data    region-1: store /opt/tidaldb/data/region-1/store, wal"
                + " /opt/tidaldb/data/region-1/wal",
            "  console region-1 (tidal:use <region> to change)",
            "help lists the commands, help tidal:signal shows one with an example; Tab completes,"
                + " Up recalls, Ctrl-C cancels the line; stop 0 stops the node."),
        Banner.format(
            "0.1.0",
            Path.of("/opt/tidaldb"),
            "conf/three-regions",
            dirs,
            Optional.of(RegionId.of(1))));
  }

  @Test
  void shouldSayWhenNothingIsConfiguredOrRegisteredYet() {
    String banner =
        Banner.format(
            "0.1.0",
            Path.of("/h"),
            null,
            new TreeMap<>((a, b) -> a.value() - b.value()),
            Optional.empty());
    assertEquals(
        String.join(
            "\n",
            "TidalDB 0.1.0: a multi-region signal store",
            "  home    /h",
            "  conf    (none: no FileInstall directory)",
            "  data    (no store is registered yet: tidal:regions shows the regions)",
            "  console the only region"),
        banner.substring(0, banner.lastIndexOf('\n')));
  }
}
