package io.tidaldb.replication.node;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * The simulation's fault injector: every {@link #maybeInject} draws whether a fault starts now and
 * which: a one-way or two-way link cut, a bridge partition (a shard's leader cut from one follower
 * only), a partition (the regions split in two sides, cut both ways or one way), a shaped link or
 * region (delay, jitter, loss, duplication, reordering), a pause of all a region's links, a stall
 * of a region's process, a crash ({@code kill -9}) or a power loss; each ends after a drawn
 * duration (the crashed region restarts). At most a minority of regions is down at once. {@link
 * #healAll} ends every fault.
 */
final class SimFaults {
  private record Ending(long due, long seq, Runnable action) {}

  private final Sim sim;
  private final SplittableRandom random;
  private final double chancePerTick;
  private final PriorityQueue<Ending> endings =
      new PriorityQueue<>(
          (a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
  private long seq;
  private int injected;

  SimFaults(Sim sim, double chancePerTick) {
    this.sim = sim;
    this.random = sim.random();
    this.chancePerTick = chancePerTick;
  }

  int injected() {
    return injected;
  }

  /** Ends the faults that are due, then maybe starts one. */
  void maybeInject() {
    while (!endings.isEmpty() && endings.peek().due <= sim.now()) {
      endings.poll().action.run();
    }
    if (random.nextDouble() >= chancePerTick) {
      return;
    }
    injected++;
    int n = sim.regions().size();
    int a = random.nextInt(n);
    int b = (a + 1 + random.nextInt(n - 1)) % n;
    long duration = random.nextLong(50, 1_500) * Sim.MS;
    SimNetwork net = sim.network();
    switch (random.nextInt(9)) {
      case 0 -> {
        net.cutOneWay(a, b);
        note("cut " + a + " -> " + b + " one way", duration);
        later(duration, () -> heal(a, b, false));
      }
      case 1 -> {
        net.cutOneWay(a, b);
        net.cutOneWay(b, a);
        note("cut " + a + " <-> " + b, duration);
        later(duration, () -> heal(a, b, true));
      }
      case 2 -> bridge(b, duration);
      case 3 -> shape(a, b, duration);
      case 4 -> {
        net.pause(a, sim.now() + duration);
        note("pause the links of region " + a, duration);
      }
      case 5 -> {
        long stall = random.nextLong(20, 600) * Sim.MS;
        sim.regions().get(a).stall(sim.now() + stall);
        note("stall the process of region " + a, stall);
      }
      case 6 -> partition(random.nextBoolean());
      default -> crash(a, random.nextBoolean(), duration);
    }
  }

  /**
   * A partition: the regions split in two sides drawn at random, every link between the sides cut
   * both ways ({@code symmetric}) or only from the first side to the second, for 0.3 to 2.5 s, so
   * that a side without a shard's leader takes LOCAL writes into its local streams (past the leader
   * wait of 1 s).
   */
  private void partition(boolean symmetric) {
    int n = sim.regions().size();
    int mask = 1 + random.nextInt((1 << n) - 2); // a proper, non-empty side
    long duration = random.nextLong(300, 2_500) * Sim.MS;
    List<int[]> links = new ArrayList<>();
    for (int from = 0; from < n; from++) {
      for (int to = 0; to < n; to++) {
        boolean fromSide = (mask >> from & 1) == 1;
        boolean toSide = (mask >> to & 1) == 1;
        if (fromSide && !toSide || symmetric && !fromSide && toSide) {
          sim.network().cutOneWay(from, to);
          links.add(new int[] {from, to});
        }
      }
    }
    note(
        "partition "
            + side(mask, n, true)
            + (symmetric ? " <-> " : " -> ")
            + side(mask, n, false)
            + (symmetric ? "" : " one way"),
        duration);
    later(
        duration,
        () -> {
          for (int[] link : links) {
            sim.network().heal(link[0], link[1]);
          }
        });
  }

  private static String side(int mask, int n, boolean in) {
    StringBuilder b = new StringBuilder("{");
    for (int r = 0; r < n; r++) {
      if ((mask >> r & 1) == 1 == in) {
        b.append(b.length() > 1 ? "," : "").append(r);
      }
    }
    return b.append('}').toString();
  }

  private void bridge(int follower, long duration) {
    int shard = random.nextInt(sim.shards());
    int leader = sim.leaderOf(shard);
    if (leader < 0 || leader == follower) {
      return;
    }
    sim.network().cutOneWay(leader, follower);
    sim.network().cutOneWay(follower, leader);
    note("bridge: cut shard " + shard + "'s leader " + leader + " from " + follower, duration);
    later(duration, () -> heal(leader, follower, true));
  }

  private void shape(int a, int b, long duration) {
    SimNetwork.Shape shape =
        new SimNetwork.Shape(
            random.nextLong(0, 30) * Sim.MS,
            random.nextLong(0, 20) * Sim.MS,
            random.nextDouble(0.3),
            random.nextDouble(0.2),
            random.nextDouble(0.2));
    boolean wholeRegion = random.nextBoolean();
    int n = sim.regions().size();
    for (int to = 0; to < n; to++) {
      if (to != a && (wholeRegion || to == b)) {
        sim.network().shape(a, to, shape);
        sim.network().shape(to, a, shape);
      }
    }
    note(
        "shape " + (wholeRegion ? "every link of " + a : a + " <-> " + b) + ": " + shape, duration);
    later(
        duration,
        () -> {
          for (int to = 0; to < n; to++) {
            sim.network().shape(a, to, null);
            sim.network().shape(to, a, null);
          }
        });
  }

  private void crash(int region, boolean powerLoss, long duration) {
    int down = 0;
    for (SimRegion r : sim.regions()) {
      down += r.up() ? 0 : 1;
    }
    SimRegion r = sim.regions().get(region);
    if (!r.up() || 2 * (down + 1) >= sim.regions().size()) {
      return; // a majority stays up
    }
    sim.crash(region, powerLoss);
    note((powerLoss ? "power loss of region " : "crash of region ") + region, duration);
    later(duration, () -> sim.restart(region));
  }

  private void heal(int a, int b, boolean bothWays) {
    sim.network().heal(a, b);
    if (bothWays) {
      sim.network().heal(b, a);
    }
  }

  private void note(String what, long duration) {
    sim.trace().event(sim.now(), what + " for " + SimTrace.ms(duration));
  }

  private void later(long after, Runnable action) {
    endings.add(new Ending(sim.now() + after, seq++, action));
  }

  /** Ends every fault at once and forgets the scheduled endings; crashed regions restart. */
  void healAll() {
    endings.clear();
    sim.network().healAll();
    for (SimRegion r : sim.regions()) {
      r.unstall();
      if (!r.up()) {
        sim.restart(r.index);
      }
    }
    sim.trace().event(sim.now(), "heal everything");
  }
}
