package io.tidaldb.transport.inprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import org.junit.jupiter.api.Test;

/** The limits and their validation. */
class InProcessConfigTest {

  @Test
  void shouldDefaultTo16MiBFrames4096FramesAnd64MiBPerLink() {
    assertEquals(16 << 20, InProcessConfig.DEFAULTS.maxFrameBytes());
    assertEquals(4096, InProcessConfig.DEFAULTS.queueFrames());
    assertEquals(64L << 20, InProcessConfig.DEFAULTS.queueBytes());
    assertEquals(16 << 20, new InProcessTransport().maxFrameBytes());
    assertEquals("inprocess", new InProcessTransport().name());
  }

  @Test
  void shouldRefuseEachLimitNamingItAndItsValue() {
    assertRefused("maxFrameBytes", "0", () -> new InProcessConfig(0, 1, 1));
    assertRefused("queueFrames", "-3", () -> new InProcessConfig(1, -3, 1));
    assertRefused("queueBytes", "99", () -> new InProcessConfig(100, 1, 99));
    assertRefused(
        "queueBytes", "1024", () -> InProcessConfig.DEFAULTS.withQueueBytes(1024).queueBytes());
  }

  private static void assertRefused(String argument, String value, Runnable build) {
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class, build::run);
    assertEquals(argument, e.argument());
    assertTrue(e.getMessage().contains(": " + value + " "), e.getMessage());
  }
}
