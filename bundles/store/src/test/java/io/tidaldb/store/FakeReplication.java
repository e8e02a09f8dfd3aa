package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.tidaldb.api.Durability;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.api.replication.ReplicaState;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.api.replication.ShardReplicationStatus;
import io.tidaldb.api.wal.ShardLog;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * A {@link Replication} the test controls: which shards this region leads, one future per {@link
 * #whenStored} call that the test completes or fails (or all completed at once), and what a {@link
 * #forward} answers (by default: no leader known).
 */
final class FakeReplication implements Replication {
  static final RegionId LOCAL = RegionId.of(0);

  /** One {@link #forward} call. */
  record Forward(int shard, Signal signal, Durability durability) {}

  /** One {@link #whenStored} call. */
  record Call(int shard, long position, Durability level, CompletableFuture<Void> future) {}

  final Set<Integer> notLeading = ConcurrentHashMap.newKeySet();
  final Map<Integer, Long> retain = new ConcurrentHashMap<>();
  final BlockingQueue<Call> calls = new LinkedBlockingQueue<>();
  final List<ReplicaState> attached = new CopyOnWriteArrayList<>();
  volatile boolean autoComplete = true;

  /** The epoch {@link #checkLeaderEpoch} answers ({@code ANY_EPOCH}: appends unfenced). */
  volatile long leaderEpoch = ShardLog.ANY_EPOCH;

  /** Runs once, in the next leader check that passes, just before it returns (then cleared). */
  final AtomicReference<Runnable> afterCheck = new AtomicReference<>();

  final BlockingQueue<Forward> forwards = new LinkedBlockingQueue<>();
  final AtomicReference<CompletableFuture<Void>> change =
      new AtomicReference<>(new CompletableFuture<>());

  /** The leader a refused check names, or null for none (an election). */
  volatile RegionId knownLeader = RegionId.of(1);

  volatile Function<Forward, CompletableFuture<SignalAck>> forwardAnswer =
      f ->
          CompletableFuture.failedFuture(
              new NotLeaderException(LOCAL, f.shard(), 7, Optional.empty()));

  /**
   * Returns the next whenStored call, waiting up to 60 s for it (the writer making it first waits
   * for a local fsync).
   */
  Call next() throws InterruptedException {
    Call c = calls.poll(60, TimeUnit.SECONDS);
    assertNotNull(c, "no whenStored call within 60 s");
    return c;
  }

  /** What {@link #leaderContactAgeNanos} answers per shard (absent: -1, never heard). */
  final Map<Integer, Long> leaderContactAge = new ConcurrentHashMap<>();

  @Override
  public long leaderContactAgeNanos(int shard) {
    return leaderContactAge.getOrDefault(shard, -1L);
  }

  @Override
  public long retainFrom(int shard) {
    return retain.getOrDefault(shard, Long.MAX_VALUE);
  }

  @Override
  public RegionId region() {
    return LOCAL;
  }

  @Override
  public List<RegionId> regions() {
    return List.of(LOCAL, RegionId.of(1), RegionId.of(2));
  }

  @Override
  public void checkLeader(int shard) {
    if (notLeading.contains(shard)) {
      throw new NotLeaderException(LOCAL, shard, 7, Optional.ofNullable(knownLeader));
    }
  }

  @Override
  public long checkLeaderEpoch(int shard) {
    checkLeader(shard);
    long epoch = leaderEpoch;
    Runnable hook = afterCheck.getAndSet(null);
    if (hook != null) {
      hook.run(); // what other threads do between the check and the store's append
    }
    return epoch;
  }

  @Override
  public CompletableFuture<Void> whenStored(int shard, long position, Durability level) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    if (autoComplete) {
      f.complete(null);
    } else {
      calls.add(new Call(shard, position, level, f));
    }
    return f;
  }

  @Override
  public CompletableFuture<SignalAck> forward(int shard, Signal signal, Durability durability) {
    Forward f = new Forward(shard, signal, durability);
    forwards.add(f);
    return forwardAnswer.apply(f);
  }

  /** One {@link #forwardPart} call. */
  record PartForward(int shard, List<Signal> signals, Durability durability, SessionSeq session) {}

  /** Every {@link #forwardPart} call, in order. */
  final BlockingQueue<PartForward> partForwards = new LinkedBlockingQueue<>();

  /**
   * What {@link #forwardPart} answers when a leader elsewhere is known (else it refuses, nothing
   * sent, as the replication node does): by default the leader's acknowledgement at position 77.
   */
  volatile Function<PartForward, CompletableFuture<SignalAck>> partAnswer =
      f ->
          CompletableFuture.completedFuture(
              new SignalAck(
                  io.tidaldb.api.ShardId.of(f.shard()),
                  77,
                  new io.tidaldb.api.HlcStamp(1L << 20),
                  f.durability()));

  @Override
  public CompletableFuture<SignalAck> forwardPart(
      int shard, List<Signal> signals, Durability durability, SessionSeq session) {
    RegionId leader = knownLeader;
    if (leader == null || leader.equals(LOCAL)) { // as the node: nobody to send to, nothing sent
      return CompletableFuture.failedFuture(
          new NotLeaderException(LOCAL, shard, 7, Optional.ofNullable(leader)));
    }
    PartForward f = new PartForward(shard, signals, durability, session);
    partForwards.add(f);
    return partAnswer.apply(f);
  }

  @Override
  public CompletableFuture<Void> leaderChange(int shard) {
    return change.get();
  }

  /** Completes the futures {@link #leaderChange} handed out: the shard's leadership changed. */
  void leaderChanged() {
    change.getAndSet(new CompletableFuture<>()).complete(null);
  }

  @Override
  public void attach(ReplicaState state) {
    attached.add(state);
  }

  @Override
  public void detach(ReplicaState state) {
    attached.remove(state);
  }

  @Override
  public List<ShardReplicationStatus> status() {
    return List.of();
  }
}
