package io.tidaldb.bench;

import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.TenantId;
import io.tidaldb.session.table.SessionConfig;
import io.tidaldb.session.table.SessionTable;
import java.util.Locale;

/**
 * The session table's memory per idle session (issue 12, target: at most 64 bytes), JMH-free: one
 * shard's {@link SessionTable} fed {@code n} sessions of one tenant, each with one write whose
 * outcome the client has not yet acknowledged (seq 7, ackedBelow 5: the usual idle state, the last
 * write held in the window), then {@link SessionTable#memoryBytes()} (every array's length times
 * its element size plus headers: entries, index, windows, tenants) divided by {@code n}. The same
 * figure as the session bundle's {@code SessionTableMemoryTest}; the heap the JVM reports is
 * printed beside it as a cross-check (it includes everything else the JVM holds).
 *
 * <p>Usage: {@code java -Xms2g -Xmx2g -cp benchmarks.jar io.tidaldb.bench.SessionTableFootprint
 * [sessions ...]} (default 100000 1000000).
 */
public final class SessionTableFootprint {
  private static final TenantId ACME = TenantId.of("acme");

  private SessionTableFootprint() {}

  /**
   * Prints the memory per idle session for each count.
   *
   * @param args session counts (default 100,000 and 1,000,000)
   */
  public static void main(String[] args) {
    int[] counts = args.length == 0 ? new int[] {100_000, 1_000_000} : parse(args);
    for (int n : counts) {
      long heapBefore = usedHeap();
      SessionTable t = new SessionTable(SessionConfig.DEFAULTS);
      for (int i = 0; i < n; i++) {
        t.apply(ACME, 0x9E3779B97F4A7C15L * (i + 1), 7, 5, i, i, HlcStamp.pack(5_000, i & 0xFF));
      }
      long heapAfter = usedHeap();
      System.out.printf(
          Locale.ROOT,
          "session table, idle sessions holding their last write: %,d sessions, %,d live, %,d"
              + " window entries, %,d bytes of arrays = %.1f bytes per session (heap grew %.1f"
              + " bytes per session)%n",
          n,
          t.liveSessions(),
          t.windowEntries(),
          t.memoryBytes(),
          (double) t.memoryBytes() / n,
          (double) (heapAfter - heapBefore) / n);
    }
  }

  private static int[] parse(String[] args) {
    int[] counts = new int[args.length];
    for (int i = 0; i < args.length; i++) {
      counts[i] = Integer.parseInt(args[i]);
    }
    return counts;
  }

  private static long usedHeap() {
    Runtime r = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return r.totalMemory() - r.freeMemory();
  }
}
