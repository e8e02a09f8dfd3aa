package io.tidaldb.testkit;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A live network partition of a {@link SimulatedCluster}: while it is open, frames do not cross the
 * directed links it describes; {@link #close()} heals exactly the links it cut, so it reads best in
 * try-with-resources:
 *
 * <pre>{@code
 * try (NetworkPartition p = cluster.partition(RegionId.of(0), RegionId.of(2))) {
 *   ... write on both sides ...
 * }
 * cluster.awaitFullConvergence(Duration.ofSeconds(20));
 * }</pre>
 *
 * <p>A partition cuts through {@link ClusterFaults} (so its regions are checked to belong to the
 * cluster) and keeps, with the cluster's other partitions, a count per directed link: overlapping
 * partitions cut a link once and heal it when the last of them closes. A direction that was already
 * cut when the partition opened, by the test's own {@link ClusterFaults#cut} or {@link
 * ClusterFaults#cutOneWay}, stays the test's: the partition neither claims nor heals it. What the
 * test cuts by hand on a link the partition holds ends with the partition. {@link
 * ClusterFaults#healAll()}, {@link ClusterFaults#reset()} and a region's restart (which heals the
 * region's links) also heal a partition's links early; closing it afterwards is harmless. Closing
 * twice is harmless. Thread-safe.
 *
 * @since testkit 1.3.0
 */
public final class NetworkPartition implements AutoCloseable {
  /**
   * One direction of a link that a partition holds cut.
   *
   * @param from the sending region
   * @param to the receiving region
   */
  public record Direction(RegionId from, RegionId to) {
    /** Checks both regions are given. */
    public Direction {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
    }

    @Override
    public String toString() {
      return from + " -> " + to;
    }
  }

  private final ClusterFaults faults;
  private final String description;
  private final List<Direction> held; // guarded by this
  private boolean closed; // guarded by this

  private NetworkPartition(ClusterFaults faults, String description, List<Direction> directions) {
    this.faults = faults;
    this.description = description;
    List<Direction> taken = new ArrayList<>();
    try {
      for (Direction d : directions) {
        if (faults.partitions().take(faults, d.from(), d.to())) {
          taken.add(d);
        }
      }
    } catch (RuntimeException e) {
      for (Direction d : taken) {
        faults.partitions().release(faults, d.from(), d.to());
      }
      throw e;
    }
    this.held = taken;
  }

  /**
   * Partitions two regions from each other, both directions; every other region stays linked to
   * both (with three regions, the third is a bridge).
   *
   * @param a one region
   * @param b the other
   * @param faults the cluster's faults, {@link SimulatedCluster#faults()}
   * @return the live partition; close it to heal
   * @throws InvalidArgumentException if the regions are equal or not in the cluster
   */
  public static NetworkPartition symmetric(RegionId a, RegionId b, ClusterFaults faults) {
    return between(Set.of(distinct(a, b)), Set.of(b), faults);
  }

  /**
   * Cuts one direction: frames from {@code from} to {@code to} are dropped while the answers flow.
   *
   * @param from the sending region
   * @param to the receiving region
   * @param faults the cluster's faults, {@link SimulatedCluster#faults()}
   * @return the live partition; close it to heal
   * @throws InvalidArgumentException if the regions are equal or not in the cluster
   */
  public static NetworkPartition oneWay(RegionId from, RegionId to, ClusterFaults faults) {
    Objects.requireNonNull(faults, "faults");
    Direction d = new Direction(distinct(from, to), to);
    return new NetworkPartition(faults, d.toString(), List.of(d));
  }

  /**
   * Partitions two groups of regions: every link between a region of {@code side} and a region of
   * {@code other} is cut, both directions; links within a group, and to regions in neither, stay.
   *
   * @param side one group, not empty
   * @param other the other group, not empty, sharing no region with {@code side}
   * @param faults the cluster's faults, {@link SimulatedCluster#faults()}
   * @return the live partition; close it to heal
   * @throws InvalidArgumentException if a group is empty, they overlap, or a region is not in the
   *     cluster
   */
  public static NetworkPartition between(
      Set<RegionId> side, Set<RegionId> other, ClusterFaults faults) {
    Objects.requireNonNull(faults, "faults");
    if (side == null || side.isEmpty() || other == null || other.isEmpty()) {
      throw new InvalidArgumentException(
          "partition sides", side + " | " + other, "must not be empty");
    }
    Set<RegionId> both = new LinkedHashSet<>(side);
    both.retainAll(other);
    if (!both.isEmpty()) {
      throw new InvalidArgumentException(
          "partition sides", side + " | " + other, "share regions " + both);
    }
    List<Direction> directions = new ArrayList<>();
    for (RegionId a : sorted(side)) {
      for (RegionId b : sorted(other)) {
        directions.add(new Direction(a, b));
        directions.add(new Direction(b, a));
      }
    }
    return new NetworkPartition(faults, sorted(side) + " <-> " + sorted(other), directions);
  }

  /**
   * Returns the directions this partition holds cut: those it describes, less those that were
   * already cut by the test when it opened; empty once closed.
   *
   * @return the held directions
   */
  public synchronized List<Direction> held() {
    return closed ? List.of() : List.copyOf(held);
  }

  /**
   * Returns whether the partition is closed.
   *
   * @return true once {@link #close()} ran
   */
  public synchronized boolean isClosed() {
    return closed;
  }

  /** Heals the directions this partition holds (unless another live partition holds them too). */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Direction d : held) {
      faults.partitions().release(faults, d.from(), d.to());
    }
  }

  @Override
  public synchronized String toString() {
    return "partition " + description + (closed ? " (healed)" : "");
  }

  private static RegionId distinct(RegionId a, RegionId b) {
    if (a == null || b == null) {
      throw new InvalidArgumentException("region", null, "must not be null");
    }
    if (a.equals(b)) {
      throw new InvalidArgumentException("regions", a + " and " + b, "must differ");
    }
    return a;
  }

  private static List<RegionId> sorted(Set<RegionId> regions) {
    List<RegionId> list = new ArrayList<>();
    for (RegionId r : regions) {
      if (r == null) {
        throw new InvalidArgumentException("region", null, "must not be null");
      }
      list.add(r);
    }
    list.sort((x, y) -> Integer.compare(x.value(), y.value()));
    return list;
  }
}
