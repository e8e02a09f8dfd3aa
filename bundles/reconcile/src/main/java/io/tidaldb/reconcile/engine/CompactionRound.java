package io.tidaldb.reconcile.engine;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.reconcile.ClosedDigest;
import io.tidaldb.reconcile.CompactionReport;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One round of the compaction probe, as a state machine: PROBING (a COMPACT_PROBE sent to every
 * peer, waiting for each one's COMPACT_DIGEST, its failure or the deadline) → COMPACTING (a COMPACT
 * asked of the store for each shard every region agreed on, waiting until each is durable or the
 * deadline) → ended. Holds the candidates, the answers and the counts of {@link CompactionReport}.
 * Owned by the engine's thread.
 */
final class CompactionRound {
  enum Phase {
    PROBING,
    COMPACTING
  }

  /** A shard this region leads with closed entries through {@code cutoff}, and its own digest. */
  static final class Candidate {
    final int shard;
    final long cutoff;
    ClosedDigest own;

    Candidate(int shard, long cutoff, ClosedDigest own) {
      this.shard = shard;
      this.cutoff = cutoff;
      this.own = own;
    }
  }

  /** A COMPACT asked of the store. */
  record Pending(int shard, long cutoff, long entries, CompletableFuture<Long> future) {}

  /** Why a candidate is not compacted, or that it may be. */
  enum Verdict {
    AGREED,
    UNREACHABLE,
    NOT_PAST,
    MISMATCH
  }

  final long id;
  final List<Demand> demands;
  final Map<Integer, Candidate> candidates = new LinkedHashMap<>();
  final Set<RegionId> awaiting = new HashSet<>();
  final Set<RegionId> unanswered = new HashSet<>();
  final Map<RegionId, Map<Integer, Assembly.Closed>> answers = new HashMap<>();
  final List<Pending> pending = new ArrayList<>();
  Phase phase = Phase.PROBING;
  long deadlineNanos;
  int compacted;
  int mismatched;
  int notPast;
  int unreachable;
  int failed;

  CompactionRound(long id, List<Demand> demands, long deadlineNanos) {
    this.id = id;
    this.demands = List.copyOf(demands);
    this.deadlineNanos = deadlineNanos;
  }

  /** Whether the round waits for this peer's answer to this probe. */
  boolean awaits(RegionId peer, long probe) {
    return phase == Phase.PROBING && id == probe && awaiting.contains(peer);
  }

  /** The peer will not answer (unreachable, a bad answer, or silent until the deadline). */
  void unanswered(RegionId peer) {
    if (phase == Phase.PROBING && awaiting.remove(peer)) {
      unanswered.add(peer);
    }
  }

  /**
   * Takes a peer's answer.
   *
   * @return null if taken, else what is wrong with it (a shard not probed or another cut-off)
   */
  String answer(RegionId peer, Map<Integer, Assembly.Closed> closed) {
    for (Map.Entry<Integer, Assembly.Closed> e : closed.entrySet()) {
      Candidate c = candidates.get(e.getKey());
      if (c == null || c.cutoff != e.getValue().cutoff()) {
        return "answer for shard "
            + e.getKey()
            + " through "
            + e.getValue().cutoff()
            + ", which probe "
            + id
            + " did not ask for ("
            + (c == null ? "shard not probed" : "probed through " + c.cutoff)
            + ")";
      }
    }
    awaiting.remove(peer);
    answers.put(peer, closed);
    return null;
  }

  /**
   * Judges a candidate by the peers' answers and this region's digest now: every peer answered for
   * the shard, is past the cut-off, and holds the same closed entries.
   */
  Verdict verdict(Candidate c, Iterable<RegionId> peers, ClosedDigest own) {
    boolean notPastSeen = false;
    boolean mismatch = false;
    for (RegionId peer : peers) {
      Map<Integer, Assembly.Closed> theirs = answers.get(peer);
      Assembly.Closed a = theirs == null ? null : theirs.get(c.shard);
      if (unanswered.contains(peer) || a == null) {
        return Verdict.UNREACHABLE;
      }
      if (a.applied() <= c.cutoff) {
        notPastSeen = true;
      } else if (a.digest() != own.digest() || a.entries() != own.entries()) {
        mismatch = true;
      }
    }
    return notPastSeen ? Verdict.NOT_PAST : mismatch ? Verdict.MISMATCH : Verdict.AGREED;
  }

  CompactionReport report() {
    return new CompactionReport(compacted, mismatched, notPast, unreachable, failed);
  }
}
