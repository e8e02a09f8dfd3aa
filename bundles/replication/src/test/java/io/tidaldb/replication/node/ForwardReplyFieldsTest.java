package io.tidaldb.replication.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.TidalException;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.UnknownTenantException;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.replication.wire.ForwardError;
import io.tidaldb.replication.wire.FrameDescriptor;
import io.tidaldb.replication.wire.FrameEncoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leader's refusal reaches the forwarding region as the same exception with the same fields,
 * rebuilt from FORWARD_REPLY's typed fields (no message parsed): the leader's exception goes
 * through {@link ForwardCodes#error}, the wire (a scripted leader, region 1, sends the bytes) and
 * {@link ForwardCodes#failure} at a real node. A malformed reply is dropped and counted; the
 * forward keeps waiting for a good one.
 */
class ForwardReplyFieldsTest {
  private static final Duration AT_ONCE = Duration.ofSeconds(5);
  private static final Signal SIGNAL =
      new Signal(
          TenantId.of("acme"),
          SignalType.of("view"),
          EntityId.of(7),
          1.0,
          Timestamp.ofMillis(1_700_000_000_000L));

  @TempDir Path dir;
  @RegisterExtension final LeaderProbe leader = new LeaderProbe(() -> dir);

  @Test
  void shouldRebuildAnInvalidArgumentWithItsArgumentValueAndRule() {
    InvalidArgumentException atLeader =
        new InvalidArgumentException("event time", "2099-01-01T00:00:00Z (x)", "is (far) ahead");
    InvalidArgumentException e = assertInstanceOf(InvalidArgumentException.class, refuse(atLeader));
    assertSame(InvalidArgumentException.class, e.getClass());
    assertEquals(atLeader.argument(), e.argument());
    assertEquals(atLeader.value(), e.value());
    assertEquals(atLeader.rule(), e.rule());
    assertEquals(atLeader.getMessage(), e.getMessage(), "parentheses in a value stay intact");
  }

  @Test
  void shouldRebuildAnUnknownTenantForTheSignalsTenant() {
    TidalException e = refuse(new UnknownTenantException(TenantId.of("acme")));
    assertSame(UnknownTenantException.class, e.getClass());
    assertEquals("'acme'", ((UnknownTenantException) e).value());
  }

  @Test
  void shouldRebuildAnUnavailableWithWhetherItMayBeStoredAndWhere() {
    UnavailableException stored =
        assertInstanceOf(
            UnavailableException.class,
            refuse(new UnavailableException("quorum not met", true, RegionId.of(1))));
    assertTrue(stored.mayBeStored());
    assertEquals(RegionId.of(1), stored.region().orElseThrow());
    assertEquals("forwarded to region region-1: quorum not met", stored.getMessage());
    UnavailableException notStored =
        assertInstanceOf(
            UnavailableException.class,
            refuse(new UnavailableException("forward queue full", false, null)));
    assertFalse(notStored.mayBeStored());
    assertTrue(notStored.region().isEmpty());
  }

  @Test
  void shouldRebuildANotLeaderNamingTheLeaderTheReplierKnows() {
    NotLeaderException e =
        assertInstanceOf(
            NotLeaderException.class,
            refuse(new NotLeaderException(RegionId.of(1), 0, 1, Optional.of(RegionId.of(2)))));
    assertEquals(RegionId.of(2), e.leader().orElseThrow());
    assertFalse(e.mayBeStored());
    NotLeaderException foreign =
        assertInstanceOf(
            NotLeaderException.class,
            refuse(new NotLeaderException(RegionId.of(1), 0, 1, Optional.of(RegionId.of(9)))));
    assertTrue(foreign.leader().isEmpty(), "a region not configured is not taken");
  }

  @Test
  void shouldRebuildAnyOtherFailureWithItsMessage() {
    TidalException e = refuse(new IllegalStateException("boom"));
    assertSame(TidalException.class, e.getClass());
    assertEquals(
        "forwarded to region region-1: java.lang.IllegalStateException: boom", e.getMessage());
  }

  @Test
  void shouldDropAndCountAMalformedReplyAndKeepWaitingForAGoodOne() throws Exception {
    CompletableFuture<SignalAck> f = leader.probe().node.forward(0, SIGNAL, Durability.LOCAL);
    long id = leader.probe().awaitReceived(FrameDescriptor.FORWARD).first();
    ByteBuffer bad = reply(id, new ForwardError.InvalidArgument("weight", "NaN", "finite"));
    // the argument's length says 7 bytes of a 6-byte string: the lengths do not add up
    bad.putShort(FrameDescriptor.REPLY_FIELDS_OFFSET, (short) 7);
    reseal(bad);
    long before = leader.probe().node.dropped(NodeDrop.MALFORMED);
    leader.probe().sendRaw(1, bad);
    await()
        .atMost(AT_ONCE)
        .until(() -> leader.probe().node.dropped(NodeDrop.MALFORMED) == before + 1);
    assertFalse(f.isDone(), "a malformed reply completes nothing");
    leader
        .probe()
        .sendRaw(1, reply(id, new ForwardError.InvalidArgument("weight", "NaN", "finite")));
    await().atMost(AT_ONCE).until(f::isDone);
    ExecutionException e = assertThrows(ExecutionException.class, f::get);
    assertEquals("invalid weight: NaN (finite)", e.getCause().getMessage());
  }

  @Test
  void shouldDropAnAcknowledgementAtANegativePositionAndKeepWaiting() throws Exception {
    CompletableFuture<SignalAck> f = leader.probe().node.forward(0, SIGNAL, Durability.LOCAL);
    long id = leader.probe().awaitReceived(FrameDescriptor.FORWARD).first();
    long before = leader.probe().node.dropped(NodeDrop.FIELD_OUT_OF_RANGE);
    leader.probe().send(1, (e, b, s) -> e.forwardReply(b, 0, 0, s, 1, id, -5, 9, (byte) 0));
    await()
        .atMost(AT_ONCE)
        .until(() -> leader.probe().node.dropped(NodeDrop.FIELD_OUT_OF_RANGE) == before + 1);
    assertFalse(f.isDone(), "an acknowledgement at no position completes nothing");
    leader.probe().send(1, (e, b, s) -> e.forwardReply(b, 0, 0, s, 1, id, 5, 9, (byte) 0));
    assertEquals(5, f.get(AT_ONCE.toMillis(), TimeUnit.MILLISECONDS).position());
  }

  /**
   * Forwards a signal, lets region 1 refuse it with {@code failure}, returns what the origin got.
   */
  private TidalException refuse(Throwable failure) {
    CompletableFuture<SignalAck> f = leader.probe().node.forward(0, SIGNAL, Durability.QUORUM);
    long id = leader.probe().awaitReceived(FrameDescriptor.FORWARD).first();
    leader.probe().received.clear();
    leader.probe().sendRaw(1, reply(id, ForwardCodes.error(failure)));
    await().atMost(AT_ONCE).until(f::isDone);
    ExecutionException e = assertThrows(ExecutionException.class, f::get);
    return assertInstanceOf(TidalException.class, e.getCause());
  }

  private static ByteBuffer reply(long id, ForwardError error) {
    ByteBuffer out =
        ByteBuffer.allocate(FrameDescriptor.MAX_FORWARD_FRAME_LENGTH)
            .order(ByteOrder.LITTLE_ENDIAN);
    int length =
        new FrameEncoder(FrameDescriptor.MAX_FORWARD_FRAME_LENGTH - FrameDescriptor.HEADER_LENGTH)
            .forwardReply(out, 0, 0, 1, 1, id, error);
    return out.limit(length);
  }

  private static void reseal(ByteBuffer b) {
    int body = b.getInt(FrameDescriptor.BODY_LENGTH_OFFSET);
    b.putInt(
        FrameDescriptor.CRC_OFFSET,
        FrameDescriptor.computeCrc(new CRC32C(), FrameDescriptor.newCrcScratch(), b, 0, body));
  }
}
