package io.tidaldb.replication.node;

import static org.awaitility.Awaitility.await;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.replication.ReplicaState;
import io.tidaldb.api.transport.FrameHandler;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.api.wal.WriteAheadLog;
import io.tidaldb.replication.wire.FrameDecoder;
import io.tidaldb.replication.wire.FrameDescriptor;
import io.tidaldb.replication.wire.FrameEncoder;
import io.tidaldb.transport.inprocess.InProcessTransport;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One real {@link ReplicationNode} (region 0, on a manual clock) and two scripted peers (regions 1
 * and 2) that send hand-made frames to it over the in-process transport and record what it sends
 * them. Nothing times out unless the test moves the clock, so each step is deterministic. {@link
 * #holdOwner} stops the node's replication thread in its next clock reading until {@link
 * #releaseOwner}.
 */
final class PeerProbe implements AutoCloseable {
  static final RegionId NODE = RegionId.of(0);
  static final List<RegionId> REGIONS = List.of(NODE, RegionId.of(1), RegionId.of(2));
  static final Duration HEARTBEAT = Duration.ofMillis(20);
  static final Duration ELECTION = Duration.ofMillis(100);
  private static final Duration DEADLINE = Duration.ofSeconds(10);

  /** One frame a peer received from the node: its header, two body longs, and its bytes. */
  record Received(
      RegionId to, short type, int shard, long epoch, long first, long second, byte[] bytes) {}

  final InProcessTransport transport;
  final AtomicLong clock = new AtomicLong(1_000_000_000L);
  final ReplicationNode node;
  final List<Received> received = new CopyOnWriteArrayList<>();

  /** The store attached to the node: it only cuts the log (a test may detach it for its own). */
  final ReplicaState store;

  private final TransportEndpoint[] peers = new TransportEndpoint[3];

  /**
   * While set, the node's sends to region 1 return UNREACHABLE (region 1's frames still arrive).
   */
  volatile boolean unreachableFromNodeTo1;

  private final OwnerGate owner = new OwnerGate();
  private final FrameEncoder encoder =
      new FrameEncoder(FrameDescriptor.MAX_FORWARD_FRAME_LENGTH - FrameDescriptor.HEADER_LENGTH);
  private final ByteBuffer out =
      ByteBuffer.allocate(FrameDescriptor.MAX_FORWARD_FRAME_LENGTH).order(ByteOrder.LITTLE_ENDIAN);

  PeerProbe(Path dir, WriteAheadLog wal) {
    this(dir, wal, io.tidaldb.transport.inprocess.InProcessConfig.DEFAULTS);
  }

  /** A probe whose transport carries frames of at most {@code frames}' bound. */
  PeerProbe(Path dir, WriteAheadLog wal, io.tidaldb.transport.inprocess.InProcessConfig frames) {
    this.transport = new InProcessTransport(frames);
    for (int i = 1; i < 3; i++) {
      RegionId self = REGIONS.get(i);
      FrameDecoder decoder = new FrameDecoder(transport.maxFrameBytes());
      peers[i] =
          transport.open(
              self,
              (from, frame) -> {
                synchronized (decoder) {
                  var f = decoder.decode(frame.duplicate());
                  long first =
                      f.bodyLength() >= 8
                          ? frame
                              .duplicate()
                              .order(ByteOrder.LITTLE_ENDIAN)
                              .getLong(frame.position() + FrameDescriptor.HEADER_LENGTH)
                          : 0;
                  long second =
                      f.bodyLength() >= 16
                          ? frame
                              .duplicate()
                              .order(ByteOrder.LITTLE_ENDIAN)
                              .getLong(frame.position() + FrameDescriptor.HEADER_LENGTH + 8)
                          : 0;
                  byte[] bytes = new byte[frame.remaining()];
                  frame.duplicate().get(bytes);
                  received.add(
                      new Received(self, f.type(), f.shard(), f.epoch(), first, second, bytes));
                }
              });
    }
    node =
        new ReplicationNode(
            ReplicationConfig.defaults(NODE, REGIONS, dir.resolve("epochs"))
                .withTimings(HEARTBEAT, ELECTION)
                .withDurabilityTimeout(Duration.ofSeconds(30))
                .withPauseThreshold(Duration.ZERO),
            wal,
            new Transport() {
              @Override
              public String name() {
                return transport.name();
              }

              @Override
              public int maxFrameBytes() {
                return transport.maxFrameBytes();
              }

              @Override
              public TransportEndpoint open(RegionId local, FrameHandler handler) {
                return unreachableTo1(transport.open(local, handler));
              }
            },
            owner.clock(clock::get));
    store = (shard, position, fenceEpoch) -> wal.shard(shard).truncateFrom(position);
    node.attach(store);
  }

  private TransportEndpoint unreachableTo1(TransportEndpoint inner) {
    return new TransportEndpoint() {
      @Override
      public RegionId local() {
        return inner.local();
      }

      @Override
      public SendStatus send(RegionId to, ByteBuffer frame) {
        return unreachableFromNodeTo1 && to.value() == 1
            ? SendStatus.UNREACHABLE
            : inner.send(to, frame);
      }

      @Override
      public void close() {
        inner.close();
      }
    };
  }

  /** Holds the node's replication thread and returns once it is held. */
  void holdOwner() throws InterruptedException {
    owner.hold(DEADLINE);
  }

  /** Lets the node's replication thread run again. */
  void releaseOwner() {
    owner.release();
  }

  /** Peer {@code from} sends the node a frame encoded by {@code encode}. */
  SendStatus send(int from, Encode encode) {
    synchronized (out) {
      out.clear();
      int length = encode.into(encoder, out, from);
      out.limit(length);
      return peers[from].send(NODE, out);
    }
  }

  /** Peer {@code from} sends the node {@code frame}'s bytes as they are (malformed ones too). */
  SendStatus sendRaw(int from, ByteBuffer frame) {
    return peers[from].send(NODE, frame);
  }

  /** Peer {@code from} heartbeats the node as leader of {@code shard} in {@code epoch}. */
  void heartbeat(int from, int shard, long epoch, long hwm) {
    send(from, (e, b, s) -> e.heartbeat(b, 0, shard, s, epoch, hwm, clock.get()));
  }

  /** Waits until the node knows {@code leader} as the leader of {@code shard}. */
  void awaitLeader(int shard, int leader) {
    await()
        .atMost(DEADLINE)
        .until(() -> node.status().get(shard).leader().map(r -> r.value() == leader).orElse(false));
  }

  /** Lets the node time out and win epoch 1 of shard 0 with region 1's pre-vote and vote. */
  void winEpochOne() {
    clock.addAndGet(ELECTION.multipliedBy(2).toNanos());
    awaitReceived(FrameDescriptor.PRE_VOTE_REQUEST);
    send(1, (e, b, s) -> e.preVote(b, 0, 0, s, 1, true));
    awaitReceived(FrameDescriptor.VOTE_REQUEST);
    send(1, (e, b, s) -> e.vote(b, 0, 0, s, 1, true));
    await()
        .atMost(DEADLINE)
        .until(
            () ->
                node.status().get(0).leader().map(r -> r.value() == 0).orElse(false)
                    && node.status().get(0).epoch() == 1);
  }

  /** Waits until a peer received a frame of {@code type}; returns the first such frame. */
  Received awaitReceived(short type) {
    await().atMost(DEADLINE).until(() -> received.stream().anyMatch(r -> r.type() == type));
    return received.stream().filter(r -> r.type() == type).findFirst().orElseThrow();
  }

  @Override
  public void close() {
    releaseOwner();
    node.close();
    for (TransportEndpoint p : peers) {
      if (p != null) {
        p.close();
      }
    }
    transport.close();
  }

  /** Encodes one frame as peer {@code sender}; returns its length. */
  @FunctionalInterface
  interface Encode {
    int into(FrameEncoder encoder, ByteBuffer out, int sender);
  }
}
