package io.tidaldb.api.transport;

import io.tidaldb.api.RegionId;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A way for regions to exchange frames: in-process queues, TCP, or anything a plugin provides.
 * Registered as a service with the property {@link #NAME_PROPERTY}. Thread-safe.
 */
@ProviderType
public interface Transport {
  /**
   * The service property naming a transport, for target filters such as {@code
   * (transport.name=tcp)}.
   */
  String NAME_PROPERTY = "transport.name";

  /**
   * Returns the transport's name, the value of its {@link #NAME_PROPERTY} property.
   *
   * @return the name, such as {@code inprocess} or {@code tcp}
   */
  String name();

  /**
   * Returns the largest frame this transport carries.
   *
   * @return the limit in bytes
   */
  int maxFrameBytes();

  /**
   * Opens the endpoint of a region: from now on frames sent to {@code local} are handed to {@code
   * handler}.
   *
   * @param local the region this endpoint speaks for
   * @param handler receives every frame sent to {@code local}
   * @return the endpoint; close it to leave
   * @throws io.tidaldb.api.InvalidArgumentException if an endpoint of {@code local} is already open
   */
  TransportEndpoint open(RegionId local, FrameHandler handler);
}
