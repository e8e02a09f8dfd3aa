package io.tidaldb.crdt;

import io.tidaldb.api.InvalidArgumentException;

/**
 * Forward exponential decay (Cormode, Shkapenyuk, Srivastava, Xu: "Forward Decay", ICDE 2009) with
 * a half-life {@code h}: a weight {@code w} at event time {@code t} is worth {@code w·2^(−(at −
 * t)/h)} at time {@code at}. A sum keeps each term as {@code w·2^((t − L)/h)} for a landmark {@code
 * L}, so it only grows as signals arrive, and becomes a score with one multiplication by {@link
 * #decayFactor(long, long) 2^(−(at − L)/h)}.
 *
 * <h2>Landmarks and exactness</h2>
 *
 * The landmark is a deterministic function of event time that every region computes alike: {@link
 * #landmarkFor(long) floorDiv(t, E)·E} for an epoch of {@link #EPOCH_HALF_LIVES} = 16 half-lives. A
 * term is computed once, relative to its own epoch ({@code |w|·2^((t − landmarkFor(t))/h)}, below
 * {@code 2^16·|w|}), and then moved to any landmark by multiplying with {@code 2^(16·Δepochs)}
 * through {@link Math#scalb(double, int)}, which is exact in binary floating point. So a sum built
 * at one landmark and rebased to a later one is bit-identical to the same sum built at the later
 * landmark, and rebasing commutes with {@code max}: the basis of the exact merge in {@link
 * CrdtSignalState}. Results below {@link Double#MIN_NORMAL} are flushed to {@code 0.0}, so decayed
 * values are never subnormal and one rescale equals any chain of rescales to the same landmark.
 *
 * <p>The fractional power uses {@link StrictMath#pow(double, double)}, whose result is specified
 * bit for bit, so every region and JVM computes the same term for the same signal. Immutable and
 * thread-safe.
 */
public final class DecayModel {
  /** Half-lives per landmark epoch: a term is at most {@code 2^16} times its weight. */
  public static final int EPOCH_HALF_LIVES = 16;

  /** Largest accepted half-life: 2^40 ms, about 34.8 years. */
  public static final long MAX_HALF_LIFE_MILLIS = 1L << 40;

  /** Rescale exponents are clamped here; any non-zero double saturates long before. */
  private static final long MAX_EXPONENT = 4096;

  private final long halfLifeMillis;
  private final long epochMillis;

  private DecayModel(long halfLifeMillis) {
    this.halfLifeMillis = halfLifeMillis;
    this.epochMillis = halfLifeMillis * EPOCH_HALF_LIVES;
  }

  /**
   * Returns the model of a half-life.
   *
   * @param halfLifeMillis the half-life in ms, 1 to {@link #MAX_HALF_LIFE_MILLIS}
   * @return the model
   * @throws InvalidArgumentException if the half-life is out of range
   */
  public static DecayModel ofHalfLife(long halfLifeMillis) {
    checkHalfLife("halfLifeMillis", halfLifeMillis);
    return new DecayModel(halfLifeMillis);
  }

  /**
   * Returns the half-life.
   *
   * @return the half-life in ms
   */
  public long halfLifeMillis() {
    return halfLifeMillis;
  }

  /**
   * Returns the epoch length {@code E}: {@link #EPOCH_HALF_LIVES} half-lives.
   *
   * @return the epoch length in ms
   */
  public long epochMillis() {
    return epochMillis;
  }

  /**
   * Returns the index of the epoch an instant falls in.
   *
   * @param timeMillis the instant in ms since the epoch
   * @return {@code floorDiv(timeMillis, E)}
   */
  public long epochIndex(long timeMillis) {
    return Math.floorDiv(timeMillis, epochMillis);
  }

  /**
   * Returns the landmark of an event time: the start of its epoch.
   *
   * @param eventTimeMillis the event time in ms since the epoch
   * @return {@code floorDiv(eventTimeMillis, E)·E}
   */
  public long landmarkFor(long eventTimeMillis) {
    return Math.floorDiv(eventTimeMillis, epochMillis) * epochMillis;
  }

  /**
   * Returns the term one signal adds to a decayed sum kept at a landmark: {@code absWeight · 2^((t
   * − landmarkFor(t))/h)}, scaled exactly by {@code 2^(16·(epochIndex(t) − epochIndex(landmark)))},
   * flushed to 0.0 below {@link Double#MIN_NORMAL}.
   *
   * @param absWeight the signal's absolute weight, >= 0
   * @param eventTimeMillis the signal's event time
   * @param landmark the sum's landmark, a multiple of {@link #epochMillis()}
   * @return the term; the same bits whatever landmark the sum is rebased to later
   * @throws InvalidArgumentException if the weight is negative or NaN, or the landmark is not one
   */
  public double contribution(double absWeight, long eventTimeMillis, long landmark) {
    if (!(absWeight >= 0)) {
      throw new InvalidArgumentException("absWeight", absWeight, "must be >= 0");
    }
    checkLandmark("landmark", landmark);
    long own = landmarkFor(eventTimeMillis);
    double base =
        absWeight * StrictMath.pow(2.0, (double) (eventTimeMillis - own) / halfLifeMillis);
    return scale(base, exponent(epochIndex(own) - epochIndex(landmark)));
  }

  /**
   * Moves a decayed sum from one landmark to another: an exact multiplication by {@code
   * 2^(16·(epochIndex(from) − epochIndex(to)))}, flushed to 0.0 below {@link Double#MIN_NORMAL}.
   * Moving to later landmarks composes exactly: rescaling twice equals rescaling once.
   *
   * @param value the sum at {@code fromLandmark}
   * @param fromLandmark the landmark it is kept at
   * @param toLandmark the landmark to move it to
   * @return the sum at {@code toLandmark}
   * @throws InvalidArgumentException if either is not a landmark (a multiple of {@code E})
   */
  public double rescale(double value, long fromLandmark, long toLandmark) {
    checkLandmark("fromLandmark", fromLandmark);
    checkLandmark("toLandmark", toLandmark);
    return scale(value, exponent(epochIndex(fromLandmark) - epochIndex(toLandmark)));
  }

  /**
   * Returns the factor that turns a decayed sum kept at a landmark into a score at a time.
   *
   * @param landmark the sum's landmark
   * @param atMillis the time of the score
   * @return {@code 2^(−(atMillis − landmark)/h)}
   */
  public double decayFactor(long landmark, long atMillis) {
    return StrictMath.pow(2.0, -(double) (atMillis - landmark) / halfLifeMillis);
  }

  /**
   * Returns the binary exponent that moves a sum between two landmarks of a half-life, for code
   * that holds the half-life rather than the model.
   */
  static long exponentBetween(long halfLifeMillis, long fromLandmark, long toLandmark) {
    long epoch = halfLifeMillis * EPOCH_HALF_LIVES;
    return exponent(Math.floorDiv(fromLandmark, epoch) - Math.floorDiv(toLandmark, epoch));
  }

  /** Multiplies by {@code 2^exponent} exactly and flushes results below the normal range. */
  static double scale(double value, long exponent) {
    double r = exponent == 0 ? value : Math.scalb(value, (int) exponent);
    return Math.abs(r) < Double.MIN_NORMAL ? 0.0 : r;
  }

  static void checkHalfLife(String argument, long halfLifeMillis) {
    if (halfLifeMillis <= 0 || halfLifeMillis > MAX_HALF_LIFE_MILLIS) {
      throw new InvalidArgumentException(argument, halfLifeMillis, "must be 1..2^40 ms");
    }
  }

  private static long exponent(long epochs) {
    long clamped = Math.max(-MAX_EXPONENT, Math.min(MAX_EXPONENT, epochs));
    return clamped * EPOCH_HALF_LIVES;
  }

  private void checkLandmark(String argument, long landmark) {
    if (Math.floorMod(landmark, epochMillis) != 0) {
      throw new InvalidArgumentException(
          argument, landmark, "must be a multiple of the epoch length " + epochMillis + " ms");
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DecayModel other && other.halfLifeMillis == halfLifeMillis;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(halfLifeMillis);
  }

  @Override
  public String toString() {
    return "DecayModel[halfLife=" + halfLifeMillis + "ms, epoch=" + epochMillis + "ms]";
  }
}
