package io.tidaldb.transport.inprocess;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.LinkShape;
import java.util.SplittableRandom;

/**
 * The random decisions of one shaped directed link (see {@link LinkShape}): for each frame the link
 * accepts, whether it is lost, duplicated or held back, and how long it is delayed. The stream is
 * seeded by the shape's seed and the link's two regions, and every frame draws the same four
 * numbers whatever the shape, so the n-th frame on a link always gets the same decisions for one
 * seed. Used under the link's monitor only; allocates nothing per frame.
 */
final class Shaper {
  /** The shape this shaper draws from. */
  final LinkShape shape;

  /** Whether the last frame is lost. */
  boolean lose;

  /** Whether the last frame is delivered twice. */
  boolean duplicate;

  /** Whether the last frame is held back behind the next one. */
  boolean holdBack;

  /** The last frame's delay in nanoseconds. */
  long delayNanos;

  private final SplittableRandom random;
  private final long fixedNanos;
  private final long jitterNanos;

  Shaper(LinkShape shape, RegionId from, RegionId to) {
    this.shape = shape;
    this.random = new SplittableRandom(streamSeed(shape.seed(), from, to));
    this.fixedNanos = saturatedNanos(shape.delay());
    this.jitterNanos = saturatedNanos(shape.jitter());
  }

  /** Draws the decisions for the next frame into the public fields. */
  void decide() {
    double l = random.nextDouble();
    double d = random.nextDouble();
    double r = random.nextDouble();
    double j = random.nextDouble();
    lose = l < shape.loss();
    duplicate = d < shape.duplication();
    holdBack = r < shape.reorder();
    long jitter = (long) (j * jitterNanos);
    delayNanos = fixedNanos + jitter < 0 ? Long.MAX_VALUE : fixedNanos + jitter;
  }

  /** Returns the seed of a link's stream: the shape's seed mixed with the link's direction. */
  static long streamSeed(long seed, RegionId from, RegionId to) {
    long direction = ((long) from.value() << 16 | to.value()) + 1;
    return seed ^ (direction * 0x9E3779B97F4A7C15L);
  }

  private static long saturatedNanos(java.time.Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }
}
