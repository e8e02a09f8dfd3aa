package io.tidaldb.api.transport;

import io.tidaldb.api.RegionId;
import java.time.Duration;
import org.osgi.annotation.versioning.ProviderType;

/**
 * More fault injection for tests, beyond {@link LinkFaults}' two-way cuts: one-way cuts (and so
 * bridge partitions: a leader cut from one follower only, the followers still connected), shaped
 * links that delay, lose, duplicate and reorder frames, and pauses of a whole region. Optional: a
 * transport that can simulate a network offers it beside {@link LinkFaults} (the in-process
 * transport does; it registers the same object under both interfaces).
 *
 * <p>Shaped links and paused regions <em>violate the transport contract on purpose</em>: a frame
 * may be lost after {@link SendStatus#SENT}, delivered twice, or overtake an earlier one. They
 * simulate a faulty network, to test that the replication protocol (which acknowledges positions,
 * resends, drops duplicates and asks for gaps) survives one; a production transport must never do
 * this.
 *
 * <p>Cuts are per directed link: {@link #cut} cuts both directions, {@link #cutOneWay} one; {@link
 * #heal} restores both directions and {@link #healAll} every cut; {@link #connected} is false while
 * either direction is cut. Shapes and pauses are independent of cuts: {@link #reset()} clears all
 * three. Since 1.1.0.
 */
@ProviderType
public interface LinkShaping extends LinkFaults {
  /**
   * Cuts one direction of a link: frames from {@code from} to {@code to} are refused with {@link
   * SendStatus#UNREACHABLE} and those already queued are discarded; the other direction still
   * carries frames.
   *
   * @param from the sending region
   * @param to the receiving region
   */
  void cutOneWay(RegionId from, RegionId to);

  /**
   * Restores one direction of a link, leaving the other as it is.
   *
   * @param from the sending region
   * @param to the receiving region
   */
  void healOneWay(RegionId from, RegionId to);

  /**
   * Returns whether frames can flow from one region to another, that direction not being cut.
   *
   * @param from the sending region
   * @param to the receiving region
   * @return false if the direction is cut
   */
  boolean reachable(RegionId from, RegionId to);

  /**
   * Shapes one directed link, replacing its earlier shape: a shape that differs from the current
   * one (if only by its seed) restarts the link's random stream, an equal one changes nothing.
   * {@link LinkShape#NONE} makes it behave again.
   *
   * @param from the sending region
   * @param to the receiving region
   * @param shape how frames from {@code from} to {@code to} misbehave
   */
  void shape(RegionId from, RegionId to, LinkShape shape);

  /**
   * Shapes every directed link, those that exist and those created later, replacing every shape set
   * before (each link draws from its own stream, seeded by the shape's seed and its two regions).
   *
   * @param shape how every frame misbehaves; {@link LinkShape#NONE} to stop
   */
  void shapeAll(LinkShape shape);

  /**
   * Returns the shape of a directed link.
   *
   * @param from the sending region
   * @param to the receiving region
   * @return its shape, {@link LinkShape#NONE} if it is not shaped
   */
  LinkShape shapeOf(RegionId from, RegionId to);

  /**
   * Pauses a region, as a stalled process or a long GC pause would: every frame to or from it is
   * held (queued, up to the links' bounds; beyond them sends are back-pressured) until the pause
   * ends, then delivered in order. The region's own threads go on running. Pausing a paused region
   * sets the new end.
   *
   * @param region the region
   * @param duration how long, more than zero; the pause ends by itself after it
   */
  void pause(RegionId region, Duration duration);

  /**
   * Ends a region's pause now; a no-op if it is not paused.
   *
   * @param region the region
   */
  void resume(RegionId region);

  /**
   * Returns whether a region is paused now.
   *
   * @param region the region
   * @return true until its pause ends
   */
  boolean paused(RegionId region);

  /** Heals every cut, unshapes every link and resumes every region. */
  void reset();
}
