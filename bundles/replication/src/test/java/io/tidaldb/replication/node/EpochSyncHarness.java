package io.tidaldb.replication.node;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.replication.ReplicaState;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import io.tidaldb.replication.shipping.FollowerDb;
import io.tidaldb.replication.shipping.FollowerFeed;
import io.tidaldb.replication.wire.Frame;
import io.tidaldb.replication.wire.FrameDecoder;
import io.tidaldb.replication.wire.FrameDescriptor;
import io.tidaldb.replication.wire.FrameEncoder;
import io.tidaldb.wal.BatchDescriptor;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One follower's {@link EpochSync} against a leader's log, both real WALs of one shard, with the
 * frames passed by hand: the follower's EPOCH_END_REQUEST is answered as a leader answers it (the
 * largest epoch {@code <=} the asked one and where it ends, {@link ShardLog#endOfEpoch} and the
 * epoch of the batch before that end), cuts go straight to {@link ShardLog#truncateFrom}.
 */
final class EpochSyncHarness implements AutoCloseable {
  static final RegionId LEADER = RegionId.of(0);
  static final RegionId FOLLOWER = RegionId.of(1);
  static final long LEADER_EPOCH = 1_000;
  private static final long TIMEOUT = TimeUnit.SECONDS.toNanos(10);

  final WalEngine leaderWal;
  final WalEngine followerWal;
  final ShardLog leader;
  final ShardLog follower;
  final List<Long> cuts = new ArrayList<>();
  long syncedAt = -1;
  private final Deque<Frame> sent = new ArrayDeque<>();
  private final FrameDecoder decoder = new FrameDecoder(FrameDescriptor.MAX_FIXED_BODY_LENGTH);
  private final Path dir;

  EpochSyncHarness(Path dir) {
    this.dir = dir;
    this.leaderWal = WalEngine.open(WalConfig.builder(dir.resolve("leader")).shardCount(1).build());
    this.followerWal =
        WalEngine.open(WalConfig.builder(dir.resolve("follower")).shardCount(1).build());
    this.leader = leaderWal.shard(0);
    this.follower = followerWal.shard(0);
  }

  /** Appends {@code count} records of {@code epoch} to {@code log} and waits until durable. */
  static void append(ShardLog log, long epoch, int count, int tag) {
    if (log.epoch() < epoch) {
      log.advanceEpoch(epoch);
    }
    long last = -1;
    for (int i = 0; i < count; i++) {
      last = log.appendSignal(1, tag * 1_000L + i, 1.0, 1_700_000_000_000L + i, i + 1, tag);
    }
    log.awaitDurable(last, TIMEOUT);
  }

  /** Feeds {@code batches} to {@code log} verbatim and waits until durable. */
  static void replicate(ShardLog log, List<ByteBuffer> batches) {
    long end = -1;
    for (ByteBuffer b : batches) {
      end = log.appendReplicated(b);
    }
    if (end > 0) {
      log.awaitDurable(end - 1, TIMEOUT);
    }
  }

  /**
   * Runs the follower's sync with the leader of {@link #LEADER_EPOCH} to its end, then ships the
   * leader's batches from the follower's HWM through a {@link FollowerDb}, as the leader's shipper
   * would; returns how many EPOCH_END_REQUESTs the sync sent.
   */
  int syncAndCatchUp() {
    TransportEndpoint endpoint = new CapturingEndpoint();
    FollowerDb db = new FollowerDb(follower, endpoint);
    ReplicationConfig config =
        ReplicationConfig.defaults(FOLLOWER, List.of(LEADER, FOLLOWER), dir.resolve("epochs"));
    ReplicaState store =
        (shard, position, fenceEpoch) -> {
          cuts.add(position);
          return follower.truncateFrom(position);
        };
    EpochSync sync =
        new EpochSync(
            0, config, follower, () -> store, db, new ControlFrames(0, endpoint), Runnable::run);
    sync.begin(LEADER_EPOCH);
    int requests = 0;
    long now = 0;
    for (int round = 0; !sync.synced(); round++) {
      if (round > 1_000) {
        throw new AssertionError("the sync did not end: follower " + batches(follower));
      }
      now += config.heartbeatInterval().toNanos();
      sync.step(LEADER, now);
      for (Frame f = sent.poll(); f != null; f = sent.poll()) {
        if (f.type() == FrameDescriptor.EPOCH_END_REQUEST) {
          requests++;
          sync.onAnswer(LEADER, LEADER, answer(f.epochEndRequestLastEpoch()));
        }
      }
    }
    syncedAt = follower.durablePosition();
    for (ByteBuffer b : batches(leader)) {
      if (b.getLong(BatchDescriptor.FIRST_POSITION_OFFSET) >= follower.nextPosition()) {
        FollowerFeed.offer(db, LEADER, b.getLong(BatchDescriptor.EPOCH_OFFSET), b);
      }
    }
    long end = follower.nextPosition();
    if (end > 0) {
      follower.awaitDurable(end - 1, TIMEOUT);
    }
    return requests;
  }

  /**
   * Runs {@code rounds} rounds of the follower's sync against {@code store}, {@code stepNanos}
   * apart, answering every EPOCH_END_REQUEST at once; returns the sync (synced or not).
   */
  EpochSync syncRounds(ReplicaState store, int rounds, long stepNanos) {
    TransportEndpoint endpoint = new CapturingEndpoint();
    FollowerDb db = new FollowerDb(follower, endpoint);
    ReplicationConfig config =
        ReplicationConfig.defaults(FOLLOWER, List.of(LEADER, FOLLOWER), dir.resolve("epochs"));
    EpochSync sync =
        new EpochSync(
            0, config, follower, () -> store, db, new ControlFrames(0, endpoint), Runnable::run);
    sync.begin(LEADER_EPOCH);
    long now = 0;
    for (int round = 0; round < rounds && !sync.synced(); round++) {
      now += stepNanos;
      sync.step(LEADER, now);
      for (Frame f = sent.poll(); f != null; f = sent.poll()) {
        if (f.type() == FrameDescriptor.EPOCH_END_REQUEST) {
          sync.onAnswer(LEADER, LEADER, answer(f.epochEndRequestLastEpoch()));
        }
      }
    }
    return sync;
  }

  /** The leader's EPOCH_END for a follower whose last epoch is {@code lastEpoch}. */
  private Frame answer(long lastEpoch) {
    long end = leader.endOfEpoch(lastEpoch);
    long found = 0;
    if (end > 0) {
      try (WalReader reader = leader.openReader(end - 1)) {
        found = reader.next().epoch();
      }
    }
    ByteBuffer out =
        ByteBuffer.allocate(FrameDescriptor.HEADER_LENGTH + FrameDescriptor.MAX_FIXED_BODY_LENGTH)
            .order(ByteOrder.LITTLE_ENDIAN);
    int length =
        new FrameEncoder(FrameDescriptor.MAX_FIXED_BODY_LENGTH)
            .epochEnd(out, 0, 0, LEADER.value(), LEADER_EPOCH, found, end);
    out.limit(length);
    return decoder.decode(out);
  }

  /** The batches of {@code batches} that end at or below {@code end}. */
  static List<ByteBuffer> upTo(List<ByteBuffer> batches, long end) {
    List<ByteBuffer> out = new ArrayList<>();
    for (ByteBuffer b : batches) {
      long first = b.getLong(BatchDescriptor.FIRST_POSITION_OFFSET);
      if (first + b.getInt(BatchDescriptor.RECORD_COUNT_OFFSET) <= end) {
        out.add(b);
      }
    }
    return out;
  }

  /** Copies every durable batch of {@code log}. */
  static List<ByteBuffer> batches(ShardLog log) {
    List<ByteBuffer> out = new ArrayList<>();
    try (WalReader reader = log.openReader(log.startPosition())) {
      for (WalBatch b = reader.next(); b != null; b = reader.next()) {
        ByteBuffer src = b.bytes();
        ByteBuffer copy = ByteBuffer.allocate(src.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(src.duplicate()).flip();
        out.add(copy);
      }
    }
    return out;
  }

  @Override
  public void close() {
    leaderWal.close();
    followerWal.close();
  }

  /** The follower's endpoint: keeps the frames it sends, decoded. */
  private final class CapturingEndpoint implements TransportEndpoint {
    @Override
    public RegionId local() {
      return FOLLOWER;
    }

    @Override
    public SendStatus send(RegionId to, ByteBuffer frame) {
      ByteBuffer copy = ByteBuffer.allocate(frame.remaining()).order(ByteOrder.LITTLE_ENDIAN);
      copy.put(frame.duplicate()).flip();
      sent.add(decoder.decode(copy));
      return SendStatus.SENT;
    }

    @Override
    public void close() {}
  }
}
