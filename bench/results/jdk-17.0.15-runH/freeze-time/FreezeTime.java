package io.tidaldb.store;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Run H scratch measurement (not part of the bench module): the wall and CPU time of {@link
 * EntityStateMap#freeze}, the copy the commit thread takes when a background snapshot starts, for
 * a map of {@code args[0]} entries of one series. It sits in the store's package to reach the
 * package-private map; compile it against a benchmarks jar and put it first on the class path.
 */
public final class FreezeTime {
  public static void main(String[] args) {
    int n = Integer.parseInt(args[0]);
    EntityStateMap map = new EntityStateMap();
    for (int i = 0; i < n; i++) {
      map.getOrCreate(1, i);
    }
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    for (int round = 0; round < 8; round++) {
      long cpu = threads.getCurrentThreadCpuTime();
      long wall = System.nanoTime();
      EntityStateMap.Frozen frozen = map.freeze();
      wall = System.nanoTime() - wall;
      cpu = threads.getCurrentThreadCpuTime() - cpu;
      map.thaw();
      System.out.printf(
          "freeze of %d entries: %.2f ms wall, %.2f ms cpu (%d)%n",
          n, wall / 1e6, cpu / 1e6, frozen.size());
    }
  }
}
