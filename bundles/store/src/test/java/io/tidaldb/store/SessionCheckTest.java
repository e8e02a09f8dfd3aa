package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalTickets;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.session.table.Decision;
import io.tidaldb.session.table.Refusal;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The accessor the leader's check will use: a session write appended through the leader's append
 * path is, once applied, a DUPLICATE at its position for the same payload, a refusal for another
 * payload under the same (session, seq), and the next seq is NEW; the same after a restart.
 */
class SessionCheckTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final TenantId ACME = TenantId.of("acme");

  @TempDir Path dir;

  @Test
  void shouldAnswerARetryOfAnAppliedSessionWriteWithItsPosition() {
    try (StoreFixture f = new StoreFixture(dir, c -> c.clock(() -> T0), w -> w)) {
      Signal signal =
          new Signal(ACME, SignalType.of("view"), EntityId.of(42), 2.0, Timestamp.ofMillis(T0 - 5));
      SessionSeq first = new SessionSeq(0x7f3aL, 1, 1);
      long ticket = f.store.appendSessionWrite(signal, first);
      f.store.awaitDurable(ticket, Duration.ofSeconds(10));
      assertChecks(f, signal, ticket);
      f.reopenWithoutCheckpoint();
      assertChecks(f, signal, ticket);
    }
  }

  private static void assertChecks(StoreFixture f, Signal signal, long ticket) {
    ShardState s = f.store.shardState(SignalTickets.shard(ticket));
    int hash = SessionPayload.hash(signal);
    Decision retry = s.checkSession(ACME, new SessionSeq(0x7f3aL, 1, 1), hash);
    assertEquals(Decision.Kind.DUPLICATE, retry.kind(), retry.toString());
    assertEquals(SignalTickets.position(ticket), retry.position());
    Signal other = new Signal(ACME, signal.type(), signal.entity(), 3.0, signal.eventTime());
    Decision reused =
        s.checkSession(ACME, new SessionSeq(0x7f3aL, 1, 1), SessionPayload.hash(other));
    assertEquals(Refusal.PAYLOAD_DIFFERS, reused.refusal(), reused.toString());
    assertTrue(reused.message().contains("seq 1"), reused.message());
    assertEquals(
        Decision.Kind.NEW, s.checkSession(ACME, new SessionSeq(0x7f3aL, 2, 2), hash).kind());
    assertEquals(
        Decision.Kind.NEW,
        s.checkSession(TenantId.DEFAULT, new SessionSeq(0x7f3aL, 1, 1), hash).kind(),
        "sessions are per tenant");
  }
}
