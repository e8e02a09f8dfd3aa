package io.tidaldb.replication.node;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.session.client.RetryPolicy;
import io.tidaldb.session.client.Session;
import io.tidaldb.session.client.SimRetries;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The simulation's client sessions: a few sessions per run ({@link Session}, the real seq counter
 * and ackedBelow), whose writes go a running region's write path ({@link SimWriters}) and, at the
 * leader, the real leader's check ({@code SessionWrites} via the model store). A third of the
 * writes are session batch parts: 2 to 8 signals of one shard under one seq, routed as a single
 * write is (the same decisions, forward, wait and failure) and at the leader checked and appended
 * once, as one {@code SIGNAL_BATCH_S} record ({@code SessionWrites.writePart}); every attempt sends
 * the same signals in the same order. An attempt whose outcome is ambiguous (the acknowledgement
 * failed: the leader crashed, was deposed or stepped down, or its QUORUM/ALL wait timed out; a
 * forward's reply lost ("sent, no reply"); the region it went to died; no answer within {@link
 * #ATTEMPT_TIMEOUT_NANOS}) or says nothing was stored is retried with the same (session, seq) and
 * payload at a random running region after the real client's back-off ({@link SimRetries}, {@link
 * RetryPolicy#DEFAULTS}), in virtual time, until acknowledged; a LOCAL write's second attempt goes
 * to the same region first, as {@code SessionClient} does. A late acknowledgement of an attempt
 * whose timeout passed is taken, as the client takes it. A LOCAL write's retries go at QUORUM once
 * an earlier attempt may have stored it, as {@code SessionClient} sends them ({@link #levelOf};
 * {@code -Dsimulation.localRetries=local} for every retry at LOCAL, the client's old way).
 */
final class SimClients {
  /** Sessions per run. */
  static final int SESSIONS = 3;

  /** The chance that a forwarded session write's reply is lost (sent, no reply). */
  static final double LOST_REPLY = 0.1;

  /**
   * How long an attempt may take before it counts as ambiguous: the test kit's session policy (the
   * leader wait, 1 s, plus twice the durability timeout, 2 s, plus 2 s).
   */
  static final long ATTEMPT_TIMEOUT_NANOS = 7_000 * Sim.MS;

  /** The chance that a session write is a session batch's part (several signals of one shard). */
  static final double PART = 1.0 / 3;

  /** The fewest signals of a part. */
  static final int PART_MIN = 2;

  /** The most signals of a part. */
  static final int PART_MAX = 8;

  private static final Durability[] LEVELS = Durability.values();
  private static final SignalType TYPE = SignalType.of(ModelStore.TYPE);
  private static final long EVENT_TIME_BASE = 1_750_000_000_000L;

  /**
   * One client write of a session and its attempts: one signal, or a session batch's part of {@link
   * #PART_MIN} to {@link #PART_MAX} signals of one shard (entities of the shard, distinct or
   * repeated, each with its own weight and event time) under the one seq, every attempt sending the
   * same signals in the same order, as {@code SessionClient.signalBatch} does.
   */
  static final class Write {
    final Session session;
    final SessionSeq first;
    final int shard;
    final Durability level;
    final List<Signal> signals;
    final boolean part;
    final List<Attempt> attempts = new ArrayList<>();
    final List<SignalAck> acks = new ArrayList<>(); // every acknowledgement the client got
    SignalAck ack; // the first
    String refusal;
    boolean done;
    long retryAt = -1;

    Write(
        Session session,
        SessionSeq first,
        int shard,
        Durability level,
        List<Signal> signals,
        boolean part) {
      this.session = session;
      this.first = first;
      this.shard = shard;
      this.level = level;
      this.signals = List.copyOf(signals);
      this.part = part;
    }

    /** Whether one of its signals is of {@code entity}. */
    boolean touches(long entity) {
      for (Signal s : signals) {
        if (s.entity().value() == entity) {
          return true;
        }
      }
      return false;
    }

    @Override
    public String toString() {
      StringBuilder b =
          new StringBuilder(
              String.format(
                  "session %s seq %d (%s, shard %d, %s): %s",
                  SessionSeq.hex(first.session()),
                  first.seq(),
                  level,
                  shard,
                  describe(),
                  ack != null ? "acknowledged " + ack : refusal != null ? refusal : "pending"));
      for (Attempt a : attempts) {
        b.append("\n      attempt ").append(a);
      }
      return b.toString();
    }

    private String describe() {
      StringBuilder b = new StringBuilder(part ? "a part of " + signals.size() + ": " : "");
      for (int i = 0; i < signals.size(); i++) {
        Signal s = signals.get(i);
        b.append(i == 0 ? "" : ", ")
            .append(String.format("entity %d weight %.0f", s.entity().value(), s.weight()));
      }
      return b.toString();
    }
  }

  /** One attempt of a write at one region. */
  static final class Attempt {
    final Write write;
    final int n;
    final int region;
    final int incarnation;
    final SessionSeq seq;
    final long started;
    int holder = -1; // the leader that took it (checked it, appended it or answered it)
    int holderIncarnation;
    long hlc; // the stamp a new record got (a part's: its last signal's)
    boolean forwarded;
    boolean replyLost;
    boolean open = true;
    boolean heard = true; // false once the client can no longer get its answer
    boolean definite; // its outcome said nothing was stored
    String outcome = "pending";

    Attempt(Write write, int n, SimRegion r, SessionSeq seq, long started) {
      this.write = write;
      this.n = n;
      this.region = r.index;
      this.incarnation = r.incarnation();
      this.seq = seq;
      this.started = started;
    }

    @Override
    public String toString() {
      return n
          + " at region "
          + region
          + " ("
          + SimTrace.ms(started)
          + (holder >= 0 ? (forwarded ? ", forwarded to " : ", taken by ") + holder : "")
          + (hlc != 0 ? ", own stamp " + hlc : "")
          + ", acked below "
          + seq.ackedBelow()
          + "): "
          + outcome;
    }
  }

  private final Sim sim;
  private final SimWriters writers;
  private final List<Session> sessions = new ArrayList<>();
  private final List<Write> writes = new ArrayList<>();
  private final List<Attempt> open = new ArrayList<>();
  private int retries;
  private int duplicates;
  private int lostReplies;
  private int parts;
  private int partSignals;

  SimClients(Sim sim, SimWriters writers) {
    this.sim = sim;
    this.writers = writers;
    for (int i = 0; i < SESSIONS; i++) {
      sessions.add(Session.of(ModelStore.TENANT, sim.random().nextLong() | 1, 1));
    }
  }

  List<Write> writes() {
    return writes;
  }

  int retries() {
    return retries;
  }

  /** Acknowledgements answered from an earlier record (the table's or an attempt in flight). */
  int duplicates() {
    return duplicates;
  }

  int lostReplies() {
    return lostReplies;
  }

  /** How many of the writes are session batch parts. */
  int parts() {
    return parts;
  }

  /** How many signals the parts hold. */
  int partSignals() {
    return partSignals;
  }

  /**
   * Starts one session write: a session, a shard, a level and a payload (a third of them a part of
   * 2 to 8 signals of the shard).
   */
  void write() {
    Session session = sessions.get(sim.random().nextInt(SESSIONS));
    int shard = sim.random().nextInt(sim.shards());
    Durability level = LEVELS[sim.random().nextInt(LEVELS.length)];
    boolean part = sim.random().nextDouble() < PART;
    int n = part ? PART_MIN + sim.random().nextInt(PART_MAX - PART_MIN + 1) : 1;
    List<Signal> signals = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      long entity = shard * SimWriters.ENTITY_SPACE + sim.random().nextInt(SimWriters.ENTITIES);
      double weight = 1 + sim.random().nextInt(1_000);
      long eventTime = EVENT_TIME_BASE + sim.random().nextLong(6 * 3_600_000L);
      signals.add(
          new Signal(
              ModelStore.TENANT, TYPE, EntityId.of(entity), weight, Timestamp.ofMillis(eventTime)));
    }
    parts += part ? 1 : 0;
    partSignals += part ? n : 0;
    Write w = new Write(session, session.next(), shard, level, signals, part);
    writes.add(w);
    attempt(w);
  }

  /** Retries that are due; ambiguous outcomes of attempts whose regions died or timed out. */
  void step() {
    for (Attempt a : List.copyOf(open)) {
      SimRegion origin = sim.regions().get(a.region);
      SimRegion holder = a.holder < 0 ? null : sim.regions().get(a.holder);
      if (!origin.up() || origin.incarnation() != a.incarnation) {
        a.heard = false;
        close(a, "ambiguous: region " + a.region + " died before answering");
      } else if (holder != null && (!holder.up() || holder.incarnation() != a.holderIncarnation)) {
        a.heard = false;
        close(a, "ambiguous: the leader, region " + a.holder + ", died before answering");
      } else if (sim.now() - a.started >= ATTEMPT_TIMEOUT_NANOS) {
        close(a, "ambiguous: no answer in " + SimTrace.ms(ATTEMPT_TIMEOUT_NANOS));
      }
    }
    for (Write w : writes) {
      if (!w.done && w.retryAt >= 0 && w.retryAt <= sim.now()) {
        w.retryAt = -1;
        retries++;
        attempt(w);
      }
    }
  }

  /** Whether a write still waits for its acknowledgement or an attempt for its answer. */
  boolean anyPending() {
    if (!open.isEmpty()) {
      return true;
    }
    for (Write w : writes) {
      if (!w.done) {
        return true;
      }
    }
    return false;
  }

  /**
   * The leader's check of attempt {@code a} at {@code leader} (its own, or forwarded to it), fenced
   * by {@code epoch}: false if it no longer leads (nothing stored; the path decides again).
   */
  boolean store(Attempt a, SimRegion leader, long epoch, boolean forwarded) {
    Write w = a.write;
    Durability level = levelOf(a);
    long hlc;
    CompletableFuture<SignalAck> reply;
    try {
      if (w.part) { // the real writePart: one check and one record for the part's signals
        long[] stamps = new long[w.signals.size()];
        for (int i = 0; i < stamps.length; i++) {
          stamps[i] = writers.nextId();
        }
        hlc = stamps[stamps.length - 1];
        reply =
            leader
                .store()
                .sessionWrites()
                .writePart(w.signals, stamps, w.shard, epoch, level, a.seq);
      } else {
        hlc = writers.nextId();
        reply =
            leader
                .store()
                .sessionWrites()
                .write(w.signals.get(0), w.shard, epoch, hlc, level, a.seq);
      }
    } catch (NotLeaderException e) {
      return false;
    } catch (InvalidArgumentException e) { // REFUSED: nothing stored; the write ends
      a.definite = a.open || a.definite;
      close(a, "refused: " + e.getMessage());
      if (!w.done) {
        w.done = true;
        w.refusal = "refused at region " + leader.index + ": " + e.getMessage();
        w.session.settled(w.first.seq());
      }
      return true;
    }
    a.hlc = hlc;
    a.holder = leader.index;
    a.holderIncarnation = leader.incarnation();
    a.forwarded = forwarded;
    a.replyLost = forwarded && sim.random().nextDouble() < LOST_REPLY;
    reply.whenComplete((ack, failure) -> answered(a, ack, failure));
    return true;
  }

  /**
   * The level attempt {@code a} asks for, as {@code SessionWrite.levelOf}: the write's, but a LOCAL
   * write's attempts go at QUORUM once an earlier attempt may have stored it (an ambiguous
   * outcome), at the same region too (unless {@code -Dsimulation.localRetries=local}).
   */
  static Durability levelOf(Attempt a) {
    Write w = a.write;
    if (w.level != Durability.LOCAL || !Sim.localRetriesAtQuorum()) {
      return w.level;
    }
    for (Attempt earlier : w.attempts) {
      if (earlier == a) {
        break;
      }
      if (!earlier.definite) {
        return Durability.QUORUM;
      }
    }
    return Durability.LOCAL;
  }

  /** The attempt's route stored nothing and said so (FAIL, the local stream's refusal). */
  void notStored(Attempt a, String why) {
    a.definite = a.open || a.definite;
    close(a, "not stored: " + why);
  }

  private void answered(Attempt a, SignalAck ack, Throwable failure) {
    if (a.replyLost) {
      lostReplies++;
      close(a, "ambiguous: sent, no reply (the leader " + (ack != null ? "acked" : "failed") + ")");
      return;
    }
    if (!a.heard) {
      return;
    }
    if (ack == null) {
      close(a, "ambiguous: " + failure);
      return;
    }
    Write w = a.write;
    boolean late = !a.open;
    a.open = false;
    open.remove(a);
    a.outcome = (late ? "late ack " : "acknowledged ") + ack;
    w.acks.add(ack);
    duplicates += ack.stamp().value() != a.hlc ? 1 : 0;
    if (!w.done) {
      w.done = true;
      w.ack = ack;
      w.session.settled(w.first.seq());
    }
  }

  private void close(Attempt a, String why) {
    if (!a.open) {
      return;
    }
    a.open = false;
    a.outcome = why;
    open.remove(a);
    Write w = a.write;
    if (!w.done && w.attempts.get(w.attempts.size() - 1) == a) {
      int next = w.attempts.size() + 1;
      w.retryAt =
          sim.now()
              + SimRetries.backoffNanos(
                  RetryPolicy.DEFAULTS, w.first.session(), w.first.seq(), next);
    }
  }

  /** A new attempt of {@code w} at a running region (the same first for a LOCAL write's second). */
  private void attempt(Write w) {
    List<SimRegion> running = new ArrayList<>();
    for (SimRegion r : sim.regions()) {
      if (r.running()) {
        running.add(r);
      }
    }
    int n = w.attempts.size() + 1;
    if (running.isEmpty()) {
      w.retryAt =
          sim.now()
              + SimRetries.backoffNanos(
                  RetryPolicy.DEFAULTS, w.first.session(), w.first.seq(), n + 1);
      return;
    }
    SimRegion r = running.get(sim.random().nextInt(running.size()));
    if (n == 2 && w.level == Durability.LOCAL) {
      SimRegion same = sim.regions().get(w.attempts.get(0).region);
      r = same.running() ? same : r;
    }
    SessionSeq seq =
        n == 1 ? w.first : new SessionSeq(w.first.session(), w.first.seq(), w.session.ackedBelow());
    Attempt a = new Attempt(w, n, r, seq, sim.now());
    w.attempts.add(a);
    open.add(a);
    writers.startSession(a, r);
  }
}
