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

  /** The channel replication speaks on; {@link #open(RegionId, FrameHandler)} opens it. */
  int REPLICATION_CHANNEL = 0;

  /** The channel reconciliation (anti-entropy) speaks on. */
  int RECONCILE_CHANNEL = 1;

  /**
   * The channel the tenant registry's gossip speaks on.
   *
   * @since 1.3.0
   */
  int TENANCY_CHANNEL = 2;

  /** The highest channel number a transport must carry. */
  int MAX_CHANNEL = 15;

  /**
   * Opens the endpoint of a region on one channel. Channels share the links between two regions (a
   * cut, a pause or a shape holds for every channel of the link, and each channel keeps the order
   * of its own frames), but each has its own endpoint and handler, so two subsystems of a region
   * (replication, reconciliation) can be started, stopped and replaced independently. {@link
   * #open(RegionId, FrameHandler)} is channel {@link #REPLICATION_CHANNEL}.
   *
   * <p>The default carries the replication channel only, for transports written before 1.2.
   *
   * @param local the region this endpoint speaks for
   * @param channel 0 to {@link #MAX_CHANNEL}
   * @param handler receives every frame sent to {@code local} on {@code channel}
   * @return the endpoint; close it to leave the channel
   * @throws io.tidaldb.api.InvalidArgumentException if the channel is out of range or an endpoint
   *     of {@code local} on {@code channel} is already open
   * @throws io.tidaldb.api.UnavailableException if this transport does not carry the channel
   * @since 1.2.0
   */
  default TransportEndpoint open(RegionId local, int channel, FrameHandler handler) {
    if (channel == REPLICATION_CHANNEL) {
      return open(local, handler);
    }
    throw new io.tidaldb.api.UnavailableException(
        "transport "
            + name()
            + " carries only channel "
            + REPLICATION_CHANNEL
            + ", not "
            + channel);
  }
}
