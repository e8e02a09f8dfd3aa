package io.tidaldb.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.StorageException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * {@link DurabilityTracker}'s futures: each completes exactly when the durable position passes it,
 * in position order however they registered (in order, the FIFO; below the newest, the priority
 * queue beside it), and a terminate fails every one still waiting.
 */
class DurabilityTrackerTest {
  @Test
  void shouldCompleteEachFutureOnceDurablePassesItInPositionOrder() {
    for (long seed = 1; seed <= 200; seed++) {
      Random random = new Random(seed);
      DurabilityTracker tracker = new DurabilityTracker("shard 0", 0);
      List<Long> completed = new ArrayList<>();
      List<long[]> waiting = new ArrayList<>(); // {position, index}
      List<CompletableFuture<Void>> futures = new ArrayList<>();
      long durable = 0;
      long appended = 0;
      for (int step = 0; step < 300; step++) {
        if (random.nextInt(3) > 0) {
          // mostly the next appended position; sometimes an older or a far one
          long position =
              switch (random.nextInt(6)) {
                case 0 -> Math.max(0, appended - random.nextInt(40));
                case 1 -> appended + random.nextInt(40);
                default -> appended++;
              };
          CompletableFuture<Void> f = tracker.when(position);
          int index = futures.size();
          futures.add(f);
          if (position < durable) {
            assertTrue(f.isDone(), "seed " + seed + ": " + position + " below " + durable);
          } else {
            assertFalse(f.isDone(), "seed " + seed + ": " + position + " at or above " + durable);
            waiting.add(new long[] {position, index});
            f.thenRun(() -> completed.add(position));
          }
        } else {
          durable += random.nextInt(12);
          tracker.advance(durable);
          long below = durable;
          List<Long> expected = new ArrayList<>();
          waiting.removeIf(
              w -> {
                if (w[0] < below) {
                  expected.add(w[0]);
                  return true;
                }
                return false;
              });
          expected.sort(Long::compare);
          assertEquals(expected, completed, "seed " + seed + " step " + step);
          completed.clear();
          for (long[] w : waiting) {
            assertFalse(futures.get((int) w[1]).isDone(), "seed " + seed + ": " + w[0]);
          }
        }
      }
    }
  }

  @Test
  void shouldFailEveryWaiterOnTerminateAndEveryLaterOneAbove() {
    DurabilityTracker tracker = new DurabilityTracker("shard 0", 5);
    CompletableFuture<Void> inOrder = tracker.when(9);
    CompletableFuture<Void> later = tracker.when(12);
    CompletableFuture<Void> older = tracker.when(7); // below the newest: the priority queue
    tracker.terminate(new StorageException("disk gone", null));
    for (CompletableFuture<Void> f : List.of(inOrder, later, older)) {
      ExecutionException e =
          org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, f::get);
      assertTrue(e.getCause() instanceof StorageException, e.toString());
    }
    assertTrue(tracker.when(4).isDone());
    assertTrue(tracker.when(8).isCompletedExceptionally());
  }
}
