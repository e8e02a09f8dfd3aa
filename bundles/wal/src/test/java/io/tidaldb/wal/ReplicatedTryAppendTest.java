package io.tidaldb.wal;

import static io.tidaldb.wal.ReplicaTestSupport.batchesOf;
import static io.tidaldb.wal.ReplicaTestSupport.resealed;
import static io.tidaldb.wal.ShardLogTest.awaitLatch;
import static io.tidaldb.wal.WalTestSupport.WAIT_NANOS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.wal.ShardLog;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link ShardLog#tryAppendReplicated}, back-pressure as a return value for a thread that must
 * never wait: while a replicated batch is pending for the commit thread it returns {@link
 * ShardLog#BUSY} at once; the durability listener wakes the caller once that buffer is swapped out,
 * so a retry keeps the double buffering; and it refuses what {@link ShardLog#appendReplicated}
 * refuses, in the same order, never answering {@code BUSY} instead of a refusal.
 */
class ReplicatedTryAppendTest {
  /** The append timeout: far longer than any bound below, so a wait would show. */
  private static final long APPEND_TIMEOUT_MILLIS = 60_000;

  /** How long a call that must not wait may take at most (a generous floor). */
  private static final Duration AT_ONCE = Duration.ofSeconds(5);

  @TempDir Path dir;
  private List<ByteBuffer> shipped; // five batches of epoch 4: [0,5) [5,10) [10,15) [15,20) [20,25)
  private WalEngine followerWal;
  private ShardLog follower;

  /** What the commit thread did, in order: "commit <first position>" and "wake <durable>". */
  private final BlockingQueue<String> events = new LinkedBlockingQueue<>();

  /** Batches whose commit listener waits for the latch (so the commit thread holds them). */
  private final Map<Long, CountDownLatch> holds = new ConcurrentHashMap<>();

  private volatile long failAt = -1;

  /** Both ways of appending a replicated batch: their refusals must be the same. */
  enum Append {
    WAITING {
      @Override
      long to(ShardLog log, ByteBuffer batch) {
        return log.appendReplicated(batch);
      }
    },
    TRYING {
      @Override
      long to(ShardLog log, ByteBuffer batch) {
        return log.tryAppendReplicated(batch);
      }
    };

    abstract long to(ShardLog log, ByteBuffer batch);
  }

  @BeforeEach
  void openFollower() {
    shipped = ReplicaTestSupport.leaderBatches(dir.resolve("leader"), 5, 5, 4);
    assertEquals(5, shipped.size());
    followerWal =
        WalEngine.open(
            WalTestSupport.small(dir.resolve("follower"))
                .appendTimeoutMillis(APPEND_TIMEOUT_MILLIS)
                .build());
    follower = followerWal.shard(0);
    follower.setCommitListener(
        b -> {
          long first = b.firstPosition();
          events.add("commit " + first);
          CountDownLatch hold = holds.get(first);
          if (hold != null) {
            awaitLatch(hold);
          }
          if (first == failAt) {
            throw new IllegalStateException("boom at " + first);
          }
        });
    follower.setDurabilityListener(durable -> events.add("wake " + durable));
  }

  @AfterEach
  void close() {
    holds.values().forEach(CountDownLatch::countDown);
    followerWal.close();
  }

  private ByteBuffer batch(int index) {
    return shipped.get(index).duplicate();
  }

  /** Makes the commit thread hold the batch at {@code firstPosition} until the latch is counted. */
  private CountDownLatch hold(long firstPosition) {
    CountDownLatch release = new CountDownLatch(1);
    holds.put(firstPosition, release);
    return release;
  }

  private String next() throws InterruptedException {
    String event = events.poll(10, TimeUnit.SECONDS);
    assertNotNull(event, "no commit-thread event within 10 s");
    return event;
  }

  private long tryAtOnce(ByteBuffer batch) {
    return assertTimeoutPreemptively(AT_ONCE, () -> follower.tryAppendReplicated(batch));
  }

  /** Appends [0,5), held by the commit thread, and [5,10), pending behind it. */
  private CountDownLatch holdFirstAndPendSecond(Append append) throws InterruptedException {
    CountDownLatch release = hold(0);
    assertEquals(5, append.to(follower, batch(0)));
    assertEquals("commit 0", next());
    assertEquals(10, append.to(follower, batch(1)));
    return release;
  }

  @Test
  void shouldReturnBusyAtOnceWhileAReplicatedBatchIsPendingAndLeaveBatchAndLogUnchanged()
      throws Exception {
    CountDownLatch release = holdFirstAndPendSecond(Append.TRYING);
    ByteBuffer third = batch(2);
    int position = third.position();

    for (int i = 0; i < 3; i++) {
      assertEquals(ShardLog.BUSY, tryAtOnce(third), "refusal " + i);
    }

    assertEquals(position, third.position(), "the caller's buffer is left as it was");
    assertEquals(10, follower.nextPosition());
    assertEquals(0, follower.durablePosition());
    assertEquals(0, followerWal.metrics().appendTimeouts(), "nothing waited");
    assertTrue(events.isEmpty(), "no wake-up while the buffer is still pending: " + events);
    release.countDown();
    follower.awaitDurable(9, WAIT_NANOS);
    assertEquals(15, tryAtOnce(third));
    follower.awaitDurable(14, WAIT_NANOS);
    assertEquals(shipped.subList(0, 3), batchesOf(follower, 0), "continuous, byte for byte");
  }

  @Test
  void shouldWakeTheDurabilityListenerOnceThePendingBufferIsSwappedOutSoARetryKeepsDoubleBuffering()
      throws Exception {
    CountDownLatch releaseFirst = holdFirstAndPendSecond(Append.TRYING);
    CountDownLatch releaseSecond = hold(5);
    assertEquals(ShardLog.BUSY, tryAtOnce(batch(2)));
    assertEquals(ShardLog.BUSY, tryAtOnce(batch(2)), "two refusals of one pending batch");

    releaseFirst.countDown();

    assertEquals("wake 5", next(), "[0,5) is durable: the wake-up of every durable advance");
    assertEquals("wake 5", next(), "[5,10) swapped out: the room wake-up, one for both refusals");
    assertEquals("commit 5", next(), "the commit thread now holds [5,10)");
    assertEquals(15, tryAtOnce(batch(2)), "the retry on the wake-up succeeds");
    assertEquals(5, follower.durablePosition(), "while [5,10) is still being committed");
    releaseSecond.countDown();
    assertEquals("wake 10", next());
    assertEquals("commit 10", next());
    assertEquals("wake 15", next(), "no room wake-up when nothing was refused");
    follower.awaitDurable(14, WAIT_NANOS);
    assertEquals(shipped.subList(0, 3), batchesOf(follower, 0), "continuous, byte for byte");
    assertEquals(3, followerWal.metrics().replicatedTriggers());
    assertTrue(events.isEmpty(), "nothing more: " + events);
  }

  @Test
  void shouldSayThereIsNoRoomWithoutLookingAtABatchAndWakeTheCallerOnceTheBufferIsSwappedOut()
      throws Exception {
    assertTrue(follower.roomForReplicated(), "an empty log has room");
    CountDownLatch releaseFirst = holdFirstAndPendSecond(Append.TRYING);
    CountDownLatch releaseSecond = hold(5);
    assertFalse(follower.roomForReplicated(), "[5,10) is pending behind the held commit");

    releaseFirst.countDown();

    assertEquals("wake 5", next(), "[0,5) is durable");
    assertEquals("wake 5", next(), "[5,10) swapped out: the room wake-up, as after BUSY");
    assertEquals("commit 5", next());
    assertTrue(follower.roomForReplicated(), "room while [5,10) is being committed");
    assertEquals(15, tryAtOnce(batch(2)));
    releaseSecond.countDown();
    follower.awaitDurable(14, WAIT_NANOS);
    assertEquals(shipped.subList(0, 3), batchesOf(follower, 0));
  }

  @ParameterizedTest
  @EnumSource(Append.class)
  void shouldRefuseAGapOrADuplicateAtOnceEvenWhileABatchIsPending(Append append) throws Exception {
    holdFirstAndPendSecond(append);

    InvalidArgumentException gap =
        assertThrows(InvalidArgumentException.class, () -> atOnce(append, batch(3)));
    InvalidArgumentException duplicate =
        assertThrows(InvalidArgumentException.class, () -> atOnce(append, batch(0)));

    assertNames(gap, "gap", "expects a batch at position 10", "got one at 15");
    assertNames(duplicate, "duplicate", "expects a batch at position 10", "got one at 0");
    assertEquals(10, follower.nextPosition());
  }

  @ParameterizedTest
  @EnumSource(Append.class)
  void shouldRefuseAnEpochBelowTheLastRecordsAtOnceEvenWhileABatchIsPending(Append append)
      throws Exception {
    holdFirstAndPendSecond(append);
    follower.advanceEpoch(9);
    ByteBuffer stale = resealed(batch(2), b -> b.putLong(BatchDescriptor.EPOCH_OFFSET, 3));

    InvalidArgumentException e =
        assertThrows(InvalidArgumentException.class, () -> atOnce(append, stale));

    assertNames(e, "stale", "has epoch 4", "carries epoch 3");
    assertEquals(10, follower.nextPosition());
  }

  @ParameterizedTest
  @EnumSource(Append.class)
  void shouldRefuseAMalformedBatchAtOnceEvenWhileABatchIsPending(Append append) throws Exception {
    holdFirstAndPendSecond(append);
    ByteBuffer other = resealed(batch(2), b -> b.putInt(BatchDescriptor.SHARD_OFFSET, 5));

    InvalidArgumentException e =
        assertThrows(InvalidArgumentException.class, () -> atOnce(append, other));

    assertNames(e, "belongs to shard 5, not 0");
    assertEquals(10, follower.nextPosition());
  }

  @ParameterizedTest
  @EnumSource(Append.class)
  void shouldRefuseABatchWhileLocalAppendsArePending(Append append) throws Exception {
    hold(0);
    assertEquals(0, follower.appendSignal(1, 2, 3.0, 4, 5, 0));
    assertEquals("commit 0", next());
    assertEquals(1, follower.appendSignal(1, 2, 3.0, 4, 5, 0)); // pending behind the held one
    ByteBuffer atNext =
        resealed(batch(0), b -> b.putLong(BatchDescriptor.FIRST_POSITION_OFFSET, 2));

    InvalidArgumentException e =
        assertThrows(InvalidArgumentException.class, () -> atOnce(append, atNext));

    assertNames(e, "2 local records pending", "durable below 0", "next position 2");
    assertEquals(2, follower.nextPosition());
  }

  @ParameterizedTest
  @EnumSource(Append.class)
  void shouldRefuseABatchOnAClosedLog(Append append) {
    followerWal.close();

    UnavailableException e =
        assertThrows(UnavailableException.class, () -> atOnce(append, batch(0)));

    assertEquals("wal closed", e.getMessage());
  }

  @ParameterizedTest
  @EnumSource(Append.class)
  void shouldThrowNotBusyOnceTheLogStoppedWithABatchPending(Append append) throws Exception {
    failAt = 0;
    CountDownLatch release = holdFirstAndPendSecond(append);
    release.countDown();
    assertThrows(StorageException.class, () -> follower.awaitDurable(4, WAIT_NANOS));

    UnavailableException e =
        assertThrows(UnavailableException.class, () -> atOnce(append, batch(2)));

    assertNames(e, "log stopped", "boom at 0");
    assertTrue(follower.failure().isPresent());
    assertEquals(10, follower.nextPosition(), "[5,10) stays pending, never committed");
  }

  private long atOnce(Append append, ByteBuffer batch) {
    return assertTimeoutPreemptively(AT_ONCE, () -> append.to(follower, batch));
  }

  private static void assertNames(RuntimeException e, String... fragments) {
    for (String fragment : fragments) {
      assertTrue(e.getMessage().contains(fragment), e.getMessage() + " names " + fragment);
    }
  }
}
