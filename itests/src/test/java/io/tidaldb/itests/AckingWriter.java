package io.tidaldb.itests;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.util.tracker.ServiceTracker;

/**
 * A writer thread that keeps calling {@link SignalStore#signal} on whatever store the tracker holds
 * at that moment, one unique entity per call, and records what was acknowledged. Each call is
 * bounded: a call that does not return within {@link #CALL_BOUND_MILLIS} is recorded as hung and
 * ends the writer. The only failure a call may report is {@link UnavailableException}. It also
 * records when a call started after a {@linkplain #mark(long) mark} was first acknowledged.
 */
final class AckingWriter implements AutoCloseable {
  /** Longest a single call may take. */
  static final long CALL_BOUND_MILLIS = 10_000;

  /** The signal type every call writes. */
  static final SignalType TYPE = SignalType.of("restart");

  private final ServiceTracker<SignalStore, SignalStore> stores;
  private final ExecutorService caller =
      Executors.newSingleThreadExecutor(r -> new Thread(r, "it-signal-caller"));
  private final Thread thread;
  private final Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
  private final AtomicLong attempted = new AtomicLong();
  private final AtomicLong unavailable = new AtomicLong();
  private final AtomicLong noService = new AtomicLong();
  private final List<String> problems = new CopyOnWriteArrayList<>();
  private final AtomicLong firstAckAfterMark = new AtomicLong(Long.MAX_VALUE);
  private final long firstEntity;
  private final Durability durability;
  private long markNanos;
  private boolean marked;
  private volatile boolean stopping;

  /**
   * Starts writing.
   *
   * @param stores the tracker to take the current store from before every call
   * @param firstEntity the entity of the first call; each call takes the next one
   */
  AckingWriter(ServiceTracker<SignalStore, SignalStore> stores, long firstEntity) {
    this(stores, firstEntity, Durability.LOCAL);
  }

  /**
   * Starts writing at a durability level.
   *
   * @param stores the tracker to take the current store from before every call
   * @param firstEntity the entity of the first call; each call takes the next one
   * @param durability the level every call waits for
   */
  AckingWriter(
      ServiceTracker<SignalStore, SignalStore> stores, long firstEntity, Durability durability) {
    this.stores = stores;
    this.firstEntity = firstEntity;
    this.durability = durability;
    this.attempted.set(firstEntity - 1);
    this.thread = new Thread(this::run, "it-acking-writer-" + firstEntity);
    thread.start();
  }

  private void run() {
    try {
      write();
    } finally {
      // Only this thread submits to the caller, so shutting it down here (and not in close())
      // cannot reject a call submitted just after close() set the flag.
      caller.shutdown();
    }
  }

  private void write() {
    long entity = firstEntity - 1;
    while (!stopping) {
      SignalStore store;
      try {
        store = stores.waitForService(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (store == null) {
        noService.incrementAndGet();
        continue;
      }
      long e = ++entity;
      attempted.set(e);
      long start = System.nanoTime();
      Future<?> call =
          caller.submit(
              () ->
                  store.signal(
                      TenantId.DEFAULT, TYPE, EntityId.of(e), 1.0, Timestamp.now(), durability));
      try {
        call.get(CALL_BOUND_MILLIS, TimeUnit.MILLISECONDS);
        acknowledged.add(e);
        recordAck(start, System.nanoTime());
      } catch (ExecutionException ex) {
        if (ex.getCause() instanceof UnavailableException) {
          unavailable.incrementAndGet();
        } else {
          problems.add("entity " + e + ": unexpected " + ex.getCause());
        }
      } catch (TimeoutException ex) {
        problems.add("entity " + e + ": signal() did not return in " + CALL_BOUND_MILLIS + " ms");
        call.cancel(true);
        return;
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * Marks now: {@link #firstAckAfterMark()} then only counts calls started after this one.
   *
   * @param nanos the mark, on {@link System#nanoTime()}
   */
  synchronized void mark(long nanos) {
    firstAckAfterMark.set(Long.MAX_VALUE);
    markNanos = nanos;
    marked = true;
  }

  private synchronized void recordAck(long start, long now) {
    if (marked && start - markNanos > 0) {
      firstAckAfterMark.accumulateAndGet(now, Math::min);
    }
  }

  /**
   * Returns when a call started after the {@link #mark} was first acknowledged.
   *
   * @return the time on {@link System#nanoTime()}, or {@link Long#MAX_VALUE} if none yet
   */
  long firstAckAfterMark() {
    return firstAckAfterMark.get();
  }

  /**
   * Returns how many signals were acknowledged so far.
   *
   * @return the count
   */
  int acknowledgedCount() {
    return acknowledged.size();
  }

  /**
   * Returns how many calls met the gap: an {@link UnavailableException} or no service at all.
   *
   * @return the count
   */
  long gapObservations() {
    return unavailable.get() + noService.get();
  }

  /**
   * Returns the entities acknowledged.
   *
   * @return a snapshot
   */
  Set<Long> acknowledged() {
    return Set.copyOf(acknowledged);
  }

  /**
   * Returns the first entity.
   *
   * @return entities from this one to {@link #attempted()} were attempted
   */
  long firstEntity() {
    return firstEntity;
  }

  /**
   * Returns the highest entity attempted.
   *
   * @return the last entity attempted
   */
  long attempted() {
    return attempted.get();
  }

  /**
   * Returns failures other than {@link UnavailableException}, and hangs.
   *
   * @return descriptions, empty when all is well
   */
  List<String> problems() {
    return List.copyOf(problems);
  }

  /**
   * Returns whether the writer thread has ended.
   *
   * @return true once stopped
   */
  boolean stopped() {
    return !thread.isAlive();
  }

  /**
   * Returns a one-line summary for assertion messages.
   *
   * @return the counters
   */
  String summary() {
    return "attempted="
        + attempted.get()
        + " acknowledged="
        + acknowledged.size()
        + " unavailable="
        + unavailable.get()
        + " noService="
        + noService.get()
        + " problems="
        + problems;
  }

  /**
   * Stops writers and waits until none is inside a call, also after a failure, so that no writer
   * runs into the next test's {@code @After} or {@code @Before}.
   *
   * @param writers the writers
   * @param failure the test's failure, if any: a writer that does not stop is added to it
   * @param deadline how long each writer may take to stop
   */
  static void stopAll(List<AckingWriter> writers, Throwable failure, Duration deadline) {
    writers.forEach(AckingWriter::close);
    for (AckingWriter writer : writers) {
      try {
        Node.waitFor("writer stops", deadline).until(writer::stopped);
      } catch (RuntimeException | Error e) {
        if (failure == null) {
          throw e;
        }
        failure.addSuppressed(e);
      }
    }
  }

  /** Asks the writer to stop after its current call; see {@link #stopped()}. */
  @Override
  public void close() {
    stopping = true;
  }
}
