package io.tidaldb.transport.tcp;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.RegionId;
import io.tidaldb.transport.tcp.TcpConfig.PeerAddress;
import io.tidaldb.transport.tcp.TcpFrames.Hello;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Region 1's view: it accepts region 0 and dials regions 2 and 3; each refusal names both ids. */
class HelloCheckTest {
  private static final TcpConfig CONFIG =
      TcpConfig.defaults(
              RegionId.of(1),
              "127.0.0.1",
              7401,
              Map.of(
                  RegionId.of(0), new PeerAddress("10.0.0.1", 7400),
                  RegionId.of(2), new PeerAddress("10.0.0.3", 7402),
                  RegionId.of(3), new PeerAddress("10.0.0.4", 7403)))
          .withLimits(4096, 8192, 16);

  @Test
  void shouldAcceptTheLowerRegionAndTheRegionItDialled() {
    assertNull(HelloCheck.refusal(CONFIG, hello(0, 1), null));
    assertNull(HelloCheck.refusal(CONFIG, hello(2, 1), RegionId.of(2)));
    assertNull(HelloCheck.refusal(CONFIG, new Hello(1, 0, 1, 9, 8192, 0), null));
  }

  @Test
  void shouldRefuseNamingBothRegions() {
    refused(hello(7, 1), null, "region-7", "region-1");
    refused(hello(2, 1), null, "region-1 dials region-2", "must not dial region-1");
    refused(hello(0, 2), null, "region-2", "region-1");
    refused(hello(3, 1), RegionId.of(2), "dialled region-2 at 10.0.0.3:7402", "region-3");
    refused(new Hello(2, 0, 1, 9, 4096, 0), null, "protocol version 2", "1");
    refused(new Hello(1, 0, 1, 9, 1024, 0), null, "1024", "4096");
  }

  private static void refused(Hello hello, RegionId dialled, String... mentions) {
    String why = HelloCheck.refusal(CONFIG, hello, dialled);
    for (String m : mentions) {
      assertTrue(why != null && why.contains(m), "'" + m + "' in " + why);
    }
  }

  private static Hello hello(int region, int target) {
    return new Hello(TcpFrames.VERSION, region, target, 42, 4096, 1);
  }
}
