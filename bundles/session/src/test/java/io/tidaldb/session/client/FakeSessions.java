package io.tidaldb.session.client;

import io.tidaldb.api.Durability;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.TenantId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The session state every {@link FakeSessionStore} shares (what replication makes one table): per
 * (tenant, session, seq) the first write's signal and acknowledgement, per session the highest
 * {@code ackedBelow} seen, and every breach of the client's promises (a seq sent after an {@code
 * ackedBelow} above it, another signal under a seq). Thread-safe (one lock).
 */
final class FakeSessions {
  record Key(TenantId tenant, long session, long seq) {}

  /** A stored write: its payload (a {@link Signal} or a batch of them), first ack and region. */
  record Stored(Object payload, SignalAck ack, int region) {}

  private record SessionKey(TenantId tenant, long session) {}

  private final Map<Key, Stored> stored = new HashMap<>();
  private final Map<SessionKey, Long> ackedBelow = new HashMap<>();
  private final Map<Long, Long> sentBelow = new HashMap<>();
  private final List<String> violations = new ArrayList<>();
  private int position;
  private final List<SessionSeq> sent = new ArrayList<>();
  private final List<Durability> levels = new ArrayList<>();
  private final Map<Object, Long> seqOf = new HashMap<>();

  /**
   * Checks a call against every earlier one: no seq below an ackedBelow already sent, no signal
   * under two seqs (the workloads write each signal once).
   */
  synchronized void call(int region, Object signal, Durability durability, SessionSeq s) {
    sent.add(s);
    levels.add(durability);
    Long before = seqOf.putIfAbsent(signal, s.seq());
    if (before != null && before != s.seq()) {
      violations.add(signal + " sent under seq " + before + " and then " + s);
    }
    long highest = sentBelow.getOrDefault(s.session(), 1L);
    if (s.seq() < highest) {
      violations.add(
          "region " + region + ": " + s + " sent after acked below " + highest + " was sent");
    }
    sentBelow.put(s.session(), Math.max(highest, s.ackedBelow()));
  }

  /**
   * The store's step: stores a new (tenant, session, seq) or answers its first ack.
   *
   * @throws InvalidArgumentException for a seq below the window or another signal under the seq
   */
  synchronized SignalAck store(
      int region, TenantId tenant, Object signal, Durability durability, SessionSeq s) {
    SessionKey sk = new SessionKey(tenant, s.session());
    long below = ackedBelow.getOrDefault(sk, 1L);
    if (s.seq() < below) {
      throw new InvalidArgumentException(
          "seq", s.seq(), "below the window of session " + SessionSeq.hex(s.session()));
    }
    ackedBelow.put(sk, Math.max(below, s.ackedBelow()));
    Key key = new Key(tenant, s.session(), s.seq());
    Stored first = stored.get(key);
    if (first != null) {
      if (!first.payload().equals(signal)) {
        violations.add(s + ": payload differs: " + first.payload() + " then " + signal);
        throw new InvalidArgumentException("seq", s.seq(), "payload differs");
      }
      return first.ack();
    }
    SignalAck ack = FakeSessionStore.ack(++position, durability);
    stored.put(key, new Stored(signal, ack, region));
    return ack;
  }

  synchronized SignalAck firstAck(TenantId tenant, SessionSeq s) {
    Stored first = stored.get(new Key(tenant, s.session(), s.seq()));
    return first == null ? null : first.ack();
  }

  synchronized Stored stored(TenantId tenant, long session, long seq) {
    return stored.get(new Key(tenant, session, seq));
  }

  /** Every stored record that holds each signal (alone or in a batch). */
  synchronized Map<Signal, List<Stored>> storedBySignal() {
    Map<Signal, List<Stored>> by = new HashMap<>();
    for (Stored st : stored.values()) {
      List<?> signals = st.payload() instanceof List<?> l ? l : List.of(st.payload());
      for (Object signal : signals) {
        by.computeIfAbsent((Signal) signal, k -> new ArrayList<>()).add(st);
      }
    }
    return by;
  }

  synchronized int storedCount() {
    return stored.size();
  }

  /** The seq a signal was first sent under, or -1. */
  synchronized long seqOf(Object signal) {
    return seqOf.getOrDefault(signal, -1L);
  }

  /** Every (session, seq, ackedBelow) sent, in order. */
  synchronized List<SessionSeq> sent() {
    return sent;
  }

  /** The level of every call, in order. */
  synchronized List<Durability> levels() {
    return List.copyOf(levels);
  }

  synchronized List<String> violations() {
    return violations;
  }
}
