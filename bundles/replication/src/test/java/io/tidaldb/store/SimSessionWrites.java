package io.tidaldb.store;

import io.tidaldb.api.Durability;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.TenantId;
import io.tidaldb.session.table.Decision;
import java.util.concurrent.CompletableFuture;

/**
 * The data-path simulation's window on the leader's check of session writes (test code in the
 * store's package): one region's real {@link SessionWrites} (the writes in flight, then the shard's
 * session table: DUPLICATE answered with the original record's acknowledgement, REFUSED, NEW
 * appended) over the simulation's model store, and the real payload hash ({@link SessionPayload}).
 */
public final class SimSessionWrites {
  /** The model store's side, as {@code SessionWrites.Shards}. */
  public interface Shards {
    /** Checks a write against the shard's session table. */
    Decision check(int shard, TenantId tenant, SessionSeq seq, int payloadHash);

    /** The table's applied position. */
    long appliedBelow(int shard);

    /** Appends the session record fenced by {@code epoch}; its ticket. */
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

  private final SessionWrites writes;

  /** The real check over {@code shards}. */
  public SimSessionWrites(Shards shards, int shardCount) {
    this.writes =
        new SessionWrites(
            new SessionWrites.Shards() {
              @Override
              public Decision check(int shard, TenantId tenant, SessionSeq seq, int payloadHash) {
                return shards.check(shard, tenant, seq, payloadHash);
              }

              @Override
              public long appliedBelow(int shard) {
                return shards.appliedBelow(shard);
              }

              @Override
              public long append(
                  Signal signal,
                  int shard,
                  long epoch,
                  long hlc,
                  SessionSeq seq,
                  int payloadHash,
                  Durability level) {
                return shards.append(signal, shard, epoch, hlc, seq, payloadHash, level);
              }

              @Override
              public CompletableFuture<SignalAck> stored(long ticket, long hlc, Durability level) {
                return shards.stored(ticket, hlc, level);
              }
            },
            shardCount);
  }

  /** {@code SessionWrites.write}: the leader's check and append of one attempt. */
  public CompletableFuture<SignalAck> write(
      Signal signal, int shard, long epoch, long hlc, Durability level, SessionSeq seq) {
    return writes.write(signal, shard, epoch, hlc, level, seq);
  }

  /** {@code SessionWrites.forget}: the shard's log was cut. */
  public void forget(int shard) {
    writes.forget(shard);
  }

  /** The real payload hash of a session write. */
  public static int payloadHash(Signal signal) {
    return SessionPayload.hash(signal);
  }
}
