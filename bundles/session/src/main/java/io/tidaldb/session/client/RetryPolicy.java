package io.tidaldb.session.client;

import java.time.Duration;

/**
 * How a {@link SessionClient} retries a write whose outcome was ambiguous: at most {@code
 * maxAttempts} attempts (the first included), each given at most {@code attemptTimeout} before it
 * counts as ambiguous, with an exponential back-off between attempts from {@code initialBackoff}
 * doubling up to {@code maxBackoff} (each drawn from half to all of it, so that clients that failed
 * together do not retry together), and no attempt started or awaited past {@code deadline} after
 * the first began.
 *
 * @param maxAttempts attempts per write, from 1
 * @param initialBackoff the wait before the second attempt, not negative
 * @param maxBackoff the longest wait between two attempts, at least {@code initialBackoff}
 * @param attemptTimeout how long one attempt may take before it counts as ambiguous, positive
 * @param deadline how long one write may take over all its attempts, positive
 */
public record RetryPolicy(
    int maxAttempts,
    Duration initialBackoff,
    Duration maxBackoff,
    Duration attemptTimeout,
    Duration deadline) {

  /**
   * The defaults: 6 attempts, back-off from 50 ms up to 2 s, 10 s per attempt (above the store's
   * own bounded waits for a leader, so a store's answer usually comes first), 30 s in all.
   */
  public static final RetryPolicy DEFAULTS =
      new RetryPolicy(
          6,
          Duration.ofMillis(50),
          Duration.ofSeconds(2),
          Duration.ofSeconds(10),
          Duration.ofSeconds(30));

  /**
   * Validates the values.
   *
   * @throws IllegalArgumentException naming the value that is out of range
   */
  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts " + maxAttempts + " must be at least 1");
    }
    if (initialBackoff == null || initialBackoff.isNegative()) {
      throw new IllegalArgumentException(
          "initialBackoff " + initialBackoff + " must not be null or negative");
    }
    if (maxBackoff == null || maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException(
          "maxBackoff " + maxBackoff + " must be at least initialBackoff " + initialBackoff);
    }
    if (attemptTimeout == null || attemptTimeout.isNegative() || attemptTimeout.isZero()) {
      throw new IllegalArgumentException("attemptTimeout " + attemptTimeout + " must be positive");
    }
    if (deadline == null || deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("deadline " + deadline + " must be positive");
    }
  }

  /**
   * Returns this policy with another number of attempts.
   *
   * @param attempts attempts per write, from 1
   * @return the new policy
   */
  public RetryPolicy withMaxAttempts(int attempts) {
    return new RetryPolicy(attempts, initialBackoff, maxBackoff, attemptTimeout, deadline);
  }

  /**
   * Returns this policy with another back-off.
   *
   * @param initial the wait before the second attempt
   * @param max the longest wait between two attempts
   * @return the new policy
   */
  public RetryPolicy withBackoff(Duration initial, Duration max) {
    return new RetryPolicy(maxAttempts, initial, max, attemptTimeout, deadline);
  }

  /**
   * Returns this policy with other timeouts.
   *
   * @param attempt how long one attempt may take
   * @param overall how long one write may take over all its attempts
   * @return the new policy
   */
  public RetryPolicy withTimeouts(Duration attempt, Duration overall) {
    return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, attempt, overall);
  }

  /**
   * Returns the back-off before attempt {@code attempt} (2 or more), before jitter: {@code
   * initialBackoff} doubled per earlier retry, at most {@code maxBackoff}.
   *
   * @param attempt the attempt about to start, from 2
   * @return the back-off in nanoseconds
   */
  long backoffNanos(int attempt) {
    long initial = initialBackoff.toNanos();
    long max = maxBackoff.toNanos();
    int doublings = Math.min(attempt - 2, 62);
    if (initial == 0) {
      return 0;
    }
    return initial > (max >> doublings) ? max : Math.min(max, initial << doublings);
  }
}
