package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.TenantId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class AcceptedCountsTest {
  private static final TenantId ACME = TenantId.of("acme");
  private static final TenantId GLOBEX = TenantId.of("globex");

  @Test
  void shouldSumEveryThreadsCountsInTotalAndPerTenant() throws Exception {
    AcceptedCounts counts = new AcceptedCounts();
    counts.add(ACME, 1);
    counts.add(GLOBEX, 3);
    counts.add(ACME, 2); // the cell's last tenant changes back: the map is looked up again
    List<Thread> writers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread w =
          new Thread(
              () -> {
                for (int i = 0; i < 10_000; i++) {
                  counts.add(i % 2 == 0 ? ACME : GLOBEX, 1);
                }
              });
      writers.add(w);
      w.start();
    }
    for (Thread w : writers) {
      w.join();
    }
    assertEquals(6 + 40_000, counts.total());
    assertEquals(Map.of("acme", 3L + 20_000, "globex", 3L + 20_000), counts.byTenant());
  }

  @Test
  void shouldKeepTheCountsOfThreadsThatEndedAndDropTheirCells() throws Exception {
    AcceptedCounts counts = new AcceptedCounts();
    for (int t = 0; t < 100; t++) { // threads that each count once and end, as a pool's churn
      Thread w = new Thread(() -> counts.add(ACME, 2));
      w.start();
      w.join();
    }
    assertTrue(counts.cells() <= 32, counts.cells() + " cells kept for 100 ended threads");
    assertEquals(200, counts.total());
    assertEquals(0, counts.cells(), "a read folds every ended thread's cell");
    assertEquals(Map.of("acme", 200L), counts.byTenant());
  }

  @Test
  void shouldReadMonotoneCountsWhileThreadsEnd() throws Exception {
    AcceptedCounts counts = new AcceptedCounts();
    CountDownLatch done = new CountDownLatch(1);
    Thread churn =
        new Thread(
            () -> {
              try {
                for (int t = 0; t < 200; t++) {
                  Thread w = new Thread(() -> counts.add(ACME, 1));
                  w.start();
                  w.join();
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } finally {
                done.countDown();
              }
            });
    churn.start();
    long last = 0;
    while (done.getCount() > 0) {
      long now = counts.total();
      assertTrue(now >= last, "total went back from " + last + " to " + now);
      last = now;
    }
    churn.join();
    assertEquals(200, counts.total());
  }
}
