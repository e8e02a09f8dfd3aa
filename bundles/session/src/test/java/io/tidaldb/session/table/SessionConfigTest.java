package io.tidaldb.session.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tidaldb.api.InvalidArgumentException;
import org.junit.jupiter.api.Test;

class SessionConfigTest {
  @Test
  void shouldDefaultToTheDesignsValues() {
    assertEquals(86_400_000L, SessionConfig.DEFAULTS.ttlMillis());
    assertEquals(1L << 20, SessionConfig.DEFAULTS.maxSeqGap());
    assertEquals(1_000_000, SessionConfig.DEFAULTS.maxSessionsPerTenant());
    assertEquals(1024, SessionConfig.DEFAULTS.maxWindow());
  }

  @Test
  void shouldRefuseOutOfRangeValuesNamingTheSetting() {
    SessionConfig d = SessionConfig.DEFAULTS;
    assertEquals(
        "invalid session.ttl: '0 ms' (must be 1 to 316224000000 ms)",
        assertThrows(InvalidArgumentException.class, () -> d.withTtlMillis(0)).getMessage());
    assertEquals(
        "invalid session.max.per.tenant: 0 (must be >= 1)",
        assertThrows(InvalidArgumentException.class, () -> d.withMaxSessionsPerTenant(0))
            .getMessage());
    assertEquals(
        "invalid session.max.seq.gap: 4294967296 (must be 1 to 2147483647)",
        assertThrows(InvalidArgumentException.class, () -> d.withMaxSeqGap(1L << 32)).getMessage());
    assertEquals(
        "invalid session.max.window: 65537 (must be 1 to 65536)",
        assertThrows(InvalidArgumentException.class, () -> d.withMaxWindow(65_537)).getMessage());
  }
}
