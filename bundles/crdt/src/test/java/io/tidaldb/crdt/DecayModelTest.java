package io.tidaldb.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class DecayModelTest {
  static final long H = 60_000;
  static final DecayModel DECAY = DecayModel.ofHalfLife(H);
  static final long E = 16 * H;
  static final long T0 = 1_700_000_000_000L;

  @Test
  void shouldUseEpochsOfSixteenHalfLivesAsLandmarks() {
    assertEquals(16, DecayModel.EPOCH_HALF_LIVES);
    assertEquals(E, DECAY.epochMillis());
    assertEquals(0, DECAY.landmarkFor(0));
    assertEquals(0, DECAY.landmarkFor(E - 1));
    assertEquals(E, DECAY.landmarkFor(E));
    assertEquals(-E, DECAY.landmarkFor(-1));
    assertEquals(T0 / E * E, DECAY.landmarkFor(T0));
    assertEquals(T0 / E, DECAY.epochIndex(T0));
  }

  @Test
  void shouldHalveTheScoreAfterOneHalfLife() {
    CrdtSignalState state = new CrdtSignalState();
    state.applyAt(ReplicaIds.log(0), 0, 8.0, T0, 1, DECAY);
    assertEquals(8.0, state.score(T0, DECAY), 1e-12);
    assertEquals(4.0, state.score(T0 + H, DECAY), 1e-12);
    assertEquals(2.0, state.score(T0 + 2 * H, DECAY), 1e-12);
    assertEquals(8.0 / 1024, state.score(T0 + 10 * H, DECAY), 1e-15);
  }

  @Test
  void shouldGiveAFactorOfOneAtTheLandmarkAndHalfAfterAHalfLife() {
    long l = DECAY.landmarkFor(T0);
    assertEquals(1.0, DECAY.decayFactor(l, l));
    assertEquals(0.5, DECAY.decayFactor(l, l + H));
    assertEquals(2.0, DECAY.decayFactor(l, l - H));
  }

  @Test
  void shouldWeighATermByItsAgeRelativeToItsOwnLandmark() {
    long l = DECAY.landmarkFor(T0);
    assertEquals(3.0, DECAY.contribution(3.0, l, l));
    assertEquals(6.0, DECAY.contribution(3.0, l + H, l));
    assertEquals(3.0 * 0x1p-16, DECAY.contribution(3.0, l, l + E));
    assertEquals(0.0, DECAY.contribution(3.0, l, l + 80 * E), "flushed below MIN_NORMAL");
  }

  @Property(seed = "5001")
  void shouldComputeTheSameTermBitsWhateverLandmarkItIsMovedTo(
      @ForAll @DoubleRange(min = 0, max = 1e12) double weight,
      @ForAll @LongRange(min = 0, max = 40 * E) long offset,
      @ForAll @IntRange(min = 0, max = 70) int epochsLater) {
    long t = T0 + offset;
    long own = DECAY.landmarkFor(t);
    long later = own + epochsLater * E;
    assertEquals(
        Double.doubleToRawLongBits(DECAY.contribution(weight, t, later)),
        Double.doubleToRawLongBits(DECAY.rescale(DECAY.contribution(weight, t, own), own, later)));
  }

  @Property(seed = "5002")
  void shouldRescaleTwiceExactlyAsOnce(
      @ForAll double value,
      @ForAll @IntRange(min = 0, max = 100) int first,
      @ForAll @IntRange(min = 0, max = 100) int second) {
    long a = DECAY.landmarkFor(T0);
    long b = a + first * E;
    long c = b + second * E;
    double twice = DECAY.rescale(DECAY.rescale(value, a, b), b, c);
    double once = DECAY.rescale(value, a, c);
    assertEquals(Double.doubleToRawLongBits(once), Double.doubleToRawLongBits(twice));
  }

  @Test
  void shouldFlushSubnormalResultsToZero() {
    long a = DECAY.landmarkFor(T0);
    double r = DECAY.rescale(Double.MIN_NORMAL * 4, a, a + E);
    assertEquals(0.0, r);
    assertEquals(Double.MIN_NORMAL, DECAY.rescale(Double.MIN_NORMAL * 65536, a, a + E));
  }

  @Test
  void shouldRejectBadArguments() {
    assertEquals(
        "halfLifeMillis",
        assertThrows(InvalidArgumentException.class, () -> DecayModel.ofHalfLife(0)).argument());
    assertThrows(
        InvalidArgumentException.class,
        () -> DecayModel.ofHalfLife(DecayModel.MAX_HALF_LIFE_MILLIS + 1));
    InvalidArgumentException e =
        assertThrows(InvalidArgumentException.class, () -> DECAY.rescale(1.0, 1, E));
    assertEquals("fromLandmark", e.argument());
    assertTrue(e.getMessage().contains("1 "), e.getMessage());
    assertThrows(InvalidArgumentException.class, () -> DECAY.contribution(-1.0, T0, 0));
    assertThrows(InvalidArgumentException.class, () -> DECAY.contribution(Double.NaN, T0, 0));
  }

  @Test
  void shouldBeEqualByHalfLife() {
    assertEquals(DecayModel.ofHalfLife(H), DECAY);
    assertEquals(DecayModel.ofHalfLife(H).hashCode(), DECAY.hashCode());
    assertNotEquals(DecayModel.ofHalfLife(H + 1), DECAY);
    assertEquals("DecayModel[halfLife=60000ms, epoch=960000ms]", DECAY.toString());
  }
}
