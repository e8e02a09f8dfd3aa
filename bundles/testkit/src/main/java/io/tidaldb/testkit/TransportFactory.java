package io.tidaldb.testkit;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.transport.inprocess.InProcessTransport;
import java.util.Map;
import java.util.function.Supplier;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Creates the one {@link Transport} every region of a {@link SimulatedCluster} shares. The cluster
 * closes it on {@link SimulatedCluster#close()} if it is {@link AutoCloseable}.
 */
@ConsumerType
@FunctionalInterface
public interface TransportFactory {
  /**
   * Creates a new transport, with no endpoint open yet.
   *
   * @return the transport
   */
  Transport create();

  /**
   * Returns the default factory: an in-process transport with its default limits, which also offers
   * {@link io.tidaldb.api.transport.LinkFaults}.
   *
   * @return the factory
   */
  static TransportFactory inProcess() {
    return InProcessTransport::new;
  }

  /**
   * Returns a factory of a {@link RegionTransports}: each region's frames go over its own
   * transport, from {@code transports} (called once per cluster), which the cluster closes on
   * close. For transports that speak for one region each, such as TCP.
   *
   * @param transports starts every region's transport, each knowing the others as peers
   * @return the factory
   * @since 1.7.0
   */
  static TransportFactory perRegion(
      Supplier<? extends Map<RegionId, ? extends Transport>> transports) {
    return () -> RegionTransports.owning(transports.get());
  }
}
