package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
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
    final List<long[]> stored = new ArrayList<>();
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
      if (failAppend != null) {
        throw failAppend;
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
  void shouldAnswerARetryOfAWriteStillAppendingWithTheFirstAttemptsTicket() {
    SessionSeq seq = new SessionSeq(SESSION, 1, 1);
    List<CompletableFuture<SignalAck>> retry = new ArrayList<>();
    shard.duringAppend = () -> retry.add(writes.write(signal, 1, 3, 200, Durability.LOCAL, seq));
    writes.write(signal, 1, 3, 100, Durability.LOCAL, seq);
    assertEquals(1, shard.appends, "the retry appended nothing");
    assertTrue(retry.get(0).isDone(), "answered once the first append returned");
    assertEquals(2, shard.stored.size());
    for (long[] s : shard.stored) {
      assertEquals(SignalTickets.ticket(1, 0), s[0]);
      assertEquals(100, s[1], "the first attempt's HLC");
    }
    assertThrows(
        InvalidArgumentException.class,
        () -> writes.write(signal(2.0), 1, 3, 300, Durability.LOCAL, seq),
        "another payload under the seq still in flight");
  }

  @Test
  void shouldFailARetryWaitingOnAnAppendThatStoredNothingAndAppendTheNextAttempt() {
    SessionSeq seq = new SessionSeq(SESSION, 1, 1);
    List<CompletableFuture<SignalAck>> retry = new ArrayList<>();
    shard.failAppend = new StorageException("disk full");
    shard.duringAppend = () -> retry.add(writes.write(signal, 0, 3, 200, Durability.LOCAL, seq));
    assertThrows(
        StorageException.class, () -> writes.write(signal, 0, 3, 100, Durability.LOCAL, seq));
    CompletionException e = assertThrows(CompletionException.class, () -> retry.get(0).join());
    assertSame(shard.failAppend, e.getCause());
    assertEquals(0, writes.inFlight(0));
    shard.failAppend = null;
    writes.write(signal, 0, 3, 300, Durability.LOCAL, seq);
    assertEquals(2, shard.appends, "the failed attempt stored nothing: the next one appends");
    assertEquals(1, writes.inFlight(0));
  }

  @Test
  void shouldAnswerARetryWaitingOnAnAppendWhenTheShardIsForgottenMeanwhile() {
    SessionSeq seq = new SessionSeq(SESSION, 1, 1);
    List<CompletableFuture<SignalAck>> retry = new ArrayList<>();
    shard.duringAppend =
        () -> {
          retry.add(writes.write(signal, 1, 3, 200, Durability.LOCAL, seq));
          writes.forget(1); // a cut of the shard's log while the append runs
        };
    writes.write(signal, 1, 3, 100, Durability.LOCAL, seq);
    assertTrue(retry.get(0).isDone(), "the waiting retry is answered");
    assertEquals(SignalTickets.ticket(1, 0), shard.stored.get(1)[0]);
    assertEquals(0, writes.inFlight(1), "forgotten: the rebuilt table decides");
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

  private static Signal signal(double weight) {
    return new Signal(ACME, VIEW, EntityId.of(42), weight, Timestamp.ofMillis(1_700_000_000_000L));
  }
}
