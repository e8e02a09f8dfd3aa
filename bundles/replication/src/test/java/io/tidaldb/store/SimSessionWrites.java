package io.tidaldb.store;

import io.tidaldb.api.Durability;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.wal.SignalPart;
import io.tidaldb.session.table.Decision;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The data-path simulation's window on the leader's check of session writes (test code in the
 * store's package): one region's real {@link SessionWrites} (the writes in flight, then the shard's
 * session table: DUPLICATE answered with the original record's acknowledgement, REFUSED, NEW
 * appended) over the simulation's model store, for single writes and session batch parts ({@code
 * writePart}: the real {@link SessionPart}, one record), and the real payload hash ({@link
 * SessionPayload}).
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

    /**
     * Appends a session batch's part as one {@code SIGNAL_BATCH_S} record fenced by {@code epoch};
     * the ticket of its last signal.
     */
    long appendPart(
        SignalPart part, int shard, long epoch, SessionSeq seq, int payloadHash, Durability level);

    /** The acknowledgement of the record at {@code ticket} once stored at {@code level}. */
    CompletableFuture<SignalAck> stored(long ticket, long hlc, Durability level);
  }

  /** The series id of the simulation's one signal type in every shard. */
  public static final int SERIES = 1;

  private final SessionWrites writes;
  private long[] partStamps; // the stamps of the part being written (single-threaded)

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

              @Override
              public SessionPart preparePart(List<Signal> signals, int shard, long epoch) {
                SessionPart part = new SessionPart(signals.size());
                for (int i = 0; i < signals.size(); i++) {
                  part.set(i, signals.get(i), SERIES, partStamps[i]);
                }
                return part;
              }

              @Override
              public long appendPart(
                  SessionPart part,
                  int shard,
                  long epoch,
                  SessionSeq seq,
                  int payloadHash,
                  Durability level) {
                return shards.appendPart(part, shard, epoch, seq, payloadHash, level);
              }
            },
            shardCount);
  }

  /** {@code SessionWrites.write}: the leader's check and append of one attempt. */
  public CompletableFuture<SignalAck> write(
      Signal signal, int shard, long epoch, long hlc, Durability level, SessionSeq seq) {
    return writes.write(signal, shard, epoch, hlc, level, seq);
  }

  /**
   * {@code SessionWrites.writePart}: the leader's check and append of one attempt of a session
   * batch's part (signals of one shard, in the batch's order) as one record; the acknowledgement of
   * its last signal.
   *
   * @param stamps the fresh stamps (the simulation's signal ids) {@code preparePart} gives the
   *     signals, increasing, one per signal (the store draws them from its clock there)
   */
  public CompletableFuture<SignalAck> writePart(
      List<Signal> signals,
      long[] stamps,
      int shard,
      long epoch,
      Durability level,
      SessionSeq seq) {
    if (stamps.length != signals.size()) {
      throw new IllegalArgumentException(
          stamps.length + " stamps for a part of " + signals.size() + " signals");
    }
    partStamps = stamps;
    try {
      return writes.writePart(signals, shard, epoch, level, seq);
    } finally {
      partStamps = null;
    }
  }

  /** {@code SessionWrites.forget}: the shard's log was cut. */
  public void forget(int shard) {
    writes.forget(shard);
  }

  /** The real payload hash of a session write. */
  public static int payloadHash(Signal signal) {
    return SessionPayload.hash(signal);
  }

  /** The real payload hash of a session batch's part. */
  public static int payloadHash(List<Signal> signals) {
    return SessionPayload.hash(signals);
  }
}
