package io.tidaldb.itests;

import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * {@link ReplicationTimingScenarios} over TCP on loopback, one transport per region over mutual TLS
 * ({@code TidalOptions.tcpCluster}). Nothing but the configuration here (see {@link
 * ItOptions#clusterTransport}).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ReplicationTimingTcpIT extends ReplicationTimingScenarios {
  /**
   * Provisions the feature, the test kit and its three-region cluster.
   *
   * @return the options
   */
  @Configuration
  public Option[] config() {
    return ItOptions.tcpCluster(ReplicationTimingTcpIT.class);
  }
}
