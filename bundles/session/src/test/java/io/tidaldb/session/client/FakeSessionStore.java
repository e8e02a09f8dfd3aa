package io.tidaldb.session.client;

import io.tidaldb.api.Durability;
import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.UnavailableException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * One region's {@link SignalStore} over a {@link FakeSessions} shared by every region, implementing
 * the session contract exactly: the first write of a (tenant, session, seq) is stored and
 * acknowledged, a retry answers that first acknowledgement, another signal under the same seq and a
 * seq below the session's window are refused. Each call takes its {@link Step} (fault and reply
 * delay) from a supplier; replies come through a {@link ManualScheduler}.
 */
final class FakeSessionStore extends SessionOnlyStore {
  /** What happens to one call. */
  enum Fault {
    /** Stored (or found), acknowledged after the delay. */
    NONE,
    /** Stored (or found), then {@code UnavailableException} with mayBeStored true. */
    LOST_REPLY,
    /** Stored (or found), no reply ever: the client's attempt timeout decides. */
    SILENT_AFTER_STORE,
    /** Nothing stored, no reply ever. */
    SILENT_BEFORE_STORE,
    /** Nothing stored, {@code UnavailableException} with mayBeStored false. */
    NOT_STORED,
    /** Nothing stored, {@code UnavailableException} with mayBeStored true (a lost request). */
    LOST_REQUEST,
    /** A session refusal (too many sessions), unless the seq is stored: then the first ack. */
    REFUSAL,
    /** The call itself throws (a store bug or a closed client): nothing stored. */
    THROWS,
    /** The api's default for a store without session writes: nothing stored. */
    NO_SESSION_WRITES,
    /**
     * Stored (or found), then the store's answer to a batch refused in another part: {@code
     * UnavailableException} with mayBeStored true whose cause is the refusal.
     */
    PARTLY_REFUSED
  }

  /** One call's fault and reply delay. */
  record Step(Fault fault, long delayMillis) {
    static final Step OK = new Step(Fault.NONE, 0);
  }

  private final int region;
  private final FakeSessions sessions;
  private final ManualScheduler scheduler;
  private final Supplier<Step> steps;

  FakeSessionStore(
      int region, FakeSessions sessions, ManualScheduler scheduler, Supplier<Step> steps) {
    this.region = region;
    this.sessions = sessions;
    this.scheduler = scheduler;
    this.steps = steps;
  }

  @Override
  public CompletableFuture<SignalAck> signalAsync(
      Signal signal, Durability durability, SessionSeq session) {
    return call(signal, signal.tenant(), durability, session, ack -> ack);
  }

  /** A batch is one write under its seq here (one ack): what the client's retries need. */
  @Override
  public CompletableFuture<List<SignalAck>> signalBatchAsync(
      List<Signal> signals, Durability durability, SessionSeq session) {
    return call(List.copyOf(signals), signals.get(0).tenant(), durability, session, List::of);
  }

  /** A batch is one part here: every signal answered by the batch's one future. */
  @Override
  public List<CompletableFuture<SignalAck>> signalEachAsync(
      List<Signal> signals, Durability durability, SessionSeq session) {
    CompletableFuture<SignalAck> part =
        call(List.copyOf(signals), signals.get(0).tenant(), durability, session, ack -> ack);
    return java.util.Collections.nCopies(signals.size(), part);
  }

  private <T> CompletableFuture<T> call(
      Object payload,
      TenantId tenant,
      Durability durability,
      SessionSeq session,
      java.util.function.Function<SignalAck, T> answer) {
    Step step = steps.get();
    sessions.call(region, payload, durability, session);
    CompletableFuture<T> reply = new CompletableFuture<>();
    switch (step.fault()) {
      case NONE, LOST_REPLY, SILENT_AFTER_STORE, PARTLY_REFUSED -> {
        SignalAck ack;
        try {
          ack = sessions.store(region, tenant, payload, durability, session);
        } catch (InvalidArgumentException refused) {
          later(step, () -> reply.completeExceptionally(refused));
          return reply;
        }
        if (step.fault() == Fault.NONE) {
          later(step, () -> reply.complete(answer.apply(ack)));
        } else if (step.fault() == Fault.LOST_REPLY) {
          later(step, () -> reply.completeExceptionally(unavailable(session, true)));
        } else if (step.fault() == Fault.PARTLY_REFUSED) {
          later(
              step,
              () ->
                  reply.completeExceptionally(
                      new UnavailableException(
                          "the part of shard 1 failed while the parts of shards [0] are stored",
                          new InvalidArgumentException("seq", session.seq(), "below the window"))));
        }
      }
      case SILENT_BEFORE_STORE -> {}
      case NOT_STORED ->
          later(step, () -> reply.completeExceptionally(unavailable(session, false)));
      case LOST_REQUEST ->
          later(step, () -> reply.completeExceptionally(unavailable(session, true)));
      case REFUSAL -> {
        SignalAck first = sessions.firstAck(tenant, session);
        later(
            step,
            () -> {
              if (first != null) {
                reply.complete(answer.apply(first));
              } else {
                reply.completeExceptionally(
                    new InvalidArgumentException(
                        "session",
                        SessionSeq.hex(session.session()),
                        "too many live sessions for tenant " + tenant.name()));
              }
            });
      }
      case THROWS -> throw new IllegalStateException("region " + region + " threw on " + session);
      case NO_SESSION_WRITES -> {
        return CompletableFuture.failedFuture(
            new UnsupportedOperationException(getClass().getName() + " takes no session writes"));
      }
    }
    return reply;
  }

  private void later(Step step, Runnable reply) {
    if (step.delayMillis() == 0) {
      reply.run();
    } else {
      scheduler.schedule(step.delayMillis() * 1_000_000, reply);
    }
  }

  private UnavailableException unavailable(SessionSeq session, boolean mayBeStored) {
    return new UnavailableException(
        "region " + region + ": " + session + (mayBeStored ? " may be stored" : " not stored"),
        mayBeStored,
        RegionId.of(region));
  }

  @Override
  public SignalAck signal(Signal signal, Durability durability, SessionSeq session) {
    return signalAsync(signal, durability, session).join();
  }

  static SignalAck ack(int position, Durability durability) {
    return new SignalAck(ShardId.of(0), position, new HlcStamp(position), durability);
  }
}
