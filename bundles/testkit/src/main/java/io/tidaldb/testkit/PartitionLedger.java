package io.tidaldb.testkit;

import io.tidaldb.api.RegionId;
import java.util.HashMap;
import java.util.Map;

/**
 * Which directed links of one cluster its live {@link NetworkPartition}s hold, and how many hold
 * each: a link is cut when the first partition takes it and healed when the last one lets it go, so
 * partitions that overlap heal only what none of them still needs. A link that was already cut when
 * no partition held it (a test's own cut) is not taken: the partition leaves it cut and never heals
 * it. One per {@link SimulatedCluster}; thread-safe (its monitor orders takes and releases).
 */
final class PartitionLedger {
  private final Map<Integer, Integer> holders = new HashMap<>();

  /**
   * Takes one direction for a partition, cutting it if no partition holds it yet (or holds it but a
   * heal, a reset or a restart reopened it).
   *
   * @param links the cluster's faults
   * @param from the sending region, checked to belong to the cluster
   * @param to the receiving region, checked to belong to the cluster
   * @return true if the partition now holds the direction (and must release it), false if it was
   *     cut by someone else and stays theirs
   */
  synchronized boolean take(ClusterFaults links, RegionId from, RegionId to) {
    int key = key(from, to);
    int held = holders.getOrDefault(key, 0);
    boolean open = links.reachable(from, to);
    if (held == 0 && !open) {
      return false;
    }
    if (open) {
      links.cutOneWay(from, to);
    }
    holders.put(key, held + 1);
    return true;
  }

  /**
   * Lets one direction go; the last holder heals it.
   *
   * @param links the cluster's faults
   * @param from the sending region
   * @param to the receiving region
   */
  synchronized void release(ClusterFaults links, RegionId from, RegionId to) {
    int key = key(from, to);
    int held = holders.getOrDefault(key, 0);
    if (held <= 1) {
      holders.remove(key);
      links.healOneWay(from, to);
    } else {
      holders.put(key, held - 1);
    }
  }

  /** The key of the directed link {@code from -> to} (region ids are 16 bits). */
  private static int key(RegionId from, RegionId to) {
    return from.value() << 16 | to.value();
  }
}
