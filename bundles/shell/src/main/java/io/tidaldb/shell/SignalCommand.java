package io.tidaldb.shell;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.TidalException;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.Replication;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * {@code tidal:signal <tenant> <type> <entity> <weight> [options]}: stores a signal in the
 * console's region and prints its acknowledgement once it is durable at the level of {@code
 * --durability local|quorum|all} (default {@link Durability#LOCAL}), naming that level and who
 * stored it (see {@link Acks}).
 *
 * <p>Options: {@code --at <ms>} sets the event time (ms since the epoch; default now). {@code
 * --session <hex id> --seq <n> [--acked-below <n>]} makes it a write of a client session through
 * {@link SignalStore#signal(Signal, Durability, SessionSeq)}: stored at most once per (tenant,
 * session, seq), a retry with the same values prints the original acknowledgement and counts
 * nothing. {@code --acked-below} defaults to the seq (every earlier seq of the session settled).
 * {@code --session new} opens a session: a fresh random id (never 0), seq 1 unless {@code --seq}
 * says otherwise; the acknowledgement names the id for the next writes.
 *
 * <p>A session write's payload includes its event time, so a retry must carry the first attempt's:
 * this console remembers the event time of the last {@value #REMEMBERED} (tenant, session, seq) it
 * sent and reuses it for a retry without {@code --at}; the acknowledgement and every error of a
 * session write print it ({@code at <ms>}), so that a retry from another console or after a restart
 * can pass it as {@code --at}. Nothing is thrown to the console.
 */
final class SignalCommand {
  static final String USAGE =
      "usage: tidal:signal <tenant> <type> <entity> <weight> [--at <ms>]"
          + " [--durability local|quorum|all]"
          + " [--session <hex id>|new [--seq <n>] [--acked-below <n>]]";

  /** How many session writes' event times the console remembers for retries without --at. */
  static final int REMEMBERED = 1_024;

  private final Supplier<ConsoleRegion.Bound> store;
  private final Function<RegionId, Optional<Replication>> replicationOf;
  private final LongSupplier clock;
  private final LongSupplier newSessionId;

  /** (tenant, session, seq) → the event time sent, least recently used first. */
  private final Map<SessionKey, Long> eventTimes = new LinkedHashMap<>(64, 0.75f, true);

  /**
   * Creates the command.
   *
   * @param store supplies the console region's store; it throws if none is registered
   * @param replicationOf a region's replication in this framework, empty for a single region
   * @param clock the wall clock in ms
   * @param newSessionId draws a fresh session id for {@code --session new} (never 0)
   */
  SignalCommand(
      Supplier<ConsoleRegion.Bound> store,
      Function<RegionId, Optional<Replication>> replicationOf,
      LongSupplier clock,
      LongSupplier newSessionId) {
    this.store = store;
    this.replicationOf = replicationOf;
    this.clock = clock;
    this.newSessionId = newSessionId;
  }

  /**
   * Runs the command.
   *
   * @param args tenant, type, entity, weight, then options
   * @return the line to print
   */
  String run(String... args) {
    SignalArgs a;
    try {
      a = SignalArgs.parse(args);
    } catch (SignalArgs.UsageError e) {
      return e.getMessage().isEmpty() ? USAGE : "error: " + e.getMessage() + "\n" + USAGE;
    } catch (TidalException e) {
      return TidalCommands.error(e, USAGE);
    }
    try {
      ConsoleRegion.Bound bound = store.get();
      TenantId tenant = TenantId.of(a.tenant());
      SignalType type = SignalType.of(a.type());
      if (!a.isSessionWrite()) {
        long at = a.at() != null ? a.at() : clock.getAsLong();
        SignalAck ack =
            bound
                .store()
                .signal(
                    new Signal(tenant, type, EntityId.of(a.entity()), a.weight(), ts(at)),
                    a.durability());
        return bound.withNotice(ok(ack, bound.region()));
      }
      return bound.withNotice(sessionWrite(bound, a, tenant, type));
    } catch (TidalException e) {
      return TidalCommands.error(e, USAGE);
    }
  }

  private String sessionWrite(
      ConsoleRegion.Bound bound, SignalArgs a, TenantId tenant, SignalType type) {
    SignalStore s = bound.store();
    long id = a.newSession() ? newSessionId.getAsLong() : a.session();
    long seq = a.seq() != null ? a.seq() : 1;
    SessionSeq session = new SessionSeq(id, seq, a.ackedBelow() != null ? a.ackedBelow() : seq);
    long at = eventTime(new SessionKey(tenant, id, seq), a.at());
    String which = " (session " + SessionSeq.hex(id) + " seq " + seq + ", at " + at + ")";
    Signal signal = new Signal(tenant, type, EntityId.of(a.entity()), a.weight(), ts(at));
    try {
      return ok(s.signal(signal, a.durability(), session), bound.region()) + which;
    } catch (UnavailableException e) {
      return "error: "
          + e.getMessage()
          + which
          + "\nretry with the same values: --session "
          + SessionSeq.hex(id)
          + " --seq "
          + seq
          + " --at "
          + at
          + (e.mayBeStored() ? " (it may be stored: a retry counts it at most once)" : "");
    } catch (TidalException e) {
      return "error: " + e.getMessage() + which;
    } catch (UnsupportedOperationException e) {
      return "error: this store takes no session writes (" + e.getMessage() + ")";
    }
  }

  /** The event time to send: --at if given (remembered), else the remembered one, else now. */
  private long eventTime(SessionKey key, Long at) {
    synchronized (eventTimes) {
      Long time = at != null ? at : eventTimes.get(key);
      long t = time != null ? time : clock.getAsLong();
      eventTimes.put(key, t);
      if (eventTimes.size() > REMEMBERED) {
        eventTimes.remove(eventTimes.keySet().iterator().next());
      }
      return t;
    }
  }

  private static Timestamp ts(long millis) {
    return Timestamp.ofMillis(millis);
  }

  private String ok(SignalAck ack, RegionId region) {
    return Acks.ok(ack, region, replicationOf.apply(region));
  }

  /**
   * Returns a source of fresh session ids for {@code --session new}: 64 bits from a {@link
   * SecureRandom}, never 0, as a client's {@code Session.open} draws them.
   *
   * @return the source
   */
  static LongSupplier randomSessionIds() {
    SecureRandom random = new SecureRandom();
    return () -> {
      long id;
      do {
        id = random.nextLong();
      } while (id == 0);
      return id;
    };
  }

  /** The key of a remembered event time. */
  private record SessionKey(TenantId tenant, long session, long seq) {}
}
