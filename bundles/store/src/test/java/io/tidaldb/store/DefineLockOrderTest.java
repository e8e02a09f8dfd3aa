package io.tidaldb.store;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.router.HashShardRouter;
import io.tidaldb.wal.RecordDescriptor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lock order of a new series' definition against the WAL commit thread: a writer that defines a
 * series while the shard's pending buffer is full waits for room, and the commit thread, which
 * makes that room, first applies the batch it holds, which binds the series it defines.
 */
class DefineLockOrderTest {
  static final long T0 = 1_700_000_000_000L;
  static final int MAX_BATCH_BYTES = 1024;
  static final SignalType VIEW = SignalType.of("view");

  /** A type whose DEFINE does not fit in what a buffer full of signals leaves free. */
  static final SignalType LONG_TYPE = SignalType.of("a_signal_type_whose_define_needs_room");

  @TempDir Path dir;

  @Test
  void shouldDefineASeriesWhileTheCommitThreadAppliesADefineAndTheBufferIsFull() throws Exception {
    try (StoreFixture db =
        new StoreFixture(
            dir,
            b -> b.clock(() -> T0),
            b -> b.maxBatchBytes(MAX_BATCH_BYTES).appendTimeoutMillis(30_000))) {
      HashShardRouter router = new HashShardRouter(StoreFixture.SHARDS);
      long entity = 7;
      ShardState s = db.store.shardState(router.shardOf(TenantId.DEFAULT, entity));
      long start = s.log.nextPosition();

      // Hold the commit: the commit thread will wait for the shard's write lock to apply.
      Lock held = s.lock.readLock();
      held.lock();
      CompletableFuture<Integer> definer;
      try {
        s.registry.define(TenantId.DEFAULT, VIEW, s.log::appendDefine); // a batch of one DEFINE
        await("the commit thread holds the batch with the DEFINE and waits to apply it")
            .atMost(Duration.ofSeconds(10))
            .until(s.lock::hasQueuedThreads);

        // Fill the pending buffer so that the next DEFINE has to wait for room.
        int signals = MAX_BATCH_BYTES / RecordDescriptor.SIGNAL_LENGTH;
        for (int i = 0; i < signals; i++) {
          db.store.submit(TenantId.DEFAULT, VIEW, entity, 1.0, T0);
        }
        int free = MAX_BATCH_BYTES - signals * RecordDescriptor.SIGNAL_LENGTH;
        assertTrue(
            RecordDescriptor.defineLength(TenantId.DEFAULT.name(), LONG_TYPE.name()) > free,
            "the DEFINE must not fit in the " + free + " bytes left");

        Thread[] thread = new Thread[1];
        definer =
            CompletableFuture.supplyAsync(
                () -> {
                  thread[0] = Thread.currentThread();
                  db.store.submit(TenantId.DEFAULT, LONG_TYPE, entity, 1.0, T0);
                  return s.registry.find(TenantId.DEFAULT, LONG_TYPE);
                });
        await("the definer waits for room in the pending buffer")
            .atMost(Duration.ofSeconds(10))
            .until(() -> thread[0] != null && thread[0].getState() == Thread.State.TIMED_WAITING);
      } finally {
        held.unlock(); // the commit thread applies DEFINE view, then makes room
      }

      int id = definer.get(10, TimeUnit.SECONDS); // before the fix: stuck until the append timeout
      assertEquals(1, id);
      long end = start + 1 + MAX_BATCH_BYTES / RecordDescriptor.SIGNAL_LENGTH + 2;
      s.log.awaitDurable(end - 1, TimeUnit.SECONDS.toNanos(10));
      assertEquals(end, s.appliedPosition());
    }
  }
}
