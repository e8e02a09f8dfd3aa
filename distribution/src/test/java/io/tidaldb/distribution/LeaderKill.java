package io.tidaldb.distribution;

import io.tidaldb.api.TenantId;
import io.tidaldb.router.HashShardRouter;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;

/**
 * {@link ThreeProcessIT}'s second round: a shard leader's process killed under QUORUM load.
 *
 * <ol>
 *   <li>Once the three agree on every shard's leader ({@code /v1/status}), the victim is the region
 *       leading the most shards (ties: the lowest id); its shards are the ones that fail over.
 *   <li>Each of the two other regions' consoles writes QUORUM signals of its own session, seq after
 *       seq, over two entities of every shard (so each writer keeps reaching the victim's shards).
 *       An {@code error:} answer is typed again with the same session, seq and event time (the
 *       console remembers it) until acknowledged: a refused write stored nothing, one whose outcome
 *       was unknown may be stored, and the retry must count it once. Each acknowledged write is
 *       then typed once more, as a client that lost the answer would (across the failover too: the
 *       first ack may come from the old leader, the duplicate's from the new one): it must answer
 *       the original acknowledgement (same shard and position) and count nothing.
 *   <li>After each writer has {@link #WARM} acknowledgements, the first writer holds the duplicate
 *       of its next write the victim acknowledges, and the victim gets SIGKILL; the held duplicate
 *       then goes out, and must be answered by the next leader with the original record (the other
 *       writer runs on, so a write may be in flight at the kill). The time from the kill to the
 *       first acknowledgement of a new write of each of its shards by another leader is printed.
 *   <li>The victim restarts on the same home and ports; the writers go on until each has {@link
 *       #WARM} more acknowledgements, then stop. Once the three report the same applied position of
 *       every shard, each console runs {@code tidal:reconcile}, and every region's console must
 *       count each entity exactly as often as it was acknowledged (never more, at any moment).
 * </ol>
 */
final class LeaderKill {
  /** Acknowledgements each writer collects before the kill, and again after the restart. */
  private static final int WARM = 10;

  private static final int PER_SHARD = 2;
  private static final long ENTITY_BASE = 1_000;
  private static final Duration POLL = Duration.ofMillis(50);

  /** A QUORUM acknowledgement: the leader named (or ?), then the shard. */
  private static final Pattern ACK =
      Pattern.compile(
          "^ok: durable at QUORUM, stored by a majority of the regions \\(leader (\\S+?)"
              + "(?:, via region-\\d+)?\\): shard-(\\d+) position (\\d+) ");

  private final TcpRegions regions;
  private final int shards;
  private final long[] entities;
  private final Map<Long, Integer> acked = new TreeMap<>(); // guarded by itself
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final AtomicLongArray firstAckMillis;
  private final AtomicReferenceArray<String> firstAckBy;
  private volatile long killedAt;
  private volatile boolean holdRequested;
  private final CountDownLatch holding = new CountDownLatch(1);
  private final CountDownLatch killed = new CountDownLatch(1);
  private volatile boolean stop;
  private int victim = -1;

  LeaderKill(TcpRegions regions, int shards) {
    this.regions = regions;
    this.shards = shards;
    this.entities = entities(shards);
    this.firstAckMillis = new AtomicLongArray(shards);
    this.firstAckBy = new AtomicReferenceArray<>(shards);
    for (int s = 0; s < shards; s++) {
      firstAckMillis.set(s, -1);
    }
  }

  /** Runs the round; throws when a wait times out or a count is wrong. */
  void run() throws Exception {
    long round = System.nanoTime();
    int[] leaders = awaitAgreedLeaders();
    victim = mostLeading(leaders);
    List<Integer> failedOver = new ArrayList<>();
    for (int s = 0; s < shards; s++) {
      if (leaders[s] == victim) {
        failedOver.add(s);
      }
    }
    List<Writer> writers = new ArrayList<>();
    for (int n = 0; n < TcpRegions.REGIONS; n++) {
      if (n != victim) {
        writers.add(new Writer(n, regions.node(n), "1ead0" + n, writers.isEmpty()));
      }
    }
    List<Thread> threads = new ArrayList<>();
    for (Writer w : writers) {
      Thread t = new Thread(w, "leader-kill-writer-region-" + w.region);
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
    try {
      awaitAcks(writers, WARM, "before the kill");
      holdRequested = true;
      if (!holding.await(RunningNode.DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
        rethrow();
        throw new AssertionError(
            "region-"
                + writers.get(0).region
                + "'s writer got no acknowledgement from region-"
                + victim
                + " to hold its duplicate over the kill");
      }

      killedAt = System.nanoTime();
      regions.node(victim).kill();
      killed.countDown();
      await(
          () -> failedOver.stream().allMatch(s -> firstAckMillis.get(s) >= 0),
          "a QUORUM acknowledgement of each of shards "
              + failedOver
              + " by a leader other than region-"
              + victim);
      List<String> failovers = new ArrayList<>();
      for (int s : failedOver) {
        failovers.add(
            "shard " + s + " " + firstAckMillis.get(s) + " ms (leader " + firstAckBy.get(s) + ")");
      }

      long restart = System.nanoTime();
      regions.start(victim);
      regions.awaitUp(victim);
      int[] now = new int[writers.size()];
      for (int i = 0; i < now.length; i++) {
        now[i] = writers.get(i).acks;
      }
      awaitAcks(writers, now, WARM, "after the restart");
      stop = true;
      for (Thread t : threads) {
        t.join(RunningNode.DEADLINE.toMillis());
        if (t.isAlive()) {
          throw new AssertionError(t.getName() + " did not finish its last write");
        }
      }
      rethrow();
      if (writers.get(0).heldDuplicate == null) {
        throw new AssertionError("the duplicate held over the kill was never typed");
      }
      awaitCaughtUp();
      long caughtUp = ms(restart);
      for (int n = 0; n < TcpRegions.REGIONS; n++) {
        reconcile(n);
      }

      int total = 0;
      int refused = 0;
      int unknown = 0;
      int retriedUnknown = 0;
      int duplicates = 0;
      int crossed = 0;
      List<String> unknownAnswers = new ArrayList<>();
      for (Writer w : writers) {
        total += w.acks;
        refused += w.refused;
        unknown += w.unknown;
        retriedUnknown += w.retriedUnknown;
        duplicates += w.duplicates;
        crossed += w.crossed;
        if (w.heldDuplicate != null) {
          System.out.println("ThreeProcessIT: duplicate held over the kill: " + w.heldDuplicate);
        }
        if (w.firstUnknown != null) {
          unknownAnswers.add("region-" + w.region + ": " + w.firstUnknown);
        }
      }
      synchronized (acked) {
        assertEqual(total, acked.values().stream().mapToInt(Integer::intValue).sum(), "acks");
        for (int n = 0; n < TcpRegions.REGIONS; n++) {
          for (Map.Entry<Long, Integer> e : acked.entrySet()) {
            ThreeProcessIT.awaitCount(regions.node(n), e.getKey(), e.getValue());
          }
        }
      }
      System.out.printf(
          "ThreeProcessIT: SIGKILL of region-%d, leader of shards %s, under QUORUM session writes"
              + " from the consoles of regions %s: first acknowledgement after the kill: %s;"
              + " restart + catch-up %d ms; %d writes acknowledged and counted once on every"
              + " region (each typed again once: %d duplicates answered the original"
              + " acknowledgement, %d of them by another leader than the first); %d attempts refused (nothing stored), %d with an unknown"
              + " outcome (%d writes acknowledged on a retry after one; first unknown answers %s);"
              + " round %d ms%n",
          victim,
          failedOver,
          writers.stream().map(w -> w.region).toList(),
          String.join(", ", failovers),
          caughtUp,
          total,
          duplicates,
          crossed,
          refused,
          unknown,
          retriedUnknown,
          unknownAnswers,
          ms(round));
    } finally {
      stop = true;
    }
  }

  /** Two entities of every shard, in shard order, so that consecutive seqs visit every shard. */
  private static long[] entities(int shards) {
    HashShardRouter router = new HashShardRouter(shards);
    long[][] byShard = new long[shards][PER_SHARD];
    int[] filled = new int[shards];
    for (long e = ENTITY_BASE; Arrays.stream(filled).anyMatch(f -> f < PER_SHARD); e++) {
      int s = router.shardOf(TenantId.DEFAULT, e);
      if (filled[s] < PER_SHARD) {
        byShard[s][filled[s]++] = e;
      }
    }
    long[] out = new long[shards * PER_SHARD];
    for (int i = 0; i < PER_SHARD; i++) {
      for (int s = 0; s < shards; s++) {
        out[i * shards + s] = byShard[s][i];
      }
    }
    return out;
  }

  /** The region leading the most shards; ties go to the lowest id. */
  private static int mostLeading(int[] leaders) {
    int[] led = new int[TcpRegions.REGIONS];
    for (int l : leaders) {
      led[l]++;
    }
    int best = 0;
    for (int n = 1; n < led.length; n++) {
      if (led[n] > led[best]) {
        best = n;
      }
    }
    return best;
  }

  /** Waits until the three report a leader of every shard and agree on it; returns them. */
  private int[] awaitAgreedLeaders() {
    int[][] leaders = {null};
    await(
        () -> {
          TcpRegions.Status[] s = statuses();
          if (s == null) {
            return false;
          }
          for (int shard = 0; shard < shards; shard++) {
            int l = s[0].leader()[shard];
            if (l < 0 || s[1].leader()[shard] != l || s[2].leader()[shard] != l) {
              return false;
            }
          }
          leaders[0] = s[0].leader();
          return true;
        },
        "the three regions to agree on a leader of every shard");
    return leaders[0];
  }

  /** Waits until the three agree on the leaders and report the same applied positions. */
  private void awaitCaughtUp() {
    await(
        () -> {
          TcpRegions.Status[] s = statuses();
          if (s == null) {
            return false;
          }
          for (int shard = 0; shard < shards; shard++) {
            int l = s[0].leader()[shard];
            long a = s[0].applied()[shard];
            for (TcpRegions.Status r : s) {
              if (l < 0 || r.leader()[shard] != l || r.applied()[shard] != a) {
                return false;
              }
            }
          }
          return true;
        },
        "region-" + victim + " to catch up: the same leaders and applied positions on all three");
  }

  private TcpRegions.Status[] statuses() {
    TcpRegions.Status[] s = new TcpRegions.Status[TcpRegions.REGIONS];
    for (int n = 0; n < s.length; n++) {
      s[n] = regions.status(n, shards);
      if (s[n] == null) {
        return null;
      }
    }
    return s;
  }

  /** Runs {@code tidal:reconcile} on the region's console until it answers without an error. */
  private void reconcile(int region) throws IOException {
    String prefix = "region-" + region + ": ";
    long deadline = System.nanoTime() + RunningNode.DEADLINE.toNanos();
    while (true) {
      String answer = regions.node(region).ask("tidal:reconcile", prefix, "error: ");
      if (!answer.contains("error")) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("tidal:reconcile on region-" + region + " answered " + answer);
      }
    }
  }

  private void awaitAcks(List<Writer> writers, int more, String when) {
    awaitAcks(writers, new int[writers.size()], more, when);
  }

  private void awaitAcks(List<Writer> writers, int[] from, int more, String when) {
    await(
        () -> {
          for (int i = 0; i < from.length; i++) {
            if (writers.get(i).acks < from[i] + more) {
              return false;
            }
          }
          return true;
        },
        more + " more acknowledgements of each writer " + when);
  }

  private void await(BooleanSupplier condition, String what) {
    Awaitility.await(what)
        .atMost(RunningNode.DEADLINE)
        .pollDelay(Duration.ZERO)
        .pollInterval(POLL)
        .until(
            () -> {
              rethrow();
              return condition.getAsBoolean();
            });
  }

  private void rethrow() {
    Throwable t = failure.get();
    if (t != null) {
      throw new AssertionError("a writer failed: " + t.getMessage(), t);
    }
  }

  private static void assertEqual(int expected, int actual, String what) {
    if (expected != actual) {
      throw new AssertionError(what + ": expected " + expected + ", got " + actual);
    }
  }

  private static long ms(long since) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
  }

  /** One console's writer: QUORUM writes of one session, each typed again until acknowledged. */
  private final class Writer implements Runnable {
    final int region;
    final RunningNode node;
    final String session;

    /** Whether this writer holds one duplicate of a write the victim acknowledged over the kill. */
    final boolean holds;

    volatile int acks;
    int refused;
    int unknown;
    int retriedUnknown;
    int duplicates;
    int crossed;
    String firstUnknown;
    String heldDuplicate;
    private long seq;

    Writer(int region, RunningNode node, String session, boolean holds) {
      this.region = region;
      this.node = node;
      this.session = session;
      this.holds = holds;
    }

    @Override
    public void run() {
      try {
        while (!stop) {
          writeNext();
        }
      } catch (Throwable t) {
        failure.compareAndSet(null, t);
      }
    }

    private void writeNext() throws IOException {
      seq++;
      long entity = entities[(int) (seq % entities.length)];
      String command =
          "tidal:signal default view "
              + entity
              + " 1 --durability quorum --session "
              + session
              + " --seq "
              + seq;
      String first = typeUntilAcknowledged(command, true);
      synchronized (acked) {
        acked.merge(entity, 1, Integer::sum);
      }
      acks++;
      boolean held = false;
      if (holds
          && holdRequested
          && holding.getCount() > 0
          && leader(first).equals("region-" + victim)) {
        // acknowledged by the victim: its duplicate goes out once the victim is dead
        holding.countDown();
        awaitKill();
        held = true;
      }
      // the client lost the answer: the same write again must name the same record
      String again = typeUntilAcknowledged(command, false);
      duplicates++;
      if (held) {
        heldDuplicate = command + " answered " + first + " before the kill, " + again + " after";
        if (leader(again).equals(leader(first))) {
          throw new AssertionError("the leader did not change: " + heldDuplicate);
        }
      }
      if (!leader(first).equals(leader(again))) {
        crossed++; // acknowledged by one leader, its duplicate answered by the next
      }
      if (!where(again).equals(where(first))) {
        throw new AssertionError(
            command + " typed again answered " + again + ", not the original " + first);
      }
    }

    /**
     * Types the command until it answers a QUORUM acknowledgement; returns that answer.
     *
     * @param first whether this is the write's first acknowledgement (not its duplicate)
     */
    private String typeUntilAcknowledged(String command, boolean first) throws IOException {
      long deadline = System.nanoTime() + RunningNode.DEADLINE.toNanos();
      boolean doubt = false;
      while (true) {
        String answer = node.ask(command, "ok: ", "error: ");
        long at = System.nanoTime();
        if (answer.startsWith("ok: ")) {
          Matcher m = ACK.matcher(answer);
          if (!m.find()) {
            throw new AssertionError(command + " was not acknowledged at QUORUM: " + answer);
          }
          if (first) {
            noteFailover(Integer.parseInt(m.group(2)), m.group(1), at);
          }
          if (doubt && first) {
            retriedUnknown++;
          }
          return answer;
        }
        if (RunningNode.nothingStored(answer)) {
          refused++;
        } else {
          unknown++;
          if (firstUnknown == null) {
            firstUnknown = answer;
          }
          doubt = true;
        }
        if (at > deadline) {
          throw new AssertionError(
              command + " still not acknowledged after " + RunningNode.DEADLINE + ": " + answer);
        }
      }
    }

    private void awaitKill() {
      try {
        if (!killed.await(RunningNode.DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
          throw new AssertionError("no kill within " + RunningNode.DEADLINE);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while holding a duplicate", e);
      }
    }

    /** The leader an acknowledgement names ({@code region-N}, or {@code ?}). */
    private String leader(String ack) {
      Matcher m = ACK.matcher(ack);
      return m.find() ? m.group(1) : "";
    }

    /** An acknowledgement's shard and position. */
    private String where(String ack) {
      Matcher m = ACK.matcher(ack);
      if (!m.find()) {
        throw new AssertionError("not a QUORUM acknowledgement: " + ack);
      }
      return "shard-" + m.group(2) + " position " + m.group(3);
    }

    /** Records the first acknowledgement of a shard after the kill by another leader. */
    private void noteFailover(int shard, String leader, long at) {
      long killed = killedAt;
      if (killed == 0
          || at < killed
          || leader.equals("?")
          || leader.equals("region-" + victim)
          || shard >= shards) {
        return;
      }
      if (firstAckMillis.compareAndSet(shard, -1, TimeUnit.NANOSECONDS.toMillis(at - killed))) {
        firstAckBy.set(shard, leader + ", written via region-" + region);
      }
    }
  }
}
