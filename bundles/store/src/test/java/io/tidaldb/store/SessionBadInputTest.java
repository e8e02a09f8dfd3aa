package io.tidaldb.store;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bad session input, through the store's API: a huge seq jump, too many sessions for a
 * tenant, an expired session, a full window, a malformed (session, seq, ackedBelow). Each is an
 * {@link InvalidArgumentException} whose message names session, seq and the window or limit;
 * nothing is applied; the store keeps serving the same session's valid writes, other sessions and
 * other tenants.
 */
class SessionBadInputTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final TenantId ACME = TenantId.of("acme");
  private static final TenantId GLOBEX = TenantId.of("globex");
  private static final SignalType VIEW = SignalType.of("view");
  private static final long ENTITY = 42;

  @TempDir Path dir;
  private final AtomicLong clock = new AtomicLong(T0);

  @Test
  void shouldRefuseAHugeSeqJumpNamingTheGapAndKeepServing() {
    try (StoreFixture f = fixture(c -> c.sessionMaxSeqGap(100))) {
      write(f, ACME, 0xA1, 1, 1);
      InvalidArgumentException e = refused(f, ACME, 0xA1, 1 + 101, 1);
      assertNames(e, "seq 102", "jumps 101 above the highest seq 1", "session.max.seq.gap 100");
      assertEquals(1, count(f, ACME));
      write(f, ACME, 0xA1, 101, 1); // within the gap: served
      assertEquals(2, count(f, ACME));
    }
  }

  @Test
  void shouldRefuseASessionBeyondTheTenantsLimitAndLeaveOtherTenantsAlone() {
    try (StoreFixture f = fixture(c -> c.sessionMaxPerTenant(2))) {
      write(f, ACME, 0xB1, 1, 1);
      write(f, ACME, 0xB2, 1, 1);
      InvalidArgumentException e = refused(f, ACME, 0xB3, 1, 1);
      assertNames(e, "session acme/", "seq 1", "has 2 live sessions", "session.max.per.tenant");
      assertEquals(2, count(f, ACME));
      write(f, GLOBEX, 0xB3, 1, 1); // the same id under another tenant is another session
      write(f, ACME, 0xB1, 2, 2); // the live sessions keep writing
      assertEquals(3, count(f, ACME));
      assertEquals(1, count(f, GLOBEX));
    }
  }

  @Test
  void shouldRefuseAnExpiredSessionNamingItsTtlAndServeANewOne() {
    try (StoreFixture f = fixture(c -> c.sessionTtl(Duration.ofMinutes(1)))) {
      write(f, ACME, 0xC1, 1, 1);
      // past the ttl, within twice it: the tombstone refuses (past 2 x ttl it is gone, and the
      // shard cannot tell the session from one that never wrote here: ARCHITECTURE "Sessions")
      clock.addAndGet(Duration.ofSeconds(90).toMillis());
      write(f, ACME, 0xC2, 1, 1); // moves the table's clock past 0xC1's deadline and sweeps it
      // a LOCAL ack may come before the commit thread applied the record (table and state alike)
      await().atMost(10, TimeUnit.SECONDS).until(() -> count(f, ACME) == 2);
      InvalidArgumentException e = refused(f, ACME, 0xC1, 2, 2);
      assertNames(e, "seq 2", "expired", "session.ttl 60000 ms", "open a new session");
      assertEquals(2, count(f, ACME));
      write(f, ACME, 0xC3, 1, 1);
      assertEquals(3, count(f, ACME));
    }
  }

  @Test
  void shouldRefuseAWriteBeyondAFullWindowUntilTheClientAcknowledges() {
    try (StoreFixture f = fixture(c -> c.sessionMaxWindow(3))) {
      for (long seq = 1; seq <= 3; seq++) {
        write(f, ACME, 0xD1, seq, 1);
      }
      InvalidArgumentException e = refused(f, ACME, 0xD1, 4, 1);
      assertNames(e, "seq 4", "session.max.window 3", "raise ackedBelow");
      assertEquals(3, count(f, ACME));
      write(f, ACME, 0xD1, 4, 4); // outcomes below 4 delivered: the window empties
      assertEquals(4, count(f, ACME));
    }
  }

  @Test
  void shouldRefuseAMalformedSessionSeqNamingTheValue() {
    InvalidArgumentException zero =
        assertThrows(InvalidArgumentException.class, () -> new SessionSeq(0, 1, 1));
    assertTrue(zero.getMessage().contains("session"), zero.getMessage());
    InvalidArgumentException seq =
        assertThrows(InvalidArgumentException.class, () -> new SessionSeq(0xE1, 0, 1));
    assertTrue(seq.getMessage().contains("seq"), seq.getMessage());
    InvalidArgumentException acked =
        assertThrows(InvalidArgumentException.class, () -> new SessionSeq(0xE1, 3, 4));
    assertTrue(acked.getMessage().contains("ackedBelow"), acked.getMessage());
  }

  private StoreFixture fixture(UnaryOperator<StoreConfig.Builder> sessions) {
    return new StoreFixture(dir, c -> sessions.apply(c.clock(clock::get)), w -> w);
  }

  private SignalAck write(StoreFixture f, TenantId tenant, long session, long seq, long acked) {
    return f.store.signal(signal(tenant), Durability.LOCAL, new SessionSeq(session, seq, acked));
  }

  private InvalidArgumentException refused(
      StoreFixture f, TenantId tenant, long session, long seq, long acked) {
    return assertThrows(
        InvalidArgumentException.class, () -> write(f, tenant, session, seq, acked));
  }

  private Signal signal(TenantId tenant) {
    return new Signal(tenant, VIEW, EntityId.of(ENTITY), 1.0, Timestamp.ofMillis(clock.get() - 5));
  }

  private static long count(StoreFixture f, TenantId tenant) {
    return f.store.read(tenant, VIEW, EntityId.of(ENTITY)).count();
  }

  private static void assertNames(InvalidArgumentException e, String... parts) {
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), "'" + part + "' not in: " + e.getMessage());
    }
  }
}
