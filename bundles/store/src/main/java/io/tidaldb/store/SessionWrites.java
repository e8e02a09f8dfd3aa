package io.tidaldb.store;

import io.tidaldb.api.Durability;
import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalTickets;
import io.tidaldb.api.TenantId;
import io.tidaldb.session.table.Decision;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The shard leader's at-most-once check of client session writes (docs/design/sessions.md, "The
 * leader's check"): a write of (tenant, session, seq) is appended only if neither the shard's
 * session table (what the log applied), the local streams' tables (this region's local table and
 * its copies of the other regions', {@link LocalSessions}: a write a cut-off region took in its
 * local stream), nor the writes in flight here (appended or being appended, not yet applied) hold
 * it. A retry of a write a local stream took is answered with that original local acknowledgement
 * ({@link #localAck}). The same check guards the local stream's own session appends: a second
 * instance whose {@link Shards} appends to the local log ({@link LocalSessionShards}). A retry of a
 * write the table holds is answered with the original record's acknowledgement once that record is
 * stored at the retry's level; a retry of a write in flight likewise (a retry of a write still
 * appending waits on the shard's monitor for that append, and finds nothing if it stored nothing).
 * A refused write stores nothing.
 *
 * <p>The writes in flight are kept per shard ({@link InFlightWrites}: a ring of primitive arrays in
 * append order, walked only for a seq at or below the session's highest in flight, nothing
 * allocated per write), each with the epoch it was appended in and its position: an entry whose
 * record the table has applied (its position below the table's applied position) or that belongs to
 * another epoch (its record may have been cut since; the table, rebuilt by the cut, decides) is
 * dropped when met, and the ring is swept of them when {@link InFlightWrites#sweepDue} (after twice
 * as many appends as the last sweep kept, 1,024 at the least), so it holds what is really in flight
 * and a bounded rest.
 *
 * <p>Thread-safe: one monitor per shard orders the check, the append and the registration, so a
 * write passes the monitor once (bench/RESULTS.md §17.7: the second pass, to record the append's
 * ticket, cost the writer a locked instruction and a search of the ring per write). The append
 * itself serialises the shard's writers on the log's own lock, so holding the monitor through it
 * adds only the check to what they wait for. What an append may wait on for long, a new series'
 * definition reaching {@code QUORUM}, is done before the monitor ({@link Shards#prepare}).
 */
final class SessionWrites {
  /** The shard's side: its table, applied position, and the leader's append. */
  interface Shards {
    /** Checks a write against the shard's session table (under the table's own monitor). */
    Decision check(int shard, TenantId tenant, SessionSeq seq, int payloadHash);

    /**
     * Checks a write against the shard's local streams' session tables (this region's local table
     * and the copies of the other regions'), under the shard's read lock; a DUPLICATE's position is
     * a local position.
     */
    default Decision checkLocal(int shard, TenantId tenant, SessionSeq seq, int payloadHash) {
      return Decision.NEW;
    }

    /**
     * The acknowledgement of a shard-log record at {@code ticket} that the shard's session table
     * holds, once stored at {@code level} (by default {@link #stored}: this side appends to the
     * shard log).
     */
    default CompletableFuture<SignalAck> logged(long ticket, long hlc, Durability level) {
      return stored(ticket, hlc, level);
    }

    /**
     * Does, before the shard's monitor is taken, what the append of {@code signal} may wait on for
     * long (a new series' definition reaching {@code QUORUM} on a replicated leader), so the append
     * under the monitor does not wait for it; by default nothing.
     *
     * @throws io.tidaldb.api.replication.NotLeaderException if this region no longer leads in
     *     {@code epoch} (nothing stored)
     */
    default void prepare(Signal signal, int shard, long epoch) {}

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

    /**
     * Makes a session batch's part of {@code shard} ready to append, before the shard's monitor:
     * each signal's series (defined if new, as {@link #prepare}) and a fresh stamp.
     *
     * @throws io.tidaldb.api.replication.NotLeaderException if this region no longer leads in
     *     {@code epoch} (nothing stored)
     * @throws UnsupportedOperationException if this side takes no parts (the default)
     */
    default SessionPart preparePart(List<Signal> signals, int shard, long epoch) {
      throw new UnsupportedOperationException(getClass().getName() + " appends no session parts");
    }

    /**
     * Appends a prepared part as one session batch record of this leader, fenced by {@code epoch};
     * the ticket of its last signal.
     *
     * @throws io.tidaldb.api.replication.NotLeaderException if this region no longer leads in
     *     {@code epoch} (nothing stored)
     * @throws UnsupportedOperationException if this side takes no parts (the default)
     */
    default long appendPart(
        SessionPart part,
        int shard,
        long epoch,
        SessionSeq seq,
        int payloadHash,
        Durability level) {
      throw new UnsupportedOperationException(getClass().getName() + " appends no session parts");
    }
  }

  private final Shards shards;
  private final InFlightWrites[] inFlight;

  SessionWrites(Shards shards, int shardCount) {
    this.shards = shards;
    this.inFlight = new InFlightWrites[shardCount];
    for (int i = 0; i < shardCount; i++) {
      inFlight[i] = new InFlightWrites();
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
    shards.prepare(signal, shard, epoch); // what the append may wait on, outside the monitor
    return write(signal.tenant(), shard, epoch, hlc, hash, level, seq, signal, null);
  }

  /**
   * Stores one shard's part of a validated session batch (signals of one tenant and shard, in the
   * batch's order) as this leader's, fenced by {@code epoch}, at most once: checked, appended as
   * one record and registered in flight as a single write is, under the batch's (session, seq) and
   * the part's payload hash ({@link SessionPayload#hash(List)}).
   *
   * @return the acknowledgement of the part's last signal at {@code level} (for a retry: the
   *     original record's)
   * @throws io.tidaldb.api.replication.NotLeaderException if this region no longer leads in {@code
   *     epoch} (nothing stored)
   * @throws InvalidArgumentException if the session table refuses the write
   */
  CompletableFuture<SignalAck> writePart(
      List<Signal> signals, int shard, long epoch, Durability level, SessionSeq seq) {
    int hash = SessionPayload.hash(signals);
    SessionPart part = shards.preparePart(signals, shard, epoch); // outside the monitor
    return write(
        signals.get(0).tenant(), shard, epoch, part.lastStamp(), hash, level, seq, null, part);
  }

  /** {@link #write} and {@link #writePart}: one of {@code signal} and {@code part} is given. */
  private CompletableFuture<SignalAck> write(
      TenantId tenant,
      int shard,
      long epoch,
      long hlc,
      int hash,
      Durability level,
      SessionSeq seq,
      Signal signal,
      SessionPart part) {
    long session = seq.session();
    InFlightWrites f = inFlight[shard];
    long ticket;
    long stamp = hlc;
    synchronized (f) {
      int slot = f.find(tenant, session, seq.seq());
      if (slot >= 0 && f.settled(slot, epoch, shards.appliedBelow(shard))) {
        f.removeAt(slot);
        slot = -1;
      }
      if (slot >= 0) { // a retry of a write in flight: answered with its acknowledgement
        requireSamePayload(f, slot, hash, seq);
        ticket = f.ticket(slot);
        stamp = f.hlc(slot);
      } else {
        Decision d = shards.check(shard, tenant, seq, hash);
        if (d.kind() == Decision.Kind.DUPLICATE) {
          return shards.logged(SignalTickets.ticket(shard, d.position()), d.hlc(), level);
        }
        Decision l = shards.checkLocal(shard, tenant, seq, hash);
        if (l.kind() == Decision.Kind.DUPLICATE) {
          return CompletableFuture.completedFuture(localAck(shard, l));
        }
        if (d.kind() == Decision.Kind.REFUSED || l.kind() == Decision.Kind.REFUSED) {
          Decision r = d.kind() == Decision.Kind.REFUSED ? d : l;
          throw new InvalidArgumentException("seq", seq.seq(), r.message());
        }
        // throws if nothing was stored (a retry then finds nothing here and checks again)
        ticket =
            part == null
                ? shards.append(signal, shard, epoch, hlc, seq, hash, level)
                : shards.appendPart(part, shard, epoch, seq, hash, level);
        f.add(tenant, session, seq.seq(), hash, epoch, ticket, hlc);
        if (f.sweepDue()) {
          f.sweep(epoch, shards.appliedBelow(shard));
        }
      }
    }
    return shards.stored(ticket, stamp, level);
  }

  /**
   * The original acknowledgement of a write a local stream took (a DUPLICATE of a local streams'
   * table): durable at LOCAL in the region that took it (its table is fed only by durable records),
   * local, at that stream's position and with the original HLC.
   */
  static SignalAck localAck(int shard, Decision d) {
    return new SignalAck(
        ShardId.of(shard), d.position(), new HlcStamp(d.hlc()), Durability.LOCAL, true);
  }

  /**
   * Forgets every write in flight of {@code shard} (its log was cut: what was in flight there is
   * either cut or applied, and the table decides).
   */
  void forget(int shard) {
    InFlightWrites f = inFlight[shard];
    synchronized (f) {
      f.clear();
    }
  }

  /** Returns how many writes of {@code shard} are in flight (tests). */
  int inFlight(int shard) {
    InFlightWrites f = inFlight[shard];
    synchronized (f) {
      return f.size();
    }
  }

  /** Refuses a retry whose payload differs from the attempt in flight at {@code slot}. */
  private static void requireSamePayload(InFlightWrites f, int slot, int hash, SessionSeq seq) {
    if (f.payloadHash(slot) != hash) {
      throw new InvalidArgumentException(
          "seq",
          seq.seq(),
          String.format(
              "%s: payload differs from the write it retries, still in flight (a reused"
                  + " session id or a client bug): hash %08x, the first attempt's %08x",
              seq, hash, f.payloadHash(slot)));
    }
  }
}
