package io.tidaldb.testkit;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.LinkShape;
import io.tidaldb.api.transport.LinkShaping;
import java.time.Duration;
import java.util.List;

/**
 * The network faults of a {@link SimulatedCluster}, by region: two-way and one-way cuts, bridge
 * partitions, isolated regions, shaped links (delay, loss, duplication, reordering, seeded: see
 * {@link LinkShape}) and paused regions. A thin layer over the transport's {@link LinkShaping} that
 * checks every region belongs to the cluster; get it from {@link SimulatedCluster#faults()}.
 *
 * <p>Shaped links break the transport's guarantees on purpose (a frame may be lost after it was
 * sent, delivered twice, or overtake the one before it), to test that replication survives a faulty
 * network. Print the seed of every shape you use: one seed replays the same decisions on every
 * link, although the cluster's threads interleave differently from run to run.
 *
 * <pre>{@code
 * long seed = System.nanoTime();
 * log.info("shaped links, seed {}", seed); // a failure must name its seed
 * cluster.faults().shapeAll(LinkShape.seeded(seed).withLoss(0.1).withDuplication(0.05));
 * ... write under load ...
 * cluster.faults().reset();
 * cluster.awaitFullConvergence(Duration.ofSeconds(20));
 * }</pre>
 *
 * <p>A {@link NetworkPartition} is a cut that heals itself when closed, in try-with-resources.
 *
 * <p>Thread-safe.
 */
public final class ClusterFaults {
  private final LinkShaping links;
  private final List<RegionId> regions;
  private final PartitionLedger partitions;

  ClusterFaults(LinkShaping links, List<RegionId> regions, PartitionLedger partitions) {
    this.links = links;
    this.regions = List.copyOf(regions);
    this.partitions = partitions;
  }

  /**
   * Cuts the link between two regions, both directions.
   *
   * @param a one region
   * @param b the other
   */
  public void cut(RegionId a, RegionId b) {
    links.cut(check(a), check(b));
  }

  /**
   * Cuts one direction: frames from {@code from} to {@code to} are dropped, the answers flow.
   *
   * @param from the sending region
   * @param to the receiving region
   */
  public void cutOneWay(RegionId from, RegionId to) {
    links.cutOneWay(check(from), check(to));
  }

  /**
   * Heals the link between two regions, both directions (a {@link NetworkPartition} holding it cuts
   * it again only when it is opened anew; closing it is still harmless).
   *
   * @param a one region
   * @param b the other
   * @since testkit 1.3.0
   */
  public void heal(RegionId a, RegionId b) {
    links.heal(check(a), check(b));
  }

  /**
   * Heals one direction of a link.
   *
   * @param from the sending region
   * @param to the receiving region
   * @since testkit 1.3.0
   */
  public void healOneWay(RegionId from, RegionId to) {
    links.healOneWay(check(from), check(to));
  }

  /**
   * Returns whether frames from one region reach another now, as far as cuts go.
   *
   * @param from the sending region
   * @param to the receiving region
   * @return false while {@code from -> to} is cut
   * @since testkit 1.3.0
   */
  public boolean reachable(RegionId from, RegionId to) {
    return links.reachable(check(from), check(to));
  }

  /**
   * Makes a bridge partition: cuts {@code a} from {@code b}, both directions, while every other
   * region stays linked to both (with three regions, the third is the bridge). Cutting a shard's
   * leader from one follower is the classic case.
   *
   * @param a one region
   * @param b the other
   */
  public void bridge(RegionId a, RegionId b) {
    if (check(a).equals(check(b))) {
      throw new InvalidArgumentException("regions", a + " and " + b, "must differ");
    }
    links.cut(a, b);
  }

  /**
   * Cuts a region from every other region, both directions.
   *
   * @param region the region
   */
  public void isolate(RegionId region) {
    check(region);
    for (RegionId other : regions) {
      if (!other.equals(region)) {
        links.cut(region, other);
      }
    }
  }

  /**
   * Restores every cut, two-way and one-way; shapes and pauses stay.
   *
   * @see #reset()
   */
  public void healAll() {
    links.healAll();
  }

  /**
   * Shapes one directed link.
   *
   * @param from the sending region
   * @param to the receiving region
   * @param shape how its frames misbehave, {@link LinkShape#NONE} to stop
   */
  public void shape(RegionId from, RegionId to, LinkShape shape) {
    links.shape(check(from), check(to), shape);
  }

  /**
   * Shapes every directed link between the cluster's regions alike (each with its own stream).
   *
   * @param shape how frames misbehave, {@link LinkShape#NONE} to stop
   */
  public void shapeAll(LinkShape shape) {
    links.shapeAll(shape);
  }

  /**
   * Pauses a region's network: every frame to or from it is held for {@code duration}, then
   * delivered in order (see {@link LinkShaping#pause}). Returns at once.
   *
   * @param region the region
   * @param duration how long, more than zero
   */
  public void pause(RegionId region, Duration duration) {
    links.pause(check(region), duration);
  }

  /**
   * Ends a region's pause now.
   *
   * @param region the region
   */
  public void resume(RegionId region) {
    links.resume(check(region));
  }

  /**
   * Returns whether a region is paused now.
   *
   * @param region the region
   * @return true until its pause ends
   */
  public boolean paused(RegionId region) {
    return links.paused(check(region));
  }

  /** Heals every cut, unshapes every link and resumes every region: a healthy network again. */
  public void reset() {
    links.reset();
  }

  /**
   * Returns the transport's fault injection itself.
   *
   * @return the link shaping of the cluster's transport
   */
  public LinkShaping links() {
    return links;
  }

  /** Returns the cluster's ledger of live partitions. */
  PartitionLedger partitions() {
    return partitions;
  }

  private RegionId check(RegionId region) {
    if (region == null || !regions.contains(region)) {
      throw new InvalidArgumentException("region", region, "is not one of " + regions);
    }
    return region;
  }
}
