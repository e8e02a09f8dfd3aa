package io.tidaldb.replication.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.TidalException;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.UnknownTenantException;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.replication.wire.ForwardError;
import io.tidaldb.replication.wire.FrameDecoder;
import io.tidaldb.replication.wire.FrameDescriptor;
import io.tidaldb.replication.wire.FrameEncoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * A leader's refusal, through {@link ForwardCodes#error}, the FORWARD_REPLY bytes and {@link
 * ForwardCodes#failure}, is the same exception type with the same fields at the origin: an invalid
 * argument's argument, rendered value and rule; an unavailable's may-be-stored and region (the
 * leader that replied when it may be stored and named none); a not-leader's leader; an unknown
 * tenant. Random strings mix ASCII with 2-, 3- and 4-byte characters and reach the fields' largest
 * length.
 */
class ForwardCodesPropertiesTest {
  private static final RegionId FROM = RegionId.of(1);
  private static final List<RegionId> REGIONS = List.of(RegionId.of(0), FROM, RegionId.of(2));
  private static final TenantId TENANT = TenantId.of("acme");

  private final FrameEncoder encoder =
      new FrameEncoder(FrameDescriptor.MAX_FORWARD_FRAME_LENGTH - FrameDescriptor.HEADER_LENGTH);
  private final FrameDecoder decoder =
      new FrameDecoder(FrameDescriptor.MAX_FORWARD_FRAME_LENGTH - FrameDescriptor.HEADER_LENGTH);

  @Property
  void anInvalidArgumentShouldArriveWithItsArgumentValueAndRule(
      @ForAll("fields") String argument,
      @ForAll("fields") String value,
      @ForAll("fields") String rule) {
    InvalidArgumentException atLeader = InvalidArgumentException.ofRendered(argument, value, rule);
    InvalidArgumentException e =
        assertInstanceOf(InvalidArgumentException.class, roundTrip(atLeader));
    assertSame(InvalidArgumentException.class, e.getClass());
    assertEquals(argument, e.argument());
    assertEquals(value, e.value());
    assertEquals(rule, e.rule());
    assertEquals(atLeader.getMessage(), e.getMessage());
  }

  @Property
  void anUnavailableShouldArriveWithWhetherItMayBeStoredAndWhere(
      @ForAll("fields") String message,
      @ForAll boolean mayBeStored,
      @ForAll("regions") Optional<RegionId> region) {
    UnavailableException atLeader =
        new UnavailableException(message, mayBeStored, region.orElse(null));
    UnavailableException e = assertInstanceOf(UnavailableException.class, roundTrip(atLeader));
    assertSame(UnavailableException.class, e.getClass());
    assertEquals(mayBeStored, e.mayBeStored());
    assertEquals(region.isPresent() || !mayBeStored ? region : Optional.of(FROM), e.region());
    assertEquals("forwarded to region " + FROM + ": " + message, e.getMessage());
  }

  @Property
  void aNotLeaderShouldArriveNamingTheLeaderTheReplierKnows(
      @ForAll("regions") Optional<RegionId> leader) {
    NotLeaderException e =
        assertInstanceOf(
            NotLeaderException.class, roundTrip(new NotLeaderException(FROM, 3, 9, leader)));
    assertEquals(leader, e.leader());
    assertEquals(3, e.shard());
  }

  @Property(tries = 10)
  void anUnknownTenantShouldArriveForTheSignalsTenant() {
    TidalException e = roundTrip(new UnknownTenantException(TENANT));
    assertSame(UnknownTenantException.class, e.getClass());
    assertEquals("'acme'", ((UnknownTenantException) e).value());
  }

  private TidalException roundTrip(Throwable atLeader) {
    ByteBuffer out =
        ByteBuffer.allocate(FrameDescriptor.MAX_FORWARD_FRAME_LENGTH)
            .order(ByteOrder.LITTLE_ENDIAN);
    int length = encoder.forwardReply(out, 0, 3, 1, 9, 77, ForwardCodes.error(atLeader));
    var f = decoder.decode(out.duplicate().position(0).limit(length));
    return ForwardCodes.failure(FROM, 3, f.epoch(), TENANT, f.replyError(), REGIONS);
  }

  @Provide
  Arbitrary<String> fields() {
    Arbitrary<String> piece =
        Arbitraries.oneOf(
            Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(8),
            Arbitraries.of("é", "ß", "€", "日本", "𝄞", "(", ")", ": "));
    return piece.list().ofMaxSize(400).map(parts -> ForwardError.fit(String.join("", parts)));
  }

  @Provide
  Arbitrary<Optional<RegionId>> regions() {
    return Arbitraries.oneOf(
        Arbitraries.just(Optional.<RegionId>empty()), Arbitraries.of(REGIONS).map(Optional::of));
  }
}
