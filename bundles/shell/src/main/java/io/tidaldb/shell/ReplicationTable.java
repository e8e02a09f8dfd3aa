package io.tidaldb.shell;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.api.replication.ShardReplicationStatus;
import io.tidaldb.api.replication.ShardReplicationStatus.RegionProgress;
import io.tidaldb.api.replication.ShardReplicationStatus.SnapshotProgress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Formats what the {@link Replication} services of a framework report as one aligned table: a row
 * per (local region, shard, region of the cluster) with the local region's role, the leader and
 * epoch it knows, and that region's HWM and lag as the local region knows them (exact on the
 * leader, last heard elsewhere), and why the local region cannot take its full part in the shard
 * ({@link ShardReplicationStatus#problem()}: a stopped WAL, limits that keep batches from being
 * shipped), or {@code -}. A region being caught up from a snapshot says so first in its row's
 * problem cell ({@code catching up: snapshot at 1234567, 45.2 of 120.3 MB}: the bytes its leader
 * saw acknowledged, or on the follower itself the bytes received). A replication that fails to
 * answer gets one {@code error:} line.
 */
final class ReplicationTable {
  static final List<String> HEADER =
      List.of(
          "region", "shard", "role", "leader", "epoch", "of", "hwm", "lag", "lag ms", "problem");

  private ReplicationTable() {}

  /**
   * Formats the table.
   *
   * @param replications the services, in any order (printed by region)
   * @return the table's lines without a trailing newline; empty if there is no replication
   */
  static String format(List<Replication> replications) {
    if (replications.isEmpty()) {
      return "";
    }
    List<Replication> sorted = new ArrayList<>(replications);
    sorted.sort(Comparator.comparingInt(r -> r.region().value()));
    List<List<String>> rows = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    for (Replication r : sorted) {
      RegionId local = r.region();
      List<ShardReplicationStatus> shards;
      try {
        shards = r.status();
      } catch (RuntimeException e) {
        errors.add("error: replication of " + local + " did not answer: " + e.getMessage());
        continue;
      }
      for (ShardReplicationStatus s : shards) {
        String leader = s.leader().map(RegionId::toString).orElse("-");
        if (s.regions().isEmpty()) {
          rows.add(row(local, s, leader, "-", "-", "-", "-", s.problem().orElse("-")));
        }
        for (RegionProgress p : s.regions()) {
          rows.add(
              row(
                  local,
                  s,
                  leader,
                  p.region().toString(),
                  Long.toString(p.hwm()),
                  Long.toString(p.lagRecords()),
                  Long.toString(p.lagMillis()),
                  problem(s, p)));
        }
      }
    }
    StringBuilder out = new StringBuilder("replication:");
    if (!rows.isEmpty()) {
      rows.add(0, HEADER);
      int[] widths = new int[HEADER.size()];
      for (List<String> row : rows) {
        for (int i = 0; i < widths.length; i++) {
          widths[i] = Math.max(widths[i], row.get(i).length());
        }
      }
      for (List<String> row : rows) {
        out.append('\n').append(line(row, widths));
      }
    }
    for (String error : errors) {
      out.append('\n').append(error);
    }
    return out.toString();
  }

  private static List<String> row(
      RegionId local,
      ShardReplicationStatus s,
      String leader,
      String of,
      String hwm,
      String lag,
      String lagMillis,
      String problem) {
    return List.of(
        local.toString(),
        Integer.toString(s.shard()),
        s.role().name(),
        leader,
        Long.toString(s.epoch()),
        of,
        hwm,
        lag,
        lagMillis,
        problem);
  }

  /** The row's problem cell: a snapshot catch-up of the row's region first, then the shard's. */
  private static String problem(ShardReplicationStatus s, RegionProgress p) {
    if (p.catchUp().isEmpty()) {
      return s.problem().orElse("-");
    }
    SnapshotProgress c = p.catchUp().get();
    String catchUp =
        String.format(
            Locale.ROOT,
            "catching up: snapshot at %d, %.1f of %.1f MB",
            c.position(),
            c.bytesDone() / 1e6,
            c.bytesTotal() / 1e6);
    return s.problem().map(problem -> catchUp + "; " + problem).orElse(catchUp);
  }

  /** Text columns are left-aligned, numbers (from the hwm column on, and shard, epoch) right. */
  private static String line(List<String> row, int[] widths) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < widths.length; i++) {
      if (i > 0) {
        b.append("  ");
      }
      String cell = row.get(i);
      String pad = " ".repeat(widths[i] - cell.length());
      if (numeric(i)) {
        b.append(pad).append(cell);
      } else {
        b.append(cell).append(pad);
      }
    }
    return b.toString().stripTrailing();
  }

  private static boolean numeric(int column) {
    return column == 1 || column == 4 || (column >= 6 && column <= 8);
  }
}
