package io.tidaldb.store;

import static io.tidaldb.api.Durability.LOCAL;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalTickets;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.session.table.Decision;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@link SessionWrites} against a scripted shard (every check NEW, appends at positions 0, 1, 2,
 * ... run on the caller's thread, a hook inside the append to make a retry or a cut happen while it
 * runs): a retry of a write still appending waits and gets the first attempt's ticket, or its
 * failure; a cut while appending still answers the waiting retry; an owner write allocates nothing.
 */
class SessionWritesTest {
  private static final TenantId ACME = TenantId.of("acme");
  private static final SignalType VIEW = SignalType.of("view");
  private static final long SESSION = 0x5e55L;
  private static final CompletableFuture<SignalAck> STORED =
      CompletableFuture.completedFuture(null);

  /** The scripted shard. */
  private static final class Shard implements SessionWrites.Shards {
    long nextPosition;
    long appliedBelow;
    int appends;
    Runnable duringAppend;
    RuntimeException failAppend;
    final List<long[]> stored = Collections.synchronizedList(new ArrayList<>());
    boolean record = true;

    @Override
    public Decision check(int shard, TenantId tenant, SessionSeq seq, int payloadHash) {
      return Decision.NEW;
    }

    @Override
    public long appliedBelow(int shard) {
      return appliedBelow;
    }

    @Override
    public long append(
        Signal signal,
        int shard,
        long epoch,
        long hlc,
        SessionSeq seq,
        int payloadHash,
        Durability level) {
      appends++;
      Runnable hook = duringAppend;
      duringAppend = null;
      if (hook != null) {
        hook.run();
      }
      RuntimeException fail = failAppend; // fails one append
      failAppend = null;
      if (fail != null) {
        throw fail;
      }
      return SignalTickets.ticket(shard, nextPosition++);
    }

    @Override
    public CompletableFuture<SignalAck> stored(long ticket, long hlc, Durability level) {
      if (record) {
        stored.add(new long[] {ticket, hlc});
      }
      return STORED;
    }
  }

  private final Shard shard = new Shard();
  private final SessionWrites writes = new SessionWrites(shard, 2);
  private final Signal signal =
      new Signal(ACME, VIEW, EntityId.of(42), 1.0, Timestamp.ofMillis(1_700_000_000_000L));

  @Test
  void shouldAnswerARetryOfAWriteStillAppendingWithTheFirstAttemptsTicket() throws Exception {
    SessionSeq seq = new SessionSeq(SESSION, 1, 1);
    AtomicReference<CompletableFuture<SignalAck>> retry = new AtomicReference<>();
    Thread retrying = new Thread(() -> retry.set(writes.write(signal, 1, 3, 200, LOCAL, seq)));
    shard.duringAppend = () -> startBlocked(retrying);
    writes.write(signal, 1, 3, 100, LOCAL, seq);
    retrying.join(TimeUnit.SECONDS.toMillis(30));
    assertEquals(1, shard.appends, "the retry appended nothing");
    assertTrue(retry.get().isDone(), "answered once the first append returned");
    assertEquals(2, shard.stored.size());
    for (long[] s : shard.stored) {
      assertEquals(SignalTickets.ticket(1, 0), s[0]);
      assertEquals(100, s[1], "the first attempt's HLC");
    }
    assertThrows(
        InvalidArgumentException.class,
        () -> writes.write(signal(2.0), 1, 3, 300, LOCAL, seq),
        "another payload under the seq still in flight");
  }

  @Test
  void shouldLetARetryWaitingOnAnAppendThatStoredNothingAppendItself() throws Exception {
    SessionSeq seq = new SessionSeq(SESSION, 1, 1);
    AtomicReference<CompletableFuture<SignalAck>> retry = new AtomicReference<>();
    Thread retrying = new Thread(() -> retry.set(writes.write(signal, 0, 3, 200, LOCAL, seq)));
    shard.failAppend = new StorageException("disk full");
    shard.duringAppend = () -> startBlocked(retrying);
    StorageException e =
        assertThrows(StorageException.class, () -> writes.write(signal, 0, 3, 100, LOCAL, seq));
    retrying.join(TimeUnit.SECONDS.toMillis(30));
    assertEquals("disk full", e.getMessage());
    assertTrue(retry.get().isDone(), "the retry found nothing in flight and appended");
    assertEquals(2, shard.appends, "the failed attempt stored nothing: the retry appends");
    assertEquals(1, shard.stored.size());
    assertEquals(SignalTickets.ticket(0, 0), shard.stored.get(0)[0]);
    assertEquals(200, shard.stored.get(0)[1], "the retry's own HLC");
    assertEquals(1, writes.inFlight(0));
  }

  @Test
  void shouldLeaveAWriteAppendedAcrossAForgetToTheTableInTheNextEpoch() throws Exception {
    SessionSeq seq = new SessionSeq(SESSION, 1, 1);
    AtomicReference<CompletableFuture<SignalAck>> retry = new AtomicReference<>();
    Thread retrying = new Thread(() -> retry.set(writes.write(signal, 1, 3, 200, LOCAL, seq)));
    shard.duringAppend =
        () -> {
          startBlocked(retrying);
          writes.forget(1); // a cut of the shard's log while the append runs
        };
    writes.write(signal, 1, 3, 100, LOCAL, seq);
    retrying.join(TimeUnit.SECONDS.toMillis(30));
    assertTrue(retry.get().isDone(), "the waiting retry is answered");
    assertEquals(SignalTickets.ticket(1, 0), shard.stored.get(1)[0]);
    assertEquals(1, shard.appends);
    writes.write(signal, 1, 4, 300, LOCAL, seq); // the cut's epoch passed: the table decides (NEW)
    assertEquals(2, shard.appends, "an entry of another epoch is dropped when met");
    assertEquals(1, writes.inFlight(1));
  }

  @Test
  void shouldDropAppliedWritesAndKeepThoseNotApplied() {
    int count = 1024; // sweeps run meanwhile (InFlightWrites.sweepDue); none after the last
    for (long s = 1; s <= count; s++) {
      writes.write(signal, 0, 3, s, Durability.LOCAL, new SessionSeq(SESSION, s, s));
      if (s == 100) {
        shard.appliedBelow = 100; // positions 0..99 applied
      }
    }
    assertEquals(count - 100, writes.inFlight(0));
    shard.appliedBelow = count; // the rest applied, not swept yet
    writes.write(signal, 0, 3, 5_000, Durability.LOCAL, new SessionSeq(SESSION, 1_000, 1_000));
    assertEquals(count + 1, shard.appends, "applied: the table decides (NEW)");
    assertEquals(count - 100, writes.inFlight(0), "one dropped, one added");
  }

  @Test
  void shouldNotAllocateWhenWritingNewSeqs() {
    java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean);
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
    Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported());
    shard.record = false;
    int n = 20_000;
    SessionSeq[] seqs = new SessionSeq[n];
    long thread = Thread.currentThread().getId();
    long allocated = Long.MAX_VALUE;
    long next = 1;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (allocated >= 1_024 && System.nanoTime() < deadline) {
      for (int k = 0; k < n; k++) {
        seqs[k] = new SessionSeq(SESSION, next + k, Math.max(1, next + k - 64));
      }
      long before = threads.getThreadAllocatedBytes(thread);
      for (int k = 0; k < n; k++) {
        writes.write(signal, 0, 3, next + k, Durability.LOCAL, seqs[k]);
        shard.appliedBelow = shard.nextPosition - 64; // the commit thread trails by 64 records
      }
      allocated = threads.getThreadAllocatedBytes(thread) - before;
      next += n;
    }
    assertTrue(allocated < 1_024, "allocated " + allocated + " bytes for " + n + " writes");
  }

  /**
   * Starts {@code t} and returns once it waits on a monitor (the shard's, held by the caller's
   * append); its write continues when the append returns.
   */
  private static void startBlocked(Thread t) {
    t.start();
    await().atMost(30, TimeUnit.SECONDS).until(() -> t.getState() == Thread.State.BLOCKED);
  }

  private static Signal signal(double weight) {
    return new Signal(ACME, VIEW, EntityId.of(42), weight, Timestamp.ofMillis(1_700_000_000_000L));
  }
}
