package io.tidaldb.reconcile.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.reconcile.ReconcileReport;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The local streams' session tables ride on a session ({@link SessionTableExchange}): each side
 * ends with the newer version of every table either held, a table travels only to the side behind,
 * one larger than a frame arrives whole, and a malformed one is refused (counted) while the others
 * are kept.
 */
class SessionTableExchangeTest {
  static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  static final long R0 = 0x8000_0000_0000_0001L;
  static final long R1 = 0x8000_0000_0001_0001L;
  static final long R2 = 0x8000_0000_0002_0001L;

  @Test
  void shouldCarryTheNewerTablesBothWaysInOneSession() throws Exception {
    Net net = new Net(2, 4, c -> c);
    MemoryReconcileState a = net.state(0);
    MemoryReconcileState b = net.state(1);
    a.putTable(1, R0, MemoryReconcileState.table(5, 40));
    a.putTable(1, R2, MemoryReconcileState.table(3, 40));
    a.putTable(3, R2, MemoryReconcileState.table(9, 10));
    b.putTable(1, R0, MemoryReconcileState.table(2, 40));
    b.putTable(1, R1, MemoryReconcileState.table(7, 40));
    b.putTable(1, R2, MemoryReconcileState.table(3, 40));
    int[] frames = new int[1];
    net.tap =
        (to, bytes) -> {
          frames[0]++;
          return true;
        };

    ReconcileReport report = net.await(net.engine(0).reconcileAll(), MS);
    net.pump();

    for (MemoryReconcileState s : new MemoryReconcileState[] {a, b}) {
      assertEquals(Map.of(R0, 5L, R1, 7L, R2, 3L), s.sessionTableVersions(1), report::toString);
      assertEquals(Map.of(R2, 9L), s.sessionTableVersions(3));
    }
    assertArrayEquals(MemoryReconcileState.table(5, 40), b.sessionTable(1, R0));
    assertArrayEquals(MemoryReconcileState.table(7, 40), a.sessionTable(1, R1));
    assertEquals(4, frames[0], "SUMMARY, LEAVES, HASHES (tables only), STATES: " + report);
    assertEquals(0, net.engine(0).badInput(BadInput.REJECTED_STATE));
    assertEquals(0, net.engine(1).badInput(BadInput.REJECTED_STATE));

    frames[0] = 0;
    net.await(net.engine(1).reconcileAll(), MS);
    assertEquals(2, frames[0], "equal tables and states: SUMMARY and LEAVES only");
  }

  @Test
  void shouldSendATableLargerThanAFrameInPieces() throws Exception {
    Net net = new Net(2, 2, c -> c.withMaxFrameBytes(4096));
    byte[] big = MemoryReconcileState.table(11, 20_000);
    net.state(1).putTable(0, R1, big);
    net.state(0).putTable(1, R0, MemoryReconcileState.table(4, 9_000)); // pushed the other way
    int[] frames = new int[1];
    net.tap =
        (to, bytes) -> {
          assertTrue(bytes.length <= 4096, "a frame of " + bytes.length);
          frames[0]++;
          return true;
        };
    net.await(net.engine(0).reconcileAll(), MS);
    net.pump();
    assertArrayEquals(big, net.state(0).sessionTable(0, R1));
    assertArrayEquals(MemoryReconcileState.table(4, 9_000), net.state(1).sessionTable(1, R0));
    assertTrue(frames[0] >= 2 + 5 + 3, "frames: " + frames[0]);
  }

  @Test
  void shouldRefuseAMalformedTableCountingItAndKeepTheOthers() throws Exception {
    Net net = new Net(2, 2, c -> c);
    byte[] bad = MemoryReconcileState.table(6, 4);
    bad[8] = (byte) 0xEE; // the model's store refuses it
    net.state(1).putTable(0, R1, bad);
    net.state(1).putTable(1, R2, MemoryReconcileState.table(2, 4));
    ReconcileReport report = net.await(net.engine(0).reconcileAll(), MS);
    net.pump();
    assertEquals(Map.of(), net.state(0).sessionTableVersions(0), report::toString);
    assertEquals(Map.of(R2, 2L), net.state(0).sessionTableVersions(1));
    assertEquals(1, net.engine(0).badInput(BadInput.REJECTED_STATE));
    assertTrue(report.failed().isEmpty(), "the session went on: " + report);
  }
}
