package io.tidaldb.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * What {@link FailoverTrials#run} measured: every failover, and the check of every write of the
 * load. Percentiles are nearest-rank over the trials (with fewer than 100 trials p99 is the
 * maximum).
 *
 * @param trials the failovers, in the order run
 * @param acknowledged writes acknowledged at QUORUM
 * @param failed writes that failed (each may or may not be stored)
 * @param ackedLost acknowledged writes some region does not count after convergence
 * @param duplicated writes some region counts more than once
 * @param failures the failed writes by exception class and message (values cut off)
 * @param unsettled trials that started with some shard not (yet) led by its preferred region
 * @param elapsed the whole run, convergence and check included
 */
public record FailoverReport(
    List<FailoverTrial> trials,
    long acknowledged,
    long failed,
    long ackedLost,
    long duplicated,
    Map<String, Long> failures,
    int unsettled,
    Duration elapsed) {
  /** Copies the trials. */
  public FailoverReport {
    trials = List.copyOf(trials);
    failures = Map.copyOf(failures);
  }

  /**
   * Returns a percentile of the failover times.
   *
   * @param percent 0 to 100
   * @return nearest-rank percentile in milliseconds, or -1 without trials
   */
  public long percentileMillis(double percent) {
    return percentile(values(t -> Optional.of(t.failover())), percent);
  }

  /**
   * Returns the longest failover.
   *
   * @return milliseconds, or -1 without trials
   */
  public long maxMillis() {
    return percentileMillis(100);
  }

  /**
   * Returns the one-line summary, for example {@code failover over 20 trials: p50 240 ms, p99 380
   * ms, max 395 ms, 0 acked lost}.
   *
   * @return the line
   */
  public String summary() {
    return "failover over "
        + trials.size()
        + " trials: p50 "
        + percentileMillis(50)
        + " ms, p99 "
        + percentileMillis(99)
        + " ms, max "
        + maxMillis()
        + " ms, "
        + ackedLost
        + " acked lost";
  }

  /**
   * Describes where the time went, one line per step, p50 / p90 / p99 / max in milliseconds over
   * the trials where both ends of the step were seen (see {@link FailoverTrial}).
   *
   * @return the lines, or a note that the steps were not sampled
   */
  public String breakdown() {
    StringBuilder b = new StringBuilder();
    b.append(row("crash -> first QUORUM ack (failover)", t -> Optional.of(t.failover())));
    b.append(row("crash -> pre-vote started (detection)", FailoverTrial::detected));
    b.append(
        row(
            "pre-vote started -> epoch raised (PreVote)",
            t -> between(t.detected(), t.electing())));
    b.append(
        row("epoch raised -> leader (vote, epoch files)", t -> between(t.electing(), t.elected())));
    b.append(row("leader -> accepts writes (epoch sync)", t -> between(t.elected(), t.writable())));
    b.append(
        row(
            "accepts writes -> first QUORUM ack",
            t -> between(t.writable(), Optional.of(t.failover()))));
    return b.toString();
  }

  private String row(String what, Function<FailoverTrial, Optional<Duration>> step) {
    List<Long> v = values(step);
    if (v.isEmpty()) {
      return String.format(Locale.ROOT, "%-45s not sampled%n", what);
    }
    return String.format(
        Locale.ROOT,
        "%-45s p50 %4d  p90 %4d  p99 %4d  max %4d ms  (%d trials)%n",
        what,
        percentile(v, 50),
        percentile(v, 90),
        percentile(v, 99),
        percentile(v, 100),
        v.size());
  }

  private static Optional<Duration> between(Optional<Duration> from, Optional<Duration> to) {
    if (from.isEmpty() || to.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(to.get().minus(from.get()));
  }

  private List<Long> values(Function<FailoverTrial, Optional<Duration>> step) {
    List<Long> out = new ArrayList<>();
    for (FailoverTrial t : trials) {
      step.apply(t).ifPresent(d -> out.add(d.toMillis()));
    }
    out.sort(null);
    return out;
  }

  private static long percentile(List<Long> sorted, double percent) {
    if (sorted.isEmpty()) {
      return -1;
    }
    int rank = (int) Math.ceil(percent / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size(), rank) - 1));
  }
}
