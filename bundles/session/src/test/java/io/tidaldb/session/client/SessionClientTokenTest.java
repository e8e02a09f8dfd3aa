package io.tidaldb.session.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.ReadToken;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The client's read token: every acknowledgement it delivers, merged, before it delivers it. */
class SessionClientTokenTest {
  private final ManualScheduler scheduler = new ManualScheduler();
  private final Session session = Session.of(SessionClientTest.TENANT, 42, 1);

  /** A store acknowledging each write at the next position of shard {@code shard}. */
  static final class AckingStore extends SessionOnlyStore {
    final int shard;
    final boolean local;
    final AtomicLong next;
    volatile ReadToken tokenAtAck;
    SessionClient client;

    AckingStore(int shard, boolean local, long first) {
      this.shard = shard;
      this.local = local;
      this.next = new AtomicLong(first);
    }

    @Override
    public CompletableFuture<SignalAck> signalAsync(
        Signal signal, Durability durability, SessionSeq seq) {
      tokenAtAck = client == null ? null : client.token();
      long p = next.getAndIncrement();
      return CompletableFuture.completedFuture(
          new SignalAck(ShardId.of(shard), p, new HlcStamp(p + 1), durability, local));
    }
  }

  private SessionClient client(RegionId region, AckingStore store) {
    SessionClient.Builder b = SessionClient.builder(session).scheduler(scheduler);
    SessionClient c = (region == null ? b.store(store) : b.store(region, store)).build();
    store.client = c;
    return c;
  }

  @Test
  void shouldMergeEveryDeliveredAckIntoTheTokenBeforeDeliveringTheNext() {
    AckingStore store = new AckingStore(3, false, 1_204);
    SessionClient c = client(RegionId.of(1), store);
    assertEquals(ReadToken.EMPTY, c.token());
    SignalAck first = c.signal(SessionClientTest.signal(1), Durability.QUORUM);
    assertEquals(1_204, c.token().position(3));
    SignalAck second = c.signal(SessionClientTest.signal(2), Durability.QUORUM);
    assertEquals(first.position(), store.tokenAtAck.position(3), "the first ack was in the token");
    assertEquals(ReadToken.EMPTY.with(first).with(second), c.token());
    assertEquals(1_205, c.token().position(3));
  }

  @Test
  void shouldRecordALocalStreamAckWithItsStoresRegionOrCountItWithoutOne() {
    AckingStore named = new AckingStore(2, true, 17);
    SessionClient c = client(RegionId.of(2), named);
    c.signal(SessionClientTest.signal(1), Durability.LOCAL);
    assertEquals(17, c.token().localPosition(2, 2));
    assertEquals(-1, c.token().position(2));
    assertEquals(0, c.unrecordedLocalAcks());

    AckingStore unnamed = new AckingStore(2, true, 17);
    SessionClient d = client(null, unnamed);
    d.signal(SessionClientTest.signal(1), Durability.LOCAL);
    assertTrue(d.token().isEmpty());
    assertEquals(1, d.unrecordedLocalAcks());
  }
}
