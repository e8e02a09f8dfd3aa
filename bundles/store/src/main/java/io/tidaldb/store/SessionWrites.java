package io.tidaldb.store;

import io.tidaldb.api.Durability;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalTickets;
import io.tidaldb.api.TenantId;
import io.tidaldb.session.table.Decision;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The shard leader's at-most-once check of client session writes (docs/design/sessions.md, "The
 * leader's check"): a write of (tenant, session, seq) is appended only if neither the shard's
 * session table (what the log applied) nor the writes in flight here (appended or being appended,
 * not yet applied) hold it. A retry of a write the table holds is answered with the original
 * record's acknowledgement once that record is stored at the retry's level; a retry of a write in
 * flight waits for the first attempt's append and then likewise, and fails as it does if that
 * append stored nothing. A refused write stores nothing.
 *
 * <p>The writes in flight are kept per shard, each with the epoch it was appended in and its
 * position: an entry whose record the table has applied (its position below the table's applied
 * position) or that belongs to another epoch (its record may have been cut since; the table,
 * rebuilt by the cut, decides) is dropped when met, and every {@value #SWEEP_EVERY} appends the map
 * is swept of them, so it holds only what is really in flight. Thread-safe: one monitor per shard
 * orders the check and the registration; the append runs outside it.
 */
final class SessionWrites {
  /** The shard's side: its table, applied position, and the leader's append. */
  interface Shards {
    /** Checks a write against the shard's session table (under the shard's read lock). */
    Decision check(int shard, TenantId tenant, SessionSeq seq, int payloadHash);

    /** The table's applied position: every record below it is in the table. */
    long appliedBelow(int shard);

    /**
     * Appends the write as a session record of this leader, fenced by {@code epoch}, recording the
     * level it is acknowledged at (a cut drops a QUORUM/ALL one, keeps a LOCAL one); its ticket.
     *
     * @throws io.tidaldb.api.replication.NotLeaderException if this region no longer leads in
     *     {@code epoch} (nothing stored)
     */
    long append(
        Signal signal,
        int shard,
        long epoch,
        long hlc,
        SessionSeq seq,
        int payloadHash,
        Durability level);

    /** The acknowledgement of the record at {@code ticket} once stored at {@code level}. */
    CompletableFuture<SignalAck> stored(long ticket, long hlc, Durability level);
  }

  /** How many appends of a shard between two sweeps of its writes in flight. */
  static final int SWEEP_EVERY = 1024;

  private record Key(TenantId tenant, long session, long seq) {}

  /** One write in flight: its payload hash, epoch, and (once appended) ticket and HLC. */
  private static final class Attempt {
    final int payloadHash;
    final long epoch;
    final CompletableFuture<long[]> appended = new CompletableFuture<>();
    volatile long position = -1;

    Attempt(int payloadHash, long epoch) {
      this.payloadHash = payloadHash;
      this.epoch = epoch;
    }
  }

  /** One shard's writes in flight, guarded by itself. */
  private static final class InFlight {
    final Map<Key, Attempt> attempts = new HashMap<>();
    int appendsSinceSweep;
  }

  private final Shards shards;
  private final InFlight[] inFlight;

  SessionWrites(Shards shards, int shardCount) {
    this.shards = shards;
    this.inFlight = new InFlight[shardCount];
    for (int i = 0; i < shardCount; i++) {
      inFlight[i] = new InFlight();
    }
  }

  /**
   * Stores a validated session write as this leader's, fenced by {@code epoch}, at most once.
   *
   * @param hlc the stamp a new record gets
   * @return the acknowledgement at {@code level} (for a retry: the original record's)
   * @throws io.tidaldb.api.replication.NotLeaderException if this region no longer leads in {@code
   *     epoch} (nothing stored)
   * @throws InvalidArgumentException if the session table refuses the write
   */
  CompletableFuture<SignalAck> write(
      Signal signal, int shard, long epoch, long hlc, Durability level, SessionSeq seq) {
    int hash = SessionPayload.hash(signal);
    Key key = new Key(signal.tenant(), seq.session(), seq.seq());
    InFlight f = inFlight[shard];
    Attempt mine;
    Attempt first;
    synchronized (f) {
      first = f.attempts.get(key);
      if (first != null && settled(first, shard, epoch)) {
        f.attempts.remove(key);
        first = null;
      }
      if (first == null) {
        Decision d = shards.check(shard, signal.tenant(), seq, hash);
        switch (d.kind()) {
          case DUPLICATE:
            return shards.stored(SignalTickets.ticket(shard, d.position()), d.hlc(), level);
          case REFUSED:
            throw new InvalidArgumentException("seq", seq.seq(), d.message());
          default:
            break;
        }
        mine = new Attempt(hash, epoch);
        f.attempts.put(key, mine);
        if (++f.appendsSinceSweep >= SWEEP_EVERY) {
          sweep(f, shard, epoch);
        }
      } else if (first.payloadHash != hash) {
        throw new InvalidArgumentException(
            "seq",
            seq.seq(),
            String.format(
                "%s: payload differs from the write it retries, still in flight (a reused"
                    + " session id or a client bug): hash %08x, the first attempt's %08x",
                seq, hash, first.payloadHash));
      } else {
        mine = null;
      }
    }
    if (mine == null) {
      return first.appended.thenCompose(th -> shards.stored(th[0], th[1], level));
    }
    long ticket;
    try {
      ticket = shards.append(signal, shard, epoch, hlc, seq, hash, level);
    } catch (RuntimeException e) {
      synchronized (f) {
        f.attempts.remove(key, mine);
      }
      mine.appended.completeExceptionally(e); // a retry waiting on it fails alike: nothing stored
      throw e;
    }
    mine.position = SignalTickets.position(ticket);
    mine.appended.complete(new long[] {ticket, hlc});
    return shards.stored(ticket, hlc, level);
  }

  /**
   * Forgets every write in flight of {@code shard} (its log was cut: what was in flight there is
   * either cut or applied, and the table decides).
   */
  void forget(int shard) {
    InFlight f = inFlight[shard];
    synchronized (f) {
      f.attempts.clear();
    }
  }

  /** Returns how many writes of {@code shard} are in flight (tests). */
  int inFlight(int shard) {
    InFlight f = inFlight[shard];
    synchronized (f) {
      return f.attempts.size();
    }
  }

  /** Whether the table decides for {@code a} now: applied, or appended in another epoch. */
  private boolean settled(Attempt a, int shard, long epoch) {
    if (a.epoch != epoch) {
      return a.appended.isDone(); // an append still running finishes first, then settles
    }
    long position = a.position;
    return position >= 0 && position < shards.appliedBelow(shard);
  }

  private void sweep(InFlight f, int shard, long epoch) {
    f.appendsSinceSweep = 0;
    for (Iterator<Attempt> it = f.attempts.values().iterator(); it.hasNext(); ) {
      Attempt a = it.next();
      if (settled(a, shard, epoch) || a.appended.isCompletedExceptionally()) {
        it.remove();
      }
    }
  }
}
