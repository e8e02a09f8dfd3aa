package io.tidaldb.api;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The per-region signal database: accepts signals and serves aggregates and top-K lists.
 *
 * <p>Writes: a {@link Signal} is the value written; {@link #signal} blocks until it is durable;
 * {@link #signalAsync} returns a future completed once it is; {@link #submit} and {@link
 * #awaitDurable} are the allocation-free pair for writers that pipeline many signals (one ticket
 * per signal, one wait per window). A signal that has been acknowledged survives a crash of the
 * process at any instant.
 *
 * <p>Reads see every acknowledged signal (read-your-writes on the region that acknowledged it). At
 * other regions, a read carrying the writer's {@link ReadToken} waits until the region applied
 * those writes, or fails with a {@link StaleReadException}; a read with a staleness bound answers
 * only if the region heard from the shard's leader within it.
 *
 * <p>Bad input is refused with an {@link InvalidArgumentException} (or {@link
 * UnknownTenantException}) that names the value; nothing is stored and the store keeps serving. A
 * store that is closed or stopping throws {@link UnavailableException}. Thread-safe.
 */
@ProviderType
public interface SignalStore {
  /**
   * The most entities one {@link #top(TenantId, SignalType, int, Timestamp)} (or page of {@link
   * #topPage}) may ask for. Each shard keeps an index of the best entities of every type at twice
   * the largest k asked so far, so a top query costs O(k), not O(entities).
   */
  int MAX_TOP_K = 1_000;

  /**
   * Logs a signal and returns a ticket without waiting for it to be durable. Allocation-free.
   *
   * @param tenant the tenant
   * @param type the signal type
   * @param entity the entity id
   * @param weight a finite weight; negative weights are retractions
   * @param eventTimeMillis the event time in ms since the epoch, not too far in the future
   * @return a ticket to pass to {@link #awaitDurable}; decode it with {@link SignalTickets}
   * @throws InvalidArgumentException for bad input, naming the value
   * @throws UnknownTenantException for a tenant the store does not know
   * @throws UnavailableException if the store is closed
   */
  long submit(TenantId tenant, SignalType type, long entity, double weight, long eventTimeMillis);

  /**
   * Waits until the signal of a ticket, and every signal submitted before it to the same shard, is
   * durable and visible to reads.
   *
   * @param ticket a ticket from {@link #submit}
   * @param timeout how long to wait at most
   * @throws UnavailableException if the timeout passes or the store fails or closes meanwhile
   */
  void awaitDurable(long ticket, Duration timeout);

  /**
   * Checks a signal as {@link #signal(Signal, Durability)} would before storing it (the store is
   * open, the tenant known, the weight within the store's bound, the event time not too far ahead
   * of its clock) and stores nothing: a caller that takes a batch checks every signal first, so a
   * bad one refuses the whole batch before any of it is stored. The default checks nothing beyond
   * what {@link Signal} checked when it was made.
   *
   * @param signal the signal
   * @throws InvalidArgumentException for bad input, naming the value
   * @throws UnknownTenantException for a tenant the store does not know
   * @throws UnavailableException if the store is closed
   * @since 1.6.0
   */
  default void check(Signal signal) {
    if (signal == null) {
      throw new InvalidArgumentException("signal", null, "must not be null");
    }
  }

  /**
   * Stores a signal and returns once it is durable at the given level. With replication, a region
   * that does not lead the signal's shard forwards it to the leader; while no leader is known (an
   * election) or the leader cannot be reached, the write waits a bounded time (the store's
   * configuration) for one before it fails with {@link UnavailableException}, whose {@link
   * UnavailableException#mayBeStored()} says whether anything was stored.
   *
   * @param signal the signal
   * @param durability the level to reach before returning
   * @return the acknowledgement
   * @throws InvalidArgumentException for bad input, naming the value
   * @throws UnknownTenantException for a tenant the store does not know
   * @throws UnavailableException if the store is closed or durability is not reached in time
   * @since 1.2.0
   */
  SignalAck signal(Signal signal, Durability durability);

  /**
   * Stores a signal and returns once it is durable locally ({@link Durability#LOCAL}).
   *
   * @param signal the signal
   * @return the acknowledgement
   * @throws InvalidArgumentException for bad input, naming the value
   * @throws UnavailableException if the store is closed
   * @since 1.2.0
   */
  default SignalAck signal(Signal signal) {
    return signal(signal, Durability.LOCAL);
  }

  /**
   * Stores a signal and completes the future once it is durable at the given level, as {@link
   * #signal(Signal, Durability)} does without blocking for the acknowledgement. The future
   * completes on one of the store's few completion threads, never on a thread that commits the log
   * or carries replication, so a continuation that blocks delays other callers' acknowledgements
   * but no commit; chain heavy work with the {@code *Async} methods and an executor of your own.
   *
   * @param signal the signal
   * @param durability the level to reach before completing
   * @return the future acknowledgement; bad input fails it with {@link InvalidArgumentException}
   * @since 1.2.0
   */
  CompletableFuture<SignalAck> signalAsync(Signal signal, Durability durability);

  /**
   * Stores a signal and completes the future once it is durable locally ({@link Durability#LOCAL}).
   *
   * @param signal the signal
   * @return the future acknowledgement; bad input fails it with {@link InvalidArgumentException}
   * @since 1.2.0
   */
  default CompletableFuture<SignalAck> signalAsync(Signal signal) {
    return signalAsync(signal, Durability.LOCAL);
  }

  /**
   * Stores a signal of a client session at most once per (tenant, session, seq) and returns once it
   * is durable at the given level, as {@link #signal(Signal, Durability)} does. A retry with the
   * same {@code session} value and the same signal, at this region or another, returns the original
   * acknowledgement once the original record is durable at {@code durability} (waiting for it if it
   * is not yet), and stores nothing new; if the first attempt is still in flight, it waits for that
   * attempt's outcome. Refused with an {@link InvalidArgumentException} naming session, seq and
   * window, nothing stored: another signal under the same (session, seq), a seq below the session's
   * window, an expired session, a seq far above the highest seen, too many sessions for the tenant
   * (docs/ARCHITECTURE.md, "Client sessions").
   *
   * @param signal the signal
   * @param durability the level to reach before returning
   * @param session the write's session, seq and ackedBelow
   * @return the acknowledgement (for a retry: the original one, at {@code durability})
   * @throws InvalidArgumentException for bad input or a refused session write, naming the values
   * @throws UnknownTenantException for a tenant the store does not know
   * @throws UnavailableException if the store is closed or durability is not reached in time
   *     ({@link UnavailableException#mayBeStored()}: retry with the same {@code session} value)
   * @throws UnsupportedOperationException if this store takes no session writes
   * @since 1.3.0
   */
  default SignalAck signal(Signal signal, Durability durability, SessionSeq session) {
    throw new UnsupportedOperationException(getClass().getName() + " takes no session writes");
  }

  /**
   * Stores a signal of a client session, as {@link #signal(Signal, Durability, SessionSeq)} does
   * without blocking for the acknowledgement; the future completes as {@link #signalAsync(Signal,
   * Durability)}'s does.
   *
   * @param signal the signal
   * @param durability the level to reach before completing
   * @param session the write's session, seq and ackedBelow
   * @return the future acknowledgement; bad input and refusals fail it with {@link
   *     InvalidArgumentException}
   * @since 1.3.0
   */
  default CompletableFuture<SignalAck> signalAsync(
      Signal signal, Durability durability, SessionSeq session) {
    return CompletableFuture.failedFuture(
        new UnsupportedOperationException(getClass().getName() + " takes no session writes"));
  }

  /**
   * Stores a batch of a client session's signals under one (session, seq), at most once per
   * (tenant, session, seq) and shard, and completes once every part is durable at the given level.
   * The batch is checked whole (every signal as {@link #check(Signal)} checks it, all of one
   * tenant) before anything is stored, then split by shard into <em>parts</em>, each shard's
   * signals in the batch's order; each part is stored as one record of its shard's log (or, for a
   * {@link Durability#LOCAL} batch at a region cut off from a shard's leader, of this region's
   * local stream) and acknowledged once, at the position and stamp of its last signal. Each part is
   * routed as a single write is ({@link #signal(Signal, Durability)}: forwarded to its shard's
   * leader, held while no leader is known).
   *
   * <p>A retry sends the same signals in the same order under the same {@code session} value, at
   * this region or another: the parts already stored are answered with their original
   * acknowledgements, the others stored; so a batch whose future failed with {@link
   * UnavailableException#mayBeStored()} true must be retried as it was, never under a new seq.
   * Refused as {@link #signalAsync(Signal, Durability, SessionSeq)} refuses a write (the session
   * table's checks, applied to each part), and with an {@link InvalidArgumentException} for an
   * empty batch, signals of two tenants, or a shard's part larger than one record of its log holds
   * (tens of thousands of signals by default; docs/ARCHITECTURE.md, "Session batches").
   *
   * @param signals the batch: 1 or more signals of one tenant
   * @param durability the level each part reaches before the future completes
   * @param session the batch's session, seq and ackedBelow
   * @return one acknowledgement per part, in the order of each part's first signal in the batch;
   *     the future fails with the first failed part's failure, or, if another part is stored, an
   *     {@link UnavailableException} whose {@link UnavailableException#mayBeStored()} is true and
   *     whose cause is that failure
   * @since 1.9.0
   */
  default CompletableFuture<List<SignalAck>> signalBatchAsync(
      List<Signal> signals, Durability durability, SessionSeq session) {
    return CompletableFuture.failedFuture(
        new UnsupportedOperationException(getClass().getName() + " takes no session batches"));
  }

  /**
   * Stores a batch of a client session's signals as {@link #signalBatchAsync(List, Durability,
   * SessionSeq)} does (same checks, same parts, same retry rules under the same {@code session}
   * value) and answers each signal: one future per signal, in the batch's order. The signals of one
   * part share their part's future: its acknowledgement (the position and stamp of the part's last
   * signal: a part is one record of its shard's log, applied at once, so a {@link ReadToken} raised
   * with it covers each of the part's signals) or its failure, so a caller learns which signals are
   * stored when one part is refused and another stored. A batch refused whole (a bad signal,
   * signals of two tenants, a part too large) fails every future with that refusal, nothing stored.
   * A session client coalescing single writes into batches needs this form: it cannot tell which
   * part holds a signal.
   *
   * <p>The default fails every future with {@link UnsupportedOperationException}, nothing stored.
   *
   * @param signals the batch: 1 or more signals of one tenant
   * @param durability the level each part reaches before its future completes
   * @param session the batch's session, seq and ackedBelow
   * @return one future per signal, in the batch's order (the same future for the signals of one
   *     part); an empty or null batch gives one failed future
   * @since 1.10.0
   */
  default List<CompletableFuture<SignalAck>> signalEachAsync(
      List<Signal> signals, Durability durability, SessionSeq session) {
    CompletableFuture<SignalAck> refused =
        CompletableFuture.failedFuture(
            new UnsupportedOperationException(
                getClass().getName() + " takes no session batches answered per signal"));
    return Collections.nCopies(signals == null || signals.isEmpty() ? 1 : signals.size(), refused);
  }

  /**
   * Stores a batch of plain signals (no session, so no exactly-once: a retry stores them again),
   * split by shard as {@link #signalBatchAsync(List, Durability, SessionSeq)} splits a session's,
   * each part appended in one step of its shard's log and acknowledged once. Taken only by a region
   * that leads every shard the batch touches (held while a leader is unknown, then refused with
   * {@link io.tidaldb.api.replication.NotLeaderException}, nothing stored); signals of several
   * tenants may share a batch.
   *
   * @param signals the batch: 1 or more signals
   * @param durability the level each part reaches before the future completes
   * @return one acknowledgement per part, in the order of each part's first signal in the batch
   * @since 1.9.0
   */
  default CompletableFuture<List<SignalAck>> signalBatchAsync(
      List<Signal> signals, Durability durability) {
    return CompletableFuture.failedFuture(
        new UnsupportedOperationException(getClass().getName() + " takes no batches"));
  }

  /**
   * Stores a signal and returns once it is durable at the given level: {@link #signal(Signal,
   * Durability)} with the signal's fields as arguments.
   *
   * @param tenant the tenant
   * @param type the signal type
   * @param entity the entity
   * @param weight a finite weight; negative weights are retractions
   * @param eventTime when the event happened
   * @param durability the level to reach before returning
   * @return the acknowledgement
   * @throws InvalidArgumentException for bad input, naming the value
   * @throws UnavailableException if the store is closed or durability is not reached in time
   */
  default SignalAck signal(
      TenantId tenant,
      SignalType type,
      EntityId entity,
      double weight,
      Timestamp eventTime,
      Durability durability) {
    return signal(new Signal(tenant, type, entity, weight, eventTime), durability);
  }

  /**
   * Stores a signal and returns once it is durable locally ({@link Durability#LOCAL}).
   *
   * @param tenant the tenant
   * @param type the signal type
   * @param entity the entity
   * @param weight a finite weight; negative weights are retractions
   * @param eventTime when the event happened
   * @return the acknowledgement
   * @throws InvalidArgumentException for bad input, naming the value
   * @throws UnavailableException if the store is closed
   */
  default SignalAck signal(
      TenantId tenant, SignalType type, EntityId entity, double weight, Timestamp eventTime) {
    return signal(tenant, type, entity, weight, eventTime, Durability.LOCAL);
  }

  /**
   * Stores a signal for the {@link TenantId#DEFAULT default} tenant and returns once it is durable.
   *
   * @param type the signal type
   * @param entity the entity
   * @param weight a finite weight; negative weights are retractions
   * @param eventTime when the event happened
   * @return the acknowledgement
   */
  default SignalAck signal(SignalType type, EntityId entity, double weight, Timestamp eventTime) {
    return signal(TenantId.DEFAULT, type, entity, weight, eventTime);
  }

  /**
   * Stores a signal and completes the future once it is durable locally: {@link
   * #signalAsync(Signal)} with the signal's fields as arguments.
   *
   * @param tenant the tenant
   * @param type the signal type
   * @param entity the entity
   * @param weight a finite weight; negative weights are retractions
   * @param eventTime when the event happened
   * @return the future acknowledgement; bad input fails it with {@link InvalidArgumentException}
   */
  default CompletableFuture<SignalAck> signalAsync(
      TenantId tenant, SignalType type, EntityId entity, double weight, Timestamp eventTime) {
    Signal signal;
    try {
      signal = new Signal(tenant, type, entity, weight, eventTime);
    } catch (InvalidArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    return signalAsync(signal);
  }

  /**
   * Stores a signal for the {@link TenantId#DEFAULT default} tenant, asynchronously.
   *
   * @param type the signal type
   * @param entity the entity
   * @param weight a finite weight; negative weights are retractions
   * @param eventTime when the event happened
   * @return the future acknowledgement
   */
  default CompletableFuture<SignalAck> signalAsync(
      SignalType type, EntityId entity, double weight, Timestamp eventTime) {
    return signalAsync(TenantId.DEFAULT, type, entity, weight, eventTime);
  }

  /**
   * Reads the aggregate of one entity, with the decayed score computed for {@code at}.
   *
   * @param tenant the tenant
   * @param type the signal type
   * @param entity the entity
   * @param at the time to decay the score to
   * @return the aggregate; {@link SignalAggregate#empty} for an entity with no signals
   * @throws UnknownTenantException for a tenant the store does not know
   * @throws InvalidArgumentException if {@code at} lies so far before the entity's newest signals
   *     that its score overflows a double (forward decay multiplies by {@code 2^(age/half-life)}:
   *     about 1,000 half-lives back); the message names {@code at} and the earliest time allowed
   */
  SignalAggregate read(TenantId tenant, SignalType type, EntityId entity, Timestamp at);

  /**
   * Reads the aggregate of one entity now.
   *
   * @param tenant the tenant
   * @param type the signal type
   * @param entity the entity
   * @return the aggregate
   */
  default SignalAggregate read(TenantId tenant, SignalType type, EntityId entity) {
    return read(tenant, type, entity, Timestamp.now());
  }

  /**
   * Reads the aggregate of one entity of the {@link TenantId#DEFAULT default} tenant now.
   *
   * @param type the signal type
   * @param entity the entity
   * @return the aggregate
   */
  default SignalAggregate read(SignalType type, EntityId entity) {
    return read(TenantId.DEFAULT, type, entity);
  }

  /**
   * Returns the {@code k} entities of a type with the highest decayed score at {@code at}, highest
   * first; ties are ordered by entity id. Entities with no positive score are omitted.
   *
   * @param tenant the tenant
   * @param type the signal type
   * @param k how many entities at most, 1 to {@link #MAX_TOP_K}
   * @param at the time to decay scores to
   * @return at most {@code k} entities
   * @throws InvalidArgumentException if {@code k} is below 1 or above {@link #MAX_TOP_K}, or if
   *     {@code at} lies so far before an entity's newest signals that its score overflows (as for
   *     {@link #read(TenantId, SignalType, EntityId, Timestamp)})
   */
  List<RankedEntity> top(TenantId tenant, SignalType type, int k, Timestamp at);

  /**
   * Returns one page of the ranking {@link #top(TenantId, SignalType, int, Timestamp)} gives: the
   * entities ranked {@code offset + 1} to {@code offset + k} at {@code at} (fewer, or none, past
   * the end). The default asks {@code top} for {@code offset + k} and drops the first {@code
   * offset}.
   *
   * @param tenant the tenant
   * @param type the signal type
   * @param offset how many of the best to skip, {@code >= 0}
   * @param k how many entities at most, {@code >= 1}; {@code offset + k} at most {@link #MAX_TOP_K}
   * @param at the time to decay scores to
   * @return at most {@code k} entities, highest first
   * @throws InvalidArgumentException if {@code offset} is negative, {@code k} below 1, or {@code
   *     offset + k} above {@link #MAX_TOP_K}
   */
  default List<RankedEntity> topPage(
      TenantId tenant, SignalType type, int offset, int k, Timestamp at) {
    if (offset < 0) {
      throw new InvalidArgumentException("offset", offset, "must be >= 0");
    }
    if (k < 1 || (long) offset + k > MAX_TOP_K) {
      throw new InvalidArgumentException(
          "k", k, "must be >= 1 with offset + k (offset " + offset + ") at most " + MAX_TOP_K);
    }
    List<RankedEntity> ranked = top(tenant, type, offset + k, at);
    return ranked.subList(Math.min(offset, ranked.size()), ranked.size());
  }

  /**
   * Returns the {@code k} entities with the highest decayed score now.
   *
   * @param tenant the tenant
   * @param type the signal type
   * @param k how many entities at most, 1 to {@link #MAX_TOP_K}
   * @return at most {@code k} entities, highest first
   */
  default List<RankedEntity> top(TenantId tenant, SignalType type, int k) {
    return top(tenant, type, k, Timestamp.now());
  }

  /**
   * Reads the aggregate of one entity once this region has applied everything {@code after} records
   * for the entity's shard (read-your-writes at any region): waits up to the store's read wait for
   * the shard's log to be applied through the token's position, then answers; never an older
   * answer.
   *
   * <p>The default answers {@link #read(TenantId, SignalType, EntityId, Timestamp)} for an empty
   * token and throws {@link UnsupportedOperationException} otherwise.
   *
   * @param tenant the tenant
   * @param type the signal type
   * @param entity the entity
   * @param at the time to decay the score to
   * @param after the writes the answer must see ({@link ReadToken#EMPTY} for none)
   * @return the aggregate
   * @throws StaleReadException if the region did not apply the token's position in time, or the
   *     token names a write of another region's own stream, naming the values
   * @throws UnknownTenantException for a tenant the store does not know
   * @since 1.4.0
   */
  default SignalAggregate read(
      TenantId tenant, SignalType type, EntityId entity, Timestamp at, ReadToken after) {
    if (after != null && after.isEmpty()) {
      return read(tenant, type, entity, at);
    }
    throw new UnsupportedOperationException(getClass().getName() + " takes no read tokens");
  }

  /**
   * Reads the aggregate of one entity if this region is at most {@code maxLag} behind the shard's
   * leader (bounded staleness): it leads the shard, or heard from its leader within {@code maxLag}.
   * Answers at once or fails; never waits.
   *
   * <p>The default throws {@link UnsupportedOperationException}.
   *
   * @param tenant the tenant
   * @param type the signal type
   * @param entity the entity
   * @param at the time to decay the score to
   * @param maxLag how long ago the leader may have been heard from at most, not negative
   * @return the aggregate
   * @throws StaleReadException if the leader was not heard from within {@code maxLag}, naming the
   *     lag
   * @since 1.4.0
   */
  default SignalAggregate read(
      TenantId tenant, SignalType type, EntityId entity, Timestamp at, Duration maxLag) {
    throw new UnsupportedOperationException(getClass().getName() + " takes no staleness bound");
  }

  /**
   * Returns the top {@code k} entities as {@link #top(TenantId, SignalType, int, Timestamp)} once
   * this region has applied everything {@code after} records (every shard it names), waiting as
   * {@link #read(TenantId, SignalType, EntityId, Timestamp, ReadToken)} does.
   *
   * <p>The default answers {@link #top(TenantId, SignalType, int, Timestamp)} for an empty token
   * and throws {@link UnsupportedOperationException} otherwise.
   *
   * @param tenant the tenant
   * @param type the signal type
   * @param k how many entities at most, 1 to {@link #MAX_TOP_K}
   * @param at the time to decay scores to
   * @param after the writes the answer must see
   * @return at most {@code k} entities, highest first
   * @throws StaleReadException if a shard the token names is not applied through it in time
   * @since 1.4.0
   */
  default List<RankedEntity> top(
      TenantId tenant, SignalType type, int k, Timestamp at, ReadToken after) {
    if (after != null && after.isEmpty()) {
      return top(tenant, type, k, at);
    }
    throw new UnsupportedOperationException(getClass().getName() + " takes no read tokens");
  }

  /**
   * Returns the top {@code k} entities as {@link #top(TenantId, SignalType, int, Timestamp)} if,
   * for every shard, this region leads it or heard from its leader within {@code maxLag}.
   *
   * <p>The default throws {@link UnsupportedOperationException}.
   *
   * @param tenant the tenant
   * @param type the signal type
   * @param k how many entities at most, 1 to {@link #MAX_TOP_K}
   * @param at the time to decay scores to
   * @param maxLag how long ago each shard's leader may have been heard from at most
   * @return at most {@code k} entities, highest first
   * @throws StaleReadException naming the first shard whose leader was not heard from in time
   * @since 1.4.0
   */
  default List<RankedEntity> top(
      TenantId tenant, SignalType type, int k, Timestamp at, Duration maxLag) {
    throw new UnsupportedOperationException(getClass().getName() + " takes no staleness bound");
  }

  /**
   * Returns the store's positions and counters.
   *
   * @return a point-in-time status
   * @throws UnavailableException if the store is closed
   */
  StoreStatus status();

  /**
   * Returns the {@code k} entities of the {@link TenantId#DEFAULT default} tenant with the highest
   * decayed score now.
   *
   * @param type the signal type
   * @param k how many entities at most, 1 to {@link #MAX_TOP_K}
   * @return at most {@code k} entities, highest first
   */
  default List<RankedEntity> top(SignalType type, int k) {
    return top(TenantId.DEFAULT, type, k);
  }

  /**
   * Returns what the tenant uses in this region: its entities and its state bytes as snapshots
   * encode them (see {@link TenantUsage}). The default reports nothing.
   *
   * @param tenant the tenant
   * @return its usage, or empty if this store does not report usage
   * @throws UnavailableException if the store is closed
   * @since 1.8.0
   */
  default Optional<TenantUsage> usage(TenantId tenant) {
    return Optional.empty();
  }
}
