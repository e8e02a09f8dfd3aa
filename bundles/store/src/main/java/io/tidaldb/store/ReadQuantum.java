package io.tidaldb.store;

import java.util.function.LongSupplier;

/**
 * Cooperative yielding for threads that read without pause, so the commit path keeps its CPU.
 *
 * <p>A write's acknowledgement crosses threads: the shard's log thread is woken to append, blocks
 * in {@code fdatasync}, is woken again by the disk and wakes the writer. Each wake-up needs a CPU.
 * When reading threads keep every core busy (four readers looping on two cores), the scheduler lets
 * a running reader finish its slice before the woken thread runs, a few ms for each of those hops:
 * commits measured 10 ms at p99 and 16.8 ms at p99.9 beside such a storm, against 0.3 ms alone
 * (bench/RESULTS.md §18.3). A read costs 0.5–3 µs, so no reader is ever inside the store long
 * enough to be preempted politely; the time slice is the scheduler's only lever.
 *
 * <p>So a thread that has been reading for {@code quantum} since its last yield yields once ({@link
 * Thread#yield()}, one {@code sched_yield}: the CPU goes to a runnable thread of the same core if
 * there is one, and returns at once otherwise). Costs: one {@link System#nanoTime()} and one
 * thread-local lookup per read, and one system call per quantum of reading (under 1 % at the
 * default 100 µs). A thread that reads now and then, as a request thread does, is never past its
 * quantum while it reads and yields at most once after an idle stretch. Scylla's task quota and
 * Go's preemption of long-running goroutines are the same idea.
 */
final class ReadQuantum {
  private final long quantumNanos;
  private final LongSupplier nanoTime;
  private final Runnable yielder;
  private final ThreadLocal<long[]> lastYield;

  /**
   * @param quantumNanos how long a thread reads before it yields once; 0 never yields
   */
  ReadQuantum(long quantumNanos) {
    this(quantumNanos, System::nanoTime, Thread::yield);
  }

  /** As {@link #ReadQuantum(long)}, with the clock and the yield (tests pass their own). */
  ReadQuantum(long quantumNanos, LongSupplier nanoTime, Runnable yielder) {
    this.quantumNanos = quantumNanos;
    this.nanoTime = nanoTime;
    this.yielder = yielder;
    long start = nanoTime.getAsLong();
    this.lastYield = quantumNanos == 0 ? null : ThreadLocal.withInitial(() -> new long[] {start});
  }

  /** Called at the end of every read: yields this thread if its quantum is used up. */
  void spent() {
    if (quantumNanos == 0) {
      return;
    }
    long[] last = lastYield.get();
    if (nanoTime.getAsLong() - last[0] >= quantumNanos) {
      yielder.run();
      last[0] = nanoTime.getAsLong();
    }
  }
}
