package io.tidaldb.session.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.TenantId;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * Table memory per session, computed from the sizes of the table's arrays ({@link
 * SessionTable#memoryBytes}: every array's length times its element size plus headers, the tenant
 * dictionary included), at 1,000,000 sessions, at 100,000, and at 98,305 (one past the index's
 * growth from 131,072 to 262,144 slots: the emptiest index, the worst case per session). Printed
 * for the record.
 */
class SessionTableMemoryTest {
  private static final int[] COUNTS = {1_000_000, 100_000, 98_305};
  private static final TenantId ACME = TenantId.of("acme");

  /**
   * An idle session with an empty window. Applies alone leave a live session's highest seq in its
   * window (a later write here has ackedBelow at most its own seq; only a tombstone revived by a
   * record below its ackedBelow has an empty window), so the table is built from an encoding of
   * such sessions, as a snapshot would bring it.
   */
  @Test
  void shouldKeepAnIdleSessionWithAnEmptyWindowWithin64Bytes() {
    for (int sessions : COUNTS) {
      int length =
          SessionTableCodec.HEADER_LENGTH + 5 + sessions * SessionTableCodec.SESSION_LENGTH;
      ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
      b.putInt(SessionTableCodec.MAGIC).putShort(SessionTableCodec.VERSION).putShort((short) 0);
      b.putInt(1).putInt(sessions).putInt(0).putInt(0);
      b.putLong(HlcStamp.pack(5_000, 0)).putLong(sessions + 1L).putInt(0);
      b.put((byte) 4).put(new byte[] {'a', 'c', 'm', 'e'});
      for (int i = 0; i < sessions; i++) {
        b.putInt(0).putLong(0x9E3779B97F4A7C15L * (i + 1)).putLong(7);
        b.putLong(HlcStamp.pack(5_000, 0)).putLong(7).putInt(0);
      }
      SessionTable t = SessionTable.readFrom(b.flip(), SessionConfig.DEFAULTS);
      assertEquals(sessions, t.liveSessions());
      assertEquals(0, t.windowEntries());
      assertWithin64(t, sessions, "empty window");
    }
  }

  /**
   * The usual idle session: its last write here stays in its window (one entry, held inline in the
   * session's entry) until it expires: the 64-byte target.
   */
  @Test
  void shouldKeepAnIdleSessionHoldingItsLastWriteWithin64Bytes() {
    for (int sessions : COUNTS) {
      SessionTable t = new SessionTable(SessionConfig.DEFAULTS);
      for (int i = 0; i < sessions; i++) {
        t.apply(ACME, 0x9E3779B97F4A7C15L * (i + 1), 7, 5, i, i, HlcStamp.pack(5_000, i & 0xFF));
      }
      assertEquals(sessions, t.liveSessions());
      assertEquals(sessions, t.windowEntries());
      assertEquals(sessions, t.windows.inlineEntries(), "every last write held inline");
      assertWithin64(t, sessions, "holding its last write");
    }
  }

  private static void assertWithin64(SessionTable t, int sessions, String what) {
    double perSession = (double) t.memoryBytes() / sessions;
    System.out.printf(
        "SessionTableMemoryTest idle session, %s: %.1f bytes per session at %,d sessions (%,d"
            + " bytes)%n",
        what, perSession, sessions, t.memoryBytes());
    assertTrue(perSession <= 64, perSession + " bytes per idle session, " + what);
  }
}
