package io.tidaldb.crdt;

import static io.tidaldb.crdt.SignalStateCodec.ENTRY_END_OFFSET;
import static io.tidaldb.crdt.SignalStateCodec.ENTRY_LENGTH;
import static io.tidaldb.crdt.SignalStateCodec.ENTRY_NEG_COUNT_OFFSET;
import static io.tidaldb.crdt.SignalStateCodec.ENTRY_NEG_DECAY_OFFSET;
import static io.tidaldb.crdt.SignalStateCodec.ENTRY_NEG_SUM_OFFSET;
import static io.tidaldb.crdt.SignalStateCodec.ENTRY_POS_COUNT_OFFSET;
import static io.tidaldb.crdt.SignalStateCodec.ENTRY_POS_DECAY_OFFSET;
import static io.tidaldb.crdt.SignalStateCodec.ENTRY_POS_SUM_OFFSET;
import static io.tidaldb.crdt.SignalStateCodec.ENTRY_REPLICA_OFFSET;
import static io.tidaldb.crdt.SignalStateCodec.HALF_LIFE_OFFSET;
import static io.tidaldb.crdt.SignalStateCodec.HEADER_LENGTH;
import static io.tidaldb.crdt.SignalStateCodec.LANDMARK_OFFSET;
import static io.tidaldb.crdt.SignalStateCodec.LAST_SEEN_EVENT_TIME_OFFSET;
import static io.tidaldb.crdt.SignalStateCodec.LAST_SEEN_HLC_OFFSET;
import static io.tidaldb.crdt.SignalStateCodec.LAST_SEEN_REPLICA_OFFSET;
import static io.tidaldb.crdt.SignalStateCodec.REPLICA_COUNT_OFFSET;
import static io.tidaldb.crdt.SignalStateCodec.VERSION_OFFSET;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.InvalidArgumentException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SignalStateCodecTest {
  static final DecayModel DECAY = DecayModel.ofHalfLife(1_000);
  static final long T0 = 1_700_000_000_000L;
  static final long A = ReplicaIds.log(2);
  static final long B = ReplicaIds.local(2, 1);

  /** The state pinned by {@code crdt-state-v2.hex}; see the fixture's header. */
  static CrdtSignalState pinnedState() {
    CrdtSignalState s = new CrdtSignalState();
    s.applyAt(A, 10, 2.0, T0 + 500, HlcStamp.pack(T0, 0), DECAY);
    s.applyAt(B, 0, -0.5, T0 + 1_000, HlcStamp.pack(T0 + 1, 0), DECAY);
    s.applyAt(A, 12, 1.0, T0 + 16_250, HlcStamp.pack(T0 + 2, 3), DECAY);
    return s;
  }

  @Test
  void shouldRejectTheVersion1EncodingWrittenBeforeTheEntryScheme() throws IOException {
    ByteBuffer v1 = ByteBuffer.wrap(fixture("crdt-state-v1.hex"));
    InvalidArgumentException e =
        assertThrows(InvalidArgumentException.class, () -> CrdtSignalState.readFrom(v1));
    assertEquals("crdt state version", e.argument());
    assertTrue(e.getMessage().contains("issue-11 entry scheme"), e.getMessage());
    assertEquals(0, v1.position());
  }

  @Test
  void shouldPinTheBytesOfTheEncodingForever() throws IOException {
    byte[] expected = fixture("crdt-state-v2.hex");
    CrdtSignalState s = pinnedState();
    assertEquals(expected.length, s.encodedLength());
    assertEquals(HexFormat.of().formatHex(expected), HexFormat.of().formatHex(encode(s)));
    assertEquals(s, CrdtSignalState.readFrom(ByteBuffer.wrap(expected)));
  }

  @Test
  void shouldPlaceEveryFieldAtTheDescriptorsOffsets() {
    CrdtSignalState s = pinnedState();
    ByteBuffer b = ByteBuffer.wrap(encode(s)).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(HEADER_LENGTH + 2 * ENTRY_LENGTH, b.capacity());
    assertEquals(SignalStateCodec.VERSION, b.getInt(VERSION_OFFSET));
    assertEquals(2, b.getInt(REPLICA_COUNT_OFFSET));
    assertEquals(1_000, b.getLong(HALF_LIFE_OFFSET));
    assertEquals(s.landmark(), b.getLong(LANDMARK_OFFSET));
    assertEquals(s.lastSeenHlc(), b.getLong(LAST_SEEN_HLC_OFFSET));
    assertEquals(T0 + 16_250, b.getLong(LAST_SEEN_EVENT_TIME_OFFSET));
    assertEquals(A, b.getLong(LAST_SEEN_REPLICA_OFFSET));
    int e0 = HEADER_LENGTH;
    int e1 = HEADER_LENGTH + ENTRY_LENGTH;
    assertEquals(A, b.getLong(e0 + ENTRY_REPLICA_OFFSET));
    assertEquals(13, b.getLong(e0 + ENTRY_END_OFFSET));
    assertEquals(2, b.getLong(e0 + ENTRY_POS_COUNT_OFFSET));
    assertEquals(0, b.getLong(e0 + ENTRY_NEG_COUNT_OFFSET));
    assertEquals(3.0, b.getDouble(e0 + ENTRY_POS_SUM_OFFSET));
    assertEquals(
        Math.pow(2, 0.25) + 2 * Math.sqrt(2) * 0x1p-16,
        b.getDouble(e0 + ENTRY_POS_DECAY_OFFSET),
        1e-15);
    assertEquals(B, b.getLong(e1 + ENTRY_REPLICA_OFFSET));
    assertEquals(1, b.getLong(e1 + ENTRY_END_OFFSET));
    assertEquals(1, b.getLong(e1 + ENTRY_NEG_COUNT_OFFSET));
    assertEquals(0.5, b.getDouble(e1 + ENTRY_NEG_SUM_OFFSET));
    assertEquals(0x1p-16, b.getDouble(e1 + ENTRY_NEG_DECAY_OFFSET));
  }

  @Test
  void shouldEncodeTheEmptyStateCanonically() {
    byte[] bytes = encode(new CrdtSignalState());
    assertEquals(HEADER_LENGTH, bytes.length);
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(SignalStateCodec.VERSION, b.getInt(VERSION_OFFSET));
    assertEquals(0, b.getInt(REPLICA_COUNT_OFFSET));
    assertEquals(-1, b.getLong(LAST_SEEN_HLC_OFFSET));
    assertEquals(-1, b.getLong(LAST_SEEN_EVENT_TIME_OFFSET));
    assertEquals(new CrdtSignalState(), CrdtSignalState.readFrom(ByteBuffer.wrap(bytes)));
  }

  @Property(tries = 300, seed = "9001")
  void shouldRoundTripWhateverTheBufferOrderAndPosition(@ForAll long seed) {
    CrdtSignalState s = History.random(seed).randomPrefixState(new SplittableRandom(seed));
    byte[] canonical = encode(s);
    for (ByteOrder order : new ByteOrder[] {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN}) {
      ByteBuffer b = ByteBuffer.allocate(7 + s.encodedLength() + 5).order(order);
      b.position(7);
      s.writeTo(b);
      assertEquals(7 + s.encodedLength(), b.position());
      assertEquals(order, b.order());
      byte[] written = new byte[canonical.length];
      b.get(7, written);
      assertArrayEquals(canonical, written);
      b.position(7);
      CrdtSignalState read = CrdtSignalState.readFrom(b);
      assertEquals(s, read);
      assertEquals(s.hashCode(), read.hashCode());
      assertEquals(s.contentHash(), read.contentHash());
      assertEquals(7 + s.encodedLength(), b.position());
    }
  }

  @Test
  void shouldRefuseABufferTooSmallAndWriteNothing() {
    CrdtSignalState s = pinnedState();
    ByteBuffer b = ByteBuffer.allocate(s.encodedLength() - 1);
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> s.writeTo(b));
    assertEquals("buffer remaining", e.argument());
    assertEquals(0, b.position());
    assertArrayEquals(new byte[b.capacity()], b.array());
  }

  static Stream<Arguments> corruptions() {
    int e0 = HEADER_LENGTH;
    int e1 = HEADER_LENGTH + ENTRY_LENGTH;
    return Stream.of(
        corrupt("version", b -> b.putInt(VERSION_OFFSET, 1)),
        corrupt("version", b -> b.putInt(VERSION_OFFSET, 3)),
        corrupt("replicaCount", b -> b.putInt(REPLICA_COUNT_OFFSET, 3)),
        corrupt("replicaCount", b -> b.putInt(REPLICA_COUNT_OFFSET, -1)),
        corrupt("halfLifeMillis", b -> b.putLong(HALF_LIFE_OFFSET, 0)),
        corrupt("landmark", b -> b.putLong(LANDMARK_OFFSET, T0 + 1)),
        corrupt("lastSeenHlc", b -> b.putLong(LAST_SEEN_HLC_OFFSET, -1)),
        corrupt("lastSeenEventTime", b -> b.putLong(LAST_SEEN_EVENT_TIME_OFFSET, -5)),
        corrupt("lastSeenReplica", b -> b.putLong(LAST_SEEN_REPLICA_OFFSET, -1)),
        corrupt( // a local replica without an entry (a log one may have lost its entry to a cut)
            "lastSeenReplica", b -> b.putLong(LAST_SEEN_REPLICA_OFFSET, ReplicaIds.local(9, 1))),
        corrupt("entry 1 replica", b -> b.putLong(e1 + ENTRY_REPLICA_OFFSET, A)),
        corrupt("entry 1 replica", b -> b.putLong(e1 + ENTRY_REPLICA_OFFSET, 1L)),
        corrupt("entry 1 replica", b -> b.putLong(e1 + ENTRY_REPLICA_OFFSET, B | 1L << 32)),
        corrupt("entry 0 end", b -> b.putLong(e0 + ENTRY_END_OFFSET, 0)), // 2 records below 0
        corrupt("entry 1 end", b -> b.putLong(e1 + ENTRY_END_OFFSET, 0)),
        corrupt("entry 0 posCount", b -> b.putLong(e0 + ENTRY_POS_COUNT_OFFSET, -1)),
        corrupt("entry 1 negCount", b -> b.putLong(e1 + ENTRY_NEG_COUNT_OFFSET, 0)),
        corrupt("entry 0 posSum", b -> b.putDouble(e0 + ENTRY_POS_SUM_OFFSET, Double.NaN)),
        corrupt("entry 1 negSum", b -> b.putDouble(e1 + ENTRY_NEG_SUM_OFFSET, -0.5)),
        corrupt("entry 0 posDecay", b -> b.putDouble(e0 + ENTRY_POS_DECAY_OFFSET, 1e-310)),
        corrupt("entry 1 negDecay", b -> b.putDouble(e1 + ENTRY_NEG_DECAY_OFFSET, -0.0)),
        corrupt("length", b -> b.limit(HEADER_LENGTH - 1)));
  }

  static Arguments corrupt(String field, Consumer<ByteBuffer> mutation) {
    return Arguments.of(field, mutation);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corruptions")
  void shouldRejectAMalformedEncodingNamingTheField(String field, Consumer<ByteBuffer> mutation) {
    ByteBuffer b = ByteBuffer.wrap(encode(pinnedState())).order(ByteOrder.LITTLE_ENDIAN);
    mutation.accept(b);
    InvalidArgumentException e =
        assertThrows(InvalidArgumentException.class, () -> CrdtSignalState.readFrom(b));
    assertEquals("crdt state " + field, e.argument(), e.getMessage());
    assertEquals(0, b.position());
  }

  @Test
  void shouldRejectAnEmptyStateWithLeftovers() {
    ByteBuffer b = ByteBuffer.wrap(encode(new CrdtSignalState())).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(LANDMARK_OFFSET, 16_000);
    InvalidArgumentException e =
        assertThrows(InvalidArgumentException.class, () -> CrdtSignalState.readFrom(b));
    assertTrue(e.getMessage().contains("16000"), e.getMessage());
  }

  static byte[] encode(CrdtSignalState s) {
    ByteBuffer b = ByteBuffer.allocate(s.encodedLength());
    s.writeTo(b);
    return b.array();
  }

  static byte[] fixture(String name) throws IOException {
    try (InputStream in = SignalStateCodecTest.class.getResourceAsStream("/" + name)) {
      if (in == null) {
        throw new IOException("missing test resource " + name);
      }
      StringBuilder hex = new StringBuilder();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        int comment = line.indexOf('#');
        hex.append((comment < 0 ? line : line.substring(0, comment)).replaceAll("\\s", ""));
      }
      return HexFormat.of().parseHex(hex);
    }
  }
}
