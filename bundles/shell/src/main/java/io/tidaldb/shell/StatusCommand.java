package io.tidaldb.shell;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.ShardStatus;
import io.tidaldb.api.StoreStatus;
import io.tidaldb.api.TidalException;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.api.replication.ShardReplicationStatus;
import io.tidaldb.api.replication.ShardReplicationStatus.RegionProgress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * {@code tidal:status [--region <r>] [--json]}: the store of the console's region (or of {@code
 * --region}): its shards with their WAL, applied and snapshot positions, and the ingest rate since
 * the store opened and since the previous {@code tidal:status}; then, with replication, a table of
 * each region's role, leader and epoch per shard and every region's HWM and lag (see {@link
 * ReplicationTable}). {@code --json} prints the same as one JSON object.
 */
final class StatusCommand {
  static final String USAGE = "usage: tidal:status [--region <region>] [--json]";

  private final ConsoleRegion console;
  private final Supplier<List<Replication>> replications;
  private final LongSupplier clock;
  private long lastStatusMillis = -1; // guarded by this
  private long lastStatusAccepted; // guarded by this

  StatusCommand(
      ConsoleRegion console, Supplier<List<Replication>> replications, LongSupplier clock) {
    this.console = console;
    this.replications = replications;
    this.clock = clock;
  }

  /**
   * Runs the command.
   *
   * @param args options only
   * @return the lines to print
   */
  String run(String... args) {
    CommandLine line;
    try {
      line = CommandLine.parse(args, true, Set.of("--json"));
    } catch (SignalArgs.UsageError e) {
      return "error: " + e.getMessage() + "\n" + USAGE;
    } catch (TidalException e) {
      return TidalCommands.error(e, USAGE);
    }
    if (!line.positional().isEmpty()) {
      return USAGE;
    }
    boolean json = line.flags().contains("--json");
    List<Replication> all = replications.get();
    ConsoleRegion.Bound bound;
    StoreStatus st;
    try {
      bound = line.region() == null ? console.current() : console.of(line.region());
      st = bound.store().status();
    } catch (TidalException e) {
      return json ? errorJson(e) : TidalCommands.error(e, USAGE);
    }
    if (json) {
      return json(bound.region(), st, all);
    }
    String table = ReplicationTable.format(all);
    String text = text(st);
    return bound.withNotice(table.isEmpty() ? text : text + "\n" + table);
  }

  private String text(StoreStatus st) {
    long now = clock.getAsLong();
    StringBuilder out = new StringBuilder();
    out.append(st.region())
        .append(" incarnation ")
        .append(st.incarnation())
        .append(", open since ")
        .append(st.openedAt())
        .append(", ")
        .append(st.signalsAccepted())
        .append(" signals accepted, ")
        .append(rate(st.signalsAccepted(), now - st.openedAt().epochMillis()))
        .append(" since open");
    synchronized (this) {
      if (lastStatusMillis >= 0 && st.signalsAccepted() >= lastStatusAccepted) {
        out.append(", ")
            .append(rate(st.signalsAccepted() - lastStatusAccepted, now - lastStatusMillis))
            .append(" since last status");
      }
      lastStatusMillis = now;
      lastStatusAccepted = st.signalsAccepted();
    }
    for (ShardStatus s : st.shards()) {
      out.append('\n')
          .append(s.shard())
          .append(": wal ")
          .append(s.walStartPosition())
          .append("..")
          .append(s.nextPosition())
          .append(" durable ")
          .append(s.durablePosition())
          .append(" applied ")
          .append(s.appliedPosition())
          .append(" snapshot ")
          .append(s.snapshotPosition())
          .append(" entities ")
          .append(s.entities());
      if (s.localDurablePosition() > 0) {
        out.append(" local ").append(s.localDurablePosition());
      }
    }
    return out.toString();
  }

  private String json(RegionId console, StoreStatus st, List<Replication> all) {
    Json j = new Json().beginObject();
    j.name("consoleRegion").value(console.toString());
    j.name("region").value(st.region().toString());
    j.name("incarnation").value(st.incarnation());
    j.name("openedAt").value(st.openedAt().toString());
    j.name("signalsAccepted").value(st.signalsAccepted());
    j.name("shards").beginArray();
    for (ShardStatus s : st.shards()) {
      j.beginObject()
          .name("shard")
          .value(s.shard().value())
          .name("walStart")
          .value(s.walStartPosition())
          .name("next")
          .value(s.nextPosition())
          .name("durable")
          .value(s.durablePosition())
          .name("applied")
          .value(s.appliedPosition())
          .name("snapshot")
          .value(s.snapshotPosition())
          .name("entities")
          .value(s.entities())
          .name("localDurable")
          .value(s.localDurablePosition())
          .endObject();
    }
    j.endArray();
    j.name("replication").beginArray();
    List<Replication> sorted = new ArrayList<>(all);
    sorted.sort(Comparator.comparingInt(r -> r.region().value()));
    for (Replication r : sorted) {
      j.beginObject().name("region").value(r.region().toString());
      try {
        List<ShardReplicationStatus> shards = r.status();
        j.name("shards").beginArray();
        for (ShardReplicationStatus s : shards) {
          shard(j, s);
        }
        j.endArray();
      } catch (RuntimeException e) {
        j.name("error").value("did not answer: " + e.getMessage());
      }
      j.endObject();
    }
    j.endArray();
    return j.endObject().toString();
  }

  private static void shard(Json j, ShardReplicationStatus s) {
    j.beginObject()
        .name("shard")
        .value(s.shard())
        .name("role")
        .value(s.role().name())
        .name("leader")
        .value(s.leader().map(RegionId::toString).orElse(null))
        .name("epoch")
        .value(s.epoch())
        .name("problem")
        .value(s.problem().orElse(null))
        .name("regions")
        .beginArray();
    for (RegionProgress p : s.regions()) {
      j.beginObject()
          .name("region")
          .value(p.region().toString())
          .name("hwm")
          .value(p.hwm())
          .name("lagRecords")
          .value(p.lagRecords())
          .name("lagMillis")
          .value(p.lagMillis())
          .endObject();
    }
    j.endArray().endObject();
  }

  private static String errorJson(TidalException e) {
    return new Json().beginObject().name("error").value(e.getMessage()).endObject().toString();
  }

  private static String rate(long count, long millis) {
    return millis <= 0
        ? "-"
        : String.format(Locale.ROOT, "%.1f signals/s", count * 1000.0 / millis);
  }
}
