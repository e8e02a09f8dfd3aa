package io.tidaldb.api;

import java.time.Instant;

/**
 * A point in time in milliseconds since the Unix epoch (UTC), as used for event times and reads.
 * Values must be non-negative.
 *
 * @param epochMillis milliseconds since 1970-01-01T00:00:00Z
 */
public record Timestamp(long epochMillis) implements Comparable<Timestamp> {
  /**
   * Validates the value.
   *
   * @throws InvalidArgumentException if the value is negative
   */
  public Timestamp {
    if (epochMillis < 0) {
      throw new InvalidArgumentException("timestamp", epochMillis, "must be >= 0 ms since epoch");
    }
  }

  /**
   * Returns the timestamp for these milliseconds.
   *
   * @param epochMillis milliseconds since the epoch
   * @return the timestamp
   */
  public static Timestamp ofMillis(long epochMillis) {
    return new Timestamp(epochMillis);
  }

  /**
   * Returns the timestamp of an instant, truncated to milliseconds.
   *
   * @param instant the instant
   * @return the timestamp
   */
  public static Timestamp of(Instant instant) {
    return new Timestamp(instant.toEpochMilli());
  }

  /**
   * Returns the current wall-clock time.
   *
   * @return now
   */
  public static Timestamp now() {
    return new Timestamp(System.currentTimeMillis());
  }

  /**
   * Returns this timestamp as an instant.
   *
   * @return the instant
   */
  public Instant toInstant() {
    return Instant.ofEpochMilli(epochMillis);
  }

  @Override
  public int compareTo(Timestamp other) {
    return Long.compare(epochMillis, other.epochMillis);
  }

  @Override
  public String toString() {
    return toInstant().toString();
  }
}
