package io.tidaldb.store;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.ReadToken;
import io.tidaldb.api.StaleReadException;
import io.tidaldb.api.StaleReadException.Reason;
import io.tidaldb.api.UnavailableException;
import java.time.Duration;
import java.util.Locale;
import java.util.function.IntToLongFunction;
import java.util.function.LongSupplier;

/**
 * The consistency requirements of the store's reads: read-your-writes ({@link ReadToken}) and
 * bounded staleness. A read with a token waits, up to {@link StoreConfig#readWaitMax()}, until this
 * region applied each shard it reads through the token's position ({@link AppliedWaits}: woken on
 * apply), then answers; past the bound, or at once for a write of another region's own stream, it
 * fails with a {@link StaleReadException} naming the values. A read with a staleness bound answers
 * only if this region leads the shard or heard from its leader within the bound. Never an older
 * answer. Thread-safe; runs on the reading thread.
 */
final class ReadGate {
  private final ShardState[] shards;
  private final int region;
  private final long waitMaxNanos;
  private final LongSupplier nanoClock;

  /** Nanoseconds since this region heard from a shard's leader: 0 leading, -1 never. */
  private final IntToLongFunction leaderContactAge;

  ReadGate(
      ShardState[] shards,
      int region,
      Duration waitMax,
      LongSupplier nanoClock,
      IntToLongFunction leaderContactAge) {
    this.shards = shards;
    this.region = region;
    this.waitMaxNanos = waitMax.toNanos();
    this.nanoClock = nanoClock;
    this.leaderContactAge = leaderContactAge;
  }

  /** Returns the deadline of a read starting now. */
  long deadline() {
    return nanoClock.getAsLong() + waitMaxNanos;
  }

  /**
   * Waits until this region applied everything {@code token} records of {@code shard}.
   *
   * @param startNanos when the read started (the wait it reports counts from it)
   * @param deadlineNanos when to give up
   * @throws StaleReadException past the deadline, or at once for a local write of another region
   */
  void await(int shard, ReadToken token, long startNanos, long deadlineNanos) {
    int elsewhere = token.localElsewhere(shard, region);
    if (elsewhere >= 0) {
      long local = token.localPosition(elsewhere, shard);
      throw new StaleReadException(
          String.format(
              Locale.ROOT,
              "stale: shard %d: the token holds a write of region %d's own stream (local position"
                  + " %,d), which becomes visible at region %d only after reconciliation; read at"
                  + " region %d, or without it (ReadToken.withoutLocal) once reconciled",
              shard,
              elsewhere,
              local,
              region,
              elsewhere),
          Reason.LOCAL_ELSEWHERE,
          shard,
          -1,
          local,
          0);
    }
    ShardState s = shards[shard];
    long needed = token.position(shard);
    if (needed >= 0) {
      awaitWrite(s, needed, token.stamp(shard), startNanos, deadlineNanos);
    }
    long local = token.localPosition(region, shard);
    if (local >= 0
        && !s.readWaits.await(() -> s.localAppliedPosition() > local, deadlineNanos, nanoClock)) {
      throw behind(shard, "'s own stream", s.localAppliedPosition(), local, startNanos);
    }
  }

  /**
   * Waits until the shard applied {@code position} and its record there has {@code stamp}: a log
   * holding another record there (a deposed leader's suffix before its cut) answers only after a
   * cut or an install replaced it (each wakes the waiters); the WAL is read outside the monitor.
   */
  private void awaitWrite(
      ShardState s, long position, long stamp, long startNanos, long deadlineNanos) {
    while (true) {
      if (!s.readWaits.await(() -> s.appliedPosition() > position, deadlineNanos, nanoClock)) {
        throw behind(s.shard, "", s.appliedPosition(), position, startNanos);
      }
      int cuts = s.cuts();
      if (position >= s.log.durablePosition()) { // applied just before durable: readable soon
        try {
          s.log.awaitDurable(position, Math.max(0, deadlineNanos - nanoClock.getAsLong()));
        } catch (UnavailableException notYet) {
          throw behind(s.shard, "", s.appliedPosition(), position, startNanos);
        }
      }
      long found;
      try {
        found = s.stampAt(position);
      } catch (RuntimeException cutMeanwhile) {
        found = -2; // check again once the cut is done
      }
      if (found == stamp || found == -1) {
        return; // the token's write, or a trimmed position (applied long ago; not checkable)
      }
      if (!s.readWaits.await(
          () -> s.cuts() != cuts && s.appliedPosition() > position, deadlineNanos, nanoClock)) {
        throw otherWrite(s.shard, s.appliedPosition(), position, startNanos);
      }
    }
  }

  /** Waits as {@link #await(int, ReadToken, long, long)} for every shard, with one deadline. */
  void awaitAll(ReadToken token) {
    long start = nanoClock.getAsLong();
    long deadline = start + waitMaxNanos;
    for (int shard = 0; shard < shards.length; shard++) {
      await(shard, token, start, deadline);
    }
  }

  /**
   * Checks that this region leads {@code shard} or heard from its leader within {@code maxLag}.
   *
   * @throws StaleReadException naming the lag otherwise
   */
  void checkLag(int shard, Duration maxLag) {
    long age = leaderContactAge.applyAsLong(shard);
    long max = maxLag.toNanos();
    if (age >= 0 && age <= max) {
      return;
    }
    long allowed = maxLag.toMillis();
    String heard =
        age < 0
            ? "has not heard from a leader"
            : String.format(Locale.ROOT, "last heard from its leader %,d ms ago", age / 1_000_000);
    throw new StaleReadException(
        String.format(
            Locale.ROOT,
            "stale: shard %d %s, more than the %,d ms allowed (max lag)",
            shard,
            heard,
            allowed),
        Reason.LEADER_LAG,
        shard,
        age < 0 ? -1 : age / 1_000_000,
        allowed,
        0);
  }

  /** Checks the staleness bound of every shard (a top-K reads them all). */
  void checkLagAll(Duration maxLag) {
    for (int shard = 0; shard < shards.length; shard++) {
      checkLag(shard, maxLag);
    }
  }

  /** Refuses a negative or null bound, naming it. */
  static void checkMaxLag(Duration maxLag) {
    if (maxLag == null || maxLag.isNegative()) {
      throw new InvalidArgumentException("max lag", maxLag, "must be at least 0 ms");
    }
  }

  private StaleReadException otherWrite(
      int shard, long appliedBelow, long needed, long startNanos) {
    long waited = Math.max(0, nanoClock.getAsLong() - startNanos) / 1_000_000;
    return new StaleReadException(
        String.format(
            Locale.ROOT,
            "stale: shard %d applied through %,d, but its record at %,d is another write than the"
                + " token's (a deposed leader's records not cut yet, or the token's write was cut"
                + " in a failover; waited %,d ms)",
            shard,
            appliedBelow - 1,
            needed,
            waited),
        Reason.OTHER_WRITE,
        shard,
        appliedBelow - 1,
        needed,
        waited);
  }

  private StaleReadException behind(
      int shard, String stream, long appliedBelow, long needed, long startNanos) {
    long through = appliedBelow - 1;
    long waited = Math.max(0, nanoClock.getAsLong() - startNanos) / 1_000_000;
    return new StaleReadException(
        String.format(
            Locale.ROOT,
            "stale: shard %d%s applied through %,d, token needs %,d (%,d records behind, waited"
                + " %,d ms)",
            shard,
            stream,
            through,
            needed,
            needed - through,
            waited),
        Reason.BEHIND_TOKEN,
        shard,
        through,
        needed,
        waited);
  }
}
