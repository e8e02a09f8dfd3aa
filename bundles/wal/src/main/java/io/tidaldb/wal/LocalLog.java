package io.tidaldb.wal;

import io.tidaldb.api.Durability;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.wal.CommitListener;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.SignalPart;
import io.tidaldb.api.wal.WalReader;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.LongConsumer;

/**
 * A shard's local log ({@link io.tidaldb.api.wal.WriteAheadLog#localLog}) over a {@link ShardWal}
 * of kind {@link LogKind#LOCAL}: appends, waits, listeners, readers, {@code truncateBefore} and
 * {@code failure()} pass through; what replication does to a shard log (leading, replicated
 * batches, cuts, resets) is refused here, before the log is touched, with an {@link
 * UnsupportedOperationException} naming the local log, and a fenced append with a leader epoch
 * other than {@link ShardLog#ANY_EPOCH} with an {@link InvalidArgumentException}. So its positions
 * are only ever assigned by its own appends. Thread-safe as the log it wraps.
 */
final class LocalLog implements ShardLog {
  private final ShardWal log;

  LocalLog(ShardWal log) {
    this.log = log;
  }

  /** The wrapped log, for the engine's close and halt. */
  ShardWal log() {
    return log;
  }

  private UnsupportedOperationException refused(String operation) {
    return new UnsupportedOperationException(
        log.name()
            + ": "
            + operation
            + " refused: a local log holds only this region's own appends (positions assigned"
            + " here); replication never leads, feeds, cuts or resets it; log unchanged");
  }

  private void checkUnfenced(long leaderEpoch) {
    if (leaderEpoch != ANY_EPOCH) {
      throw new InvalidArgumentException(
          "leaderEpoch",
          leaderEpoch,
          "a "
              + log.name()
              + " takes no leader-fenced appends (no leader orders it): append with ANY_EPOCH or"
              + " the unfenced overloads; nothing stored");
    }
  }

  @Override
  public int shard() {
    return log.shard();
  }

  @Override
  public long epoch() {
    return log.epoch();
  }

  @Override
  public void advanceEpoch(long epoch) {
    log.advanceEpoch(epoch);
  }

  @Override
  public void startLeading(long epoch) {
    throw refused("startLeading(" + epoch + ")");
  }

  @Override
  public void stopLeading() {
    throw refused("stopLeading()");
  }

  @Override
  public long startPosition() {
    return log.startPosition();
  }

  @Override
  public long nextPosition() {
    return log.nextPosition();
  }

  @Override
  public long durablePosition() {
    return log.durablePosition();
  }

  @Override
  public long appendSignal(
      int seriesId, long entity, double weight, long eventTimeMillis, long hlc, int origin) {
    return log.appendSignal(seriesId, entity, weight, eventTimeMillis, hlc, origin);
  }

  @Override
  public long appendDefine(int seriesId, String tenant, String type) {
    return log.appendDefine(seriesId, tenant, type);
  }

  @Override
  public long appendSignal(
      long leaderEpoch,
      int seriesId,
      long entity,
      double weight,
      long eventTimeMillis,
      long hlc,
      int origin) {
    checkUnfenced(leaderEpoch);
    return log.appendSignal(seriesId, entity, weight, eventTimeMillis, hlc, origin);
  }

  @Override
  public long appendDefine(long leaderEpoch, int seriesId, String tenant, String type) {
    checkUnfenced(leaderEpoch);
    return log.appendDefine(seriesId, tenant, type);
  }

  @Override
  public long appendSessionSignal(
      long leaderEpoch,
      int seriesId,
      long entity,
      double weight,
      long eventTimeMillis,
      long hlc,
      int origin,
      SessionSeq session,
      int payloadHash,
      Durability durability) {
    checkUnfenced(leaderEpoch);
    return log.appendSessionSignal(
        ANY_EPOCH,
        seriesId,
        entity,
        weight,
        eventTimeMillis,
        hlc,
        origin,
        session,
        payloadHash,
        durability);
  }

  @Override
  public long appendSignals(long leaderEpoch, SignalPart part, int origin) {
    checkUnfenced(leaderEpoch);
    return log.appendSignals(ANY_EPOCH, part, origin);
  }

  @Override
  public long appendSessionPart(
      long leaderEpoch,
      SignalPart part,
      int origin,
      SessionSeq session,
      int payloadHash,
      Durability durability) {
    checkUnfenced(leaderEpoch);
    return log.appendSessionPart(ANY_EPOCH, part, origin, session, payloadHash, durability);
  }

  @Override
  public int maxPartSignals() {
    return log.maxPartSignals();
  }

  @Override
  public long appendReplicated(ByteBuffer batch) {
    throw refused("appendReplicated");
  }

  @Override
  public long tryAppendReplicated(ByteBuffer batch) {
    throw refused("tryAppendReplicated");
  }

  @Override
  public boolean roomForReplicated() {
    throw refused("roomForReplicated");
  }

  @Override
  public void awaitDurable(long position, long timeoutNanos) {
    log.awaitDurable(position, timeoutNanos);
  }

  @Override
  public CompletableFuture<Void> whenDurable(long position) {
    return log.whenDurable(position);
  }

  @Override
  public CompletableFuture<Void> whenDurable(long position, Executor executor) {
    return log.whenDurable(position, executor);
  }

  @Override
  public void setCommitListener(CommitListener listener) {
    log.setCommitListener(listener);
  }

  @Override
  public void setDurabilityListener(LongConsumer listener) {
    log.setDurabilityListener(listener);
  }

  @Override
  public WalReader openReader(long fromPosition) {
    return log.openReader(fromPosition);
  }

  @Override
  public long endOfEpoch(long epoch) {
    return log.endOfEpoch(epoch);
  }

  @Override
  public long lastEpoch() {
    return log.lastEpoch();
  }

  @Override
  public long truncateFrom(long position) {
    throw refused("truncateFrom(" + position + ")");
  }

  @Override
  public void resetTo(long position, long lastEpoch) {
    throw refused("resetTo(" + position + ", " + lastEpoch + ")");
  }

  @Override
  public int truncateBefore(long position) {
    return log.truncateBefore(position);
  }

  @Override
  public int maxBatchBytes() {
    return log.maxBatchBytes();
  }

  @Override
  public Optional<StorageException> failure() {
    return log.failure();
  }

  @Override
  public String toString() {
    return log.name();
  }
}
