package io.tidaldb.shell;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RankedEntity;
import io.tidaldb.api.ShardStatus;
import io.tidaldb.api.SignalAggregate;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.StoreStatus;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.TidalException;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.replication.Replication;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The console commands, as plain Java: each takes its arguments as strings, parses them itself (so
 * a wrong type or count gives a usage line rather than a Gogo coercion error) and returns the text
 * to print. A wrong argument count prints the usage line; an argument of the wrong type prints an
 * {@code error: } line naming it, then the usage line; bad values and an absent store print one
 * {@code error: } line. Nothing is thrown to the console, which keeps serving.
 */
public final class TidalCommands {
  static final String SIGNAL_USAGE = SignalCommand.USAGE;
  static final String READ_USAGE = "usage: tidal:read <tenant> <type> <entity>";
  static final String TOP_USAGE = "usage: tidal:top <tenant> <type> <k> [offset]";
  static final String STATUS_USAGE = "usage: tidal:status";
  static final String TRANSFER_USAGE = "usage: tidal:transfer <shard> <region>";

  /** How long {@code tidal:transfer} waits for the new leader. */
  static final long TRANSFER_WAIT_MILLIS = 5_000;

  private final Supplier<SignalStore> store;
  private final Supplier<List<Replication>> replications;
  private final LongSupplier clock;
  private final SignalCommand signalCommand;
  private long lastStatusMillis = -1;
  private long lastStatusAccepted;

  /**
   * Creates the commands.
   *
   * @param store supplies the current store, or null while none is registered
   * @param clock the wall clock in ms
   */
  public TidalCommands(Supplier<SignalStore> store, LongSupplier clock) {
    this(store, List::of, clock);
  }

  /**
   * Creates the commands with the replications {@code tidal:status} reports.
   *
   * @param store supplies the current store, or null while none is registered
   * @param replications supplies the registered replications (empty on a single-region node)
   * @param clock the wall clock in ms
   */
  public TidalCommands(
      Supplier<SignalStore> store, Supplier<List<Replication>> replications, LongSupplier clock) {
    this(store, replications, clock, SignalCommand.randomSessionIds());
  }

  /**
   * Creates the commands with the source of the ids {@code tidal:signal --session new} opens.
   *
   * @param store supplies the current store, or null while none is registered
   * @param replications supplies the registered replications (empty on a single-region node)
   * @param clock the wall clock in ms
   * @param newSessionId draws a fresh session id, never 0
   */
  public TidalCommands(
      Supplier<SignalStore> store,
      Supplier<List<Replication>> replications,
      LongSupplier clock,
      LongSupplier newSessionId) {
    this.store = store;
    this.replications = replications;
    this.clock = clock;
    this.signalCommand = new SignalCommand(this::current, clock, newSessionId);
  }

  /**
   * {@code tidal:signal <tenant> <type> <entity> <weight> [--at <ms>] [--session <hex id>|new
   * [--seq <n>] [--acked-below <n>]]}: stores a signal (at the current time unless {@code --at}
   * says otherwise) and prints once it is durable; with {@code --session}, as a write of a client
   * session, at most once per (tenant, session, seq): see {@link SignalCommand}.
   *
   * @param args tenant, type, entity, weight, then options
   * @return the line to print
   */
  public String signal(String... args) {
    return signalCommand.run(args);
  }

  /**
   * {@code tidal:read <tenant> <type> <entity>}: prints the entity's aggregate now.
   *
   * @param args tenant, type, entity
   * @return {@code count=<n> sum=<w> score=<s> lastSeen=<iso8601 or ->}
   */
  public String read(String... args) {
    if (args.length != 3) {
      return READ_USAGE;
    }
    try {
      SignalStore s = current();
      SignalAggregate a =
          s.read(
              TenantId.of(args[0]),
              SignalType.of(args[1]),
              EntityId.of(parseEntity(args[2])),
              Timestamp.ofMillis(clock.getAsLong()));
      return "count="
          + a.count()
          + " sum="
          + number(a.weightSum())
          + " score="
          + number(a.decayedScore())
          + " lastSeen="
          + a.lastSeen().map(Timestamp::toString).orElse("-");
    } catch (TidalException e) {
      return error(e, READ_USAGE);
    }
  }

  /**
   * {@code tidal:top <tenant> <type> <k> [offset]}: prints the k entities with the highest decayed
   * score, or with an offset the page of k after the first {@code offset} ({@code
   * SignalStore.topPage}).
   *
   * @param args tenant, type, k and optionally offset
   * @return one line per entity, {@code <rank>. entity=<id> score=<s>}, or {@code (no entities)}
   */
  public String top(String... args) {
    if (args.length != 3 && args.length != 4) {
      return TOP_USAGE;
    }
    try {
      SignalStore s = current();
      int k = parseInt("k", args[2]);
      int offset = args.length == 4 ? parseInt("offset", args[3]) : 0;
      Timestamp now = Timestamp.ofMillis(clock.getAsLong());
      TenantId tenant = TenantId.of(args[0]);
      SignalType type = SignalType.of(args[1]);
      List<RankedEntity> top =
          args.length == 4 ? s.topPage(tenant, type, offset, k, now) : s.top(tenant, type, k, now);
      if (top.isEmpty()) {
        return "(no entities)";
      }
      StringBuilder out = new StringBuilder();
      for (int i = 0; i < top.size(); i++) {
        RankedEntity r = top.get(i);
        out.append(offset + i + 1)
            .append(". entity=")
            .append(r.entity())
            .append(" score=")
            .append(number(r.score()));
        if (i + 1 < top.size()) {
          out.append('\n');
        }
      }
      return out.toString();
    } catch (TidalException e) {
      return error(e, TOP_USAGE);
    }
  }

  /**
   * {@code tidal:status}: prints the store's shards with their WAL, applied and snapshot positions
   * (and the local log's durable position when it is not 0), and the ingest rate since the store
   * opened and since the previous {@code tidal:status}; then, if replications are registered, a
   * table of each region's role, leader and epoch per shard and every region's HWM and lag (see
   * {@link ReplicationTable}).
   *
   * @param args none
   * @return the status lines
   */
  public String status(String... args) {
    if (args.length != 0) {
      return STATUS_USAGE;
    }
    String table = ReplicationTable.format(replications.get());
    String text = storeStatus();
    return table.isEmpty() ? text : text + "\n" + table;
  }

  /**
   * {@code tidal:transfer <shard> <region>}: hands the shard's leadership to the region (its id,
   * such as {@code 2}, or its name, {@code region-2}) through the replication of this framework
   * that leads the shard, and prints once the region leads it; writes meanwhile wait rather than
   * being refused (see {@link Replication#transferLeadership}). If no region of this framework
   * leads the shard, the local replication's refusal names the leader to run it on.
   *
   * @param args shard, region
   * @return the line to print
   */
  public String transfer(String... args) {
    if (args.length != 2) {
      return TRANSFER_USAGE;
    }
    try {
      int shard = parseInt("shard", args[0]);
      io.tidaldb.api.RegionId to = parseRegion(args[1]);
      List<Replication> all = replications.get();
      if (all.isEmpty()) {
        throw new io.tidaldb.api.UnavailableException(
            "no replication is registered: a single-region node has nothing to transfer");
      }
      Replication from = all.get(0);
      for (Replication r : all) {
        List<io.tidaldb.api.replication.ShardReplicationStatus> st = r.status();
        if (shard >= 0
            && shard < st.size()
            && st.get(shard).role()
                == io.tidaldb.api.replication.ShardReplicationStatus.Role.LEADER) {
          from = r;
          break;
        }
      }
      long started = System.nanoTime();
      from.transferLeadership(shard, to)
          .get(TRANSFER_WAIT_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
      return "ok: "
          + to
          + " leads shard "
          + shard
          + " (from "
          + from.region()
          + ", "
          + (System.nanoTime() - started) / 1_000_000
          + " ms)";
    } catch (TidalException e) {
      return error(e, TRANSFER_USAGE);
    } catch (java.util.concurrent.ExecutionException e) {
      return "error: " + e.getCause().getMessage();
    } catch (java.util.concurrent.TimeoutException e) {
      return "error: no answer within " + TRANSFER_WAIT_MILLIS + " ms; see tidal:status";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "error: interrupted";
    }
  }

  private static io.tidaldb.api.RegionId parseRegion(String text) {
    String id = text.startsWith("region-") ? text.substring("region-".length()) : text;
    try {
      return io.tidaldb.api.RegionId.of(Integer.parseInt(id));
    } catch (NumberFormatException e) {
      throw new WrongArgumentType("region", text, "must be a region id such as 2 or region-2");
    } catch (InvalidArgumentException e) {
      throw new WrongArgumentType("region", text, e.getMessage());
    }
  }

  private String storeStatus() {
    try {
      StoreStatus st = current().status();
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
    } catch (TidalException e) {
      return error(e, STATUS_USAGE);
    }
  }

  private SignalStore current() {
    SignalStore s = store.get();
    if (s == null) {
      throw new io.tidaldb.api.UnavailableException(
          "store unavailable: no SignalStore service is registered (is the store or wal bundle"
              + " stopped?)");
    }
    return s;
  }

  /** An argument of the wrong type: the answer adds the usage line to the error. */
  static final class WrongArgumentType extends InvalidArgumentException {
    private static final long serialVersionUID = 1L;

    WrongArgumentType(String argument, String text, String rule) {
      super(argument, text, rule);
    }
  }

  static String error(TidalException e, String usage) {
    return "error: " + e.getMessage() + (e instanceof WrongArgumentType ? "\n" + usage : "");
  }

  static long parseEntity(String text) {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new WrongArgumentType("entity", text, "must be a whole number in the 64-bit range");
    }
  }

  static double parseWeight(String text) {
    try {
      return Double.parseDouble(text);
    } catch (NumberFormatException e) {
      throw new WrongArgumentType("weight", text, "must be a number");
    }
  }

  private static int parseInt(String what, String text) {
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new WrongArgumentType(what, text, "must be a whole number");
    }
  }

  private static String number(double v) {
    return String.format(Locale.ROOT, "%.6g", v);
  }

  private static String rate(long count, long millis) {
    return millis <= 0
        ? "-"
        : String.format(Locale.ROOT, "%.1f signals/s", count * 1000.0 / millis);
  }
}
