package io.tidaldb.shell;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RankedEntity;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalAggregate;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.TidalException;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.replication.Replication;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The console commands, as plain Java: each takes its arguments as strings, parses them itself (so
 * a wrong type or count gives a usage line rather than a Gogo coercion error) and returns the text
 * to print. A wrong argument count prints the usage line; an argument of the wrong type prints an
 * {@code error: } line naming it, then the usage line; bad values and an absent store print one
 * {@code error: } line. Nothing is thrown to the console, which keeps serving.
 *
 * <p>The commands use the store of the console's region ({@link ConsoleRegion}): chosen once, and
 * changed only by {@code tidal:use}; {@code tidal:read}, {@code tidal:top} and {@code tidal:status}
 * take {@code --region <r>} for one command.
 */
public final class TidalCommands {
  static final String SIGNAL_USAGE = SignalCommand.USAGE;
  static final String READ_USAGE = "usage: tidal:read <tenant> <type> <entity> [--region <region>]";
  static final String TOP_USAGE =
      "usage: tidal:top <tenant> <type> <k> [offset] [--region <region>]";
  static final String STATUS_USAGE = StatusCommand.USAGE;
  static final String TRANSFER_USAGE = "usage: tidal:transfer <shard> <region>";

  /** How long {@code tidal:transfer} waits for the new leader. */
  static final long TRANSFER_WAIT_MILLIS = 5_000;

  private final ConsoleRegion console;
  private final Supplier<List<Replication>> replications;
  private final LongSupplier clock;
  private final SignalCommand signalCommand;
  private final StatusCommand statusCommand;
  private final RegionsCommand regionsCommand;

  /**
   * Creates the commands over one store, as region 0's (tests, and embeddings with one store; the
   * component uses {@link #forRegions}).
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
    this(single(store), replications, clock, newSessionId);
  }

  private TidalCommands(
      RegionStores stores,
      Supplier<List<Replication>> replications,
      LongSupplier clock,
      LongSupplier newSessionId) {
    this.console = new ConsoleRegion(stores);
    this.replications = replications;
    this.clock = clock;
    this.signalCommand =
        new SignalCommand(console::current, this::replicationOf, clock, newSessionId);
    this.statusCommand = new StatusCommand(console, replications, clock);
    this.regionsCommand = new RegionsCommand(console, stores, replications);
  }

  /**
   * Creates the commands over every region's store in the framework (the component's form).
   *
   * @param stores the stores registered now, by region
   * @param replications supplies the registered replications (empty on a single-region node)
   * @param clock the wall clock in ms
   * @return the commands
   */
  public static TidalCommands forRegions(
      RegionStores stores, Supplier<List<Replication>> replications, LongSupplier clock) {
    return new TidalCommands(stores, replications, clock, SignalCommand.randomSessionIds());
  }

  /** One store, or none, as region 0's (tests and single-store embeddings). */
  private static RegionStores single(Supplier<SignalStore> store) {
    return () -> {
      SignalStore s = store.get();
      return s == null ? Map.of() : Map.of(RegionId.of(0), s);
    };
  }

  private Optional<Replication> replicationOf(RegionId region) {
    for (Replication r : replications.get()) {
      if (r.region().equals(region)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
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
   * {@code tidal:read <tenant> <type> <entity> [--region <r>]}: prints the entity's aggregate now,
   * as the console's region (or {@code --region}) holds it.
   *
   * @param args tenant, type, entity, then options
   * @return {@code count=<n> sum=<w> score=<s> lastSeen=<iso8601 or ->}
   */
  public String read(String... args) {
    try {
      CommandLine line = CommandLine.parse(args, true, Set.of());
      if (line.positional().size() != 3) {
        return READ_USAGE;
      }
      String[] w = line.words();
      ConsoleRegion.Bound b = bound(line);
      SignalAggregate a =
          b.store()
              .read(
                  TenantId.of(w[0]),
                  SignalType.of(w[1]),
                  EntityId.of(parseEntity(w[2])),
                  Timestamp.ofMillis(clock.getAsLong()));
      return b.withNotice(
          "count="
              + a.count()
              + " sum="
              + number(a.weightSum())
              + " score="
              + number(a.decayedScore())
              + " lastSeen="
              + a.lastSeen().map(Timestamp::toString).orElse("-"));
    } catch (SignalArgs.UsageError e) {
      return "error: " + e.getMessage() + "\n" + READ_USAGE;
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
    try {
      CommandLine line = CommandLine.parse(args, true, Set.of());
      String[] w = line.words();
      if (w.length != 3 && w.length != 4) {
        return TOP_USAGE;
      }
      int k = parseInt("k", w[2]);
      int offset = w.length == 4 ? parseInt("offset", w[3]) : 0;
      ConsoleRegion.Bound b = bound(line);
      SignalStore s = b.store();
      Timestamp now = Timestamp.ofMillis(clock.getAsLong());
      TenantId tenant = TenantId.of(w[0]);
      SignalType type = SignalType.of(w[1]);
      List<RankedEntity> top =
          w.length == 4 ? s.topPage(tenant, type, offset, k, now) : s.top(tenant, type, k, now);
      if (top.isEmpty()) {
        return b.withNotice("(no entities)");
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
      return b.withNotice(out.toString());
    } catch (SignalArgs.UsageError e) {
      return "error: " + e.getMessage() + "\n" + TOP_USAGE;
    } catch (TidalException e) {
      return error(e, TOP_USAGE);
    }
  }

  /**
   * {@code tidal:status [--region <r>] [--json]}: see {@link StatusCommand}.
   *
   * @param args options only
   * @return the status lines, or one JSON object
   */
  public String status(String... args) {
    return statusCommand.run(args);
  }

  /**
   * {@code tidal:use [<region>]}: prints the console's region, or makes another region's store (one
   * registered here) the console's; see {@link ConsoleRegion}.
   *
   * @param args nothing, or the region
   * @return the line to print
   */
  public String use(String... args) {
    return console.use(args);
  }

  /**
   * {@code tidal:regions}: every region's state, when it was last heard and the shards it leads;
   * see {@link RegionsCommand}.
   *
   * @param args none
   * @return the table
   */
  public String regions(String... args) {
    return regionsCommand.run(args);
  }

  /**
   * Returns the console's region, if chosen yet.
   *
   * @return the region
   */
  public Optional<RegionId> consoleRegion() {
    return console.chosen();
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
      RegionId to = ConsoleRegion.parseRegion(args[1]);
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

  private ConsoleRegion.Bound bound(CommandLine line) {
    return line.region() == null ? console.current() : console.of(line.region());
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
}
