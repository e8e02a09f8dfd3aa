package io.tidaldb.reconcile.engine;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.reconcile.ClosedDigest;
import io.tidaldb.api.reconcile.ReconcileState;
import io.tidaldb.api.reconcile.ShardEpochs;
import io.tidaldb.reconcile.CompactionReport;
import io.tidaldb.support.errors.ErrorCounters;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who decides that a shard's closed epochs may be folded (docs/design/replication.md, "Compaction
 * of closed epochs"). For each shard this region leads in epoch {@code E >= 1} whose folded-through
 * epoch is below {@code c = E - 1}, that it has applied past {@code c}, and whose closed digest
 * through {@code c} covers entries (a cut-off found empty is not looked at again until a merge
 * changes the shard), a round sends every peer one COMPACT_PROBE with all such shards; when every
 * peer answered with an applied epoch above {@code c} and the same digest and entry count as this
 * region's at the decision (computed again then), it asks the store for {@code COMPACT(c)} ({@link
 * ReconcileState#compact}). Any other answer, a peer failing its sessions, unreachable, silent
 * until the session deadline or answering badly: no compaction of that shard in this round. Rounds
 * run after each on-demand {@code reconcileAll()} (which completes with the round's {@link
 * CompactionReport}) and every {@code interval}; they never delay or block a session. On the
 * engine's thread.
 */
final class Compactor implements FrameIntake.CompactAnswers {
  /** Makes the encoder of a message to a peer (the engine's, queueing to the peer's outbox). */
  @FunctionalInterface
  interface Encoders {
    FrameEncoder encoder(Peer p, long id, byte type);
  }

  private static final Logger LOG = LoggerFactory.getLogger(Compactor.class);
  private static final long NOTHING_SETTLED = Long.MIN_VALUE;

  private final ReconcileConfig config;
  private final ReconcileState state;
  private final Map<RegionId, Peer> peers;
  private final Encoders encoders;
  private final LongSupplier ids;
  private final ErrorCounters errors;
  private final BadInputs badInputs;
  private final Runnable wakeUp;
  private final long intervalNanos;
  private final long timeoutNanos;

  /** Per shard, a cut-off found empty or compacted: not probed again until a merge changes it. */
  private final long[] settledAt;

  private final List<Demand> waiting = new ArrayList<>();
  private final AtomicLong compacted = new AtomicLong();
  private CompactionRound round;
  private long nextTickNanos;

  Compactor(
      ReconcileConfig config,
      ReconcileState state,
      Map<RegionId, Peer> peers,
      Encoders encoders,
      LongSupplier ids,
      ErrorCounters errors,
      BadInputs badInputs,
      Runnable wakeUp,
      long nowNanos) {
    this.config = config;
    this.state = state;
    this.peers = peers;
    this.encoders = encoders;
    this.ids = ids;
    this.errors = errors;
    this.badInputs = badInputs;
    this.wakeUp = wakeUp;
    this.intervalNanos = config.interval().toNanos();
    this.timeoutNanos = config.sessionTimeout().toNanos();
    this.settledAt = new long[state.shardCount()];
    Arrays.fill(settledAt, NOTHING_SETTLED);
    this.nextTickNanos = nowNanos + intervalNanos;
  }

  /** A demand whose sessions all ended: completed after the next round (at once if off). */
  void request(Demand d) {
    if (config.compactEnabled()) {
      waiting.add(d);
    } else {
      d.complete(CompactionReport.NONE);
    }
  }

  /** A merge changed this region's state in the shard. */
  void changed(int shard) {
    settledAt[shard] = NOTHING_SETTLED;
  }

  /** A send to the peer failed: it will not answer this round. */
  void unreachable(RegionId peer) {
    if (round != null) {
      round.unanswered(peer);
    }
  }

  @Override
  public boolean awaits(RegionId peer, long probe) {
    return round != null && round.awaits(peer, probe);
  }

  @Override
  public void refused(RegionId peer, long probe, String why) {
    if (awaits(peer, probe)) {
      round.unanswered(peer);
    }
  }

  /** A COMPACT_DIGEST of the running round (checked by {@link FrameIntake#handle}). */
  void onAnswer(Peer p, Assembly a, long nowNanos) {
    if (!awaits(p.region, a.session)) {
      return;
    }
    String wrong = round.answer(p.region, a.closed);
    if (wrong != null) {
      round.unanswered(p.region);
      badInputs.record(
          BadInput.UNEXPECTED, nowNanos, "COMPACT_DIGEST from " + p.region + ": " + wrong);
    }
  }

  /**
   * Starts, advances or ends a round as due.
   *
   * @return whether anything was done
   */
  boolean doWork(long nowNanos) {
    if (round == null) {
      boolean due = config.compactEnabled() && intervalNanos > 0 && nowNanos - nextTickNanos >= 0;
      if (waiting.isEmpty() && !due) {
        return false;
      }
      nextTickNanos = nowNanos + intervalNanos;
      start(nowNanos);
      return true;
    }
    if (round.phase == CompactionRound.Phase.PROBING) {
      if (!round.awaiting.isEmpty() && nowNanos - round.deadlineNanos < 0) {
        return false;
      }
      for (RegionId silent : List.copyOf(round.awaiting)) {
        round.unanswered(silent);
      }
      decide(nowNanos);
      return true;
    }
    boolean allDone = round.pending.stream().allMatch(p -> p.future().isDone());
    if (!allDone && nowNanos - round.deadlineNanos < 0) {
      return false;
    }
    finish(nowNanos);
    return true;
  }

  private void start(long nowNanos) {
    round = new CompactionRound(ids.getAsLong(), waiting, nowNanos + timeoutNanos);
    waiting.clear();
    for (int shard = 0; shard < settledAt.length; shard++) {
      try {
        CompactionRound.Candidate c = candidate(shard);
        if (c != null) {
          round.candidates.put(shard, c);
        }
      } catch (RuntimeException e) {
        storeFailed(shard, "reading the epochs or the closed digest", e, nowNanos);
      }
    }
    if (round.candidates.isEmpty()) {
      return;
    }
    if (peers.values().stream().anyMatch(p -> p.failing)) {
      round.unanswered.addAll(peers.keySet()); // a failing peer: its answer cannot be trusted now
      return;
    }
    for (Peer p : peers.values()) {
      FrameEncoder out = encoders.encoder(p, round.id, ReconcileFrameDescriptor.COMPACT_PROBE);
      round.candidates.values().forEach(c -> out.probe(c.shard, c.cutoff));
      round.awaiting.add(p.region);
      out.finish();
    }
  }

  /** The shard's candidate, or null (counted as not past if this region is not past the cut). */
  private CompactionRound.Candidate candidate(int shard) {
    ShardEpochs ep = state.epochs(shard);
    long cutoff = ep.leaderEpoch() - 1;
    if (cutoff < 0 || ep.foldedThrough() >= cutoff || settledAt[shard] == cutoff) {
      return null;
    }
    if (ep.appliedEpoch() <= cutoff) {
      round.notPast++;
      return null;
    }
    ClosedDigest own = state.closedDigest(shard, cutoff);
    if (own.entries() == 0) {
      settledAt[shard] = cutoff;
      return null;
    }
    return new CompactionRound.Candidate(shard, cutoff, own);
  }

  private void decide(long nowNanos) {
    List<RegionId> regions = List.copyOf(peers.keySet());
    for (CompactionRound.Candidate c : round.candidates.values()) {
      try {
        decide(c, regions, nowNanos);
      } catch (RuntimeException e) {
        storeFailed(c.shard, "deciding", e, nowNanos);
      }
    }
    round.phase = CompactionRound.Phase.COMPACTING;
    round.deadlineNanos = nowNanos + timeoutNanos;
  }

  private void decide(CompactionRound.Candidate c, List<RegionId> regions, long nowNanos) {
    CompactionRound.Verdict verdict = round.verdict(c, regions, c.own);
    if (verdict == CompactionRound.Verdict.AGREED || verdict == CompactionRound.Verdict.MISMATCH) {
      if (state.epochs(c.shard).foldedThrough() >= c.cutoff) {
        return; // folded meanwhile
      }
      // this region's closed entries now (merges may have changed them while the peers
      // answered); merges run on this thread, so they stay so until the COMPACT is appended
      c.own = state.closedDigest(c.shard, c.cutoff);
      verdict = round.verdict(c, regions, c.own);
    }
    switch (verdict) {
      case UNREACHABLE -> round.unreachable++;
      case NOT_PAST -> round.notPast++;
      case MISMATCH -> round.mismatched++;
      default -> {
        if (c.own.entries() == 0) {
          settledAt[c.shard] = c.cutoff;
          return;
        }
        var future = state.compact(c.shard, c.cutoff);
        future.whenComplete((position, failure) -> wakeUp.run());
        round.pending.add(new CompactionRound.Pending(c.shard, c.cutoff, c.own.entries(), future));
      }
    }
  }

  private void finish(long nowNanos) {
    for (CompactionRound.Pending p : round.pending) {
      if (!p.future().isDone()) {
        round.failed++;
        errors.record(
            "compaction not durable",
            null,
            nowNanos,
            "COMPACT of shard "
                + p.shard()
                + " through epoch "
                + p.cutoff()
                + " not durable within "
                + config.sessionTimeout().toMillis()
                + " ms");
        continue;
      }
      try {
        long position = p.future().join();
        round.compacted++;
        compacted.incrementAndGet();
        settledAt[p.shard()] = p.cutoff();
        LOG.info(
            "{}: compacted shard {} through epoch {}: {} entries folded (COMPACT at log position {})",
            config.region(),
            p.shard(),
            p.cutoff(),
            p.entries(),
            position);
      } catch (CompletionException | CancellationException e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        storeFailed(p.shard(), "COMPACT through epoch " + p.cutoff(), cause, nowNanos);
      }
    }
    CompactionReport report = round.report();
    if (!report.isEmpty()) {
      LOG.debug("{}: compaction round {}: {}", config.region(), round.id, report);
    }
    round.demands.forEach(d -> d.complete(report));
    round = null;
  }

  private void storeFailed(int shard, String what, Throwable e, long nowNanos) {
    round.failed++;
    errors.record(e, nowNanos, "compaction of shard " + shard + ", " + what + ": " + e);
  }

  /** Fails the demands waiting for a round (the engine stopped). */
  void failPending(Consumer<Demand> fail) {
    waiting.forEach(fail);
    waiting.clear();
    if (round != null) {
      round.demands.forEach(fail);
    }
  }

  /** Returns how many shards this region compacted. */
  long compacted() {
    return compacted.get();
  }
}
