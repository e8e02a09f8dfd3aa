package io.tidaldb.replication.node;

import io.tidaldb.api.Durability;
import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalTickets;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.api.wal.SignalPart;
import io.tidaldb.session.table.Decision;
import io.tidaldb.session.table.SessionConfig;
import io.tidaldb.session.table.SessionTable;
import io.tidaldb.store.SimSessionWrites;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * The model store's session half, per shard: the real {@link SessionTable} fed the shard log's
 * records in position order ({@code SIGNAL_S} applies, a part ({@code SIGNAL_BATCH_S}) at its last
 * signal, {@code SIGNAL} and a part's other signals advance, as the store's {@code ShardSessions}),
 * the real leader's check ({@link SimSessionWrites}, single writes and parts) over it and the log,
 * and the entities whose state holds a QUORUM/ALL session record not known committed (as the
 * store's {@code PendingSessions}: per entity the highest such record's position, complete from the
 * log's start after a restart, and after a cut from the known commit on), told the known commit by
 * replication ({@code ReplicaState.onCommitted}); a reconciliation session gives away no state of a
 * {@link #pending} entity ({@link SimReconcile}).
 */
final class ModelSessions implements SimSessionWrites.Shards {
  private final int self;
  private final SimLog[] logs;
  private final SessionTable[] tables;
  private final SimSessionWrites writes;
  private final long[] committed;
  private final long[] trackedFrom;
  private final List<Map<Long, Long>> pending = new java.util.ArrayList<>();
  private ReplicationNode node;

  ModelSessions(int self, SimLog[] logs) {
    this.self = self;
    this.logs = logs;
    this.tables = new SessionTable[logs.length];
    this.committed = new long[logs.length];
    this.trackedFrom = new long[logs.length];
    for (int i = 0; i < logs.length; i++) {
      tables[i] = new SessionTable(SessionConfig.DEFAULTS);
      pending.add(new TreeMap<>());
    }
    this.writes = new SimSessionWrites(this, logs.length);
  }

  void attach(ReplicationNode node) {
    this.node = node;
  }

  SimSessionWrites writes() {
    return writes;
  }

  SessionTable table(int shard) {
    return tables[shard];
  }

  /** The commit thread's step for a durable batch of the shard log. */
  void apply(SimBatch b) {
    feed(tables[b.shard()], b, Long.MAX_VALUE);
    track(b, trackedFrom[b.shard()], Long.MAX_VALUE);
  }

  /**
   * A cut at {@code position}: the table of the surviving prefix, the writes in flight forgotten,
   * the pending entities rebuilt from the known commit (or where they are known from) to the cut.
   */
  void cut(int shard, long position, List<SimBatch> batches) {
    SessionTable rebuilt = new SessionTable(SessionConfig.DEFAULTS);
    long from = Math.min(position, Math.max(committed[shard], trackedFrom[shard]));
    pending.get(shard).clear();
    trackedFrom[shard] = from;
    for (SimBatch b : batches) {
      if (b.firstPosition() < position) {
        feed(rebuilt, b, position);
        track(b, from, position);
      }
    }
    tables[shard] = rebuilt;
    writes.forget(shard);
  }

  /** Every record of {@code shard}'s log below {@code position} is committed. */
  void committed(int shard, long position) {
    committed[shard] = Math.max(committed[shard], position);
  }

  /** The known commit of {@code shard} (exclusive: every record below it is committed). */
  long committed(int shard) {
    return committed[shard];
  }

  /** Whether the state of {@code entity} holds a QUORUM/ALL session record not known committed. */
  boolean pending(long entity) {
    int shard = ModelStore.shardOf(entity);
    Long p = pending.get(shard).get(entity);
    return p != null && p >= committed[shard];
  }

  /**
   * Why a reconciliation now would leave a state of this region out (an entity pending in some
   * shard), or null.
   */
  String withholds() {
    for (int shard = 0; shard < logs.length; shard++) {
      for (Map.Entry<Long, Long> e : pending.get(shard).entrySet()) {
        if (e.getValue() >= committed[shard]) {
          return "entity "
              + e.getKey()
              + " holds a session record at "
              + e.getValue()
              + " of shard "
              + shard
              + ", known committed below "
              + committed[shard];
        }
      }
    }
    return null;
  }

  private void track(SimBatch b, long from, long end) {
    int shard = b.shard();
    for (int i = 0; i < b.recordCount(); i++) {
      long at = b.firstPosition() + i;
      if (at >= from
          && at < end
          && at >= committed[shard]
          && b.isSession(i)
          && b.durability(i) != Durability.LOCAL) {
        pending.get(shard).merge(b.entity(i), at, Math::max);
      }
    }
  }

  /**
   * Feeds the entries of {@code b} below {@code end} to {@code table}, as {@code
   * ShardSessions.feed}: a session record applies, a part at its last signal (its position and HLC
   * are the part's acknowledgement), every other entry advances.
   */
  private static void feed(SessionTable table, SimBatch b, long end) {
    long[] ids = b.signalIds();
    for (int i = 0; i < b.recordCount() && b.firstPosition() + i < end; i++) {
      if (b.isSession(i) && b.partIndex(i) == b.partSize(i) - 1) {
        SessionSeq s = b.session(i);
        table.apply(
            ModelStore.TENANT,
            s.session(),
            s.seq(),
            s.ackedBelow(),
            b.payloadHash(i),
            b.firstPosition() + i,
            ids[i]);
      } else {
        table.advance(b.firstPosition() + i, ids[i]);
      }
    }
  }

  @Override
  public Decision check(int shard, TenantId tenant, SessionSeq seq, int payloadHash) {
    return tables[shard].check(tenant, seq.session(), seq.seq(), seq.ackedBelow(), payloadHash);
  }

  @Override
  public long appliedBelow(int shard) {
    return tables[shard].appliedBelow();
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
    long position;
    try {
      position =
          logs[shard].appendSessionSignal(
              epoch,
              1,
              signal.entity().value(),
              signal.weight(),
              signal.eventTime().epochMillis(),
              hlc,
              self,
              seq,
              payloadHash,
              level);
    } catch (UnavailableException | InvalidArgumentException e) {
      // fenced, or the log is fed by replication right now: nothing stored
      throw new NotLeaderException(
          RegionId.of(self), shard, epoch, Optional.empty(), e.getMessage());
    }
    return SignalTickets.ticket(shard, position);
  }

  @Override
  public long appendPart(
      SignalPart part, int shard, long epoch, SessionSeq seq, int payloadHash, Durability level) {
    long last;
    try {
      last = logs[shard].appendSessionPart(epoch, part, self, seq, payloadHash, level);
    } catch (UnavailableException | InvalidArgumentException e) {
      // fenced, or the log is fed by replication right now: nothing stored
      throw new NotLeaderException(
          RegionId.of(self), shard, epoch, Optional.empty(), e.getMessage());
    }
    return SignalTickets.ticket(shard, last);
  }

  @Override
  public CompletableFuture<SignalAck> stored(long ticket, long hlc, Durability level) {
    int shard = SignalTickets.shard(ticket);
    long position = SignalTickets.position(ticket);
    return node.whenStored(shard, position, level)
        .thenApply(v -> new SignalAck(ShardId.of(shard), position, new HlcStamp(hlc), level));
  }
}
