package io.tidaldb.store;

import io.tidaldb.api.Durability;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalTickets;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.api.wal.ShardLog;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/**
 * The store's batch writes (docs/ARCHITECTURE.md, "Session batches"): a batch is validated whole
 * and split by shard into parts (each shard's signals in the batch's order), and each part stored
 * in one step. A session batch's parts are routed one by one as single writes are ({@link
 * WritePath#partAsync}): appended here as one {@code SIGNAL_BATCH_S} record through {@link
 * SessionWrites#writePart} (one check, registration and table entry per part), forwarded to the
 * shard's leader as one {@code FORWARD_PART} ({@link Replication#forwardPart}), held while no
 * leader takes writes, and a LOCAL part whose leader stays out of reach taken into the local stream
 * as one record; each is stored at most once per (session, seq), so a retry of the batch under the
 * same seq is answered part by part. A plain batch must be led here whole: every part's leader is
 * checked (waiting while a leader is unknown, as a single write's {@code WAIT} route does, up to
 * the store's leader wait) before anything is stored, then each part is appended as consecutive
 * {@code SIGNAL} records ({@link ShardLog#appendSignals}). One acknowledgement per part, in the
 * order of each part's first signal; a batch fails with its first failed part's failure, marked
 * {@code mayBeStored()} if another part was stored. Thread-safe.
 */
final class BatchWrites {
  /** The store's checks that a batch's signals pass one by one, and its acknowledgements. */
  interface Gate {
    /** Checks a signal as a single write is checked; its shard. */
    int validate(Signal signal, Durability durability);

    /** Admits a signal under its tenant's quotas. */
    void admit(Signal signal, int shard);

    /** Fails if the store is closed. */
    void checkOpen();

    /**
     * The acknowledgement of the shard-log record at {@code ticket} once stored at {@code level}.
     */
    CompletableFuture<SignalAck> whenStored(long ticket, long hlc, Durability level);
  }

  /**
   * A batch split by shard: its parts (each shard's signals in the batch's order), each part's
   * shard, and the part of each signal of the batch.
   */
  private record Split(List<List<Signal>> parts, int[] shards, int[] partOf) {}

  private final ShardState[] shards;
  private final WritePath path;
  private final Replication replication; // null for a single region
  private final ReplicatedWrites replicated; // null for a single region
  private final long leaderWaitNanos;
  private final Executor retries;
  private final LongSupplier stamps;
  private final int origin;
  private final StoreMetrics metrics;
  private final Gate gate;

  /**
   * @param replication the region's replication, or null for a single region
   * @param leaderWaitNanos how long a batch may wait for its shards' leaders, from its start
   * @param retries where a batch checks its leaders again after a wait
   */
  BatchWrites(
      ShardState[] shards,
      WritePath path,
      Replication replication,
      ReplicatedWrites replicated,
      long leaderWaitNanos,
      Executor retries,
      LongSupplier stamps,
      int origin,
      StoreMetrics metrics,
      Gate gate) {
    this.shards = shards;
    this.path = path;
    this.replication = replication;
    this.replicated = replicated;
    this.leaderWaitNanos = leaderWaitNanos;
    this.retries = retries;
    this.stamps = stamps;
    this.origin = origin;
    this.metrics = metrics;
    this.gate = gate;
  }

  /** See {@link SignalStoreEngine#signalBatchAsync(List, Durability, SessionSeq)}. */
  CompletableFuture<List<SignalAck>> session(
      List<Signal> signals, Durability durability, SessionSeq session) {
    try {
      SignalValidator.requireNonNull("session", session);
      Split split = split(signals, durability, true, true);
      return allAcks(sendParts(split, durability, session), split.shards);
    } catch (RuntimeException e) { // refused whole, nothing stored
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * See {@link SignalStoreEngine#signalEachAsync}: the parts sent as {@link #session} sends them,
   * each signal answered with its part's future.
   */
  List<CompletableFuture<SignalAck>> each(
      List<Signal> signals, Durability durability, SessionSeq session) {
    Split split;
    try {
      SignalValidator.requireNonNull("session", session);
      split = split(signals, durability, true, true);
    } catch (RuntimeException e) { // refused whole, nothing stored
      CompletableFuture<SignalAck> refused = CompletableFuture.failedFuture(e);
      return Collections.nCopies(
          signals == null || signals.isEmpty() ? 1 : signals.size(), refused);
    }
    List<CompletableFuture<SignalAck>> parts = sendParts(split, durability, session);
    List<CompletableFuture<SignalAck>> out = new ArrayList<>(split.partOf.length);
    for (int part : split.partOf) {
      out.add(parts.get(part));
    }
    return out;
  }

  /**
   * Sends each part of a session batch as {@link WritePath#partAsync} routes it: one future per
   * part, in the split's order; a part that fails to start fails its own future (nothing of it
   * sent) and the others go on.
   */
  private List<CompletableFuture<SignalAck>> sendParts(
      Split split, Durability durability, SessionSeq session) {
    List<CompletableFuture<SignalAck>> parts = new ArrayList<>(split.shards.length);
    for (int i = 0; i < split.shards.length; i++) {
      try {
        parts.add(path.partAsync(split.parts.get(i), split.shards[i], durability, session));
      } catch (RuntimeException e) {
        parts.add(CompletableFuture.failedFuture(e));
      }
    }
    return parts;
  }

  /**
   * See {@link SignalStoreEngine#acceptForwardedPart}: a part another region forwarded here as the
   * shard's leader, validated again (never admitted again: the origin's quotas counted it) and
   * stored as this leader's own part.
   */
  CompletableFuture<SignalAck> acceptForwarded(
      List<Signal> signals, Durability durability, SessionSeq session, SessionWrites writes) {
    try {
      SignalValidator.requireNonNull("session", session);
      int shard = oneShard(signals, durability, false);
      long epoch = replicated == null ? ShardLog.ANY_EPOCH : replicated.checkLeader(shards[shard]);
      return writes.writePart(signals, shard, epoch, durability, session);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** See {@link SignalStoreEngine#signalBatchAsync(List, Durability)}. */
  CompletableFuture<List<SignalAck>> plain(List<Signal> signals, Durability durability) {
    try {
      Split split = split(signals, durability, false, true);
      return whenRouted(split.shards).thenCompose(epochs -> appendPlain(split, durability, epochs));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private CompletableFuture<List<SignalAck>> appendPlain(
      Split split, Durability durability, long[] epochs) {
    List<CompletableFuture<SignalAck>> acks = new ArrayList<>(epochs.length);
    try {
      for (int i = 0; i < epochs.length; i++) {
        int shard = split.shards[i];
        SessionPart part = prepare(split.parts.get(i), shard, epochs[i]);
        gate.checkOpen();
        ShardState s = shards[shard];
        long position =
            replicated != null
                ? replicated.appendSignals(s, epochs[i], part, origin)
                : s.log.appendSignals(ShardLog.ANY_EPOCH, part, origin);
        count(split.parts.get(i));
        acks.add(
            gate.whenStored(SignalTickets.ticket(shard, position), part.lastStamp(), durability));
      }
    } catch (RuntimeException e) { // this part stored nothing; the parts before it are stored
      acks.add(CompletableFuture.failedFuture(e));
    }
    return allAcks(acks, split.shards);
  }

  /**
   * A validated part of {@code shard} made ready to append: each signal's series (defined if new;
   * on a replicated leader a new series waits for its DEFINE's QUORUM here) and a fresh stamp.
   *
   * @throws InvalidArgumentException if the part is larger than one record of the shard's log holds
   */
  SessionPart prepare(List<Signal> signals, int shard, long epoch) {
    gate.checkOpen();
    ShardState s = shards[shard];
    checkSize(signals.size(), shard);
    SessionPart part = new SessionPart(signals.size());
    for (int i = 0; i < signals.size(); i++) {
      Signal signal = signals.get(i);
      int series;
      if (replicated != null) {
        series = replicated.seriesFor(s, epoch, signal.tenant(), signal.type());
      } else if ((series = s.registry.find(signal.tenant(), signal.type())) < 0) {
        series = s.registry.define(signal.tenant(), signal.type(), s.log::appendDefine);
      }
      part.set(i, signal, series, stamps.getAsLong());
    }
    return part;
  }

  /**
   * Appends a prepared part of {@code shard} as one {@code SIGNAL_BATCH_S} record, fenced by {@code
   * epoch}.
   *
   * @return the ticket of the part's last signal
   */
  long append(
      SessionPart part, int shard, long epoch, SessionSeq session, int hash, Durability level) {
    gate.checkOpen();
    ShardState s = shards[shard];
    long position =
        replicated != null
            ? replicated.appendPart(s, epoch, part, origin, session, hash, level)
            : s.log.appendSessionPart(ShardLog.ANY_EPOCH, part, origin, session, hash, level);
    metrics.accepted(s.registry.get(part.seriesId(0)).tenant(), part.size());
    return SignalTickets.ticket(shard, position);
  }

  /**
   * Validates the signals of one part, all of one shard (tests feed session records with it); their
   * shard.
   */
  int validatePart(List<Signal> signals, Durability level) {
    return oneShard(signals, level, true);
  }

  /** Validates a part (as {@link #split}); its one shard. */
  private int oneShard(List<Signal> signals, Durability level, boolean admit) {
    Split split = split(signals, level, true, admit);
    if (split.shards.length > 1) {
      throw new InvalidArgumentException(
          "signals",
          signals.size() + " signals",
          "lie in shards "
              + java.util.Arrays.toString(split.shards)
              + "; a part holds one shard's; nothing stored");
    }
    return split.shards[0];
  }

  /**
   * The epoch this region leads each of a plain batch's shards in; while a shard's leader is
   * unknown or is this region not yet taking writes, after waiting (see the class comment). Fails
   * with the check's {@link NotLeaderException} if the wait ran out or a shard is led elsewhere
   * (nothing stored or sent either way).
   */
  private CompletableFuture<long[]> whenRouted(int[] partShards) {
    return whenRouted(
        partShards, System.nanoTime() + leaderWaitNanos, WritePath.FIRST_BACKOFF_NANOS);
  }

  private CompletableFuture<long[]> whenRouted(int[] partShards, long deadline, long backoff) {
    try {
      long[] epochs = new long[partShards.length];
      for (int i = 0; i < epochs.length; i++) {
        try {
          epochs[i] =
              replicated == null
                  ? ShardLog.ANY_EPOCH
                  : replicated.checkLeader(shards[partShards[i]]);
        } catch (NotLeaderException e) {
          RegionId leader = e.leader().orElse(null);
          long now = System.nanoTime();
          if ((leader != null && !leader.equals(replication.region())) || now - deadline >= 0) {
            return CompletableFuture.failedFuture(e);
          }
          long next = Math.min(backoff * 2, WritePath.MAX_BACKOFF_NANOS);
          return WritePath.woken(replication, e.shard(), Math.min(backoff, deadline - now))
              .thenComposeAsync(v -> whenRouted(partShards, deadline, next), retries);
        }
      }
      return CompletableFuture.completedFuture(epochs);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Validates a batch (every signal, one tenant if {@code oneTenant}, each part within its log's
   * record limit), admits its signals under their tenants' quotas if {@code admit}, and splits it
   * by shard, in the order of each part's first signal.
   */
  private Split split(
      List<Signal> signals, Durability durability, boolean oneTenant, boolean admit) {
    SignalValidator.requireNonNull("signals", signals);
    if (signals.isEmpty()) {
      throw new InvalidArgumentException(
          "signals", "[]", "a batch holds at least one signal; nothing stored");
    }
    List<List<Signal>> byShard = new ArrayList<>(Collections.nCopies(shards.length, null));
    List<List<Signal>> parts = new ArrayList<>();
    List<Integer> order = new ArrayList<>();
    int[] partOf = new int[signals.size()];
    int[] partOfShard = new int[shards.length];
    TenantId tenant = null;
    for (int i = 0; i < signals.size(); i++) {
      Signal signal = signals.get(i);
      int shard = gate.validate(signal, durability);
      if (tenant == null) {
        tenant = signal.tenant();
      } else if (oneTenant && !tenant.equals(signal.tenant())) {
        throw new InvalidArgumentException(
            "signals[" + i + "]",
            signal,
            "is of tenant "
                + signal.tenant()
                + ", the batch's session of "
                + tenant
                + "; nothing stored");
      }
      if (admit) {
        gate.admit(signal, shard);
      }
      List<Signal> part = byShard.get(shard);
      if (part == null) {
        part = new ArrayList<>();
        byShard.set(shard, part);
        partOfShard[shard] = parts.size();
        parts.add(part);
        order.add(shard);
      }
      part.add(signal);
      partOf[i] = partOfShard[shard];
    }
    int[] partShards = new int[order.size()];
    for (int i = 0; i < partShards.length; i++) {
      partShards[i] = order.get(i);
      checkSize(parts.get(i).size(), partShards[i]);
    }
    return new Split(parts, partShards, partOf);
  }

  private void checkSize(int n, int shard) {
    int max = shards[shard].log.maxPartSignals();
    if (n > max) {
      throw new InvalidArgumentException(
          "signals",
          n + " signals of shard " + shard,
          "one record of its log holds at most " + max + " (maxBatchBytes); nothing stored");
    }
  }

  private void count(List<Signal> signals) {
    for (Signal signal : signals) {
      metrics.accepted(signal.tenant(), 1);
    }
  }

  /**
   * The acknowledgements of a batch's parts, in order, once all are in; or the first failed part's
   * failure (in the batch's order), as is if no part was stored, else wrapped as possibly stored (a
   * refusal of one part included), so a caller never reads "nothing stored" for a batch of which a
   * part is stored.
   */
  private static CompletableFuture<List<SignalAck>> allAcks(
      List<CompletableFuture<SignalAck>> acks, int[] partShards) {
    return CompletableFuture.allOf(acks.toArray(new CompletableFuture<?>[0]))
        .handle(
            (done, failed) -> {
              List<SignalAck> out = new ArrayList<>(acks.size());
              List<Integer> stored = new ArrayList<>();
              Throwable first = null;
              int firstShard = -1;
              for (int i = 0; i < acks.size(); i++) {
                CompletableFuture<SignalAck> ack = acks.get(i);
                if (ack.isCompletedExceptionally()) {
                  if (first == null) {
                    first = WritePath.unwrap(ack.handle((v, e) -> e).join());
                    firstShard = partShards[i];
                  }
                } else {
                  out.add(ack.join());
                  stored.add(partShards[i]);
                }
              }
              if (first == null) {
                return out;
              }
              if (!stored
                  .isEmpty()) { // whatever the part's failure says, the batch is stored in part
                throw new UnavailableException(
                    "the part of shard "
                        + firstShard
                        + " failed ("
                        + first.getMessage()
                        + ") while the parts of shards "
                        + stored
                        + " are stored: retry the batch as it was (a session batch under the same"
                        + " seq stores each part once)",
                    first);
              }
              throw first instanceof RuntimeException r ? r : new CompletionException(first);
            });
  }
}
