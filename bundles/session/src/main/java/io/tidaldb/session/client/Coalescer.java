package io.tidaldb.session.client;

import io.tidaldb.api.Durability;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Natural batching of a {@link SessionClient}'s single writes of one durability, as Kafka's
 * producer batches: a write goes alone, under a seq of its own, while fewer than {@code alone}
 * writes of this coalescer are in flight, so a write at low load waits for nothing. Past that it
 * joins the pending batch, which goes out as one session write (one seq, one attempt timeout, one
 * retry schedule; {@link CoalescedBatch}) as soon as a write in flight ends, or at once when it
 * reaches {@code maxBatch} signals. Under load the batches grow with the load, and the session's
 * per-record work (the table's check and window, the record's session fields) is paid once per
 * batch instead of once per signal.
 *
 * <p>Each write's outcome is its own: the acknowledgement of the part that holds its signal (the
 * position and stamp of the part's last signal; the part is one record, so a token raised with it
 * covers the signal), or, when the batch's parts were answered differently, its part's. A signal
 * whose part was refused, nothing of it stored by any attempt (a refusal is the write's final
 * failure only then), is sent again alone under a fresh seq, so a bad signal is refused alone and
 * does not refuse the writes it was batched with. When the batch's write fails otherwise (attempts
 * or deadline run out), the signals without an acknowledgement get that failure, which says whether
 * they may be stored. A store without {@code signalEachAsync} refuses the batch with {@link
 * UnsupportedOperationException}: its signals go again alone and the client stops coalescing.
 *
 * <p>Thread-safe; the monitor guards only the counters and the pending batch, never a call to a
 * store or the completion of a future.
 */
final class Coalescer {
  private final SessionClient client;
  private final Durability durability;
  private final int alone;
  private final int maxBatch;

  // Guarded by this.
  private int inFlight;
  private List<Signal> pending;
  private List<CompletableFuture<SignalAck>> waiting;

  Coalescer(SessionClient client, Durability durability, int alone, int maxBatch) {
    this.client = client;
    this.durability = durability;
    this.alone = alone;
    this.maxBatch = maxBatch;
  }

  /** Writes a checked signal, alone or in the pending batch; its future acknowledgement. */
  CompletableFuture<SignalAck> signal(Signal signal) {
    CompletableFuture<SignalAck> mine = null;
    List<Signal> full = null;
    List<CompletableFuture<SignalAck>> fullWaiting = null;
    synchronized (this) {
      if (pending == null && inFlight < alone) {
        inFlight++;
      } else {
        if (pending == null) {
          pending = new ArrayList<>();
          waiting = new ArrayList<>();
        }
        mine = new CompletableFuture<>();
        pending.add(signal);
        waiting.add(mine);
        if (pending.size() >= maxBatch) {
          full = pending;
          fullWaiting = waiting;
          pending = null;
          waiting = null;
          inFlight++;
        }
      }
    }
    if (mine == null) {
      CompletableFuture<SignalAck> result = client.startSingle(signal, durability);
      result.whenComplete((ack, failure) -> ended());
      return result;
    }
    if (full != null) {
      send(full, fullWaiting);
    }
    return mine;
  }

  /** A write of this coalescer ended: the pending batch, if any, goes out. */
  private void ended() {
    List<Signal> batch;
    List<CompletableFuture<SignalAck>> out;
    synchronized (this) {
      inFlight--;
      if (pending == null) {
        return;
      }
      batch = pending;
      out = waiting;
      pending = null;
      waiting = null;
      inFlight++;
    }
    send(batch, out);
  }

  private void send(List<Signal> batch, List<CompletableFuture<SignalAck>> out) {
    if (batch.size() == 1) {
      CompletableFuture<SignalAck> result = client.startSingle(batch.get(0), durability);
      result.whenComplete(
          (ack, failure) -> {
            forward(out.get(0), ack, failure);
            ended();
          });
      return;
    }
    client.countCoalesced(batch.size());
    CoalescedBatch payload = new CoalescedBatch(client, batch);
    client
        .start(payload, durability)
        .whenComplete(
            (acks, failure) -> {
              try {
                deliver(payload, out, acks, failure);
              } finally {
                ended();
              }
            });
  }

  /** Completes each write of a batch with its own outcome (see the class comment). */
  private void deliver(
      CoalescedBatch payload,
      List<CompletableFuture<SignalAck>> out,
      SignalAck[] acks,
      Throwable failure) {
    if (acks != null) {
      for (int i = 0; i < acks.length; i++) {
        out.get(i).complete(acks[i]);
      }
      return;
    }
    Throwable e = WriteFailures.unwrap(failure);
    // The write's failure is the refusal itself only if no attempt may have stored it.
    boolean nothingStored =
        e instanceof InvalidArgumentException || e instanceof UnsupportedOperationException;
    if (e instanceof UnsupportedOperationException) {
      client.stopCoalescing();
    }
    for (int i = 0; i < out.size(); i++) {
      SignalAck ack = payload.acknowledged(i);
      CompletableFuture<SignalAck> write = out.get(i);
      if (ack != null) {
        write.complete(ack);
      } else if (nothingStored) {
        client
            .startSingle(payload.signals().get(i), durability)
            .whenComplete((a, t) -> forward(write, a, t));
      } else {
        write.completeExceptionally(e);
      }
    }
  }

  private static void forward(CompletableFuture<SignalAck> to, SignalAck ack, Throwable failure) {
    if (failure == null) {
      to.complete(ack);
    } else {
      to.completeExceptionally(WriteFailures.unwrap(failure));
    }
  }
}
