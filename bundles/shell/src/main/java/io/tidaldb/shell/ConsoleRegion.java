package io.tidaldb.shell;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.UnavailableException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The console's region: which of the framework's {@link SignalStore}s (one per region) the commands
 * use. It is chosen once and changes only by {@code tidal:use}: never because a store goes away or
 * another one appears. A chosen region whose store is not registered (its bundle stopped, its
 * configuration being changed) makes every command answer {@code error: store unavailable: ...}
 * naming that region, until its store is back or {@code tidal:use} picks another.
 *
 * <p>Until the first command needs a store the region is open; that command takes the only region,
 * or with several the lowest, and says so in a {@code console region: ...} line before its answer.
 * Thread-safe: Gogo sessions may call it concurrently; they share the one console region.
 */
final class ConsoleRegion {
  static final String USE_USAGE = "usage: tidal:use [<region>]";

  /**
   * A store the commands use.
   *
   * @param region its region
   * @param store the store
   * @param notice a line to print before the answer (the console's region was just chosen), or
   *     empty
   */
  record Bound(RegionId region, SignalStore store, String notice) {
    /**
     * Prefixes the notice, if any, to a command's answer.
     *
     * @param answer the answer
     * @return the text to print
     */
    String withNotice(String answer) {
      return notice.isEmpty() ? answer : notice + "\n" + answer;
    }
  }

  private final RegionStores stores;
  private RegionId chosen; // guarded by this

  ConsoleRegion(RegionStores stores) {
    this.stores = Objects.requireNonNull(stores, "stores");
  }

  /**
   * Returns the console region's store, choosing the region first if none is chosen yet.
   *
   * @return the store
   * @throws UnavailableException if no store is registered, or none of the chosen region
   */
  synchronized Bound current() {
    Map<RegionId, SignalStore> all = sorted();
    if (chosen == null) {
      if (all.isEmpty()) {
        throw new UnavailableException(
            "store unavailable: no SignalStore service is registered (is the store or wal bundle"
                + " stopped?)");
      }
      chosen = all.keySet().iterator().next();
      String notice =
          all.size() == 1
              ? ""
              : "console region: "
                  + chosen
                  + " (the lowest of "
                  + names(all)
                  + "; tidal:use <region> to change)";
      return new Bound(chosen, all.get(chosen), notice);
    }
    return bound(chosen, all);
  }

  /**
   * Returns one region's store for one command ({@code --region}); the console's region stays.
   *
   * @param region the region
   * @return the store
   * @throws UnavailableException if that region's store is not registered
   */
  Bound of(RegionId region) {
    return bound(region, sorted());
  }

  /**
   * Returns the console's region, if chosen.
   *
   * @return the region, or empty before the first command that used a store
   */
  synchronized Optional<RegionId> chosen() {
    return Optional.ofNullable(chosen);
  }

  /**
   * {@code tidal:use [<region>]}: without an argument prints the console's region and the stores
   * registered; with one makes that region the console's, if its store is registered here.
   *
   * @param args nothing, or the region ({@code 2} or {@code region-2})
   * @return the line to print
   */
  synchronized String use(String... args) {
    if (args.length > 1) {
      return USE_USAGE;
    }
    Map<RegionId, SignalStore> all = sorted();
    String here = all.isEmpty() ? "no store is registered here" : "stores here: " + names(all);
    if (args.length == 0) {
      return "console region: " + (chosen == null ? "not chosen yet" : chosen) + "; " + here;
    }
    RegionId region;
    try {
      region = parseRegion(args[0]);
    } catch (InvalidArgumentException e) {
      return TidalCommands.error(e, USE_USAGE);
    }
    if (!all.containsKey(region)) {
      return "error: no store of "
          + region
          + " is registered in this node ("
          + here
          + "); the console region stays "
          + (chosen == null ? "not chosen" : chosen.toString());
    }
    RegionId was = chosen;
    chosen = region;
    return "ok: console region is "
        + region
        + (was == null || was.equals(region) ? "" : " (was " + was + ")");
  }

  private Bound bound(RegionId region, Map<RegionId, SignalStore> all) {
    SignalStore s = all.get(region);
    if (s == null) {
      throw new UnavailableException(
          "store unavailable: the store of "
              + region
              + " is not registered (its store or wal bundle stopped, or its configuration is"
              + " being changed); "
              + (all.isEmpty() ? "no store is registered" : "stores here: " + names(all))
              + "; tidal:use <region> chooses another");
    }
    return new Bound(region, s, "");
  }

  private Map<RegionId, SignalStore> sorted() {
    Map<RegionId, SignalStore> sorted = new TreeMap<>((a, b) -> a.value() - b.value());
    sorted.putAll(stores.get());
    return sorted;
  }

  private static String names(Map<RegionId, SignalStore> all) {
    return all.keySet().stream().map(RegionId::toString).collect(Collectors.joining(", "));
  }

  /**
   * Parses a region as typed: its id ({@code 2}) or its name ({@code region-2}).
   *
   * @param text the text
   * @return the region
   * @throws InvalidArgumentException naming the text if it is neither
   */
  static RegionId parseRegion(String text) {
    String id = text.startsWith("region-") ? text.substring("region-".length()) : text;
    try {
      return RegionId.of(Integer.parseInt(id));
    } catch (NumberFormatException e) {
      throw new TidalCommands.WrongArgumentType(
          "region", text, "must be a region id such as 2 or region-2");
    } catch (InvalidArgumentException e) {
      throw new TidalCommands.WrongArgumentType("region", text, e.getMessage());
    }
  }
}
