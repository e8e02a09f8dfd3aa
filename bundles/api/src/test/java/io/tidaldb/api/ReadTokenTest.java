package io.tidaldb.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class ReadTokenTest {
  private static final HlcStamp STAMP = new HlcStamp(1L << 20);

  private static SignalAck ack(int shard, long position, boolean local) {
    return ack(shard, position, local, STAMP.value());
  }

  private static SignalAck ack(int shard, long position, boolean local, long stamp) {
    return new SignalAck(
        ShardId.of(shard), position, new HlcStamp(stamp), Durability.QUORUM, local);
  }

  @Test
  void shouldKeepTheHighestPositionPerShard() {
    ReadToken t = ReadToken.EMPTY.with(ack(3, 1_311, false)).with(ack(3, 1_204, false));
    t = t.with(ack(1, 7, false));
    assertEquals(1_311, t.position(3));
    assertEquals(7, t.position(1));
    assertEquals(-1, t.position(2));
    assertEquals("ReadToken{shard 1 @ 7, shard 3 @ 1311}", t.toString());
  }

  @Test
  void shouldKeepTheStampOfTheWriteAtTheHighestPosition() {
    SignalAck a = new SignalAck(ShardId.of(3), 1_311, new HlcStamp(900), Durability.QUORUM);
    SignalAck b = new SignalAck(ShardId.of(3), 1_204, new HlcStamp(999), Durability.QUORUM);
    SignalAck c = new SignalAck(ShardId.of(3), 1_311, new HlcStamp(950), Durability.LOCAL);
    assertEquals(900, ReadToken.EMPTY.with(a).with(b).stamp(3));
    assertEquals(950, ReadToken.EMPTY.with(a).with(c).stamp(3), "one position, two writes");
    assertEquals(
        ReadToken.EMPTY.with(a).with(c), ReadToken.EMPTY.with(c).merge(ReadToken.EMPTY.with(a)));
    assertEquals(-1, ReadToken.EMPTY.stamp(3));
  }

  @Test
  void shouldReturnTheSameTokenWhenAnAckAddsNothing() {
    ReadToken t = ReadToken.EMPTY.with(ack(3, 10, false));
    assertSame(t, t.with(ack(3, 9, false)));
  }

  @Test
  void shouldRecordALocalStreamAckWithItsRegionOnly() {
    ReadToken t = ReadToken.EMPTY.with(RegionId.of(2), ack(1, 17, true));
    assertEquals(17, t.localPosition(2, 1));
    assertEquals(-1, t.position(1));
    assertEquals(2, t.localElsewhere(1, 1));
    assertEquals(-1, t.localElsewhere(1, 2));
    assertEquals(-1, t.localElsewhere(0, 1));
    assertEquals(ReadToken.EMPTY, t.withoutLocal());
    InvalidArgumentException e =
        assertThrows(InvalidArgumentException.class, () -> ReadToken.EMPTY.with(ack(1, 17, true)));
    assertEquals(true, e.getMessage().contains("own stream"), e.getMessage());
  }

  @Property
  void mergeIsCommutative(@ForAll("tokens") ReadToken a, @ForAll("tokens") ReadToken b) {
    assertEquals(a.merge(b), b.merge(a));
  }

  @Property
  void mergeIsAssociative(
      @ForAll("tokens") ReadToken a, @ForAll("tokens") ReadToken b, @ForAll("tokens") ReadToken c) {
    assertEquals(a.merge(b).merge(c), a.merge(b.merge(c)));
  }

  @Property
  void mergeIsIdempotentWithEmptyAsIdentity(@ForAll("tokens") ReadToken a) {
    assertEquals(a, a.merge(a));
    assertEquals(a, a.merge(ReadToken.EMPTY));
    assertEquals(a, ReadToken.EMPTY.merge(a));
  }

  @Property
  void mergeEqualsAddingTheOthersAcks(
      @ForAll("acks") List<SignalAck> first, @ForAll("acks") List<SignalAck> second) {
    ReadToken a = build(first);
    ReadToken b = build(second);
    ReadToken both = a;
    for (SignalAck ack : second) {
      both = both.with(RegionId.of(ack.shard().value() % 3), ack);
    }
    assertEquals(both, a.merge(b));
    assertEquals(both.hashCode(), a.merge(b).hashCode());
  }

  @Provide
  Arbitrary<ReadToken> tokens() {
    return acks().map(ReadTokenTest::build);
  }

  @Provide
  Arbitrary<List<SignalAck>> acks() {
    return Combinators.combine(
            Arbitraries.integers().between(0, 7),
            Arbitraries.longs().between(0, 50),
            Arbitraries.of(false, false, true),
            Arbitraries.longs().between(1, 4))
        .as(ReadTokenTest::ack)
        .list()
        .ofMaxSize(12);
  }

  private static ReadToken build(List<SignalAck> acks) {
    ReadToken t = ReadToken.EMPTY;
    for (SignalAck ack : acks) {
      t = t.with(RegionId.of(ack.shard().value() % 3), ack);
    }
    return t;
  }
}
