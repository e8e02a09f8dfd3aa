package io.tidaldb.wal;

import io.tidaldb.api.StorageException;
import io.tidaldb.api.TidalException;
import io.tidaldb.api.UnavailableException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A shard's durable position and the threads and futures waiting for it. The commit thread advances
 * it after each batch; blocked callers wait on a condition with a deadline (no spinning) and
 * futures are completed in position order, outside the lock. Once terminated (failure or close)
 * every current and later waiter below the durable position is failed.
 *
 * <p>Futures usually register in position order (a shard's appends are ordered and each writer
 * waits right after its append), so they go to a FIFO and {@link #advance} takes the due ones off
 * its head, O(1) each, under the lock the writers' {@link #when} contends for; one registered below
 * the newest waiting position (a retry of an older write, a late caller) goes to a priority queue
 * beside it. The priority queue for all of them held the commit thread in the lock for a sift per
 * completed future, and the writer waited on that lock for a fifth of its time at window 1,024
 * (bench/RESULTS.md §17.7).
 *
 * <p>A future may name the executor to complete it on ({@link #when(long, Executor)}): the futures
 * one {@link #advance} (or {@link #terminate}) makes due are then handed to it as one task per run
 * of consecutive futures with the same executor, in position order, so a caller that needs its
 * continuations off the commit thread pays one hand-off per commit instead of one per record (a
 * {@code thenApplyAsync} per future cost the commit thread a queue lock and often a futex wake per
 * record, and the receiving thread a queue take; batched, a plain durable write costs 3-5 % less
 * CPU, bench/RESULTS.md §30). If the executor refuses the task, the futures complete on the calling
 * thread.
 */
final class DurabilityTracker {
  /** A waiting future; {@code executor} null: completed on the thread that makes it due. */
  private record Waiter(long position, CompletableFuture<Void> future, Executor executor) {}

  private final String name; // how messages name the log: "shard 3", "local log of shard 3"
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition advanced = lock.newCondition();
  private static final Comparator<Waiter> BY_POSITION = Comparator.comparingLong(Waiter::position);

  /** Waiters in non-decreasing position order (the usual case). */
  private final ArrayDeque<Waiter> inOrder = new ArrayDeque<>();

  /** Waiters registered below the newest waiting position of {@link #inOrder}. */
  private final PriorityQueue<Waiter> outOfOrder = new PriorityQueue<>(BY_POSITION);

  private final List<Waiter> due = new ArrayList<>();
  private volatile long durable;
  private volatile TidalException terminal;
  private int sleepers;

  DurabilityTracker(String name, long durable) {
    this.name = name;
    this.durable = durable;
  }

  long durable() {
    return durable;
  }

  void await(long position, long timeoutNanos) {
    if (position < durable) {
      return;
    }
    lock.lock();
    sleepers++;
    try {
      long nanos = timeoutNanos;
      while (position >= durable) {
        if (terminal != null) {
          throw copy(terminal);
        }
        if (nanos <= 0) {
          throw new UnavailableException(
              name
                  + ": position "
                  + position
                  + " not durable within "
                  + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
                  + " ms (durable below "
                  + durable
                  + ")");
        }
        nanos = advanced.awaitNanos(nanos);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException(name + ": interrupted waiting for position " + position, e);
    } finally {
      sleepers--;
      lock.unlock();
    }
  }

  CompletableFuture<Void> when(long position) {
    return when(position, null);
  }

  /**
   * Returns a future completed once {@code position} is durable (already complete if it is), failed
   * once the tracker terminates first; a future not yet complete is completed by a task on {@code
   * executor} (null: on the commit thread), batched with the others due at the same time.
   */
  CompletableFuture<Void> when(long position, Executor executor) {
    if (position < durable) {
      return CompletableFuture.completedFuture(null);
    }
    lock.lock();
    try {
      if (position < durable) {
        return CompletableFuture.completedFuture(null);
      }
      if (terminal != null) {
        return CompletableFuture.failedFuture(copy(terminal));
      }
      Waiter waiter = new Waiter(position, new CompletableFuture<>(), executor);
      Waiter newest = inOrder.peekLast();
      if (newest == null || newest.position() <= position) {
        inOrder.addLast(waiter);
      } else {
        outOfOrder.add(waiter);
      }
      return waiter.future();
    } finally {
      lock.unlock();
    }
  }

  /** Called by the commit thread only. */
  void advance(long newDurable) {
    lock.lock();
    try {
      durable = newDurable;
      if (sleepers > 0) {
        advanced.signalAll();
      }
      while (!inOrder.isEmpty() && inOrder.peekFirst().position() < newDurable) {
        due.add(inOrder.pollFirst());
      }
      if (!outOfOrder.isEmpty() && outOfOrder.peek().position() < newDurable) {
        boolean merge = !due.isEmpty();
        while (!outOfOrder.isEmpty() && outOfOrder.peek().position() < newDurable) {
          due.add(outOfOrder.poll());
        }
        if (merge) {
          due.sort(BY_POSITION); // two sorted runs: the futures still complete in order
        }
      }
    } finally {
      lock.unlock();
    }
    if (!due.isEmpty()) {
      complete(due, null);
      due.clear();
    }
  }

  /**
   * Moves the durable position back to {@code position} after {@code truncateFrom} removed the
   * records above it, or to any {@code position} after {@code resetTo}. Called with the commit
   * thread idle and nothing pending, so no waiter is registered above the durable position.
   */
  void rewind(long position) {
    lock.lock();
    try {
      durable = position;
    } finally {
      lock.unlock();
    }
  }

  /** Fails every waiter not yet durable, now and from now on; the first reason wins. */
  void terminate(TidalException reason) {
    List<Waiter> failed = new ArrayList<>();
    lock.lock();
    try {
      if (terminal == null) {
        terminal = reason;
      }
      failed.addAll(inOrder);
      failed.addAll(outOfOrder);
      inOrder.clear();
      outOfOrder.clear();
      advanced.signalAll();
    } finally {
      lock.unlock();
    }
    failed.sort(BY_POSITION);
    complete(failed, terminal);
  }

  /**
   * Completes {@code waiters} (in position order) normally, or exceptionally with a copy of {@code
   * failure}: those without an executor here, each run of consecutive ones with the same executor
   * by one task on it.
   */
  private static void complete(List<Waiter> waiters, TidalException failure) {
    int n = waiters.size();
    int i = 0;
    while (i < n) {
      Executor executor = waiters.get(i).executor();
      int end = i + 1;
      while (end < n && waiters.get(end).executor() == executor) {
        end++;
      }
      if (executor == null) {
        for (int k = i; k < end; k++) {
          complete(waiters.get(k), failure);
        }
      } else {
        Waiter[] batch = waiters.subList(i, end).toArray(new Waiter[0]);
        Runnable task =
            () -> {
              for (Waiter w : batch) {
                complete(w, failure);
              }
            };
        try {
          executor.execute(task);
        } catch (RejectedExecutionException e) {
          task.run();
        }
      }
      i = end;
    }
  }

  private static void complete(Waiter w, TidalException failure) {
    if (failure == null) {
      w.future().complete(null);
    } else {
      w.future().completeExceptionally(copy(failure));
    }
  }

  private static TidalException copy(TidalException reason) {
    if (reason instanceof StorageException) {
      return new StorageException(reason.getMessage(), reason.getCause());
    }
    return new UnavailableException(reason.getMessage(), reason.getCause());
  }
}
