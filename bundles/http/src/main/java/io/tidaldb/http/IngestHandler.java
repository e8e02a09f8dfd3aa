package io.tidaldb.http;

import io.tidaldb.api.Durability;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.SignalTickets;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.UnavailableException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * {@code POST /v1/tenants/{t}/signals}: parses the whole body, checks every signal with the store
 * ({@link SignalStore#check}) before storing any, then hands them all over at once and waits for
 * them together: at {@code LOCAL} without a session through the pipelined {@link
 * SignalStore#submit} (one {@link SignalStore#awaitDurable} per shard touched for its highest
 * ticket; a shard this region does not lead refuses the submit with nothing stored, and that item
 * takes the next path), else through {@link SignalStore#signalAsync}, whose futures are awaited
 * together. A body sent under the {@link Request#SESSION} header is one session batch ({@link
 * SignalStore#signalBatchAsync(List, Durability, SessionSeq)}): one outcome, one acknowledgement
 * per shard's part, stored once however often it is retried under the same headers. The WAL
 * group-commits either way: a batch of 1,000 costs one durability wait per shard, not 1,000. If
 * storing fails part way, the answer lists every item not stored with what it means for it (not
 * stored / unknown).
 */
final class IngestHandler implements Router.Handler {
  private final StoreSelector selector;
  private final SignalCodec codec;
  private final Semaphore inFlight;
  private final long ackTimeoutNanos;

  IngestHandler(StoreSelector selector, SignalCodec codec, HttpApiConfig config) {
    this.selector = selector;
    this.codec = codec;
    this.inFlight = new Semaphore(config.maxInFlightSignals());
    this.ackTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(config.ackTimeoutMillis());
  }

  @Override
  public Response handle(Request request, Map<String, String> params) {
    TenantId tenant = Params.tenant(params.get("t"));
    Durability durability = Params.durability(request.param("durability"));
    SessionSeq batch = Params.session(request);
    SignalStore store = selector.select(request.param("region")).store();
    List<SignalInput> inputs =
        codec.parse(tenant, request.contentType(), request.body(), batch != null);
    if (batch != null) {
      for (int i = 0; i < inputs.size(); i++) {
        if (inputs.get(i).session() != null) {
          throw ApiException.badRequest(
              "invalid_argument",
              "item "
                  + i
                  + ": carries a session of its own; a batch under the "
                  + Request.SESSION
                  + " header takes its session from the headers");
        }
      }
    }
    for (int i = 0; i < inputs.size(); i++) {
      try {
        store.check(inputs.get(i).signal());
      } catch (RuntimeException e) {
        // check stores nothing: whatever it throws, nothing of the batch was handed to the store
        ApiException a = Errors.map(e, inputs.size() == 1 ? "" : "item " + i + ": ");
        throw new ApiException(a.status(), a.code(), a.getMessage(), Stored.NOT_STORED);
      }
    }
    int n = inputs.size();
    if (!inFlight.tryAcquire(n)) {
      throw new ApiException(
          429,
          "too_many_in_flight",
          n
              + " signals would exceed the "
              + "limit of signals being stored at once (max.inflight.signals); retry later",
          Stored.NOT_STORED);
    }
    try {
      return batch == null
          ? store(store, inputs, durability)
          : storeBatch(store, inputs, durability, batch);
    } finally {
      inFlight.release(n);
    }
  }

  private Response store(SignalStore store, List<SignalInput> inputs, Durability durability) {
    Outcomes o = new Outcomes(inputs.size());
    boolean pipelined = durability == Durability.LOCAL;
    for (int i = 0; i < inputs.size(); i++) {
      SignalInput in = inputs.get(i);
      if (pipelined && in.session() == null) {
        if (submit(store, in, i, o)) {
          continue;
        }
        // a shard not led here: the rest of the request takes signalAsync, so a follower does not
        // pay a refused submit (an exception) per signal
        pipelined = false;
      }
      CompletableFuture<SignalAck> f;
      try {
        f =
            in.session() == null
                ? store.signalAsync(in.signal(), durability)
                : store.signalAsync(in.signal(), durability, in.session());
      } catch (RuntimeException e) {
        f = CompletableFuture.failedFuture(e);
      }
      o.futures[i] = f;
    }
    long deadline = System.nanoTime() + ackTimeoutNanos;
    o.awaitTickets(store, deadline);
    return o.answer(durability, deadline);
  }

  /**
   * Stores a session batch ({@link SignalStore#signalBatchAsync(List, Durability, SessionSeq)}):
   * one outcome for the whole body, one acknowledgement per shard's part. A failure is the batch's
   * ({@code stored} says whether any of it may be stored); the client retries the body as it was
   * under the same headers, and the parts stored are answered, not stored again.
   */
  private Response storeBatch(
      SignalStore store, List<SignalInput> inputs, Durability durability, SessionSeq session) {
    List<Signal> signals = new ArrayList<>(inputs.size());
    for (SignalInput in : inputs) {
      signals.add(in.signal());
    }
    List<SignalAck> acks;
    try {
      acks =
          store
              .signalBatchAsync(signals, durability, session)
              .get(ackTimeoutNanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Errors.map(e, "");
    } catch (Exception e) {
      throw Errors.map(e, "");
    }
    return new Response(
        200,
        Json.render(
            g -> {
              g.writeStartObject();
              g.writeStringField("stored", Stored.STORED.json());
              g.writeNumberField("count", signals.size());
              g.writeStringField("durability", durability.name());
              g.writeStringField("session", SessionSeq.hex(session.session()));
              g.writeNumberField("seq", session.seq());
              g.writeArrayFieldStart("parts");
              for (SignalAck ack : acks) {
                g.writeStartObject();
                g.writeNumberField("shard", ack.shard().value());
                g.writeNumberField("position", ack.position());
                g.writeStringField("durability", ack.durability().name());
                g.writeBooleanField("local", ack.local());
                g.writeEndObject();
              }
              g.writeEndArray();
              g.writeEndObject();
            }));
  }

  /**
   * Logs a LOCAL write without a session through the pipelined {@link SignalStore#submit}: its
   * ticket joins the shard's wait. Returns false, nothing stored, where this region does not lead
   * the shard (the caller then takes {@code signalAsync}, which forwards).
   */
  private static boolean submit(SignalStore store, SignalInput in, int i, Outcomes o) {
    Signal s = in.signal();
    try {
      long ticket =
          store.submit(
              s.tenant(), s.type(), s.entity().value(), s.weight(), s.eventTime().epochMillis());
      o.ticket(i, ticket);
      return true;
    } catch (UnavailableException e) {
      if (!e.mayBeStored()) {
        return false;
      }
      o.fail(i, Errors.map(e, "item " + i + ": "));
      return true;
    } catch (RuntimeException e) {
      o.fail(i, Errors.map(e, "item " + i + ": "));
      return true;
    }
  }

  /** What became of each item: a ticket (pipelined), a future (signalAsync), or a failure. */
  private static final class Outcomes {
    final int n;
    final CompletableFuture<?>[] futures;
    final long[] tickets;
    final ApiException[] failed;
    long[] lastTicket = new long[0];
    ApiException[] shardFailure = new ApiException[0];

    Outcomes(int n) {
      this.n = n;
      this.futures = new CompletableFuture<?>[n];
      this.tickets = new long[n];
      this.failed = new ApiException[n];
      java.util.Arrays.fill(tickets, -1);
    }

    void ticket(int i, long ticket) {
      tickets[i] = ticket;
      int shard = SignalTickets.shard(ticket);
      if (shard >= lastTicket.length) {
        int old = lastTicket.length;
        lastTicket = java.util.Arrays.copyOf(lastTicket, shard + 1);
        java.util.Arrays.fill(lastTicket, old, lastTicket.length, -1);
        shardFailure = java.util.Arrays.copyOf(shardFailure, shard + 1);
      }
      lastTicket[shard] = Math.max(lastTicket[shard], ticket);
    }

    void fail(int i, ApiException e) {
      failed[i] = e;
    }

    /** One durability wait per shard touched, for its highest ticket. */
    void awaitTickets(SignalStore store, long deadline) {
      for (int s = 0; s < lastTicket.length; s++) {
        if (lastTicket[s] < 0) {
          continue;
        }
        try {
          long left = Math.max(1, deadline - System.nanoTime());
          store.awaitDurable(lastTicket[s], java.time.Duration.ofNanos(left));
        } catch (RuntimeException e) {
          shardFailure[s] = Errors.map(e, "shard " + s + ": ");
        }
      }
    }

    Response answer(Durability durability, long deadline) {
      SignalAck lastAck = null;
      List<ItemFailure> failures = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String prefix = n == 1 ? "" : "item " + i + ": ";
        if (failed[i] != null) {
          failures.add(new ItemFailure(i, failed[i]));
        } else if (tickets[i] >= 0) {
          ApiException e = shardFailure[SignalTickets.shard(tickets[i])];
          if (e != null) {
            failures.add(new ItemFailure(i, e));
          }
        } else {
          try {
            long left = Math.max(0, deadline - System.nanoTime());
            lastAck = (SignalAck) futures[i].get(left, TimeUnit.NANOSECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failures.add(new ItemFailure(i, Errors.map(e, prefix)));
          } catch (Exception e) {
            failures.add(new ItemFailure(i, Errors.map(e, prefix)));
          }
        }
      }
      if (!failures.isEmpty()) {
        throw new BatchFailure(n, failures);
      }
      SignalAck ack = lastAck;
      long ticket = tickets[0];
      return new Response(
          200,
          Json.render(
              g -> {
                g.writeStartObject();
                g.writeStringField("stored", Stored.STORED.json());
                g.writeNumberField("count", n);
                g.writeStringField("durability", durability.name());
                if (n == 1) {
                  g.writeNumberField(
                      "shard", ticket >= 0 ? SignalTickets.shard(ticket) : ack.shard().value());
                  g.writeNumberField(
                      "position", ticket >= 0 ? SignalTickets.position(ticket) : ack.position());
                  g.writeBooleanField("local", ticket < 0 && ack.local());
                }
                g.writeEndObject();
              }));
    }
  }

  /** One item that was not (or may not have been) stored. */
  record ItemFailure(int item, ApiException error) {}

  /**
   * A write of which some items were not stored: the status and code of the first failure, the
   * count stored, and every item not stored.
   */
  static final class BatchFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient ApiException first;
    private final transient List<ItemFailure> failures;
    private final int count;

    BatchFailure(int count, List<ItemFailure> failures) {
      super(failures.get(0).error().getMessage());
      this.count = count;
      this.failures = List.copyOf(failures);
      this.first = failures.get(0).error();
    }

    /** Renders the answer. */
    Response response() {
      boolean anyUnknown = failures.stream().anyMatch(f -> f.error().stored() == Stored.UNKNOWN);
      int stored = count - failures.size();
      Stored overall = !anyUnknown && stored == 0 ? Stored.NOT_STORED : Stored.UNKNOWN;
      return new Response(
          first.status(),
          Json.render(
              g -> {
                g.writeStartObject();
                g.writeStringField("code", first.code());
                g.writeStringField(
                    "message",
                    (count == 1 ? "" : failures.size() + " of " + count + " not acknowledged; ")
                        + first.getMessage());
                g.writeStringField("stored", count == 1 ? first.stored().json() : overall.json());
                g.writeNumberField("count", count);
                g.writeNumberField("acknowledged", stored);
                g.writeArrayFieldStart("items");
                for (ItemFailure f : failures) {
                  g.writeStartObject();
                  g.writeNumberField("item", f.item());
                  g.writeStringField("stored", f.error().stored().json());
                  g.writeStringField("code", f.error().code());
                  g.writeStringField("message", f.error().getMessage());
                  g.writeEndObject();
                }
                g.writeEndArray();
                g.writeEndObject();
              }));
    }
  }
}
