package io.tidaldb.session.client;

import io.tidaldb.api.Durability;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The payload of a batch a {@link Coalescer} made of single writes: sent with {@link
 * SignalStore#signalEachAsync}, so each signal learns its own part's outcome. The acknowledgement
 * of each signal is kept from whichever attempt gave it (a retry under the same seq answers a
 * stored part with its original acknowledgement, so attempts agree) and raises the client's token
 * as it arrives, with the region of the store that gave it.
 *
 * <p>An attempt succeeds once every signal has an acknowledgement. Otherwise it fails with the
 * failure of a signal without one: one that is not a refusal (retried under the same seq, as any
 * write; one that may have stored its part before one that says nothing was stored, so the write
 * remembers that it may be stored) if there is such; else a refusal (every part without an
 * acknowledgement was refused, nothing of it stored), which ends the write, and the coalescer sends
 * each refused signal again alone (see {@link #acknowledged(int)}).
 */
final class CoalescedBatch implements SessionWrite.Payload<SignalAck[]> {
  private final SessionClient client;
  private final List<Signal> signals;

  // Guarded by this: attempts may answer at once (a late one beside its retry).
  private final SignalAck[] acks;

  CoalescedBatch(SessionClient client, List<Signal> signals) {
    this.client = client;
    this.signals = signals;
    this.acks = new SignalAck[signals.size()];
  }

  List<Signal> signals() {
    return signals;
  }

  /** The acknowledgement signal {@code i} got from any attempt, or null. */
  synchronized SignalAck acknowledged(int i) {
    return acks[i];
  }

  @Override
  public CompletableFuture<SignalAck[]> send(
      int target, SignalStore store, Durability level, SessionSeq seq) {
    List<CompletableFuture<SignalAck>> each = store.signalEachAsync(signals, level, seq);
    if (each == null || each.size() != signals.size()) {
      return CompletableFuture.failedFuture(
          new IllegalStateException(
              "the store answered "
                  + (each == null ? "no futures" : each.size() + " futures")
                  + " for "
                  + signals.size()
                  + " signals"));
    }
    List<CompletableFuture<SignalAck>> parts = distinct(each);
    return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0]))
        .handle((done, failed) -> answer(target, each));
  }

  /** Signals of one part share its future; a batch has few parts. */
  private static List<CompletableFuture<SignalAck>> distinct(
      List<CompletableFuture<SignalAck>> each) {
    List<CompletableFuture<SignalAck>> parts = new ArrayList<>(4);
    CompletableFuture<SignalAck> last = null;
    for (CompletableFuture<SignalAck> f : each) {
      if (f != last && !containsSame(parts, f)) {
        parts.add(f);
      }
      last = f;
    }
    return parts;
  }

  private static boolean containsSame(List<CompletableFuture<SignalAck>> parts, Object f) {
    for (Object p : parts) {
      if (p == f) {
        return true;
      }
    }
    return false;
  }

  /** The attempt's outcome once every part of it answered (see the class comment). */
  private SignalAck[] answer(int target, List<CompletableFuture<SignalAck>> each) {
    List<SignalAck> fresh = new ArrayList<>(4);
    Throwable retryable = null;
    Throwable refused = null;
    SignalAck[] all;
    synchronized (this) {
      for (int i = 0; i < acks.length; i++) {
        if (acks[i] != null) {
          continue;
        }
        CompletableFuture<SignalAck> f = each.get(i);
        if (!f.isCompletedExceptionally()) {
          SignalAck ack = f.join();
          acks[i] = ack;
          if (fresh.isEmpty() || !fresh.get(fresh.size() - 1).equals(ack)) {
            fresh.add(ack);
          }
          continue;
        }
        Throwable e = WriteFailures.unwrap(f.handle((v, t) -> t).join());
        WriteFailures.Kind kind = WriteFailures.classify(e);
        if (kind == WriteFailures.Kind.REFUSED) {
          refused = refused == null ? e : refused;
        } else if (retryable == null
            || (kind != WriteFailures.Kind.NOT_STORED
                && WriteFailures.classify(retryable) == WriteFailures.Kind.NOT_STORED)) {
          retryable = e; // one that may have stored a part wins: the write must remember it
        }
      }
      all = retryable == null && refused == null ? acks.clone() : null;
    }
    if (!fresh.isEmpty()) {
      client.recordAcks(target, fresh);
    }
    if (all != null) {
      return all;
    }
    throw new CompletionException(retryable != null ? retryable : refused);
  }

  /** Every acknowledgement raised the token as it arrived. */
  @Override
  public List<SignalAck> acks(SignalAck[] answer) {
    return List.of();
  }
}
