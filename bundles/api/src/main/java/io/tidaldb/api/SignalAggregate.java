package io.tidaldb.api;

import java.util.Optional;

/**
 * What a store knows about one (tenant, type, entity) at a point in time.
 *
 * <p>A signal with a negative weight is a retraction: it subtracts one from {@code count} and its
 * weight from {@code weightSum} and from the decayed score.
 *
 * @param count signals minus retractions
 * @param weightSum sum of all weights
 * @param decayedScore the sum of weights, each decayed exponentially by its age at {@code at} with
 *     the signal type's half-life
 * @param lastSeen the event time of the latest signal (by hybrid logical clock), if any
 * @param at the time the score was computed for
 */
public record SignalAggregate(
    long count, double weightSum, double decayedScore, Optional<Timestamp> lastSeen, Timestamp at) {

  /**
   * Returns the aggregate of an entity that has no signals.
   *
   * @param at the time of the read
   * @return an aggregate of zeros with no last-seen time
   */
  public static SignalAggregate empty(Timestamp at) {
    return new SignalAggregate(0, 0.0, 0.0, Optional.empty(), at);
  }
}
