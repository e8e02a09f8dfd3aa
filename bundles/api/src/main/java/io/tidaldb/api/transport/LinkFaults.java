package io.tidaldb.api.transport;

import io.tidaldb.api.RegionId;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Fault injection for tests, offered by transports that can simulate a network (the in-process
 * transport registers it beside its {@link Transport}). A cut link drops frames in both directions:
 * {@link TransportEndpoint#send} returns {@link SendStatus#UNREACHABLE}, and frames already queued
 * on it are discarded.
 */
@ProviderType
public interface LinkFaults {
  /**
   * Cuts the link between two regions, both directions.
   *
   * @param a one region
   * @param b the other region
   */
  void cut(RegionId a, RegionId b);

  /**
   * Restores the link between two regions.
   *
   * @param a one region
   * @param b the other region
   */
  void heal(RegionId a, RegionId b);

  /** Restores every cut link. */
  void healAll();

  /**
   * Returns whether frames can flow between two regions.
   *
   * @param a one region
   * @param b the other region
   * @return false if the link is cut
   */
  boolean connected(RegionId a, RegionId b);
}
