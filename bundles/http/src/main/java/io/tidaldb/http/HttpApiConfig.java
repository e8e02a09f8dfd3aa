package io.tidaldb.http;

import io.tidaldb.api.InvalidArgumentException;

/**
 * What the API is configured with (PID {@code io.tidaldb.http}; the listening address, port and TLS
 * are Felix HTTP's, PID {@code org.apache.felix.http}).
 *
 * @param bearerToken the token every {@code /v1} request must carry as {@code Authorization: Bearer
 *     <token>}, or empty for none
 * @param maxBodyBytes the largest request body; a larger one is refused with 413
 * @param readyLagMillis the largest replication lag (ms) at which {@code /health/ready} still says
 *     ready
 * @param region the region whose store to serve when the framework holds several, or -1 for the
 *     only one (with several: the lowest region); a request's {@code region} parameter overrides it
 * @param maxInFlightSignals signals being stored at once over every request; a request that would
 *     go beyond is refused with 429, nothing stored
 * @param ackTimeoutMillis how long a write waits for its acknowledgements before it answers 503
 *     with {@code unknown}
 */
public record HttpApiConfig(
    String bearerToken,
    long maxBodyBytes,
    long readyLagMillis,
    int region,
    int maxInFlightSignals,
    long ackTimeoutMillis) {
  /** The defaults: no token, 16 MiB bodies, 5 s lag, any region, 1,000,000 in flight, 35 s. */
  public static final HttpApiConfig DEFAULTS =
      new HttpApiConfig("", 16L << 20, 5_000, -1, 1_000_000, 35_000);

  /**
   * Validates the values.
   *
   * @throws InvalidArgumentException naming the value out of range
   */
  public HttpApiConfig {
    bearerToken = bearerToken == null ? "" : bearerToken.strip();
    if (maxBodyBytes < 1 || maxBodyBytes > Integer.MAX_VALUE - 8) {
      throw new InvalidArgumentException("max.body.bytes", maxBodyBytes, "must be 1..2^31-9");
    }
    if (readyLagMillis < 0) {
      throw new InvalidArgumentException("ready.lag.ms", readyLagMillis, "must be >= 0");
    }
    if (region < -1 || region > 0xFFFF) {
      throw new InvalidArgumentException("region", region, "must be -1 (any) or 0..65535");
    }
    if (maxInFlightSignals < 1) {
      throw new InvalidArgumentException(
          "max.inflight.signals", maxInFlightSignals, "must be >= 1");
    }
    if (ackTimeoutMillis < 1) {
      throw new InvalidArgumentException("ack.timeout.ms", ackTimeoutMillis, "must be >= 1");
    }
  }

  /**
   * Returns this configuration with another bearer token.
   *
   * @param token the token, or empty for none
   * @return the configuration
   */
  public HttpApiConfig withBearerToken(String token) {
    return new HttpApiConfig(
        token, maxBodyBytes, readyLagMillis, region, maxInFlightSignals, ackTimeoutMillis);
  }

  /**
   * Returns this configuration with another body limit.
   *
   * @param bytes the limit
   * @return the configuration
   */
  public HttpApiConfig withMaxBodyBytes(long bytes) {
    return new HttpApiConfig(
        bearerToken, bytes, readyLagMillis, region, maxInFlightSignals, ackTimeoutMillis);
  }

  /**
   * Returns this configuration with another in-flight limit.
   *
   * @param signals the limit
   * @return the configuration
   */
  public HttpApiConfig withMaxInFlightSignals(int signals) {
    return new HttpApiConfig(
        bearerToken, maxBodyBytes, readyLagMillis, region, signals, ackTimeoutMillis);
  }
}
