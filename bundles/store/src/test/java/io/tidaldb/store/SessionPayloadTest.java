package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import org.junit.jupiter.api.Test;

/** Pins {@link SessionPayload#hash} to vectors computed independently (CRC32C in Python). */
class SessionPayloadTest {
  @Test
  void shouldHashTheCanonicalPayloadBytesWithCrc32c() {
    // 04 "acme" 04 "view" 2a00000000000000 000000000000f83f 0068e5cf8b010000
    Signal signal =
        new Signal(
            TenantId.of("acme"),
            SignalType.of("view"),
            EntityId.of(42),
            1.5,
            Timestamp.ofMillis(1_700_000_000_000L));
    assertEquals(0x2778d256, SessionPayload.hash(signal));
    assertEquals(
        0x35d650a8,
        SessionPayload.hash(
            new Signal(
                TenantId.DEFAULT,
                SignalType.of("view"),
                EntityId.of(42),
                -0.0,
                Timestamp.ofMillis(0))));
  }

  @Test
  void shouldTellEveryFieldApart() {
    Signal base =
        new Signal(
            TenantId.of("acme"),
            SignalType.of("view"),
            EntityId.of(42),
            1.5,
            Timestamp.ofMillis(7));
    int h = SessionPayload.hash(base);
    assertNotEquals(
        h,
        SessionPayload.hash(
            new Signal(TenantId.DEFAULT, base.type(), base.entity(), 1.5, base.eventTime())));
    assertNotEquals(
        h,
        SessionPayload.hash(
            new Signal(
                base.tenant(), SignalType.of("like"), base.entity(), 1.5, base.eventTime())));
    assertNotEquals(
        h,
        SessionPayload.hash(
            new Signal(base.tenant(), base.type(), EntityId.of(43), 1.5, base.eventTime())));
    assertNotEquals(
        h,
        SessionPayload.hash(
            new Signal(base.tenant(), base.type(), base.entity(), 2.5, base.eventTime())));
    assertNotEquals(
        h,
        SessionPayload.hash(
            new Signal(base.tenant(), base.type(), base.entity(), 1.5, Timestamp.ofMillis(8))));
    assertEquals(
        h,
        SessionPayload.hash(
            new Signal(base.tenant(), base.type(), base.entity(), 1.5, base.eventTime())));
  }

  @Test
  void shouldHashAsAFreshThreadWhenTheNamesChangeBetweenCalls() {
    // a thread keeps the last names' bytes: a change of either name (or a longer or shorter one)
    // must rewrite them, and equal names in other String instances must hash alike
    Signal acme =
        new Signal(
            TenantId.of("acme"),
            SignalType.of("view"),
            EntityId.of(42),
            1.5,
            Timestamp.ofMillis(1_700_000_000_000L));
    Signal longer =
        new Signal(
            TenantId.of("acme-analytics"),
            SignalType.of("v"),
            EntityId.of(42),
            1.5,
            Timestamp.ofMillis(1_700_000_000_000L));
    Signal copy =
        new Signal(
            TenantId.of(new String("acme".toCharArray())),
            SignalType.of(new String("view".toCharArray())),
            EntityId.of(42),
            1.5,
            Timestamp.ofMillis(1_700_000_000_000L));
    int longerHash = SessionPayload.hash(longer);
    for (int round = 0; round < 3; round++) {
      assertEquals(0x2778d256, SessionPayload.hash(acme), "round " + round);
      assertEquals(longerHash, SessionPayload.hash(longer), "round " + round);
      assertEquals(0x2778d256, SessionPayload.hash(copy), "round " + round);
      assertEquals(
          0x35d650a8,
          SessionPayload.hash(
              new Signal(
                  TenantId.DEFAULT,
                  SignalType.of("view"),
                  EntityId.of(42),
                  -0.0,
                  Timestamp.ofMillis(0))),
          "round " + round);
    }
    assertNotEquals(0x2778d256, longerHash);
  }
}
