package io.tidaldb.api.transport;

import io.tidaldb.api.InvalidArgumentException;
import java.time.Duration;
import java.util.Objects;

/**
 * How a shaped directed link misbehaves, for tests (see {@link LinkShaping#shape}). Each decision
 * is drawn per frame from a random stream seeded by {@link #seed()} and the link's two regions, so
 * one seed and one sequence of frames on a link always give the same losses, duplicates,
 * reorderings and delays.
 *
 * <p>These are faults of a broken network: a shaped link <em>breaks</em> the transport contract on
 * purpose (frames are lost although {@code send} returned {@link SendStatus#SENT}, delivered twice,
 * or out of order), to test that the replication protocol survives it.
 *
 * @param delay a fixed delay added to every frame, zero or more
 * @param jitter up to this much more delay, drawn uniformly per frame, zero or more; jitter never
 *     reorders frames (a frame waits for the one sent before it)
 * @param loss the probability, 0 to 1, that a frame is dropped silently
 * @param duplication the probability, 0 to 1, that a frame is delivered twice in a row
 * @param reorder the probability, 0 to 1, that a frame is held back and delivered after the next
 *     frame sent on the same link (or after a short bound if none follows)
 * @param seed the seed of the link's decisions; print it, so that a failing test can be replayed
 */
public record LinkShape(
    Duration delay, Duration jitter, double loss, double duplication, double reorder, long seed) {
  /** A link that behaves: no delay, loss, duplication or reordering. */
  public static final LinkShape NONE =
      new LinkShape(Duration.ZERO, Duration.ZERO, 0.0, 0.0, 0.0, 0L);

  /**
   * Validates the shape.
   *
   * @throws InvalidArgumentException naming the first refused value
   */
  public LinkShape {
    Objects.requireNonNull(delay, "delay");
    Objects.requireNonNull(jitter, "jitter");
    if (delay.isNegative()) {
      throw new InvalidArgumentException("delay", delay, "must not be negative");
    }
    if (jitter.isNegative()) {
      throw new InvalidArgumentException("jitter", jitter, "must not be negative");
    }
    checkProbability("loss", loss);
    checkProbability("duplication", duplication);
    checkProbability("reorder", reorder);
  }

  /**
   * Returns a well-behaved shape with a seed, to add faults to with the {@code with} methods.
   *
   * @param seed the seed of the link's decisions
   * @return a shape without faults
   */
  public static LinkShape seeded(long seed) {
    return new LinkShape(Duration.ZERO, Duration.ZERO, 0.0, 0.0, 0.0, seed);
  }

  /**
   * Returns a copy with another delay.
   *
   * @param fixed added to every frame
   * @param upTo up to this much more, drawn per frame
   * @return the new shape
   */
  public LinkShape withDelay(Duration fixed, Duration upTo) {
    return new LinkShape(fixed, upTo, loss, duplication, reorder, seed);
  }

  /**
   * Returns a copy with another loss probability.
   *
   * @param probability 0 to 1
   * @return the new shape
   */
  public LinkShape withLoss(double probability) {
    return new LinkShape(delay, jitter, probability, duplication, reorder, seed);
  }

  /**
   * Returns a copy with another duplication probability.
   *
   * @param probability 0 to 1
   * @return the new shape
   */
  public LinkShape withDuplication(double probability) {
    return new LinkShape(delay, jitter, loss, probability, reorder, seed);
  }

  /**
   * Returns a copy with another reordering probability.
   *
   * @param probability 0 to 1
   * @return the new shape
   */
  public LinkShape withReorder(double probability) {
    return new LinkShape(delay, jitter, loss, duplication, probability, seed);
  }

  /**
   * Returns a copy with another seed.
   *
   * @param newSeed the seed of the link's decisions
   * @return the new shape
   */
  public LinkShape withSeed(long newSeed) {
    return new LinkShape(delay, jitter, loss, duplication, reorder, newSeed);
  }

  /**
   * Returns whether this shape changes nothing (whatever its seed).
   *
   * @return true if there is no delay, loss, duplication or reordering
   */
  public boolean isNone() {
    return delay.isZero() && jitter.isZero() && loss == 0 && duplication == 0 && reorder == 0;
  }

  private static void checkProbability(String name, double p) {
    if (!(p >= 0.0 && p <= 1.0)) {
      throw new InvalidArgumentException(name, p, "must be a probability from 0 to 1");
    }
  }
}
