package io.tidaldb.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.router.HashShardRouter;
import io.tidaldb.session.client.SessionClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * What a session client's writes in a scenario became, and the exactly-once check: one new entity
 * per write; every write the client reported acknowledged is counted exactly once on every region,
 * every one reported not stored is counted nowhere, and a re-send of an acknowledged write's seq
 * (where the shard still holds it in the session's window) is answered with the very ack the client
 * got.
 */
final class SessionLedger {
  static final SignalType TYPE = SignalType.of("session-view");

  /**
   * One write: its entity, signal, level, seq and outcome. The seq is -1 for a write started while
   * another of the ledger's was in flight: the client may have batched it under a batch's seq.
   */
  static final class Write {
    final long entity;
    final Signal signal;
    final Durability level;
    final long seq;
    final CompletableFuture<SignalAck> result;

    Write(long entity, Signal signal, Durability level, long seq, CompletableFuture<SignalAck> r) {
      this.entity = entity;
      this.signal = signal;
      this.level = level;
      this.seq = seq;
      this.result = r;
    }

    SignalAck ack() {
      return result.join();
    }
  }

  private final SimulatedCluster cluster;
  private final SessionClient client;
  private final HashShardRouter router;
  private final List<Write> writes = new ArrayList<>();
  private long nextEntity;

  SessionLedger(SimulatedCluster cluster, SessionClient client, long firstEntity) {
    this.cluster = cluster;
    this.client = client;
    this.router = new HashShardRouter(cluster.config().shards());
    this.nextEntity = firstEntity;
  }

  /** Starts a write of a new entity of {@code shard} at {@code level}; does not wait. */
  Write start(int shard, Durability level) {
    long e = nextEntity++;
    while (router.shardOf(TenantId.DEFAULT, e) != shard) {
      e = nextEntity++;
    }
    Signal signal = Signal.of(TYPE, EntityId.of(e), 1.0, Timestamp.now());
    boolean alone = true;
    for (Write other : writes) {
      alone &= other.result.isDone();
    }
    long seq = alone ? client.session().nextSeq() : -1;
    Write w = new Write(e, signal, level, seq, client.signalAsync(signal, level));
    writes.add(w);
    return w;
  }

  /** Writes a new entity of {@code shard} and waits for its ack. */
  Write write(int shard, Durability level) {
    Write w = start(shard, level);
    w.ack();
    return w;
  }

  List<Write> writes() {
    return writes;
  }

  /**
   * The last write of each shard, if acknowledged and its seq known (not started while another was
   * in flight, so not in a coalesced batch, whose ackedBelow may have moved every shard's window
   * past older seqs); its seq is still in the shard's window.
   */
  List<Write> lastAckedPerShard() {
    List<Write> last = new ArrayList<>();
    for (int shard = 0; shard < cluster.config().shards(); shard++) {
      Write found = null;
      for (Write w : writes) {
        if (router.shardOf(TenantId.DEFAULT, w.entity) == shard) {
          found = w;
        }
      }
      if (found != null
          && found.seq > 0
          && found.result.isDone()
          && !found.result.isCompletedExceptionally()) {
        last.add(found);
      }
    }
    return last;
  }

  /**
   * Re-sends {@code w} at {@code region} as a client retries: again while it fails unavailable (a
   * change of leader can make a re-send ambiguous too: the return of a shard to its preferred
   * region, say, while the re-send is forwarded to the old leader), at most five times.
   */
  private SignalAck resend(RegionId region, Write w, SessionSeq seq) {
    for (int attempt = 1; ; attempt++) {
      try {
        return cluster.store(region).signalAsync(w.signal, w.level, seq).join();
      } catch (CompletionException e) {
        if (!(e.getCause() instanceof UnavailableException) || attempt == 5) {
          throw new AssertionError(
              "re-send of seq " + w.seq + " at " + region + " (attempt " + attempt + ")",
              e.getCause());
        }
      }
    }
  }

  /**
   * Converges the cluster, then checks exactly-once on every running region, and re-sends each
   * write listed in {@code resend} at every region to compare its ack with the client's.
   */
  void assertExactlyOnce(List<Write> resend) {
    check(false, resend);
  }

  /**
   * As {@link #assertExactlyOnce}, but a write may also have ended ambiguously (its attempts ran
   * out, {@code mayBeStored()} true): it is then counted at most once.
   */
  void check(boolean ambiguousAllowed, List<Write> resend) {
    int acked = 0;
    int notStored = 0;
    List<Write> ambiguous = new ArrayList<>();
    for (Write w : writes) {
      try {
        w.result.get(60, TimeUnit.SECONDS);
        acked++;
      } catch (Exception e) {
        Throwable cause = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
        boolean none = cause instanceof UnavailableException u && !u.mayBeStored();
        assertTrue(
            none || ambiguousAllowed,
            "write of entity " + w.entity + " seq " + w.seq + " ended ambiguously: " + cause);
        if (none) {
          notStored++;
        } else {
          ambiguous.add(w);
        }
      }
    }
    cluster.awaitFullConvergence(java.time.Duration.ofSeconds(30));
    for (RegionId r : cluster.regions()) {
      if (!cluster.node(r).isRunning()) {
        continue;
      }
      for (Write w : writes) {
        long count = cluster.store(r).read(TenantId.DEFAULT, TYPE, EntityId.of(w.entity)).count();
        if (ambiguous.contains(w)) {
          assertTrue(count <= 1, r + " counts entity " + w.entity + " " + count + " times");
          continue;
        }
        long expected = w.result.isCompletedExceptionally() ? 0 : 1;
        assertEquals(
            expected,
            count,
            r + " counts entity " + w.entity + " (seq " + w.seq + ", " + w.level + ")");
      }
    }
    long session = client.session().id();
    for (Write w : resend) {
      for (RegionId r : cluster.regions()) {
        assertTrue(w.seq > 0, "entity " + w.entity + " may be coalesced: its seq is unknown");
        SignalAck again = resend(r, w, new SessionSeq(session, w.seq, w.seq));
        assertEquals(w.ack(), again, "re-send of seq " + w.seq + " at " + r);
        assertEquals(
            1,
            cluster.store(r).read(TenantId.DEFAULT, TYPE, EntityId.of(w.entity)).count(),
            r + " counts entity " + w.entity + " after re-sends");
      }
    }
    System.out.printf(
        "session scenario: %d writes, %d acknowledged, %d not stored, %d ambiguous, %d retries,"
            + " %d late acks%n",
        writes.size(), acked, notStored, ambiguous.size(), client.retries(), client.lateAcks());
  }
}
