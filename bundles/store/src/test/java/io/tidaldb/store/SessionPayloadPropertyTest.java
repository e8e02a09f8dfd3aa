package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.StringLength;

/**
 * {@link SessionPayload#hash} (slicing-by-8 tables, the names' state kept between calls) equals
 * {@link CRC32C} over the canonical bytes, for any names and longs, in any order of calls.
 */
class SessionPayloadPropertyTest {
  @Property(tries = 2_000)
  void shouldEqualTheJdkCrc32cOfTheCanonicalBytes(
      @ForAll @NumericChars @StringLength(min = 0, max = 63) String tenantTail,
      @ForAll @AlphaChars @StringLength(min = 0, max = 63) String typeTail,
      @ForAll long entity,
      @ForAll double weight,
      @ForAll @LongRange(min = 0) long eventTime) {
    TenantId tenant = TenantId.of("t" + tenantTail);
    SignalType type = SignalType.of("v" + typeTail);
    Signal signal =
        new Signal(tenant, type, EntityId.of(entity), weight, Timestamp.ofMillis(eventTime));
    assertEquals(reference(signal), SessionPayload.hash(signal), signal.toString());
    // the same names again, as other String instances: the kept state must not be reused wrongly
    Signal again =
        new Signal(
            TenantId.of(new String(tenant.name().toCharArray())),
            SignalType.of(new String(type.name().toCharArray())),
            EntityId.of(~entity),
            weight,
            Timestamp.ofMillis(eventTime));
    assertEquals(reference(again), SessionPayload.hash(again), again.toString());
  }

  private static int reference(Signal s) {
    byte[] tenant = s.tenant().name().getBytes(StandardCharsets.US_ASCII);
    byte[] type = s.type().name().getBytes(StandardCharsets.US_ASCII);
    ByteBuffer b =
        ByteBuffer.allocate(2 + tenant.length + type.length + 3 * Long.BYTES)
            .order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) tenant.length).put(tenant).put((byte) type.length).put(type);
    b.putLong(s.entity().value())
        .putLong(Double.doubleToLongBits(s.weight()))
        .putLong(s.eventTime().epochMillis());
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    return (int) crc.getValue();
  }
}
