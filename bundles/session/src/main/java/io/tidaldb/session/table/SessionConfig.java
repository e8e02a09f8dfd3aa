package io.tidaldb.session.table;

import io.tidaldb.api.InvalidArgumentException;

/**
 * The policy of a {@link SessionTable}: how long an idle session lives and how far a session may
 * reach. Every replica of a shard must use the same values, since expiry is decided from the log.
 *
 * @param ttlMillis idle time after which a session expires ({@code session.ttl}); its tombstone
 *     stays twice as long after its last write
 * @param maxSessionsPerTenant live sessions of one tenant in one shard ({@code
 *     session.max.per.tenant}); a new session beyond it is refused
 * @param maxSeqGap largest jump of a seq above the highest seq the shard saw for the session
 *     ({@code session.max.seq.gap})
 * @param maxWindow unacknowledged seqs one session may hold in one shard's window ({@code
 *     session.max.window}): the window stays bounded even for a client that never raises {@code
 *     ackedBelow}
 */
public record SessionConfig(
    long ttlMillis, int maxSessionsPerTenant, long maxSeqGap, int maxWindow) {
  /** Default idle time: 24 hours. */
  public static final long DEFAULT_TTL_MILLIS = 24L * 60 * 60 * 1000;

  /** Default live sessions per tenant and shard. */
  public static final int DEFAULT_MAX_SESSIONS_PER_TENANT = 1_000_000;

  /** Default largest seq jump: 2^20. */
  public static final long DEFAULT_MAX_SEQ_GAP = 1L << 20;

  /** Default unacknowledged seqs per session and shard. */
  public static final int DEFAULT_MAX_WINDOW = 1024;

  /** Longest ttl: ten years (so that twice it stays far inside the HLC's 47-bit milliseconds). */
  public static final long MAX_TTL_MILLIS = 10L * 366 * 24 * 60 * 60 * 1000;

  /** Largest window: 65,536 seqs. */
  public static final int MAX_WINDOW = 1 << 16;

  /** The defaults. */
  public static final SessionConfig DEFAULTS =
      new SessionConfig(
          DEFAULT_TTL_MILLIS,
          DEFAULT_MAX_SESSIONS_PER_TENANT,
          DEFAULT_MAX_SEQ_GAP,
          DEFAULT_MAX_WINDOW);

  /**
   * Validates the values.
   *
   * @throws InvalidArgumentException naming the setting and value if one is out of range
   */
  public SessionConfig {
    if (ttlMillis < 1 || ttlMillis > MAX_TTL_MILLIS) {
      throw new InvalidArgumentException(
          "session.ttl", ttlMillis + " ms", "must be 1 to " + MAX_TTL_MILLIS + " ms");
    }
    if (maxSessionsPerTenant < 1) {
      throw new InvalidArgumentException(
          "session.max.per.tenant", maxSessionsPerTenant, "must be >= 1");
    }
    if (maxSeqGap < 1 || maxSeqGap > Integer.MAX_VALUE) {
      throw new InvalidArgumentException(
          "session.max.seq.gap", maxSeqGap, "must be 1 to " + Integer.MAX_VALUE);
    }
    if (maxWindow < 1 || maxWindow > MAX_WINDOW) {
      throw new InvalidArgumentException(
          "session.max.window", maxWindow, "must be 1 to " + MAX_WINDOW);
    }
  }

  /**
   * Returns these values with another ttl.
   *
   * @param millis the idle time
   * @return the config
   */
  public SessionConfig withTtlMillis(long millis) {
    return new SessionConfig(millis, maxSessionsPerTenant, maxSeqGap, maxWindow);
  }

  /**
   * Returns these values with another per-tenant limit.
   *
   * @param max live sessions per tenant and shard
   * @return the config
   */
  public SessionConfig withMaxSessionsPerTenant(int max) {
    return new SessionConfig(ttlMillis, max, maxSeqGap, maxWindow);
  }

  /**
   * Returns these values with another largest seq jump.
   *
   * @param gap the jump
   * @return the config
   */
  public SessionConfig withMaxSeqGap(long gap) {
    return new SessionConfig(ttlMillis, maxSessionsPerTenant, gap, maxWindow);
  }

  /**
   * Returns these values with another window bound.
   *
   * @param max unacknowledged seqs per session and shard
   * @return the config
   */
  public SessionConfig withMaxWindow(int max) {
    return new SessionConfig(ttlMillis, maxSessionsPerTenant, maxSeqGap, max);
  }
}
