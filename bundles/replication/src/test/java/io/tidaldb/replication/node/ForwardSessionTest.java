package io.tidaldb.replication.node;

import static java.util.stream.Collectors.toSet;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.replication.ReplicaState;
import io.tidaldb.replication.wire.Frame;
import io.tidaldb.replication.wire.FrameDecoder;
import io.tidaldb.replication.wire.FrameDescriptor;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client session's write forwarded to the shard's leader carries its (session, seq, acked below)
 * both ways through the wire: the origin sends FORWARD_SESSION, and the leader hands the store the
 * same {@link SessionSeq} (a plain forward hands it none), so the leader's session table can answer
 * a retry with the original acknowledgement.
 */
class ForwardSessionTest {
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static final SessionSeq SEQ = new SessionSeq(0x5e55_1011_0000_0001L, 7, 5);

  @TempDir Path dir;

  @Test
  void shouldSendASessionWriteToTheLeaderAsForwardSessionAndCompleteWithItsReply()
      throws Exception {
    try (WalEngine wal = wal("origin");
        PeerProbe probe = new PeerProbe(dir.resolve("origin"), wal)) {
      probe.heartbeat(1, 0, 1, 0); // region 1 leads shard 0 in epoch 1
      probe.awaitLeader(0, 1);
      Signal signal = signal(180);
      CompletableFuture<SignalAck> ack = probe.node.forward(0, signal, Durability.QUORUM, SEQ);
      PeerProbe.Received sent = probe.awaitReceived(FrameDescriptor.FORWARD_SESSION);
      assertTrue(
          probe.received.stream().noneMatch(r -> r.type() == FrameDescriptor.FORWARD),
          "sent as a plain FORWARD too");
      Frame f = decode(sent.bytes());
      assertEquals(SEQ, new SessionSeq(f.forwardSession(), f.forwardSeq(), f.forwardAckedBelow()));
      assertEquals(180, f.forwardEntity());
      assertEquals("acme", f.forwardTenant());
      assertEquals("view", f.forwardType());
      assertEquals(FrameDescriptor.DURABILITY_QUORUM, f.forwardDurability());
      assertFalse(ack.isDone());
      long id = f.forwardRequestId();
      probe.send(
          1,
          (e, b, s) ->
              e.forwardReply(b, 0, 0, s, 1, id, 12, 34, FrameDescriptor.DURABILITY_QUORUM));
      assertEquals(
          new SignalAck(ShardId.of(0), 12, new HlcStamp(34), Durability.QUORUM),
          ack.get(DEADLINE.toSeconds(), TimeUnit.SECONDS));
    }
  }

  @Test
  void shouldHandTheStoreTheSessionOfAForwardSessionAndNoneOfAPlainForward() throws Exception {
    List<SessionSeq> sessions = new CopyOnWriteArrayList<>();
    List<Signal> signals = new CopyOnWriteArrayList<>();
    try (WalEngine wal = wal("leader");
        PeerProbe probe = new PeerProbe(dir.resolve("leader"), wal)) {
      ReplicaState cuts = probe.store;
      probe.node.detach(cuts);
      probe.node.attach(
          new ReplicaState() {
            @Override
            public long truncateLog(int shard, long position, long fenceEpoch) {
              return cuts.truncateLog(shard, position, fenceEpoch);
            }

            @Override
            public CompletableFuture<SignalAck> acceptForwarded(
                Signal signal, Durability durability, SessionSeq session) {
              sessions.add(session == null ? new SessionSeq(-1, 1, 1) : session);
              signals.add(signal);
              return CompletableFuture.completedFuture(
                  new SignalAck(ShardId.of(0), signals.size(), new HlcStamp(99), durability));
            }
          });
      probe.winEpochOne();
      probe.send(2, (e, b, s) -> forward(e, b, s, 77, SEQ));
      probe.send(2, (e, b, s) -> forward(e, b, s, 78, null));
      await().atMost(DEADLINE).until(() -> replies(probe).size() == 2);
      // the two requests are handed to the store on two forwarding threads: in either order
      assertEquals(Set.of(SEQ, new SessionSeq(-1, 1, 1)), Set.copyOf(sessions));
      assertEquals(List.of(signal(180), signal(180)), signals);
      assertEquals(Set.of(77L, 78L), replies(probe).stream().map(r -> r.first()).collect(toSet()));
      assertNull(
          probe.received.stream()
              .filter(r -> r.type() == FrameDescriptor.FORWARD_REPLY)
              .filter(r -> r.second() <= 0)
              .findAny()
              .orElse(null),
          "both acknowledged at their positions");
    }
  }

  private static int forward(
      io.tidaldb.replication.wire.FrameEncoder e,
      ByteBuffer b,
      int sender,
      long id,
      SessionSeq session) {
    return e.forward(
        b,
        0,
        0,
        sender,
        1,
        id,
        180,
        1.0,
        1_700_000_000_000L,
        FrameDescriptor.DURABILITY_LOCAL,
        "acme",
        "view",
        session);
  }

  private WalEngine wal(String name) {
    return WalEngine.open(
        WalConfig.builder(dir.resolve(name).resolve("wal")).shardCount(1).build());
  }

  private static Signal signal(long entity) {
    return new Signal(
        TenantId.of("acme"),
        SignalType.of("view"),
        EntityId.of(entity),
        1.0,
        Timestamp.ofMillis(1_700_000_000_000L));
  }

  private static Frame decode(byte[] bytes) {
    return new FrameDecoder(1 << 16).decode(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
  }

  private static List<PeerProbe.Received> replies(PeerProbe probe) {
    return probe.received.stream()
        .filter(r -> r.type() == FrameDescriptor.FORWARD_REPLY && r.to().value() == 2)
        .toList();
  }
}
