package io.tidaldb.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.reconcile.ReconcileReport;
import io.tidaldb.reconcile.Reconciliation;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** {@code tidal:reconcile}: one line per region of this framework, errors as lines. */
class ReconcileCommandTest {
  record Fixed(int id, CompletableFuture<ReconcileReport> answer) implements Reconciliation {
    @Override
    public RegionId region() {
      return RegionId.of(id);
    }

    @Override
    public List<RegionId> peers() {
      return List.of();
    }

    @Override
    public CompletableFuture<ReconcileReport> reconcileAll() {
      return answer;
    }
  }

  @Test
  void shouldPrintEveryRegionsReportInRegionOrder() {
    ReconcileReport report =
        new ReconcileReport(
            List.of(RegionId.of(0)),
            List.of(),
            Duration.ofMillis(8),
            300_000,
            112_000,
            3,
            10,
            10,
            20,
            0);
    String out =
        new ReconcileCommand(
                () ->
                    List.of(
                        new Fixed(
                            2, CompletableFuture.failedFuture(new UnavailableException("closed"))),
                        new Fixed(1, CompletableFuture.completedFuture(report))))
            .reconcile();
    String[] lines = out.split("\n");
    assertEquals(2, lines.length, out);
    assertEquals(
        "region-1: reconciled with [region-0] in 8.0 ms: 402 KiB exchanged (300000 sent, 112000"
            + " received), 3 round trips, 10 states sent, 10 received, 20 merged, 0 rejected",
        lines[0]);
    assertEquals("region-2: error: closed", lines[1]);
  }

  @Test
  void shouldSayWhenNoReconciliationIsRegistered() {
    assertTrue(
        new ReconcileCommand(List::of).reconcile().startsWith("error: reconciliation unavailable"));
    assertEquals(ReconcileCommand.USAGE, new ReconcileCommand(List::of).reconcile("x"));
  }
}
