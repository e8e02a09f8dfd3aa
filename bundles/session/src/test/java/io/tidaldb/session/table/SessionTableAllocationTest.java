package io.tidaldb.session.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.TenantId;
import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@link SessionTable#check} (answering NEW) and {@link SessionTable#apply} allocate nothing once
 * the arrays have grown, whether a window stays inline (ackedBelow at the seq), goes to the pool (a
 * lagging ackedBelow) or comes back inline, and whether the sweep passes live entries.
 */
class SessionTableAllocationTest {
  private static final TenantId ACME = TenantId.of("acme");
  private static final int SESSIONS = 1_000;

  @Test
  void shouldNotAllocateWhenCheckingAndApplyingKnownSessions() {
    java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean);
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
    Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported());
    SessionTable t = new SessionTable(SessionConfig.DEFAULTS);
    long[] seq = new long[SESSIONS];
    long position = 0;
    for (int i = 0; i < SESSIONS; i++) {
      seq[i] = 1;
      t.apply(ACME, i + 1, 1, 1, 1, position++, HlcStamp.pack(1_000, 0));
    }
    long thread = Thread.currentThread().getId();
    // The interpreter and the first compilations allocate; wait for a clean round with a deadline.
    long allocated = Long.MAX_VALUE;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    for (int round = 0; allocated >= 1_024 && System.nanoTime() < deadline; round++) {
      long before = threads.getThreadAllocatedBytes(thread);
      for (int k = 0; k < 20_000; k++) {
        int i = k % SESSIONS;
        long s = ++seq[i];
        long ackedBelow = k % 3 == 0 ? s - 1 : s; // every third write leaves two entries, pooled
        long hlc = HlcStamp.pack(1_000 + round, k & 0xFF);
        if (t.check(ACME, i + 1, s, ackedBelow, (int) s) != Decision.NEW) {
          throw new AssertionError("not NEW: session " + (i + 1) + " seq " + s);
        }
        t.apply(ACME, i + 1, s, ackedBelow, (int) s, position++, hlc);
      }
      allocated = threads.getThreadAllocatedBytes(thread) - before;
    }
    assertTrue(allocated < 1_024, "allocated " + allocated + " bytes for 20000 checks and applies");
    assertEquals(SESSIONS, t.liveSessions());
    assertSame(Decision.NEW, t.check(ACME, 1, seq[0] + 1, seq[0] + 1, 0));
  }
}
