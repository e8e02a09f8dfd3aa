package io.tidaldb.testkit;

import io.tidaldb.api.transport.Transport;
import io.tidaldb.transport.inprocess.InProcessTransport;
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
}
