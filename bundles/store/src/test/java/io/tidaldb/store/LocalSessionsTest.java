package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.TenantId;
import io.tidaldb.crdt.ReplicaIds;
import io.tidaldb.session.table.Decision;
import io.tidaldb.session.table.Refusal;
import io.tidaldb.session.table.SessionConfig;
import io.tidaldb.session.table.SessionTable;
import org.junit.jupiter.api.Test;

/**
 * The local streams' tables of a shard ({@link LocalSessions}): a copy joins by version, and only
 * the table a write is appended to imposes its policy; a copy (frozen) or the local table checked
 * for a write that goes to the shard log refuses only by its records.
 */
class LocalSessionsTest {
  static final TenantId T = TenantId.DEFAULT;
  static final long S = 0x5e55_0000_0000_0099L;
  static final SessionConfig SMALL = SessionConfig.DEFAULTS.withMaxWindow(2);
  static final long OWNER = ReplicaIds.local(1, 0);
  static final long OTHER = ReplicaIds.local(2, 0);

  @Test
  void shouldJoinCopiesByVersionAndIgnoreItsOwnIdAndEmptyTables() {
    LocalSessions l = new LocalSessions(SMALL, OWNER);
    assertFalse(l.join(OTHER, new SessionTable(SMALL)), "an empty table");
    assertTrue(l.join(OTHER, table(2)));
    assertFalse(l.join(OTHER, table(2)), "the same version");
    assertFalse(l.join(OTHER, table(1)), "an older one");
    assertTrue(l.join(OTHER, table(3)));
    assertEquals(3, l.version(OTHER));
    assertFalse(l.join(OWNER, table(5)), "its own id");
    assertEquals(-1, l.version(ReplicaIds.local(3, 0)));
  }

  @Test
  void shouldRefuseByPolicyOnlyInTheTableAWriteIsAppendedTo() {
    LocalSessions l = new LocalSessions(SMALL, OWNER);
    l.join(OTHER, table(2)); // seqs 1 and 2 unacknowledged: the window of 2 is full
    SessionSeq third = new SessionSeq(S, 3, 1);
    assertEquals(Decision.Kind.NEW, l.check(T, third, 7, false).kind(), "a full copy");
    assertEquals(Decision.Kind.NEW, l.check(T, third, 7, true).kind(), "its own table is empty");
    Decision dup = l.check(T, new SessionSeq(S, 2, 1), 2, false);
    assertEquals(Decision.Kind.DUPLICATE, dup.kind());
    assertEquals(1, dup.position(), "the original local position");
    Decision other = l.check(T, new SessionSeq(S, 2, 1), 99, false);
    assertEquals(Refusal.PAYLOAD_DIFFERS, other.refusal(), other.toString());

    LocalSessions own = new LocalSessions(SMALL, OWNER);
    own.table().apply(T, S, 1, 1, 1, 0, 10);
    own.table().apply(T, S, 2, 1, 2, 1, 11);
    assertEquals(
        Refusal.WINDOW_FULL, own.check(T, third, 7, true).refusal(), "appended to its own table");
    assertEquals(Decision.Kind.NEW, own.check(T, third, 7, false).kind(), "appended elsewhere");
  }

  /** A table with seqs 1..n of session S at local positions 0..n-1, none acknowledged. */
  private static SessionTable table(int n) {
    SessionTable t = new SessionTable(SMALL);
    for (int seq = 1; seq <= n; seq++) {
      t.apply(T, S, seq, 1, seq, seq - 1, 10 + seq);
    }
    return t;
  }
}
