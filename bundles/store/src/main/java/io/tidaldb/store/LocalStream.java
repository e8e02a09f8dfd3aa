package io.tidaldb.store;

import io.tidaldb.api.Durability;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.wal.CommitListener;
import io.tidaldb.api.wal.RecordCursor;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import io.tidaldb.api.wal.WalRecordKind;
import io.tidaldb.crdt.CrdtSignalState;
import io.tidaldb.crdt.ReplicaIds;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shard's local stream: the signals this region accepted while it could not reach the shard's
 * leader, appended to the shard's local log ({@code WriteAheadLog.localLog}) and applied, once
 * durable, to the shard's state in this region's local entry.
 *
 * <p>Appends: a signal of a series the shard's registry defines (its DEFINE came through the
 * leader); the first signal of each series since the log was opened is preceded in the local log by
 * its own DEFINE (same id and names), so the local log replays on its own.
 *
 * <p>Apply: the local log's commit thread ({@code tidal-wal-local-<n>}) is the shard state's second
 * writer. It applies a whole durable batch under the shard's write lock (a local batch is at most
 * 256 KiB) and moves {@link #appliedPosition} in the same hold, so any reader of the state under
 * the shard's lock (a checkpoint, the O(1) view of a background snapshot, a cut, an install) sees
 * the state and the local position together. A signal goes to {@code ReplicaIds.local(region,
 * incarnation)} of its record's origin at its local position ({@link CrdtSignalState#applyAt} skips
 * positions below the entry's end): records written before an incarnation bump stay in the entry
 * they were counted in.
 */
final class LocalStream implements CommitListener {
  private static final Logger LOG = LoggerFactory.getLogger(LocalStream.class);

  final ShardLog log;
  private final ShardState shard;
  private final int region;
  private final Runnable firstCommit;
  private final Object defineLock = new Object();

  /** Bit set of the series ids whose DEFINE this log holds since it was opened. */
  private volatile long[] defined = new long[1];

  /** Every local record below it is applied; written under the shard's write lock. */
  private volatile long appliedPosition;

  LocalStream(ShardState shard, ShardLog log, int region, Runnable firstCommit) {
    this.shard = shard;
    this.log = log;
    this.region = region;
    this.firstCommit = firstCommit;
  }

  /**
   * Appends one validated signal of (tenant, type) to the local log (see {@link #append}).
   *
   * @return its local position
   * @throws UnavailableException ({@code mayBeStored()} false) if the shard does not define the
   *     series yet: its DEFINE comes only through the shard's leader
   */
  long append(
      TenantId tenant,
      SignalType type,
      long entity,
      double weight,
      long eventTime,
      long hlc,
      int origin) {
    return append(series(tenant, type), entity, weight, eventTime, hlc, origin);
  }

  /** The shard's series of (tenant, type), refused if the shard does not define it yet. */
  SeriesRegistry.Series series(TenantId tenant, SignalType type) {
    int id = shard.registry.find(tenant, type);
    SeriesRegistry.Series series = id < 0 ? null : shard.registry.get(id);
    if (series == null) {
      throw new UnavailableException(
          "tenant "
              + tenant.name()
              + ", type "
              + type.name()
              + ": shard "
              + shard.shard
              + " does not define this series yet, and a new series needs the shard's leader"
              + " (its DEFINE is stored through the leader's log); nothing was stored",
          false,
          null);
    }
    return series;
  }

  /**
   * Appends one signal of {@code series} (bound in the shard's registry), preceded by the series'
   * DEFINE if this log has none since it was opened; returns its local position.
   */
  long append(
      SeriesRegistry.Series series,
      long entity,
      double weight,
      long eventTime,
      long hlc,
      int origin) {
    int id = series.id();
    long[] bits = defined;
    if ((id >>> 6) >= bits.length || (bits[id >>> 6] & (1L << id)) == 0) {
      define(series);
    }
    return log.appendSignal(id, entity, weight, eventTime, hlc, origin);
  }

  /**
   * Appends one validated client session write of (tenant, type) to the local log as a {@code
   * SIGNAL_S} record (acknowledged at LOCAL), as {@link #append(TenantId, SignalType, long, double,
   * long, long, int)} appends a signal; the caller checked it against the session tables.
   *
   * @return its local position
   * @throws UnavailableException ({@code mayBeStored()} false) if the shard does not define the
   *     series yet
   */
  long appendSession(
      TenantId tenant,
      SignalType type,
      long entity,
      double weight,
      long eventTime,
      long hlc,
      int origin,
      SessionSeq session,
      int payloadHash) {
    SeriesRegistry.Series series = series(tenant, type);
    int id = series.id();
    long[] bits = defined;
    if ((id >>> 6) >= bits.length || (bits[id >>> 6] & (1L << id)) == 0) {
      define(series);
    }
    return log.appendSessionSignal(
        ShardLog.ANY_EPOCH,
        id,
        entity,
        weight,
        eventTime,
        hlc,
        origin,
        session,
        payloadHash,
        Durability.LOCAL);
  }

  /**
   * Appends one validated part of a client session's LOCAL batch (its series bound by {@link
   * #series}) to the local log as one {@code SIGNAL_BATCH_S} record, each new series' DEFINE first,
   * as {@link #appendSession} appends a signal; the caller checked it against the session tables.
   *
   * @return the local position of the part's last signal
   */
  long appendSessionPart(SessionPart part, int origin, SessionSeq session, int payloadHash) {
    for (int i = 0; i < part.size(); i++) {
      int id = part.seriesId(i);
      long[] bits = defined;
      if ((id >>> 6) >= bits.length || (bits[id >>> 6] & (1L << id)) == 0) {
        define(shard.registry.get(id));
      }
    }
    return log.appendSessionPart(
        ShardLog.ANY_EPOCH, part, origin, session, payloadHash, Durability.LOCAL);
  }

  private void define(SeriesRegistry.Series series) {
    int id = series.id();
    synchronized (defineLock) {
      long[] bits = defined;
      if ((id >>> 6) < bits.length && (bits[id >>> 6] & (1L << id)) != 0) {
        return;
      }
      log.appendDefine(id, series.tenant().name(), series.type().name());
      long[] grown = java.util.Arrays.copyOf(bits, Math.max(bits.length, (id >>> 6) + 1));
      grown[id >>> 6] |= 1L << id;
      defined = grown;
    }
  }

  /**
   * Forgets which DEFINEs the log holds (a cut or install may rebind ids): the next ones repeat.
   */
  void forgetDefines() {
    synchronized (defineLock) {
      defined = new long[1];
    }
  }

  long appliedPosition() {
    return appliedPosition;
  }

  /** Replays the local log from {@code from} (the loaded snapshot's local position). */
  void recover(long from) {
    if (from > log.durablePosition() || from < log.startPosition()) {
      throw new StorageException(
          "shard "
              + shard.shard
              + ": the snapshot holds the local log up to position "
              + from
              + " but the local log holds "
              + log.startPosition()
              + ".."
              + log.durablePosition());
    }
    appliedPosition = from;
    long replayed = 0;
    try (WalReader reader = log.openReader(from)) {
      for (WalBatch batch = reader.next(); batch != null; batch = reader.next()) {
        replayed += apply(batch, "replay of the local log of shard " + shard.shard);
      }
    }
    if (appliedPosition != log.durablePosition()) {
      throw new StorageException(
          "shard "
              + shard.shard
              + ": local log replay ended at position "
              + appliedPosition
              + " but the local log is durable to "
              + log.durablePosition());
    }
    if (replayed > 0 || from > 0) {
      LOG.info(
          "shard {}: local log recovered from {}, {} records replayed, local log {}..{}",
          shard.shard,
          from,
          replayed,
          log.startPosition(),
          appliedPosition);
    }
  }

  @Override
  public void onCommit(WalBatch batch) {
    firstCommit.run();
    apply(batch, "commit of the local log of shard " + shard.shard);
  }

  private long apply(WalBatch batch, String source) {
    long expected = appliedPosition;
    long end = batch.firstPosition() + batch.recordCount();
    if (!BatchOrder.hasNew(batch, expected, source)) {
      return 0;
    }
    RecordCursor c = batch.records();
    long applied = 0;
    shard.lock.writeLock().lock();
    try {
      while (c.next()) {
        if (c.position() >= expected) {
          applyRecord(c, source);
          applied++;
        }
      }
      appliedPosition = end;
    } finally {
      shard.lock.writeLock().unlock();
    }
    shard.readWaits.advanced();
    return applied;
  }

  /**
   * Applies one record of the local stream and feeds it to the local session table ({@link
   * LocalSessions}, by the shard table's rule: a SIGNAL_S applies there, the others advance it). A
   * SIGNAL_S record applies to the entity's state exactly as a SIGNAL does; it never feeds the
   * shard-log session table.
   */
  private void applyRecord(RecordCursor c, String source) {
    byte kind = c.kind();
    if (kind == WalRecordKind.SIGNAL || kind == WalRecordKind.SIGNAL_S) {
      SeriesRegistry.Series series = shard.registry.get(c.seriesId());
      if (series == null) {
        throw new StorageException(
            source
                + ": local signal at position "
                + c.position()
                + " uses undefined series "
                + c.seriesId());
      }
      int origin = c.origin();
      if (origin >>> 16 != region) {
        throw new StorageException(
            source
                + ": local signal at position "
                + c.position()
                + " was accepted by region "
                + (origin >>> 16)
                + ", not by this region "
                + region);
      }
      if (shard.tenants.isPurged(series.tenant())) {
        shard.sessions.local().feed(c, series); // a no-op for the state
        return;
      }
      CrdtSignalState state = shard.states.getOrCreate(c.seriesId(), c.entity());
      shard.digest.before(series, c.entity(), state);
      state.applyAt(
          ReplicaIds.local(region, origin & 0xFFFF),
          c.position(),
          c.weight(),
          c.eventTimeMillis(),
          c.hlc(),
          series.decay());
      shard.digest.after(state);
      shard.sessions.local().feed(c, series);
    } else if (kind == WalRecordKind.DEFINE) {
      shard.registry.bind(c.seriesId(), c.tenantName(), c.typeName(), source);
      shard.sessions.local().feed(c, null);
    } else {
      throw new StorageException(
          source + ": unknown record kind " + kind + " at local position " + c.position());
    }
  }
}
