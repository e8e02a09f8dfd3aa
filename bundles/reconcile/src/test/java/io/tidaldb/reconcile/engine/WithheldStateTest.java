package io.tidaldb.reconcile.engine;

import static io.tidaldb.reconcile.engine.ReconciliationEngineTest.ACME;
import static io.tidaldb.reconcile.engine.ReconciliationEngineTest.MS;
import static io.tidaldb.reconcile.engine.ReconciliationEngineTest.defineEverywhere;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.crdt.CrdtSignalState;
import io.tidaldb.reconcile.ReconcileReport;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A store may withhold an entity's state ({@code ReconcileState.states} leaves it out: it holds a
 * write the region does not know committed, issue 12). The engine takes that as "nothing to send":
 * sessions end without failure either way round, the other side's state still merges into the
 * withholding region, nothing of the withheld state leaves it, and a later session converges once
 * the store gives it away. On both paths: fingerprints and segments.
 */
class WithheldStateTest {
  private static final long WITHHELD = 7;

  @ParameterizedTest(name = "segment path from {0} entities")
  @ValueSource(ints = {1, 1 << 30})
  void shouldSendNoWithheldStateAndStillMergeTheOtherSidesIntoTheWithholdingRegion(int segmentsFrom)
      throws Exception {
    UnaryOperator<ReconcileConfig> settings = c -> c.withSegmentMinEntities(segmentsFrom);
    Net net = new Net(2, 2, settings);
    defineEverywhere(net, ACME, "view");
    MemoryReconcileState a = net.state(0);
    MemoryReconcileState b = net.state(1);
    for (long e = 0; e < 200; e++) { // shared, so both sides hold entities beside the withheld one
      a.apply(ACME, "view", e + 100, 1.0);
    }
    copyAll(a, b);
    a.apply(ACME, "view", WITHHELD, 1.0); // a's own write of the entity, not known committed
    b.apply(ACME, "view", WITHHELD, 2.0); // b's, committed
    a.apply(ACME, "view", 50, 3.0); // and a difference a gives away
    a.withheld.add(WITHHELD);
    CrdtSignalState bBefore = stateOf(b, WITHHELD);

    for (int initiator = 0; initiator < 2; initiator++) {
      ReconcileReport report = net.await(net.engine(initiator).reconcileAll(), MS);
      assertTrue(report.failed().isEmpty(), report::toString);
      net.pump();
      assertEquals(bBefore, stateOf(b, WITHHELD), "nothing of a's withheld state left a");
      assertEquals(stateOf(a, 50), stateOf(b, 50), "the rest converged: " + report);
      CrdtSignalState joined = bBefore.copy();
      joined.merge(stateOf(a, WITHHELD));
      assertEquals(joined, stateOf(a, WITHHELD), "b's state merged into a: " + report);
    }
    assertNotEquals(a.snapshot(), b.snapshot());

    a.withheld.clear(); // committed now: the next session gives it away
    ReconcileReport after = net.await(net.engine(1).reconcileAll(), MS);
    net.pump();
    assertEquals(a.snapshot(), b.snapshot(), after::toString);
  }

  private static CrdtSignalState stateOf(MemoryReconcileState s, long entity) {
    for (Map.Entry<MemoryReconcileState.Key, CrdtSignalState> e : s.snapshot().entrySet()) {
      if (e.getKey().entity() == entity) {
        return e.getValue();
      }
    }
    throw new AssertionError("no state of entity " + entity);
  }

  private static void copyAll(MemoryReconcileState from, MemoryReconcileState to) {
    ReconciliationEngineTest.copyAll(from, to);
  }
}
