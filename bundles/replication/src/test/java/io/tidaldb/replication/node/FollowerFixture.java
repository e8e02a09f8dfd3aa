package io.tidaldb.replication.node;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.replication.ReplicaState;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.api.wal.CommitListener;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.replication.wire.Frame;
import io.tidaldb.replication.wire.FrameDecoder;
import io.tidaldb.replication.wire.FrameDescriptor;
import io.tidaldb.replication.wire.FrameEncoder;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/**
 * Region B following region A for one shard, as in issue 9's sequence 2a: B is a real {@link
 * ShardReplica} over a real WAL whose commit listener the test supplies (to hold or meter B's
 * durability); A is a real {@link LeaderSide} over its own WAL; the candidate C is played by the
 * test's frames. Every call is made on the calling (test) thread, which becomes the shard's owner.
 * Every frame B sends is captured with B's durable position at the time it was sent.
 */
final class FollowerFixture implements AutoCloseable {
  static final int SHARD = 0;
  static final RegionId A = RegionId.of(0);
  static final RegionId B = RegionId.of(1);
  static final RegionId C = RegionId.of(2);
  static final List<RegionId> REGIONS = List.of(A, B, C);
  static final long TIMEOUT = TimeUnit.SECONDS.toNanos(10);

  final WalEngine walA;
  final WalEngine walB;
  final ShardLog logA;
  final ShardLog logB;
  final Capture sentByB;
  final ShardReplica replicaB;
  final LeaderSide leaderA;

  /** Every known commit B's store was told ({@link ReplicaState#onCommitted}), in order. */
  final List<Long> committedB = new java.util.concurrent.CopyOnWriteArrayList<>();

  private long now = 1_000_000_000L;
  private final ByteBuffer scratch =
      ByteBuffer.allocate(FrameDescriptor.HEADER_LENGTH + FrameDescriptor.MAX_FIXED_BODY_LENGTH)
          .order(ByteOrder.LITTLE_ENDIAN);

  /**
   * Opens both WALs under {@code dir} and builds B and A.
   *
   * @param listenerB B's commit listener: it runs on B's commit thread before each batch becomes
   *     durable
   */
  FollowerFixture(Path dir, CommitListener listenerB) {
    walA = WalEngine.open(WalConfig.builder(dir.resolve("wal-a")).shardCount(1).build());
    walB = WalEngine.open(WalConfig.builder(dir.resolve("wal-b")).shardCount(1).build());
    logA = walA.shard(SHARD);
    logB = walB.shard(SHARD);
    logB.setCommitListener(listenerB);
    sentByB = new Capture(B, logB::durablePosition);
    ReplicaState cutter =
        new ReplicaState() {
          @Override
          public long truncateLog(int shard, long position, long fenceEpoch) {
            return logB.truncateFrom(position);
          }

          @Override
          public void onCommitted(int shard, long position) {
            committedB.add(position);
          }
        };
    DropCounters drops = new DropCounters(B);
    ReplicationConfig configB = ReplicationConfig.defaults(B, REGIONS, dir.resolve("epochs-b"));
    ForwardOrigin forwards =
        new ForwardOrigin(
            B,
            configB.regions(),
            sentByB,
            drops,
            configB.durabilityTimeout().toNanos(),
            new ShardReplica[1],
            io.tidaldb.transport.inprocess.InProcessConfig.DEFAULT_MAX_FRAME_BYTES,
            () -> {},
            r -> java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException()));
    replicaB =
        new ShardReplica(
            SHARD,
            configB,
            logB,
            sentByB,
            () -> cutter,
            drops,
            new FrameInbox(),
            () -> {},
            forwards,
            Runnable::run,
            new SizeLimits(logB.maxBatchBytes(), logB.maxBatchBytes()),
            now);
    ReplicationConfig configA = ReplicationConfig.defaults(A, REGIONS, dir.resolve("epochs-a"));
    leaderA = new LeaderSide(SHARD, configA, logA, new Capture(A, () -> -1), () -> {});
  }

  @Override
  public void close() {
    try {
      walA.close();
    } finally {
      walB.close();
    }
  }

  /** B follows A in epoch 1 and syncs with it (its sync ACK starts A's shipping). */
  void followA() {
    deliver(A, encoder().heartbeat(out(), 0, SHARD, A.value(), 1, logA.durablePosition(), now));
    replicaB.doWork(tick());
    deliver(A, encoder().epochEnd(out(), 0, SHARD, A.value(), 1, 0, 0));
    replicaB.doWork(tick());
  }

  /**
   * Appends {@code records} records at A, durable, in one batch each; returns the last position.
   */
  long appendAtA(int records) {
    long last = -1;
    for (int i = 0; i < records; i++) {
      last =
          logA.nextPosition() == 0
              ? logA.appendDefine(1, "acme", "view")
              : logA.appendSignal(1, 42 + i, 1.0, 1_700_000_000_000L + i, i + 1, A.value());
    }
    logA.awaitDurable(last, TIMEOUT);
    return last;
  }

  /** Runs B's rounds (as its replication thread would when its log wakes it) until it acks. */
  Frame awaitAck(long hwm) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .pollInSameThread()
        .until(
            () -> {
              replicaB.doWork(tick());
              return sentByB.any(FrameDescriptor.ACK, f -> f.ackHwm() == hwm);
            });
    return sentByB.last(FrameDescriptor.ACK);
  }

  /** A's WAL batch reaches B in a WAL_BATCH frame of epoch 1. */
  void deliverBatch(ByteBuffer batch) {
    ByteBuffer frame =
        ByteBuffer.allocate(FrameDescriptor.HEADER_LENGTH + batch.remaining())
            .order(ByteOrder.LITTLE_ENDIAN);
    int length =
        new FrameEncoder(logB.maxBatchBytes() + 1024)
            .walBatch(frame, 0, SHARD, A.value(), 1, batch.duplicate());
    Frame f = new FrameDecoder(length).decode(frame.limit(length));
    replicaB.onFrame(A, f.copy(), tick());
  }

  /** The control frame of {@code length} bytes last encoded into {@link #out} reaches B. */
  void deliver(RegionId from, int length) {
    ByteBuffer raw = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    raw.put(scratch.duplicate().limit(length)).flip();
    Frame f = new FrameDecoder(FrameDescriptor.MAX_FIXED_BODY_LENGTH).decode(raw.duplicate());
    replicaB.onFrame(from, f.copy(), tick());
  }

  /** Advances the test's monotonic clock by 1 ms and returns it. */
  long tick() {
    now += 1_000_000L;
    return now;
  }

  /** Returns the test's monotonic clock. */
  long now() {
    return now;
  }

  /** Returns the scratch buffer to encode one control frame into. */
  ByteBuffer out() {
    scratch.clear();
    return scratch;
  }

  static FrameEncoder encoder() {
    return new FrameEncoder(FrameDescriptor.MAX_FIXED_BODY_LENGTH);
  }

  /**
   * A frame a region sent.
   *
   * @param to the destination
   * @param frame the decoded frame, over its own copy of the bytes
   * @param durableAtSend the sender's durable position read when it was sent
   */
  record Sent(RegionId to, Frame frame, long durableAtSend) {}

  /** An endpoint that keeps a copy of every frame sent, with the sender's durable position. */
  static final class Capture implements TransportEndpoint {
    private final RegionId self;
    private final LongSupplier durable;
    private final List<Sent> sent = new ArrayList<>();

    Capture(RegionId self, LongSupplier durable) {
      this.self = self;
      this.durable = durable;
    }

    @Override
    public RegionId local() {
      return self;
    }

    @Override
    public synchronized SendStatus send(RegionId to, ByteBuffer frame) {
      ByteBuffer copy = ByteBuffer.allocate(frame.remaining()).order(ByteOrder.LITTLE_ENDIAN);
      copy.put(frame.duplicate()).flip();
      Frame f = new FrameDecoder(FrameDescriptor.MAX_FIXED_BODY_LENGTH).decode(copy);
      sent.add(new Sent(to, f, durable.getAsLong()));
      return SendStatus.SENT;
    }

    /** Returns the frames sent so far, oldest first. */
    synchronized List<Sent> sent() {
      return List.copyOf(sent);
    }

    synchronized boolean any(short type, Predicate<Frame> test) {
      for (Sent s : sent) {
        if (s.frame().type() == type && test.test(s.frame())) {
          return true;
        }
      }
      return false;
    }

    synchronized Frame last(short type) {
      for (int i = sent.size() - 1; i >= 0; i--) {
        Frame f = sent.get(i).frame();
        if (f.type() == type) {
          return f;
        }
      }
      throw new AssertionError("no frame of type " + type + " sent by " + self);
    }

    @Override
    public void close() {}
  }
}
