package io.tidaldb.session.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.TenantId;
import org.junit.jupiter.api.Test;

/** Every answer of {@link SessionTable#check}, each refusal with its exact message. */
class SessionTableCheckTest {
  private static final TenantId ACME = TenantId.of("acme");
  private static final long S = 0x7f3a_0000_0000_002aL;
  private static final long T0 = 1_000_000;

  private final SessionTable table = new SessionTable(new SessionConfig(60_000, 2, 100, 3));

  private static long hlc(long millis) {
    return HlcStamp.pack(millis, 0);
  }

  @Test
  void shouldAnswerNewThenDuplicateWithTheOriginalPosition() {
    assertSame(Decision.NEW, table.check(ACME, S, 1, 1, 0xabc));
    assertTrue(table.apply(ACME, S, 1, 1, 0xabc, 10, hlc(T0)));
    assertEquals(-1, Decision.NEW.hlc());
    Decision d = table.check(ACME, S, 1, 1, 0xabc);
    assertEquals(Decision.Kind.DUPLICATE, d.kind());
    assertEquals(10, d.position());
    assertEquals(hlc(T0), d.hlc(), "the original acknowledgement's stamp");
    assertFalse(table.apply(ACME, S, 1, 1, 0xabc, 11, hlc(T0 + 5)), "a second copy is not new");
    d = table.check(ACME, S, 1, 1, 0xabc);
    assertEquals(10, d.position(), "the first copy's position");
    assertEquals(hlc(T0), d.hlc(), "the first copy's HLC, not the second's");
    assertEquals(-1, table.check(ACME, S, 1, 1, 0xabd).hlc(), "refused: no HLC");
  }

  @Test
  void shouldAnswerEachRetryWithItsOwnRecordsHlcWhetherInlineOrPooled() {
    table.apply(ACME, S, 1, 1, 0x1, 10, hlc(T0) + 3);
    assertEquals(hlc(T0) + 3, table.check(ACME, S, 1, 1, 0x1).hlc(), "inline");
    table.apply(ACME, S, 2, 1, 0x2, 11, hlc(T0 + 7));
    assertEquals(hlc(T0) + 3, table.check(ACME, S, 1, 1, 0x1).hlc(), "pooled below seq 2");
    assertEquals(hlc(T0 + 7), table.check(ACME, S, 2, 1, 0x2).hlc(), "pooled top");
    table.apply(ACME, S, 3, 3, 0x3, 12, hlc(T0 + 6)); // an older stamp: the last HLC stays
    assertEquals(1, table.windowEntries(), "ackedBelow 3 dropped seqs 1 and 2");
    Decision d = table.check(ACME, S, 3, 3, 0x3);
    assertEquals(12, d.position());
    assertEquals(hlc(T0 + 6), d.hlc(), "inline, below the last HLC");
  }

  @Test
  void shouldOpenAnEntryLessSessionAtAnySeq() {
    assertSame(Decision.NEW, table.check(ACME, S, 41, 40, 7));
    table.apply(ACME, S, 41, 40, 7, 0, hlc(T0));
    assertSame(Decision.NEW, table.check(ACME, S, 40, 40, 8), "40 went elsewhere or is in flight");
  }

  @Test
  void shouldRefuseASeqBelowTheWindow() {
    table.apply(ACME, S, 5, 1, 1, 0, hlc(T0));
    table.apply(ACME, S, 9, 9, 2, 1, hlc(T0));
    assertRefused(
        Refusal.BELOW_WINDOW,
        "session acme/7f3a00000000002a seq 5: below the window (window: acked below 9, highest 9, 1"
            + " held): the client acknowledged every seq below 9, so its outcome is forgotten",
        table.check(ACME, S, 5, 1, 1));
  }

  @Test
  void shouldRefuseAnotherPayloadUnderTheSameSeq() {
    table.apply(ACME, S, 41, 40, 0x1234, 77, hlc(T0));
    assertRefused(
        Refusal.PAYLOAD_DIFFERS,
        "session acme/7f3a00000000002a seq 41: payload differs from the write it retries (a reused"
            + " session id or a client bug): hash 00005678, the write at position 77 has 00001234"
            + " (window: acked below 40, highest 41, 1 held)",
        table.check(ACME, S, 41, 40, 0x5678));
  }

  @Test
  void shouldRefuseAJumpBeyondTheMaxSeqGap() {
    table.apply(ACME, S, 5, 5, 1, 0, hlc(T0));
    assertSame(Decision.NEW, table.check(ACME, S, 105, 5, 1));
    assertRefused(
        Refusal.SEQ_GAP,
        "session acme/7f3a00000000002a seq 106: jumps 101 above the highest seq 5 this shard saw,"
            + " more than session.max.seq.gap 100 (window: acked below 5, highest 5, 1 held)",
        table.check(ACME, S, 106, 5, 1));
  }

  @Test
  void shouldRefuseANewSessionBeyondTheTenantsLimit() {
    table.apply(ACME, 1, 1, 1, 1, 0, hlc(T0));
    table.apply(ACME, 2, 1, 1, 1, 1, hlc(T0));
    assertSame(Decision.NEW, table.check(TenantId.of("other"), S, 1, 1, 1), "per tenant");
    assertSame(Decision.NEW, table.check(ACME, 2, 2, 1, 1), "a known session");
    assertRefused(
        Refusal.TOO_MANY_SESSIONS,
        "session acme/7f3a00000000002a seq 1: tenant 'acme' has 2 live sessions in this shard,"
            + " the limit session.max.per.tenant",
        table.check(ACME, S, 1, 1, 1));
  }

  @Test
  void shouldRefuseEverySeqOfAnExpiredSessionUntilItsTombstoneGoes() {
    table.apply(ACME, S, 3, 1, 1, 0, hlc(T0));
    table.advance(1, hlc(T0 + 60_000));
    assertEquals(1, table.liveSessions(), "idle exactly the ttl: not expired");
    table.advance(2, hlc(T0 + 60_001));
    assertEquals(0, table.liveSessions());
    assertEquals(1, table.tombstones());
    String rule =
        ": expired (idle longer than session.ttl 60000 ms after its last write at hlc "
            + hlc(T0)
            + ", 1000000 ms); open a new session";
    assertRefused(
        Refusal.EXPIRED,
        "session acme/7f3a00000000002a seq 4" + rule,
        table.check(ACME, S, 4, 1, 1));
    assertRefused(
        Refusal.EXPIRED,
        "session acme/7f3a00000000002a seq 1" + rule,
        table.check(ACME, S, 1, 1, 1));
    table.advance(3, hlc(T0 + 120_001));
    assertEquals(0, table.tombstones(), "the tombstone goes after twice the ttl");
    assertSame(Decision.NEW, table.check(ACME, S, 4, 1, 1));
  }

  @Test
  void shouldRefuseAWriteBeyondAFullWindowUnlessItsAckedBelowFreesRoom() {
    table.apply(ACME, S, 1, 1, 1, 0, hlc(T0));
    table.apply(ACME, S, 2, 1, 2, 1, hlc(T0));
    table.apply(ACME, S, 3, 1, 3, 2, hlc(T0));
    assertSame(Decision.NEW, table.check(ACME, S, 4, 2, 4), "ackedBelow 2 drops seq 1");
    assertRefused(
        Refusal.WINDOW_FULL,
        "session acme/7f3a00000000002a seq 4: the window holds session.max.window 3"
            + " unacknowledged seqs (window: acked below 1, highest 3, 3 held); raise ackedBelow"
            + " as outcomes are delivered",
        table.check(ACME, S, 4, 1, 4));
  }

  @Test
  void shouldReviveATombstonedSessionWhoseRecordTheLogHolds() {
    table.apply(ACME, S, 3, 1, 1, 0, hlc(T0));
    table.advance(1, hlc(T0 + 60_001));
    assertEquals(1, table.tombstones());
    assertTrue(table.apply(ACME, S, 4, 4, 9, 2, hlc(T0 + 60_002)), "the log is the truth");
    assertEquals(1, table.liveSessions());
    assertEquals(0, table.tombstones());
    assertEquals(2, table.check(ACME, S, 4, 4, 9).position());
  }

  @Test
  void shouldIgnoreARecordBelowTheAppliedPosition() {
    table.apply(ACME, S, 1, 1, 1, 5, hlc(T0));
    long digest = table.digest();
    assertFalse(table.apply(ACME, S, 2, 2, 1, 5, hlc(T0 + 1)));
    table.advance(3, hlc(T0 + 999_999));
    assertEquals(digest, table.digest());
    assertEquals(6, table.appliedBelow());
  }

  @Test
  void shouldRefuseOutOfRangeSeqsAsBadInput() {
    assertEquals(
        "invalid session seq: 0 (must be >= 1)",
        assertThrows(InvalidArgumentException.class, () -> table.check(ACME, S, 0, 1, 1))
            .getMessage());
    assertEquals(
        "invalid session ackedBelow: 6 (must be 1 to the write's seq 5)",
        assertThrows(InvalidArgumentException.class, () -> table.check(ACME, S, 5, 6, 1))
            .getMessage());
    assertEquals(
        "invalid session record position: -1 (must be >= 0)",
        assertThrows(InvalidArgumentException.class, () -> table.apply(ACME, S, 5, 1, 1, -1, 0))
            .getMessage());
    assertEquals(0, table.liveSessions(), "nothing applied");
  }

  private static void assertRefused(Refusal reason, String message, Decision d) {
    assertEquals(Decision.Kind.REFUSED, d.kind(), d.toString());
    assertEquals(reason, d.refusal());
    assertEquals(message, d.message());
  }

  @Test
  void shouldTellTenantsApartPastTheScannedOnesAndAcrossInstances() {
    // the first TenantIndex.SCANNED tenants are found by their names, the rest through the map;
    // a tenant given as another instance of the same name is the same tenant
    SessionTable t = new SessionTable(new SessionConfig(60_000, 1, 100, 8));
    int tenants = 3 * TenantIndex.SCANNED;
    for (int i = 0; i < tenants; i++) {
      assertTrue(t.apply(TenantId.of("tenant-" + i), S, 1, 1, i, i, hlc(T0)), "tenant " + i);
    }
    for (int i = 0; i < tenants; i++) {
      TenantId again = TenantId.of(new String(("tenant-" + i).toCharArray()));
      Decision d = t.check(again, S, 1, 1, i);
      assertEquals(Decision.Kind.DUPLICATE, d.kind(), "tenant " + i);
      assertEquals(i, d.position(), "tenant " + i + "'s own record");
      assertEquals(1, t.liveSessions(again), "tenant " + i);
      assertEquals(
          Decision.Kind.REFUSED, t.check(again, S + 1, 1, 1, i).kind(), "tenant " + i + " is full");
    }
    assertSame(Decision.NEW, t.check(TenantId.of("tenant-x"), S, 1, 1, 0), "an unbound tenant");
  }
}
