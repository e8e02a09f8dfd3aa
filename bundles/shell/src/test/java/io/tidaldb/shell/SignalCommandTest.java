package io.tidaldb.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.UnavailableException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * {@code tidal:signal} with {@code --session}, {@code --seq}, {@code --acked-below} and {@code
 * --at}, over a fake store with the session contract: the first write of a (tenant, session, seq)
 * is stored and its acknowledgement returned to every retry with the same signal; another signal
 * under the seq is refused.
 */
class SignalCommandTest {
  static final long NOW = TidalCommandsTest.NOW;
  static final String USAGE = TidalCommands.SIGNAL_USAGE;

  /**
   * Session writes, by the contract of {@code SignalStore.signal(Signal, Durability, SessionSeq)}.
   */
  static final class SessionStore extends TidalCommandsTest.RecordingStore {
    final List<String> sessionCalls = new ArrayList<>();
    final List<Durability> durabilities = new ArrayList<>();
    final Map<String, Signal> stored = new HashMap<>();
    final Map<String, SignalAck> acks = new HashMap<>();
    RuntimeException failNext;

    @Override
    public SignalAck signal(Signal s, Durability d) {
      durabilities.add(d);
      return super.signal(s, d);
    }

    @Override
    public SignalAck signal(Signal s, Durability d, SessionSeq session) {
      durabilities.add(d);
      sessionCalls.add(
          s.entity() + "/" + s.weight() + "@" + s.eventTime().epochMillis() + " " + session);
      if (failNext != null) {
        RuntimeException e = failNext;
        failNext = null;
        throw e;
      }
      String key = s.tenant() + "/" + session.session() + "/" + session.seq();
      Signal first = stored.putIfAbsent(key, s);
      if (first != null && !first.equals(s)) {
        throw new InvalidArgumentException("seq", session.seq(), "payload differs");
      }
      return acks.computeIfAbsent(
          key,
          k ->
              new SignalAck(
                  ShardId.of(1), 10 + acks.size(), new HlcStamp(HlcStamp.pack(NOW, 0)), d));
    }
  }

  final SessionStore store = new SessionStore();
  final AtomicLong clock = new AtomicLong(NOW);
  final TidalCommands commands =
      new TidalCommands(() -> store, List::of, clock::get, () -> 0xABCDEFL);

  @Test
  void shouldWriteThroughTheSessionPathNamingSessionSeqAndEventTime() {
    assertEquals(
        "ok: durable at LOCAL, stored by region-0: shard-1 position 10 stamp "
            + NOW
            + ".0 (session 5e55000000000042 seq 3, at "
            + NOW
            + ")",
        commands.signal(
            "default", "view", "42", "1.5", "--session", "5E55000000000042", "--seq", "3"));
    assertEquals(
        List.of("42/1.5@" + NOW + " session 5e55000000000042 seq 3 (acked below 3)"),
        store.sessionCalls);
    assertTrue(store.calls.isEmpty(), "not through the session-less path");
  }

  @Test
  void shouldPrintTheSameAcknowledgementForARetryAndStoreItOnce() {
    String first = commands.signal("default", "view", "42", "1", "--session", "7f3a", "--seq", "1");
    clock.addAndGet(5_000); // typed again five seconds later: the same event time is sent
    String retry = commands.signal("default", "view", "42", "1", "--session", "7f3a", "--seq", "1");
    assertEquals(first, retry);
    assertEquals(1, store.stored.size());
    assertEquals(store.sessionCalls.get(0), store.sessionCalls.get(1));
    String next = commands.signal("default", "view", "42", "1", "--session", "7f3a", "--seq", "2");
    assertTrue(
        next.startsWith("ok: durable at LOCAL, stored by region-0: shard-1 position 11 "), next);
    assertTrue(next.endsWith("seq 2, at " + (NOW + 5_000) + ")"), next);
  }

  @Test
  void shouldSendAckedBelowAsGivenOrTheSeq() {
    commands.signal("default", "view", "1", "1", "--session", "a", "--seq", "5");
    commands.signal(
        "default", "view", "1", "1", "--acked-below", "2", "--seq", "6", "--session", "a");
    assertTrue(
        store.sessionCalls.get(0).endsWith("seq 5 (acked below 5)"), store.sessionCalls.get(0));
    assertTrue(
        store.sessionCalls.get(1).endsWith("seq 6 (acked below 2)"), store.sessionCalls.get(1));
  }

  @Test
  void shouldOpenANewSessionAtSeq1AndNameItsId() {
    assertEquals(
        "ok: durable at LOCAL, stored by region-0: shard-1 position 10 stamp "
            + NOW
            + ".0 (session 0000000000abcdef seq 1, at "
            + NOW
            + ")",
        commands.signal("default", "view", "42", "-1.5", "--session", "new"));
    assertEquals(
        List.of("42/-1.5@" + NOW + " session 0000000000abcdef seq 1 (acked below 1)"),
        store.sessionCalls);
  }

  @Test
  void shouldUseAtAsTheEventTimeAndAcceptARetryFromAnotherConsoleWithIt() {
    String first = commands.signal("default", "view", "42", "1", "--session", "7f3a", "--seq", "1");
    TidalCommands restarted = new TidalCommands(() -> store, List::of, () -> NOW + 60_000, () -> 1);
    assertEquals(
        "error: invalid seq: 1 (payload differs) (session 0000000000007f3a seq 1, at "
            + (NOW + 60_000)
            + ")",
        restarted.signal("default", "view", "42", "1", "--session", "7f3a", "--seq", "1"),
        "without --at a new console sends another event time");
    assertEquals(
        first,
        restarted.signal(
            "default", "view", "42", "1", "--session", "7f3a", "--seq", "1", "--at", "" + NOW));
    assertEquals(
        first,
        restarted.signal("default", "view", "42", "1", "--session", "7f3a", "--seq", "1"),
        "the --at of the answered retry is remembered");
    assertEquals(1, store.stored.size());
    assertEquals(
        "ok: durable at LOCAL, stored by region-0: shard-2 position 17 stamp " + NOW + ".3",
        commands.signal("default", "view", "42", "1", "--at", "" + (NOW - 1_000)));
    assertEquals(List.of("default/view/42/1.0@" + (NOW - 1_000)), store.calls);
  }

  @Test
  void shouldNameTheValuesToRetryWithAfterAnAmbiguousFailure() {
    store.failNext = new UnavailableException("no leader for shard-1 within 2000 ms", true, null);
    assertEquals(
        "error: no leader for shard-1 within 2000 ms (session 0000000000abcdef seq 1, at "
            + NOW
            + ")\nretry with the same values: --session 0000000000abcdef --seq 1 --at "
            + NOW
            + " (it may be stored: a retry counts it at most once)",
        commands.signal("default", "view", "42", "1", "--session", "new"));
    clock.addAndGet(1_000);
    String retry =
        commands.signal("default", "view", "42", "1", "--session", "abcdef", "--seq", "1");
    assertTrue(retry.startsWith("ok: ") && retry.endsWith("at " + NOW + ")"), retry);
  }

  @Test
  void shouldRefuseBadSessionValuesNamingThemAndStoreNothing() {
    assertEquals(
        "error: invalid session: 'xyz' (must be a session id of 1 to 16 hex digits, or new)\n"
            + USAGE,
        commands.signal("default", "view", "1", "1", "--session", "xyz", "--seq", "1"));
    assertEquals(
        "error: invalid session: '12345678901234567' (must be a session id of 1 to 16 hex digits,"
            + " or new)\n"
            + USAGE,
        commands.signal(
            "default", "view", "1", "1", "--session", "12345678901234567", "--seq", "1"));
    assertEquals(
        "error: invalid session: '000' (must not be 0 (0 means no session))",
        commands.signal("default", "view", "1", "1", "--session", "000", "--seq", "1"));
    assertEquals(
        "error: invalid seq: 0 (must be at least 1)",
        commands.signal("default", "view", "1", "1", "--session", "7f", "--seq", "0"));
    assertEquals(
        "error: invalid seq: -4 (must be at least 1)",
        commands.signal("default", "view", "1", "1", "--session", "new", "--seq", "-4"));
    assertEquals(
        "error: invalid seq: 'one' (must be a whole number)\n" + USAGE,
        commands.signal("default", "view", "1", "1", "--session", "7f", "--seq", "one"));
    assertEquals(
        "error: invalid acked-below: 4 (must be from 1 to the seq 3)",
        commands.signal(
            "default", "view", "1", "1", "--session", "7f", "--seq", "3", "--acked-below", "4"));
    assertEquals(
        "error: invalid acked-below: 0 (must be from 1 to the seq 3)",
        commands.signal(
            "default", "view", "1", "1", "--session", "7f", "--seq", "3", "--acked-below", "0"));
    assertEquals(
        "error: invalid at: 'noon' (must be a time in ms since the epoch)\n" + USAGE,
        commands.signal("default", "view", "1", "1", "--at", "noon"));
    assertTrue(store.sessionCalls.isEmpty(), store.sessionCalls.toString());
    assertTrue(store.calls.isEmpty(), store.calls.toString());
  }

  @Test
  void shouldWriteAtTheDurabilityGivenAndLocalWithoutOne() {
    commands.signal("default", "view", "1", "1");
    commands.signal("default", "view", "1", "1", "--durability", "quorum");
    commands.signal("default", "view", "1", "1", "--durability", "ALL", "--at", "5");
    commands.signal("default", "view", "1", "1", "--session", "7f", "--seq", "1");
    commands.signal(
        "default", "view", "1", "1", "--session", "7f", "--seq", "2", "--durability", "Quorum");
    assertEquals(
        List.of(
            Durability.LOCAL,
            Durability.QUORUM,
            Durability.ALL,
            Durability.LOCAL,
            Durability.QUORUM),
        store.durabilities);
  }

  @Test
  void shouldRefuseAnUnknownDurabilityNamingItAndStoreNothing() {
    assertEquals(
        "error: invalid durability: 'twice' (must be local, quorum or all)\n" + USAGE,
        commands.signal("default", "view", "1", "1", "--durability", "twice"));
    assertEquals(
        "error: option --durability given twice ('quorum', 'all')\n" + USAGE,
        commands.signal(
            "default", "view", "1", "1", "--durability", "quorum", "--durability", "all"));
    assertTrue(store.durabilities.isEmpty(), store.durabilities.toString());
  }

  @Test
  void shouldAnswerMalformedOptionsWithTheUsageLineAndStoreNothing() {
    assertEquals(
        "error: --session 7f needs --seq <n> (the write's seq in the session, from 1)\n" + USAGE,
        commands.signal("default", "view", "1", "1", "--session", "7f"));
    assertEquals(
        "error: --seq and --acked-below belong to a session write: add --session\n" + USAGE,
        commands.signal("default", "view", "1", "1", "--seq", "2"));
    assertEquals(
        "error: unknown option '--sesion'\n" + USAGE,
        commands.signal("default", "view", "1", "1", "--sesion", "7f"));
    assertEquals(
        "error: option --seq given twice ('1', '2')\n" + USAGE,
        commands.signal(
            "default", "view", "1", "1", "--session", "7f", "--seq", "1", "--seq", "2"));
    assertEquals(
        "error: option --seq needs a value\n" + USAGE,
        commands.signal("default", "view", "1", "1", "--session", "7f", "--seq"));
    assertEquals(USAGE, commands.signal("default", "view", "1", "--session", "7f", "--seq", "1"));
    assertEquals(USAGE, commands.signal("default", "view", "1", "1", "2"));
    assertTrue(store.sessionCalls.isEmpty(), store.sessionCalls.toString());
    assertTrue(store.calls.isEmpty(), store.calls.toString());
  }

  @Test
  void shouldForgetTheEventTimeOfASessionWriteOnlyAfterTheLast1024() {
    commands.signal("default", "view", "1", "1", "--session", "1", "--seq", "1");
    clock.addAndGet(1_000);
    for (int seq = 2; seq <= SignalCommand.REMEMBERED; seq++) {
      commands.signal("default", "view", "1", "1", "--session", "1", "--seq", "" + seq);
    }
    assertTrue(
        commands
            .signal("default", "view", "1", "1", "--session", "1", "--seq", "1")
            .startsWith("ok:"),
        "the 1,024th most recent is still remembered");
    for (int seq = 1; seq <= SignalCommand.REMEMBERED; seq++) {
      commands.signal("default", "view", "2", "1", "--session", "2", "--seq", "" + seq);
    }
    assertTrue(
        commands
            .signal("default", "view", "1", "1", "--session", "1", "--seq", "1")
            .startsWith("error: invalid seq: 1 (payload differs)"),
        "forgotten: sent at the current time");
  }

  @Test
  void shouldSayWhenTheStoreTakesNoSessionWrites() {
    TidalCommandsTest.RecordingStore plain = new TidalCommandsTest.RecordingStore();
    TidalCommands c = new TidalCommands(() -> plain, List::of, () -> NOW, () -> 1);
    String answer = c.signal("default", "view", "1", "1", "--session", "7f", "--seq", "1");
    assertTrue(answer.startsWith("error: this store takes no session writes ("), answer);
    assertTrue(plain.calls.isEmpty());
  }
}
