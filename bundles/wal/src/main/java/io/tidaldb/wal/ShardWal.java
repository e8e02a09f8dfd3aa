package io.tidaldb.wal;

import io.tidaldb.api.Durability;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.wal.CommitListener;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.SignalPart;
import io.tidaldb.api.wal.WalReader;
import io.tidaldb.support.errors.ErrorCounters;
import io.tidaldb.support.errors.ThreadDeaths;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * One shard's log: wires the append side ({@link BatchHandoff}), the commit thread ({@link
 * CommitLoop} writing through a {@link SegmentWriter}), the durable position and its waiters
 * ({@link DurabilityTracker}) and the segments ({@link SegmentList}), and implements {@link
 * ShardLog} over them. Thread-safe. Replicated batches are checked by {@link ReplicatedBatchCheck}
 * on the caller's thread, then go through the same handoff and commit thread as local records.
 *
 * <p>A reader opened with {@link #openReader} starts with the batch that holds the position, which
 * may begin below it: callers skip records below the position they asked for. A listener may call
 * {@link #truncateBefore} from {@code onCommit}, but must not wait for the durability of its own
 * batch there (that would wait out the timeout).
 *
 * <p>The {@link EpochHistory} answers {@link #endOfEpoch} and {@link #lastEpoch}. {@link
 * #truncateFrom} runs on the caller's thread holding the handoff's monitor (see {@link
 * BatchHandoff#truncateFrom} and {@link SuffixTruncation}); it and {@link #truncateBefore} also
 * hold {@code truncations}, so the two never interleave (a listener calling {@code truncateBefore}
 * never waits long: {@code truncateFrom} refuses at once while a batch is in flight). {@link
 * #resetTo} runs the same way (see {@link BatchHandoff#resetTo} and {@link LogReset}).
 */
final class ShardWal implements ShardLog {
  private static final Logger LOG = LoggerFactory.getLogger(ShardWal.class);
  private static final long CLOSE_JOIN_MILLIS = 10_000;

  private final int shard;
  private final String name; // how messages name the log: "shard 3", "local log of shard 3"
  private final WalConfig config;
  private final WalMetrics metrics;
  private final SegmentList segments;
  private final DurabilityTracker durability;
  private final BatchHandoff handoff;
  private final SegmentWriter writer;
  private final Thread committer;
  private final EpochHistory epochs;
  private final SuffixTruncation truncation;
  private final LogReset reset;
  private final Object truncations = new Object();
  private volatile CommitListener listener;
  private volatile LongConsumer durabilityListener;
  private volatile long cutEnd; // the highest durable end a cut ever removed
  private volatile StorageException stoppedBy; // the first failure, once the log stopped

  ShardWal(LogKind kind, int shard, WalConfig config, WalMetrics metrics, ShardRecovery recovered)
      throws IOException {
    this.shard = shard;
    this.name = kind.describe(shard);
    this.config = config;
    this.metrics = metrics;
    this.segments =
        new SegmentList(config.directory(), recovered.segments(), recovered.nextPosition());
    this.durability = new DurabilityTracker(name, recovered.nextPosition());
    this.handoff =
        new BatchHandoff(
            shard,
            name,
            config,
            metrics,
            new FeedGuard(shard, durability),
            recovered.nextPosition(),
            recovered.epoch(),
            recovered.epochs().lastEpoch(recovered.nextPosition()));
    this.writer =
        new SegmentWriter(
            config.directory(),
            kind,
            shard,
            config.segmentBytes(),
            segments,
            metrics,
            config.files());
    this.epochs = recovered.epochs();
    this.truncation = new SuffixTruncation(shard, segments, writer, durability, epochs, metrics);
    this.reset = new LogReset(kind, shard, config, segments, writer, durability, epochs, metrics);
    CommitLoop loop =
        new CommitLoop(this, writer, metrics, new PendingBatch(config.maxBatchBytes()));
    ThreadDeaths deaths =
        new ThreadDeaths(
            new ErrorCounters(LOG, name, Level.ERROR, Long.MAX_VALUE),
            System::nanoTime,
            "the shard's log stops: appends refused, every waiter failed",
            (t, e) -> {
              failed("commit thread " + t.getName() + " died", e);
              durability.terminate(new UnavailableException("wal commit thread died: " + e));
            });
    this.committer = deaths.daemon(kind.threadName(shard), loop);
    handoff.attach(committer);
  }

  void start() {
    committer.start();
  }

  /** Releases the files of a shard whose commit thread never started (a later shard failed). */
  void discard() {
    try {
      writer.close();
    } catch (IOException e) {
      LOG.warn("{}: cannot close {}: {}", name, writer.file(), e.toString());
    }
  }

  @Override
  public int shard() {
    return shard;
  }

  /** How messages name this log: {@code shard 3} or {@code local log of shard 3}. */
  String name() {
    return name;
  }

  @Override
  public long epoch() {
    return handoff.epoch();
  }

  @Override
  public void advanceEpoch(long epoch) {
    handoff.advanceEpoch(epoch);
  }

  @Override
  public void startLeading(long epoch) {
    handoff.startLeading(epoch);
  }

  @Override
  public void stopLeading() {
    handoff.stopLeading();
  }

  @Override
  public long startPosition() {
    return segments.startPosition();
  }

  @Override
  public long nextPosition() {
    return handoff.nextPosition();
  }

  @Override
  public int maxBatchBytes() {
    return config.maxBatchBytes();
  }

  @Override
  public Optional<StorageException> failure() {
    return Optional.ofNullable(stoppedBy);
  }

  @Override
  public long durablePosition() {
    return durability.durable();
  }

  @Override
  public long appendSignal(
      int seriesId, long entity, double weight, long eventTimeMillis, long hlc, int origin) {
    return handoff.appendSignal(seriesId, entity, weight, eventTimeMillis, hlc, origin);
  }

  @Override
  public long appendDefine(int seriesId, String tenant, String type) {
    return handoff.appendDefine(ANY_EPOCH, seriesId, tenant, type);
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
    return handoff.appendSignal(
        leaderEpoch, seriesId, entity, weight, eventTimeMillis, hlc, origin);
  }

  @Override
  public long appendDefine(long leaderEpoch, int seriesId, String tenant, String type) {
    return handoff.appendDefine(leaderEpoch, seriesId, tenant, type);
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
    return handoff.appendSessionSignal(
        leaderEpoch,
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
    return handoff.appendSignals(leaderEpoch, part, origin);
  }

  @Override
  public long appendSessionPart(
      long leaderEpoch,
      SignalPart part,
      int origin,
      SessionSeq session,
      int payloadHash,
      Durability durability) {
    return handoff.appendSessionPart(leaderEpoch, part, origin, session, payloadHash, durability);
  }

  @Override
  public int maxPartSignals() {
    return handoff.maxPartSignals();
  }

  @Override
  public long appendCompact(long leaderEpoch, long cutOffEpoch, long closedDigest) {
    if (leaderEpoch == ANY_EPOCH || cutOffEpoch < 0 || cutOffEpoch >= leaderEpoch) {
      throw new InvalidArgumentException(
          "cutOffEpoch",
          cutOffEpoch,
          "must be 0.." + (leaderEpoch - 1) + " below the leader epoch " + leaderEpoch);
    }
    return handoff.appendCompact(leaderEpoch, cutOffEpoch, closedDigest);
  }

  @Override
  public long appendReplicated(ByteBuffer batch) {
    return handoff.appendReplicated(
        ReplicatedBatchCheck.check(batch, shard, config.maxBatchBytes()));
  }

  @Override
  public boolean roomForReplicated() {
    return handoff.roomForReplicated();
  }

  @Override
  public long tryAppendReplicated(ByteBuffer batch) {
    return handoff.tryAppendReplicated(
        ReplicatedBatchCheck.check(batch, shard, config.maxBatchBytes()));
  }

  @Override
  public void awaitDurable(long position, long timeoutNanos) {
    if (position < durability.durable()) {
      return;
    }
    checkAppended(position);
    durability.await(position, timeoutNanos);
  }

  @Override
  public CompletableFuture<Void> whenDurable(long position) {
    if (position < durability.durable()) {
      return CompletableFuture.completedFuture(null);
    }
    checkAppended(position);
    return durability.when(position);
  }

  @Override
  public CompletableFuture<Void> whenDurable(long position, Executor executor) {
    if (position < durability.durable()) {
      return CompletableFuture.completedFuture(null);
    }
    checkAppended(position);
    return durability.when(position, executor);
  }

  private void checkAppended(long position) {
    long next = nextPosition();
    if (position >= next && position < cutEnd) {
      throw new UnavailableException(
          "position "
              + position
              + " of "
              + name
              + " was durable here but was cut from the log (next position now "
              + next
              + ") when this region followed a new leader whose log lacks it: not confirmed");
    }
    if (position < 0 || position >= next) {
      throw new InvalidArgumentException(
          "position", position, "not appended to " + name + " (next position " + next + ")");
    }
  }

  @Override
  public void setCommitListener(CommitListener listener) {
    this.listener = listener;
  }

  @Override
  public void setDurabilityListener(LongConsumer listener) {
    this.durabilityListener = listener;
  }

  @Override
  public WalReader openReader(long fromPosition) {
    long start = startPosition();
    long next = nextPosition();
    if (fromPosition < start || fromPosition > next) {
      throw new InvalidArgumentException(
          "fromPosition",
          fromPosition,
          "must be between startPosition " + start + " and nextPosition " + next + " of " + name);
    }
    return new ShardReader(shard, segments, fromPosition, config.maxBatchBytes());
  }

  @Override
  public long endOfEpoch(long epoch) {
    if (epoch < 0) {
      throw new InvalidArgumentException("epoch", epoch, "must be at least 0");
    }
    long start = segments.startPosition();
    long durable = durability.durable();
    return Math.max(start, epochs.endOfEpoch(epoch, durable));
  }

  @Override
  public long lastEpoch() {
    return epochs.lastEpoch(durability.durable());
  }

  /**
   * {@inheritDoc}
   *
   * <p>Readers opened before the call fail from then on with a {@link StorageException} naming the
   * cut; open new ones. Do not wait for positions at or after {@code position} meanwhile: once
   * records are appended there again, such waits complete for the new records.
   */
  @Override
  public long truncateFrom(long position) {
    synchronized (truncations) {
      long end = durability.durable();
      long removed = handoff.truncateFrom(position, durability, epochs, this::cut);
      if (removed > 0) {
        cutEnd = Math.max(cutEnd, end);
      }
      return removed;
    }
  }

  /** Plans and applies a cut; any storage failure stops the log. Handoff monitor held. */
  private long cut(long position) {
    SuffixTruncation.Cut cut;
    try {
      cut = truncation.plan(position);
      if (cut == null) {
        return 0;
      }
      return truncation.apply(cut);
    } catch (StorageException e) {
      failed("truncateFrom(" + position + ") failed", e);
      throw e;
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Runs on the caller's thread holding the handoff's monitor, like {@link #truncateFrom} (see
   * {@link LogReset} for the order of the file operations and {@link ShardRecovery} for how a crash
   * midway is finished). Waits for positions at or after {@code position} that were durable before
   * fail as cut, as after {@code truncateFrom}.
   */
  @Override
  public void resetTo(long position, long lastEpoch) {
    if (position < 0 || lastEpoch < 0) {
      throw new InvalidArgumentException(
          position < 0 ? "position" : "lastEpoch",
          position < 0 ? position : lastEpoch,
          "must be at least 0 to reset shard "
              + shard
              + " (position "
              + position
              + ", last epoch "
              + lastEpoch
              + "); log unchanged");
    }
    synchronized (truncations) {
      long end = durability.durable();
      handoff.resetTo(position, lastEpoch, durability, () -> reset(position, lastEpoch));
      if (position < end) {
        cutEnd = Math.max(cutEnd, end);
      }
    }
  }

  /** Applies a reset; any storage failure stops the log. Handoff monitor held. */
  private long reset(long position, long lastEpoch) {
    try {
      return reset.apply(position, lastEpoch);
    } catch (StorageException e) {
      failed("resetTo(" + position + ", " + lastEpoch + ") failed", e);
      throw e;
    }
  }

  @Override
  public int truncateBefore(long position) {
    long next = nextPosition();
    if (position < 0 || position > next) {
      throw new InvalidArgumentException(
          "position", position, "must be between 0 and nextPosition " + next + " of " + name);
    }
    synchronized (truncations) {
      int deleted = segments.truncateBefore(position);
      epochs.dropBelow(segments.startPosition());
      metrics.segmentsDeleted(deleted);
      return deleted;
    }
  }

  CommitListener listener() {
    return listener;
  }

  LongConsumer durabilityListener() {
    return durabilityListener;
  }

  DurabilityTracker durability() {
    return durability;
  }

  EpochHistory epochs() {
    return epochs;
  }

  PendingBatch takeBatch(PendingBatch spare) throws InterruptedException {
    return handoff.takeBatch(spare);
  }

  /**
   * Stops the log after a write, fsync or listener failure, any other failure of the commit loop,
   * or the commit thread's death; the first failure wins.
   */
  void failed(String what, Throwable cause) {
    StorageException stop =
        new StorageException(name + ": log stopped: " + what + ": " + cause, cause);
    if (handoff.stop(stop)) {
      stoppedBy = stop;
      LOG.error(stop.getMessage(), cause);
      metrics.failed();
      durability.terminate(stop);
    }
  }

  /** Called by the commit thread as it exits: fails whatever still waits. */
  void commitThreadExited() {
    durability.terminate(new UnavailableException("wal closed"));
  }

  void beginClose() {
    handoff.beginClose();
  }

  /**
   * A simulated crash: appends refused and the commit thread told to exit without taking what is
   * pending (a batch it is writing finishes or fails on its own), every waiter failed.
   */
  void halt() {
    StorageException halted = new StorageException(name + ": log halted (a simulated crash)");
    if (handoff.stop(halted)) {
      stoppedBy = halted;
    }
    durability.terminate(new UnavailableException("wal halted (a simulated crash)"));
  }

  /** Waits for the commit thread to drain and exit (unless called from it), then marks closed. */
  void awaitClosed() {
    if (Thread.currentThread() != committer) {
      try {
        committer.join(CLOSE_JOIN_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (committer.isAlive()) {
        LOG.error(
            "{}: commit thread did not stop within {} ms of close; interrupting it",
            name,
            CLOSE_JOIN_MILLIS);
        committer.interrupt();
      }
    }
    handoff.closed();
  }
}
