package io.tidaldb.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.StorageException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

/**
 * {@link DurabilityTracker}'s futures: each completes exactly when the durable position passes it,
 * in position order however they registered (in order, the FIFO; below the newest, the priority
 * queue beside it), and a terminate fails every one still waiting; a future that names an executor
 * is completed by a task on it, one per run of the futures a commit makes due.
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

  /**
   * Futures that name an executor complete only when its task runs, one task per run of consecutive
   * due futures with that executor (so one per commit when every writer names the same one), each
   * executor's futures in position order; the others complete during the advance itself.
   */
  @Test
  void shouldHandEachCommitsDueFuturesToTheirExecutorAsOneTaskPerRun() {
    for (long seed = 1; seed <= 200; seed++) {
      Random random = new Random(seed);
      DurabilityTracker tracker = new DurabilityTracker("shard 0", 0);
      List<Runnable> tasksA = new ArrayList<>();
      List<Runnable> tasksB = new ArrayList<>();
      Executor a = tasksA::add;
      Executor b = tasksB::add;
      List<Executor> choices = Arrays.asList(null, a, a, a, b);
      Map<Executor, List<Long>> completed = new HashMap<>();
      List<Object[]> waiting = new ArrayList<>(); // {position, executor, future}
      Set<Long> used = new HashSet<>();
      long durable = 0;
      long appended = 0;
      for (int step = 0; step < 300; step++) {
        if (random.nextInt(3) > 0) {
          long position = random.nextInt(5) == 0 ? appended + random.nextInt(20) : appended++;
          if (!used.add(position)) {
            continue; // one future per position: the order of equal positions is not specified
          }
          Executor executor = choices.get(random.nextInt(choices.size()));
          CompletableFuture<Void> f = tracker.when(position, executor);
          if (position < durable) {
            assertTrue(f.isDone(), "seed " + seed + ": " + position + " below " + durable);
            continue;
          }
          Executor key = executor;
          f.thenRun(() -> completed.computeIfAbsent(key, k -> new ArrayList<>()).add(position));
          waiting.add(new Object[] {position, executor, f});
        } else {
          durable += random.nextInt(12);
          long below = durable;
          List<Object[]> due = new ArrayList<>();
          waiting.removeIf(
              w -> {
                if ((long) w[0] < below) {
                  due.add(w);
                  return true;
                }
                return false;
              });
          due.sort(Comparator.comparingLong(w -> (long) w[0]));
          Map<Executor, Integer> runs = new HashMap<>();
          Map<Executor, List<Long>> expected = new HashMap<>();
          for (int i = 0; i < due.size(); i++) {
            Executor e = (Executor) due.get(i)[1];
            if (i == 0 || due.get(i - 1)[1] != e) {
              runs.merge(e, 1, Integer::sum);
            }
            expected.computeIfAbsent(e, k -> new ArrayList<>()).add((long) due.get(i)[0]);
          }
          tracker.advance(durable);
          String at = "seed " + seed + " step " + step;
          assertEquals(runs.getOrDefault(a, 0), tasksA.size(), at + ": tasks on a");
          assertEquals(runs.getOrDefault(b, 0), tasksB.size(), at + ": tasks on b");
          assertEquals(expected.get(null), completed.remove(null), at + ": completed inline");
          for (Object[] w : due) {
            boolean inline = w[1] == null;
            assertEquals(inline, ((CompletableFuture<?>) w[2]).isDone(), at + ": " + w[0]);
          }
          tasksB.forEach(Runnable::run);
          tasksA.forEach(Runnable::run);
          tasksA.clear();
          tasksB.clear();
          assertEquals(expected.get(a), completed.remove(a), at + ": completed on a");
          assertEquals(expected.get(b), completed.remove(b), at + ": completed on b");
        }
      }
    }
  }

  @Test
  void shouldCompleteOnTheCommitThreadWhenTheExecutorRefusesAndFailThroughTheExecutor() {
    DurabilityTracker tracker = new DurabilityTracker("shard 0", 0);
    Executor refusing =
        task -> {
          throw new RejectedExecutionException("closed");
        };
    CompletableFuture<Void> refused = tracker.when(3, refusing);
    tracker.advance(4);
    assertTrue(refused.isDone() && !refused.isCompletedExceptionally(), refused.toString());

    List<Runnable> tasks = new ArrayList<>();
    Executor queue = tasks::add;
    CompletableFuture<Void> first = tracker.when(6, queue);
    CompletableFuture<Void> second = tracker.when(7, queue);
    tracker.terminate(new StorageException("disk gone", null));
    assertFalse(first.isDone() || second.isDone(), "failed only by the executor's task");
    assertEquals(1, tasks.size(), "one task for both");
    tasks.get(0).run();
    for (CompletableFuture<Void> f : List.of(first, second)) {
      ExecutionException e =
          org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, f::get);
      assertTrue(e.getCause() instanceof StorageException, e.toString());
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
