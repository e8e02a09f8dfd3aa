package io.tidaldb.shell;

import io.tidaldb.reconcile.ReconcileReport;
import io.tidaldb.reconcile.Reconciliation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * {@code tidal:reconcile}: runs a reconciliation session of every region of this framework with its
 * peers now ({@link Reconciliation#reconcileAll()}) and prints one line per region with what was
 * exchanged. Nothing is thrown to the console.
 */
public final class ReconcileCommand {
  static final String USAGE = "usage: tidal:reconcile";

  /** How long the command waits for the sessions. */
  static final long WAIT_MILLIS = 30_000;

  private final Supplier<List<Reconciliation>> reconciliations;

  /**
   * Creates the command.
   *
   * @param reconciliations supplies the registered reconciliations (empty if none)
   */
  public ReconcileCommand(Supplier<List<Reconciliation>> reconciliations) {
    this.reconciliations = reconciliations;
  }

  /**
   * Runs the sessions and prints the reports.
   *
   * @param args none
   * @return one line per region, {@code region-0: reconciled with [...] in 7.9 ms: ...}, or an
   *     {@code error:} line
   */
  public String reconcile(String... args) {
    if (args.length != 0) {
      return USAGE;
    }
    List<Reconciliation> all = new ArrayList<>(reconciliations.get());
    if (all.isEmpty()) {
      return "error: reconciliation unavailable: no Reconciliation service is registered"
          + " (configure io.tidaldb.reconcile~<region>, or is the reconcile bundle stopped?)";
    }
    all.sort(Comparator.comparingInt(r -> r.region().value()));
    List<CompletableFuture<ReconcileReport>> running = new ArrayList<>();
    for (Reconciliation r : all) {
      running.add(r.reconcileAll());
    }
    StringBuilder out = new StringBuilder();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
    for (int i = 0; i < all.size(); i++) {
      if (i > 0) {
        out.append('\n');
      }
      out.append(all.get(i).region()).append(": ");
      try {
        long left = Math.max(0, deadline - System.nanoTime());
        out.append(running.get(i).get(left, TimeUnit.NANOSECONDS));
      } catch (ExecutionException e) {
        out.append("error: ").append(e.getCause().getMessage());
      } catch (TimeoutException e) {
        out.append("error: no answer within ").append(WAIT_MILLIS).append(" ms");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return out.append("error: interrupted").toString();
      }
    }
    return out.toString();
  }
}
