package io.tidaldb.store;

import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;
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
 * <p>So a thread that has been reading for {@code quantum} since its last yield gives its CPU up
 * once. Usually it yields ({@link Thread#yield()}, one {@code sched_yield}: the CPU goes to a
 * runnable thread of the same core if there is one, and returns at once otherwise). That took the
 * storm's p99 from 10 to 0.5 ms but left a p99.9 of 5.4 ms: a yield does not make a reader leave
 * the run queue, and a woken commit thread could still wait a scheduler tick behind the readers. So
 * when a shard's log has appends waiting and its durable position has not moved since this thread's
 * last quantum (the commit path made no progress for a whole quantum: it is waiting for a CPU, or
 * for the disk), the reader parks instead ({@link LockSupport#parkNanos} of 1 ns: it sleeps for the
 * kernel's timer slack, 50 µs by default) and the CPU goes to whoever needs it. Measured beside the
 * same storm (bench/RESULTS.md §25): commit p99.9 2.3–3.1 ms against 5.3–5.6 ms with yields only,
 * p50 and p99 no worse, the readers' throughput unchanged. Parking on every quantum instead cost
 * the readers 20–38 % and raised the commit p50; parking whenever appends wait (also while the disk
 * syncs them) raised the commit p50 by 80 µs (a core left idle wakes slower).
 *
 * <p>Costs: one {@link System#nanoTime()} and one thread-local lookup per read, and per quantum of
 * reading two volatile reads per shard and one system call (under 1 % at the default 100 µs). A
 * thread that reads now and then, as a request thread does, is never past its quantum while it
 * reads and gives way at most once after an idle stretch. Scylla's task quota and Go's preemption
 * of long-running goroutines are the same idea.
 */
final class ReadQuantum {
  /** What a reader sees of the shards' logs: appended and durable bounds. */
  interface Logs {
    /** Returns the number of shards. */
    int count();

    /** Returns the position the shard's next append will get. */
    long next(int shard);

    /** Returns the shard's durable bound (exclusive). */
    long durable(int shard);
  }

  /** The logs of the store's shards. */
  static Logs of(ShardState[] shards) {
    return new Logs() {
      @Override
      public int count() {
        return shards.length;
      }

      @Override
      public long next(int shard) {
        return shards[shard].log.nextPosition();
      }

      @Override
      public long durable(int shard) {
        return shards[shard].log.durablePosition();
      }
    };
  }

  private static final long NOT_PENDING = -1;

  private final long quantumNanos;
  private final LongSupplier nanoTime;
  private final Logs logs;
  private final Runnable yielder;
  private final Runnable parker;
  // per thread: [0] the last time it gave its CPU up, [1 + shard] the durable bound it saw pending
  private final ThreadLocal<long[]> seen;

  /**
   * @param quantumNanos how long a thread reads before it gives its CPU up once; 0 never does
   * @param logs the shards' logs, watched for a stalled commit
   */
  ReadQuantum(long quantumNanos, Logs logs) {
    this(quantumNanos, System::nanoTime, logs, Thread::yield, () -> LockSupport.parkNanos(1));
  }

  /** As {@link #ReadQuantum(long, Logs)}, with the clock, the yield and the park (tests). */
  ReadQuantum(
      long quantumNanos, LongSupplier nanoTime, Logs logs, Runnable yielder, Runnable parker) {
    this.quantumNanos = quantumNanos;
    this.nanoTime = nanoTime;
    this.logs = logs;
    this.yielder = yielder;
    this.parker = parker;
    long start = nanoTime.getAsLong();
    int shards = logs.count();
    this.seen =
        quantumNanos == 0
            ? null
            : ThreadLocal.withInitial(
                () -> {
                  long[] s = new long[1 + shards];
                  Arrays.fill(s, NOT_PENDING);
                  s[0] = start;
                  return s;
                });
  }

  /** Called at the end of every read: gives this thread's CPU up if its quantum is used up. */
  void spent() {
    if (quantumNanos == 0) {
      return;
    }
    long[] s = seen.get();
    if (nanoTime.getAsLong() - s[0] >= quantumNanos) {
      if (commitStalled(s)) {
        parker.run();
      } else {
        yielder.run();
      }
      s[0] = nanoTime.getAsLong();
    }
  }

  /**
   * Whether a shard's log has appends waiting at the durable bound this thread saw waiting at its
   * last quantum; records what it sees now.
   */
  private boolean commitStalled(long[] s) {
    boolean stalled = false;
    for (int i = 0; i < s.length - 1; i++) {
      long durable = logs.durable(i);
      if (logs.next(i) > durable) {
        stalled |= s[1 + i] == durable;
        s[1 + i] = durable;
      } else {
        s[1 + i] = NOT_PENDING;
      }
    }
    return stalled;
  }
}
