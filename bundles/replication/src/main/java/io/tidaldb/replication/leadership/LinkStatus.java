package io.tidaldb.replication.leadership;

import io.tidaldb.api.RegionId;

/**
 * Whether this region's link to another region is up now, as its transport knows it (see {@link
 * io.tidaldb.api.transport.TransportEndpoint#connected}). Polled by {@link ShardLeadership} on
 * every {@link ShardLeadership#doWork} of a follower, so it must be cheap: a few volatile reads, no
 * allocation, never blocking. A link that goes down tells a follower its leader's process is gone
 * (its kernel closed the connection) at once, where silence tells it only after the election
 * timeout.
 */
@FunctionalInterface
public interface LinkStatus {
  /** A transport that cannot tell: every link is taken as up. */
  LinkStatus ALWAYS_UP = region -> true;

  /**
   * Tells whether the link to {@code region} is up.
   *
   * @param region the remote region
   * @return false only if the link is known to be down
   */
  boolean connected(RegionId region);
}
