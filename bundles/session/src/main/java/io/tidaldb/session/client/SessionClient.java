package io.tidaldb.session.client;

import io.tidaldb.api.Durability;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.ReadToken;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.UnavailableException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Writes the signals of one {@link Session} to the stores a client can reach (one per region),
 * retrying a write whose outcome is ambiguous with the same seq, so that it is counted once.
 *
 * <p>Each write takes the session's next seq, but single writes pipelined past {@link
 * Builder#coalescing alone} in flight share one: they go as one batch under one seq (natural
 * batching, as Kafka's producer does; {@link Builder#noCoalescing()} turns it off), each still
 * answered with its own outcome, the acknowledgement of its shard's part of the batch (see {@code
 * Coalescer}). An attempt that fails ambiguously ({@link UnavailableException} with {@code
 * mayBeStored()} true, no answer within the policy's attempt timeout, or any failure that does not
 * say nothing was stored) or says nothing was stored ({@link UnavailableException} with {@code
 * mayBeStored()} false) is retried, after a back-off, with the same session and seq at the next
 * store in the list ({@link Durability#LOCAL} writes retry at the same store once first: a LOCAL
 * write may sit in that region's own stream, which other regions see only after reconciliation). A
 * {@link Durability#LOCAL} write's retries go at {@link Durability#QUORUM} once an earlier attempt
 * may have stored it (an ambiguous outcome), at the same store too, and stay there: that attempt's
 * LOCAL record may sit in the log of a leader that is then deposed, cut and kept for its LOCAL ack;
 * a QUORUM retry is acknowledged only once committed, so it is never cut and kept beside it, and
 * that record's origin takes its copy back once it knows the retry committed (a LOCAL retry stored
 * by another leader, directly or forwarded by the first store, could be cut and kept too: counted
 * twice). While no attempt may have stored it, a LOCAL write's retries stay LOCAL (a region cut off
 * from the leader still takes it into its local stream). A QUORUM retry of a write a store's local
 * stream took is recognised at that store as a LOCAL one is (its local streams' tables answer it,
 * with the original local acknowledgement, before a forward or an append). A retry carries the
 * session's current {@code ackedBelow}: it may only have risen since the first attempt and never
 * passes the write's own seq, which is unsettled until the write ends. The write ends at the first
 * acknowledgement of any of its attempts (a late one of an earlier attempt included), at a refusal
 * ({@link InvalidArgumentException}, or {@link UnsupportedOperationException} from a store without
 * session writes), or when the policy's attempts or deadline run out; then the seq is settled and
 * the outcome delivered. A seq is never reused, and a signal is never re-sent under another seq but
 * one of a coalesced batch whose part was refused with nothing of it stored by any attempt (sent
 * again alone, so that a bad signal is refused alone).
 *
 * <p>What the caller gets: an acknowledgement (the first one the stores gave for the seq; for a
 * LOCAL write retried after an ambiguous attempt it may say {@link Durability#QUORUM}, stronger
 * than asked, or be a local-stream acknowledgement of the first attempt); the refusal as the store
 * threw it, when every attempt was definite (nothing stored); else an {@link UnavailableException}
 * naming the session, seq, attempts and regions tried, whose {@code mayBeStored()} is false only if
 * no attempt may have stored the signal. After one with {@code mayBeStored()} true, the signal is
 * stored at most once, or not at all; re-sending it (a new seq) may count it twice.
 *
 * <p>Read-your-writes: the client merges every acknowledgement it delivers into its {@link
 * #token()}, so a read with it at any region ({@code store.read(tenant, type, entity, at,
 * client.token())}) sees the client's writes, waits for the region to apply them, or fails as stale
 * ({@link io.tidaldb.api.StaleReadException}); never an older answer.
 *
 * <p>Thread-safe: any number of threads may write through one client. Close it to stop the retry
 * thread it made when built without a {@link RetryScheduler}.
 */
public final class SessionClient implements AutoCloseable {
  /** Single writes of one durability in flight before the next are batched, by default. */
  public static final int DEFAULT_ALONE = 32;

  /** The most single writes one coalesced batch holds, by default. */
  public static final int DEFAULT_MAX_BATCH = 256;

  private final Session session;
  private final List<Target> targets;
  private final RetryPolicy policy;
  private final RetryScheduler scheduler;
  private final ScheduledExecutorService ownedExecutor;
  private final AttemptTimeouts timeouts;
  private final LongAdder attempts = new LongAdder();
  private final LongAdder retries = new LongAdder();
  private final LongAdder lateAcks = new LongAdder();
  private final LongAdder unrecordedLocalAcks = new LongAdder();
  private final LongAdder coalescedWrites = new LongAdder();
  private final LongAdder coalescedBatches = new LongAdder();
  private final AtomicReference<ReadToken> token = new AtomicReference<>(ReadToken.EMPTY);
  private final Coalescer[] coalescers; // by Durability ordinal; null without coalescing
  private volatile boolean coalescing;
  private volatile int preferred;

  /** A store the client writes to and the name its errors give it. */
  record Target(String name, RegionId region, SignalStore store) {}

  private SessionClient(Builder b) {
    this.session = b.session;
    this.targets = List.copyOf(b.targets);
    this.policy = b.policy;
    if (b.scheduler == null) {
      this.ownedExecutor = RetryScheduler.newDaemonExecutor();
      this.scheduler = RetryScheduler.of(ownedExecutor);
    } else {
      this.ownedExecutor = null;
      this.scheduler = b.scheduler;
    }
    this.timeouts = new AttemptTimeouts(scheduler);
    if (b.alone > 0) {
      Durability[] levels = Durability.values();
      this.coalescers = new Coalescer[levels.length];
      for (Durability level : levels) {
        coalescers[level.ordinal()] = new Coalescer(this, level, b.alone, b.maxBatch);
      }
      this.coalescing = true;
    } else {
      this.coalescers = null;
    }
  }

  /**
   * Starts a client of a session.
   *
   * @param session the session whose seqs the writes take
   * @return a builder; add at least one store
   */
  public static Builder builder(Session session) {
    return new Builder(Objects.requireNonNull(session, "session"));
  }

  /**
   * Stores a signal of the session and returns once it is durable at the given level, retrying as
   * the class describes.
   *
   * @param signal the signal, of the session's tenant
   * @param durability the level to reach (a LOCAL write's retries after an ambiguous attempt ask
   *     for QUORUM, see the class comment)
   * @return the acknowledgement (the first one given for the write's seq; its level may be stronger
   *     than asked)
   * @throws InvalidArgumentException for bad input or a refusal of the store
   * @throws UnavailableException if the attempts or the deadline ran out, or the calling thread was
   *     interrupted ({@code mayBeStored()} says whether the signal may be stored)
   */
  public SignalAck signal(Signal signal, Durability durability) {
    return await(signalAsync(signal, durability));
  }

  /** Waits for a write's outcome, thrown as {@link #signal} describes. */
  private <T> T await(CompletableFuture<T> future) {
    try {
      return future.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      throw new UnavailableException(cause.toString(), cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException(
          "interrupted while waiting for a write of "
              + session
              + "; the write goes on and may be stored (at most once)",
          e);
    }
  }

  /**
   * Stores a signal of the session and completes the future once it is durable at the given level,
   * retrying as the class describes. The future completes on a store's completion thread or the
   * scheduler's.
   *
   * @param signal the signal, of the session's tenant
   * @param durability the level to reach
   * @return the future acknowledgement; failed as {@link #signal} would throw
   */
  public CompletableFuture<SignalAck> signalAsync(Signal signal, Durability durability) {
    if (signal == null || durability == null) {
      return CompletableFuture.failedFuture(
          new InvalidArgumentException(
              signal == null ? "signal" : "durability", null, "must not be null"));
    }
    InvalidArgumentException refused = refuse(signal, "signal");
    if (refused != null) {
      return CompletableFuture.failedFuture(refused);
    }
    return coalescing
        ? coalescers[durability.ordinal()].signal(signal)
        : startSingle(signal, durability);
  }

  /** Starts a checked single write under the session's next seq; its future outcome. */
  CompletableFuture<SignalAck> startSingle(Signal signal, Durability durability) {
    return start(SessionWrite.of(signal), durability);
  }

  /** A store takes no batches answered per signal: single writes go alone from now on. */
  void stopCoalescing() {
    coalescing = false;
  }

  /**
   * Stores a batch of the session's signals under one seq and returns once every part is durable at
   * the given level ({@link SignalStore#signalBatchAsync(List, Durability, SessionSeq)}), retrying
   * the whole batch under that seq as the class describes a write's retries: each shard's part is
   * stored once, whichever attempts stored it.
   *
   * @param signals the batch, 1 or more signals of the session's tenant
   * @param durability the level to reach (a LOCAL batch's retries after an ambiguous attempt ask
   *     for QUORUM)
   * @return one acknowledgement per part, in the order of each part's first signal
   * @throws InvalidArgumentException for bad input or a refusal of the store
   * @throws UnavailableException as {@link #signal} throws it
   */
  public List<SignalAck> signalBatch(List<Signal> signals, Durability durability) {
    return await(signalBatchAsync(signals, durability));
  }

  /**
   * Stores a batch of the session's signals under one seq, as {@link #signalBatch} does, and
   * completes the future once every part is durable at the given level.
   *
   * @param signals the batch, 1 or more signals of the session's tenant
   * @param durability the level to reach
   * @return the future acknowledgements; failed as {@link #signalBatch} would throw
   */
  public CompletableFuture<List<SignalAck>> signalBatchAsync(
      List<Signal> signals, Durability durability) {
    if (signals == null || signals.isEmpty() || durability == null) {
      return CompletableFuture.failedFuture(
          new InvalidArgumentException(
              durability == null ? "durability" : "signals",
              signals == null ? null : signals.size() + " signals",
              "a batch holds at least one signal and a durability"));
    }
    for (int i = 0; i < signals.size(); i++) {
      Signal signal = signals.get(i);
      InvalidArgumentException refused = refuse(signal, "signals[" + i + "]");
      if (refused != null) {
        return CompletableFuture.failedFuture(refused);
      }
    }
    return start(SessionWrite.of(List.copyOf(signals)), durability);
  }

  /** Starts a checked write under the session's next seq; its future outcome. */
  <T> CompletableFuture<T> start(SessionWrite.Payload<T> payload, Durability durability) {
    SessionSeq first;
    try {
      first = session.next();
    } catch (IllegalStateException full) {
      return CompletableFuture.failedFuture(
          new UnavailableException(full.getMessage(), false, null));
    }
    SessionWrite<T> write = new SessionWrite<>(this, payload, durability, first, preferred);
    write.start();
    return write.result();
  }

  /** The refusal of a null signal or one of another tenant than the session's, or null. */
  private InvalidArgumentException refuse(Signal signal, String name) {
    if (signal == null) {
      return new InvalidArgumentException(name, null, "must not be null");
    }
    if (!signal.tenant().equals(session.tenant())) {
      return new InvalidArgumentException(
          "tenant",
          signal.tenant().name(),
          "must be the tenant '"
              + session.tenant().name()
              + "' of session "
              + SessionSeq.hex(session.id())
              + ("signal".equals(name) ? "" : " (" + name + ")"));
    }
    return null;
  }

  /**
   * Returns the session.
   *
   * @return the session
   */
  public Session session() {
    return session;
  }

  /**
   * Returns the session's read token: every acknowledgement this client delivered so far, merged (a
   * local-stream acknowledgement with the region of the store that gave it). The token is updated
   * before the write's outcome is delivered, so a read issued after {@link #signal} returned, with
   * the token read then, sees that write.
   *
   * @return the token; {@link ReadToken#EMPTY} before the first acknowledgement
   */
  public ReadToken token() {
    return token.get();
  }

  /**
   * Returns how many local-stream acknowledgements the token could not record because their store
   * was added without a region ({@link Builder#store(SignalStore)}).
   *
   * @return the count
   */
  public long unrecordedLocalAcks() {
    return unrecordedLocalAcks.sum();
  }

  /**
   * Returns the retry policy.
   *
   * @return the policy
   */
  public RetryPolicy policy() {
    return policy;
  }

  /**
   * Returns how many attempts the client has made, first attempts included.
   *
   * @return the count
   */
  public long attempts() {
    return attempts.sum();
  }

  /**
   * Returns how many retries (attempts after a write's first) the client has made.
   *
   * @return the count
   */
  public long retries() {
    return retries.sum();
  }

  /**
   * Returns how many writes ended with the acknowledgement of an attempt the client had already
   * given up waiting for (its timeout passed and a retry began).
   *
   * @return the count
   */
  public long lateAcks() {
    return lateAcks.sum();
  }

  /**
   * Returns how many single writes went in coalesced batches (see {@link Builder#coalescing}), sent
   * again alone after a refusal or not.
   *
   * @return the count
   */
  public long coalescedWrites() {
    return coalescedWrites.sum();
  }

  /**
   * Returns how many coalesced batches the client sent (each under one seq).
   *
   * @return the count
   */
  public long coalescedBatches() {
    return coalescedBatches.sum();
  }

  /**
   * Stops the retry thread the client made, if it made one, once the back-offs and the timeout
   * sweep already scheduled have run: a write in progress ends at its current attempt's answer, or
   * at its timeout if that sweep reaches it (else the store's own waits bound the attempt); a
   * failure that would be retried ends it as the attempts running out would; and a write begun
   * after {@code close()} makes one attempt, bounded by the store's own waits.
   */
  @Override
  public void close() {
    if (ownedExecutor != null) {
      ownedExecutor.shutdown();
    }
  }

  Target target(int index) {
    return targets.get(index);
  }

  int targetCount() {
    return targets.size();
  }

  RetryScheduler scheduler() {
    return scheduler;
  }

  AttemptTimeouts timeouts() {
    return timeouts;
  }

  void countCoalesced(int writes) {
    coalescedWrites.add(writes);
    coalescedBatches.increment();
  }

  void countAttempt(int attempt) {
    attempts.increment();
    if (attempt > 1) {
      retries.increment();
    }
  }

  void acknowledged(int targetIndex, List<SignalAck> acks, boolean late) {
    recordAcks(targetIndex, acks);
    preferred = targetIndex;
    if (late) {
      lateAcks.increment();
    }
  }

  /** Raises the token to cover acknowledgements the store {@code targetIndex} gave. */
  void recordAcks(int targetIndex, List<SignalAck> acks) {
    RegionId region = targets.get(targetIndex).region();
    for (SignalAck ack : acks) {
      if (ack.local() && region == null) {
        unrecordedLocalAcks.increment();
      } else {
        record(region, ack);
      }
    }
  }

  /**
   * Raises the token to cover {@code ack}: {@link ReadToken#with} on the current token (the token
   * itself when it covers the ack already, so nothing is written), not a merge with a token of the
   * one ack (which allocated about fifteen arrays per acknowledgement, 85 ns of CPU per write in
   * the profile of bench/RESULTS.md §33).
   */
  private void record(RegionId region, SignalAck ack) {
    ReadToken prev = token.get();
    while (true) {
      ReadToken next = prev.with(region, ack);
      if (next == prev || token.compareAndSet(prev, next)) {
        return;
      }
      prev = token.get();
    }
  }

  /** Builds a {@link SessionClient}. */
  public static final class Builder {
    private final Session session;
    private final List<Target> targets = new ArrayList<>();
    private RetryPolicy policy = RetryPolicy.DEFAULTS;
    private RetryScheduler scheduler;
    private int alone = DEFAULT_ALONE;
    private int maxBatch = DEFAULT_MAX_BATCH;

    private Builder(Session session) {
      this.session = session;
    }

    /**
     * Adds the store of a region; the first added is tried first.
     *
     * @param region the region, named in errors
     * @param store its store
     * @return this builder
     */
    public Builder store(RegionId region, SignalStore store) {
      targets.add(new Target("region " + region.value(), region, Objects.requireNonNull(store)));
      return this;
    }

    /**
     * Adds a store of an unknown region, named in errors by its place in the list.
     *
     * @param store the store
     * @return this builder
     */
    public Builder store(SignalStore store) {
      targets.add(new Target("store " + targets.size(), null, Objects.requireNonNull(store)));
      return this;
    }

    /**
     * Sets the retry policy ({@link RetryPolicy#DEFAULTS} if not set).
     *
     * @param retryPolicy the policy
     * @return this builder
     */
    public Builder policy(RetryPolicy retryPolicy) {
      this.policy = Objects.requireNonNull(retryPolicy, "retryPolicy");
      return this;
    }

    /**
     * Sets the scheduler of back-offs and timeouts (a daemon thread of the client's own if not
     * set).
     *
     * @param retryScheduler the scheduler
     * @return this builder
     */
    public Builder scheduler(RetryScheduler retryScheduler) {
      this.scheduler = Objects.requireNonNull(retryScheduler, "retryScheduler");
      return this;
    }

    /**
     * Sets how single writes are batched ({@link #signalAsync}): a write goes alone while fewer
     * than {@code alone} single writes of its durability are in flight, and otherwise joins the
     * pending batch of at most {@code maxBatch} signals that goes out when one of them ends (see
     * the class comment). Defaults: {@value #DEFAULT_ALONE} and {@value #DEFAULT_MAX_BATCH}.
     *
     * @param aloneInFlight single writes in flight before writes are batched, from 1
     * @param maxBatchSignals the most signals of one batch, from 2
     * @return this builder
     * @throws IllegalArgumentException naming the value out of range
     */
    public Builder coalescing(int aloneInFlight, int maxBatchSignals) {
      if (aloneInFlight < 1 || maxBatchSignals < 2) {
        throw new IllegalArgumentException(
            "coalescing: aloneInFlight "
                + aloneInFlight
                + " (at least 1) and maxBatchSignals "
                + maxBatchSignals
                + " (at least 2)");
      }
      this.alone = aloneInFlight;
      this.maxBatch = maxBatchSignals;
      return this;
    }

    /**
     * Sends every single write alone, under a seq of its own, however many are in flight.
     *
     * @return this builder
     */
    public Builder noCoalescing() {
      this.alone = 0;
      return this;
    }

    /**
     * Builds the client.
     *
     * @return the client
     * @throws IllegalStateException if no store was added
     */
    public SessionClient build() {
      if (targets.isEmpty()) {
        throw new IllegalStateException(
            "a session client needs at least one store (" + session + ")");
      }
      return new SessionClient(this);
    }
  }
}
