package io.tidaldb.shell;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.api.replication.ShardReplicationStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * {@code tidal:regions}: one row per region of the cluster (the regions the replications here know,
 * and every region with a store here): whether it is up, when this node last heard from it, and the
 * shards it leads as this node knows them. The console's region is marked {@code *}.
 *
 * <p>A region with a store here is {@code up (here)}, or {@code down (here: store not registered)}
 * when only its replication is registered. Any other region is {@code up} if some region here
 * received a frame from it within {@value #SILENT_MILLIS} ms ({@link
 * Replication#regionContactAgeNanos}; a leader heartbeats every 50 ms by default), else {@code
 * down}; {@code never} if nothing was heard from it since this node started.
 */
final class RegionsCommand {
  static final String USAGE = "usage: tidal:regions";

  /** A region not heard from for longer is shown down. */
  static final long SILENT_MILLIS = 3_000;

  private static final List<String> HEADER = List.of("region", "state", "last heard", "leads");

  private final ConsoleRegion console;
  private final RegionStores stores;
  private final Supplier<List<Replication>> replications;

  RegionsCommand(
      ConsoleRegion console, RegionStores stores, Supplier<List<Replication>> replications) {
    this.console = console;
    this.stores = stores;
    this.replications = replications;
  }

  /**
   * Runs the command.
   *
   * @param args none
   * @return the table
   */
  String run(String... args) {
    if (args.length != 0) {
      return USAGE;
    }
    Map<RegionId, SignalStore> here = stores.get();
    List<Replication> all = replications.get();
    TreeSet<Integer> ids = new TreeSet<>();
    here.keySet().forEach(r -> ids.add(r.value()));
    Map<Integer, Replication> local = new TreeMap<>();
    for (Replication r : all) {
      local.put(r.region().value(), r);
      ids.add(r.region().value());
      r.regions().forEach(x -> ids.add(x.value()));
    }
    if (ids.isEmpty()) {
      return "no region: no store and no replication is registered (is the store bundle stopped?)";
    }
    Map<Integer, List<Integer>> leads = leaders(all);
    Optional<RegionId> chosen = console.chosen();
    List<List<String>> rows = new ArrayList<>();
    rows.add(HEADER);
    for (int id : ids) {
      RegionId region = RegionId.of(id);
      String name = region + (chosen.isPresent() && chosen.get().equals(region) ? " *" : "");
      String state;
      String heard;
      if (here.containsKey(region)) {
        state = "up (here)";
        heard = "-";
      } else if (local.containsKey(id)) {
        state = "down (here: store not registered)";
        heard = "-";
      } else {
        long age = contactAgeNanos(all, region);
        heard = age < 0 ? "never" : age / 1_000_000 + " ms ago";
        state = age >= 0 && age / 1_000_000 <= SILENT_MILLIS ? "up" : "down";
      }
      List<Integer> shards = leads.getOrDefault(id, List.of());
      rows.add(List.of(name, state, heard, shards.isEmpty() ? "-" : shardNames(shards)));
    }
    return format(rows)
        + (chosen.isPresent() ? "\n* the console's region (tidal:use <region> to change)" : "");
  }

  /** The shortest age any replication here reports for the region, or -1. */
  private static long contactAgeNanos(List<Replication> all, RegionId region) {
    long best = -1;
    for (Replication r : all) {
      long age;
      try {
        age = r.regionContactAgeNanos(region);
      } catch (RuntimeException e) {
        continue;
      }
      if (age >= 0 && (best < 0 || age < best)) {
        best = age;
      }
    }
    return best;
  }

  /** Region id to the shards it leads, as the first replication here that answers knows them. */
  private static Map<Integer, List<Integer>> leaders(List<Replication> all) {
    Map<Integer, List<Integer>> leads = new TreeMap<>();
    for (Replication r : all) {
      List<ShardReplicationStatus> status;
      try {
        status = r.status();
      } catch (RuntimeException e) {
        continue;
      }
      for (ShardReplicationStatus s : status) {
        s.leader()
            .ifPresent(
                l -> leads.computeIfAbsent(l.value(), k -> new ArrayList<>()).add(s.shard()));
      }
      return leads;
    }
    return leads;
  }

  private static String shardNames(List<Integer> shards) {
    StringBuilder out = new StringBuilder();
    for (int s : shards) {
      out.append(out.length() == 0 ? "" : " ").append("shard-").append(s);
    }
    return out.toString();
  }

  private static String format(List<List<String>> rows) {
    int[] widths = new int[HEADER.size()];
    for (List<String> row : rows) {
      for (int i = 0; i < row.size(); i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (List<String> row : rows) {
      if (out.length() > 0) {
        out.append('\n');
      }
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        line.append(i == 0 ? "" : "  ").append(row.get(i));
        if (i + 1 < row.size()) {
          line.append(" ".repeat(widths[i] - row.get(i).length()));
        }
      }
      out.append(line.toString().stripTrailing());
    }
    return out.toString();
  }
}
