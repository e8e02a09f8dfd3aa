package io.tidaldb.session.client;

import io.tidaldb.api.Durability;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalStore;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * One write of a {@link SessionClient}, a signal or a batch ({@link Payload}): its attempts, all
 * with the same seq, until the first acknowledgement, a refusal, or the end of the policy's
 * attempts or deadline. A LOCAL write's attempts go at QUORUM once an earlier one may have stored
 * it ({@link #levelOf}).
 *
 * <p>Outcomes arrive on store completion threads and on the scheduler's (timeouts); the monitor of
 * this object orders them. Attempt {@code n}'s outcome counts only while {@code n} is the current
 * attempt, except an acknowledgement, which ends the write whenever it comes. No store is called
 * and no future completed while holding the monitor.
 */
final class SessionWrite<T> {
  /** What a write sends under its one seq, and the acknowledgements its answer holds. */
  interface Payload<T> {
    /** Sends one attempt to {@code store}, the client's target {@code target}. */
    CompletableFuture<T> send(int target, SignalStore store, Durability level, SessionSeq seq);

    /**
     * The acknowledgements of an answer the token does not hold yet (one for a signal, one per part
     * for a batch).
     */
    List<SignalAck> acks(T answer);
  }

  /** A single signal ({@link SignalStore#signalAsync(Signal, Durability, SessionSeq)}). */
  static Payload<SignalAck> of(Signal signal) {
    return new Payload<>() {
      @Override
      public CompletableFuture<SignalAck> send(
          int target, SignalStore store, Durability level, SessionSeq seq) {
        return store.signalAsync(signal, level, seq);
      }

      @Override
      public List<SignalAck> acks(SignalAck answer) {
        return List.of(answer);
      }
    };
  }

  /** A batch ({@link SignalStore#signalBatchAsync(List, Durability, SessionSeq)}). */
  static Payload<List<SignalAck>> of(List<Signal> signals) {
    return new Payload<>() {
      @Override
      public CompletableFuture<List<SignalAck>> send(
          int target, SignalStore store, Durability level, SessionSeq seq) {
        return store.signalBatchAsync(signals, level, seq);
      }

      @Override
      public List<SignalAck> acks(List<SignalAck> answer) {
        return answer;
      }
    };
  }

  private final SessionClient client;
  private final Payload<T> payload;
  private final Durability durability;
  private final SessionSeq first;
  private final int startTarget;
  private final long startNanos;
  private final long deadlineNanos;
  private final CompletableFuture<T> result = new CompletableFuture<>();

  // Guarded by this.
  private int attempt;
  private boolean done;
  private AttemptTimeouts.Entry timeout;
  private WriteFailures failures;

  SessionWrite(
      SessionClient client,
      Payload<T> payload,
      Durability durability,
      SessionSeq first,
      int start) {
    this.client = client;
    this.payload = payload;
    this.durability = durability;
    this.first = first;
    this.startTarget = start;
    this.startNanos = client.scheduler().nanoTime();
    this.deadlineNanos = startNanos + client.policy().deadline().toNanos();
  }

  CompletableFuture<T> result() {
    return result;
  }

  void start() {
    attempt(1);
  }

  /**
   * The store of attempt {@code n}: the next one each time, a LOCAL write's second at the first.
   */
  int targetOf(int n) {
    int step = durability == Durability.LOCAL ? Math.max(0, n - 2) : n - 1;
    return (startTarget + step) % client.targetCount();
  }

  /**
   * The level attempt {@code n} asks for (guarded by this): the write's, but a {@link
   * Durability#LOCAL} write's attempts go at {@link Durability#QUORUM} once an earlier attempt may
   * have stored it (an ambiguous outcome), at the same store too. That attempt's LOCAL record R may
   * sit in the log of a leader that is then deposed, cut and kept for its LOCAL ack. A LOCAL retry
   * stored as a new record R' by another leader (directly, or forwarded there by the first store:
   * the data-path simulation's seed 9208), acknowledged and then cut as well, would be kept beside
   * R, with no region's log showing either one the other: counted twice. A QUORUM retry is
   * acknowledged only once committed: it is never cut, every region's log applies it, and R's
   * origin takes R back once it knows R' committed. A write no attempt may have stored has no such
   * R, so its retries stay LOCAL (available in a partition, through the local stream). A QUORUM
   * retry of a write a store took into its local stream is recognised at that store as a LOCAL one
   * is (its local streams' tables answer it before a forward or an append). Once at QUORUM never
   * back to LOCAL: a LOCAL retry is answered from a record the leader holds once that record is
   * durable there, before a QUORUM record commits, and a cut drops such a record.
   */
  private Durability levelOf(int n) {
    if (durability != Durability.LOCAL || n == 1 || failures == null) {
      return durability;
    }
    return failures.mayBeStored() ? Durability.QUORUM : Durability.LOCAL;
  }

  private void attempt(int n) {
    int target = targetOf(n);
    Durability level;
    SessionSeq seq;
    long timeoutNanos;
    long now;
    synchronized (this) {
      if (done) {
        return;
      }
      attempt = n;
      level = levelOf(n);
      // the first attempt starts when the write does: one clock read fewer per write
      now = n == 1 ? startNanos : client.scheduler().nanoTime();
      timeoutNanos =
          Math.max(0, Math.min(client.policy().attemptTimeout().toNanos(), deadlineNanos - now));
      // The same seq; ackedBelow may only have risen, and stays at or below the seq (unsettled).
      seq =
          n == 1
              ? first
              : new SessionSeq(first.session(), first.seq(), client.session().ackedBelow());
    }
    client.countAttempt(n);
    AttemptTimeouts.Entry t =
        client
            .timeouts()
            .start(first.seq(), now + timeoutNanos, () -> timedOut(n, target, timeoutNanos));
    synchronized (this) {
      if (done || attempt != n) {
        client.timeouts().end(first.seq(), t);
        return;
      }
      timeout = t;
    }
    CompletableFuture<T> reply;
    try {
      SignalStore store = client.target(target).store();
      reply = payload.send(target, store, level, seq);
      if (reply == null) {
        throw new NullPointerException("the store returned no future");
      }
    } catch (RuntimeException | Error e) {
      reply = CompletableFuture.failedFuture(e);
    }
    reply.whenComplete((ack, error) -> outcome(n, target, ack, error));
  }

  private void timedOut(int n, int target, long timeoutNanos) {
    outcome(
        n,
        target,
        null,
        new TimeoutException(
            "no answer from "
                + client.target(target).name()
                + " in "
                + timeoutNanos / 1_000_000
                + " ms"));
  }

  private void outcome(int n, int target, T ack, Throwable error) {
    long backoff = -1;
    Throwable failure = null;
    boolean late;
    synchronized (this) {
      if (done) {
        return;
      }
      if (ack == null && n != attempt) {
        return; // a failure of an attempt already given up on (its timeout passed)
      }
      late = n != attempt;
      cancelTimeout();
      if (ack != null) {
        done = true;
      } else {
        if (failures == null) {
          failures = new WriteFailures(client, first);
        }
        WriteFailures.Kind kind = failures.add(n, target, error);
        attempt = n + 1; // any later failure of attempt n is stale
        long now = client.scheduler().nanoTime();
        if (!kind.ends() && n < client.policy().maxAttempts()) {
          backoff = jittered(client.policy().backoffNanos(n + 1), n + 1);
          if (now + backoff >= deadlineNanos) {
            backoff = -1;
          }
        }
        if (backoff < 0) {
          done = true;
          failure = failures.finalFailure(now - startNanos);
        }
      }
    }
    if (ack != null) {
      client.acknowledged(target, payload.acks(ack), late);
      end(ack, null);
    } else if (failure != null) {
      end(null, failure);
    } else {
      int next = n + 1;
      try {
        client.scheduler().schedule(backoff, () -> retry(next));
      } catch (RuntimeException closed) { // the client is closed: no more attempts
        giveUp(closed);
      }
    }
  }

  /** Runs a scheduled retry; a failure of the client's own code ends the write, never hangs it. */
  private void retry(int n) {
    try {
      attempt(n);
    } catch (RuntimeException | Error bug) {
      giveUp(bug);
    }
  }

  private void giveUp(Throwable why) {
    Throwable failure;
    synchronized (this) {
      if (done) {
        return;
      }
      done = true;
      cancelTimeout();
      failure = failures.finalFailure(client.scheduler().nanoTime() - startNanos);
    }
    failure.addSuppressed(why);
    end(null, failure);
  }

  /** Settles the seq, then delivers the outcome (also if settling throws: a caller's misuse). */
  private void end(T ack, Throwable failure) {
    try {
      client.session().settled(first.seq());
    } finally {
      if (ack != null) {
        result.complete(ack);
      } else {
        result.completeExceptionally(failure);
      }
    }
  }

  private void cancelTimeout() {
    if (timeout != null) {
      client.timeouts().end(first.seq(), timeout);
      timeout = null;
    }
  }

  /** Half to all of the back-off, from a hash of (session, seq, attempt): no shared random. */
  private long jittered(long backoffNanos, int n) {
    if (backoffNanos <= 1) {
      return backoffNanos;
    }
    long h = first.session() ^ (first.seq() * 0x9E3779B97F4A7C15L) ^ ((long) n << 56);
    h = (h ^ (h >>> 33)) * 0xFF51AFD7ED558CCDL;
    h = (h ^ (h >>> 33)) * 0xC4CEB9FE1A85EC53L;
    h ^= h >>> 33;
    long half = backoffNanos / 2;
    return half + Math.floorMod(h, backoffNanos - half + 1);
  }
}
