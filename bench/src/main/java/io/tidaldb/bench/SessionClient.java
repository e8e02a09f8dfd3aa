package io.tidaldb.bench;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One benchmark writer of the session benchmarks ({@link SessionIngestBenchmark}, {@link
 * SessionSideBySideBenchmark}): its seeded signals ({@link DurableIngest.Draws}), its client
 * session (seqs 1, 2, 3, ..., one per signal) and its futures in flight, at most {@code window} (1
 * to 1,024, a session's window). Each write is sent with a {@link SessionSeq} or without one; both
 * forms allocate the same signal and future, the session form a {@link SessionSeq} more. Not
 * thread-safe: one per writer thread.
 */
final class SessionClient {
  private static final long SEED = 0x5E55_1A6EL;
  private static final long SESSION_BASE = 0x5E55_0000_0000_0000L;

  private final DurableIngest.Draws draws;
  private final CompletableFuture<?>[] futures;
  private final long session;
  private long nextSeq = 1;
  private int next;

  /**
   * @param thread the writer's thread index (its seed and session id, never 0)
   * @param window signals in flight at most, 1 to 1,024
   * @param entityCount distinct entities written to
   * @param now the clock the event times lie within the hour before
   */
  SessionClient(int thread, int window, int entityCount, long now) {
    if (window < 1 || window > 1_024) {
      throw new IllegalArgumentException("window " + window + " must be 1 to 1,024");
    }
    draws = new DurableIngest.Draws(SEED + thread, entityCount, now);
    futures = new CompletableFuture<?>[window];
    session = SESSION_BASE + thread + 1;
  }

  /**
   * Sends one window of signals, every write with {@code ackedBelow} = the window's first seq
   * (every earlier window has settled), then waits for every acknowledgement.
   *
   * @return the signals acknowledged
   * @throws Exception if a write fails or is not acknowledged within the benchmarks' timeout
   */
  int windowAndAwait(SignalStore store, boolean withSession) throws Exception {
    long ackedBelow = nextSeq;
    for (int n = 0; n < futures.length; n++) {
      futures[n] = send(store, withSession, nextSeq++, ackedBelow);
    }
    for (CompletableFuture<?> f : futures) {
      await(f);
    }
    return futures.length;
  }

  /**
   * Waits for the oldest write in flight, if the window is full, then sends the next, whose {@code
   * ackedBelow} is the oldest seq still in flight (a pipelining client, Kafka's {@code
   * max.in.flight}).
   *
   * @return whether a write was acknowledged (the window was full)
   * @throws Exception if a write fails or is not acknowledged within the benchmarks' timeout
   */
  boolean slide(SignalStore store, boolean withSession) throws Exception {
    int slot = (int) (nextSeq % futures.length);
    CompletableFuture<?> oldest = futures[slot];
    if (oldest != null) {
      await(oldest);
    }
    long seq = nextSeq++;
    futures[slot] = send(store, withSession, seq, Math.max(1, seq - futures.length + 1));
    return oldest != null;
  }

  /**
   * {@link #slide} through the product's client, which numbers the seqs and keeps {@code
   * ackedBelow} itself.
   *
   * @return whether a write was acknowledged (the window was full)
   * @throws Exception if a write fails or is not acknowledged within the benchmarks' timeout
   */
  boolean slide(io.tidaldb.session.client.SessionClient product) throws Exception {
    int slot = (int) (nextSeq % futures.length);
    CompletableFuture<?> oldest = futures[slot];
    if (oldest != null) {
      await(oldest);
    }
    nextSeq++;
    futures[slot] = product.signalAsync(nextSignal(), Durability.LOCAL);
    return oldest != null;
  }

  /**
   * The batch form of {@link #slide}: waits for the oldest batch in flight, if {@code window /
   * batch} (at least one) are, then sends the next {@code batch} signals as one batch ({@link
   * SignalStore#signalBatchAsync}, the public api 1.9 method), with one {@link SessionSeq} for the
   * batch or without; the store splits it into one part per shard.
   *
   * @return whether a batch was acknowledged (the window was full)
   * @throws Exception if a batch fails or is not acknowledged within the benchmarks' timeout
   */
  boolean slideBatch(SignalStore store, boolean withSession, int batch) throws Exception {
    int inFlight = Math.max(1, futures.length / batch);
    int slot = (int) (nextSeq % inFlight);
    CompletableFuture<?> oldest = futures[slot];
    if (oldest != null) {
      Object acks = oldest.get(Stores.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (!(acks instanceof List<?> list) || list.isEmpty()) {
        throw new IllegalStateException("not a batch's acknowledgements: " + acks);
      }
    }
    long seq = nextSeq++;
    List<Signal> signals = new ArrayList<>(batch);
    for (int n = 0; n < batch; n++) {
      signals.add(nextSignal());
    }
    futures[slot] =
        withSession
            ? store.signalBatchAsync(
                signals,
                Durability.LOCAL,
                new SessionSeq(session, seq, Math.max(1, seq - inFlight + 1)))
            : store.signalBatchAsync(signals, Durability.LOCAL);
    return oldest != null;
  }

  private Signal nextSignal() {
    int i = next++ & (DurableIngest.DRAWS - 1);
    return new Signal(
        Stores.TENANT,
        Stores.VIEW,
        EntityId.of(draws.entities[i]),
        draws.weights[i],
        Timestamp.ofMillis(draws.eventTimes[i]));
  }

  private CompletableFuture<SignalAck> send(
      SignalStore store, boolean withSession, long seq, long ackedBelow) {
    Signal s = nextSignal();
    return withSession
        ? store.signalAsync(s, Durability.LOCAL, new SessionSeq(session, seq, ackedBelow))
        : store.signalAsync(s, Durability.LOCAL);
  }

  private static void await(CompletableFuture<?> future) throws Exception {
    Object ack = future.get(Stores.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    if (!(ack instanceof SignalAck)) {
      throw new IllegalStateException("not an acknowledgement: " + ack);
    }
  }
}
