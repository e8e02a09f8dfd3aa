package io.tidaldb.http;

import io.tidaldb.api.Durability;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.TenantId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * {@code POST /v1/tenants/{t}/signals}: parses the whole body, checks every signal with the store
 * ({@link SignalStore#check}) before storing any, then hands them all to {@link
 * SignalStore#signalAsync} at once and waits for the acknowledgements together (the WAL
 * group-commits them: a batch of 1,000 costs one durability wait, not 1,000). If storing fails part
 * way, the answer lists every item not stored with what it means for it (not stored / unknown).
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
    SignalStore store = selector.select(request.param("region")).store();
    List<SignalInput> inputs = codec.parse(tenant, request.contentType(), request.body());
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
      return store(store, inputs, durability);
    } finally {
      inFlight.release(n);
    }
  }

  private Response store(SignalStore store, List<SignalInput> inputs, Durability durability) {
    int n = inputs.size();
    List<CompletableFuture<SignalAck>> futures = new ArrayList<>(n);
    for (SignalInput in : inputs) {
      CompletableFuture<SignalAck> f;
      try {
        f =
            in.session() == null
                ? store.signalAsync(in.signal(), durability)
                : store.signalAsync(in.signal(), durability, in.session());
      } catch (RuntimeException e) {
        f = CompletableFuture.failedFuture(e);
      }
      futures.add(f);
    }
    long deadline = System.nanoTime() + ackTimeoutNanos;
    SignalAck lastAck = null;
    List<ItemFailure> failures = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      try {
        long left = Math.max(0, deadline - System.nanoTime());
        lastAck = futures.get(i).get(left, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failures.add(new ItemFailure(i, Errors.map(e, "")));
      } catch (Exception e) {
        failures.add(new ItemFailure(i, Errors.map(e, n == 1 ? "" : "item " + i + ": ")));
      }
    }
    if (failures.isEmpty()) {
      SignalAck ack = lastAck;
      return new Response(
          200,
          Json.render(
              g -> {
                g.writeStartObject();
                g.writeStringField("stored", Stored.STORED.json());
                g.writeNumberField("count", n);
                g.writeStringField("durability", durability.name());
                if (n == 1) {
                  g.writeNumberField("shard", ack.shard().value());
                  g.writeNumberField("position", ack.position());
                  g.writeBooleanField("local", ack.local());
                }
                g.writeEndObject();
              }));
    }
    throw new BatchFailure(n, failures);
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
                    (count == 1 ? "" : failures.size() + " of " + count + " not stored; ")
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
