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
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;

/**
 * {@link SessionPayload#hash} (slicing-by-8 tables, the names' state kept between calls) equals
 * {@link CRC32C} over the canonical bytes, for any names and longs, in any order of calls; a
 * session batch's part of more than one signal hashes as the CRC32C of its signals' hashes in
 * order.
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

  @Property(tries = 500)
  void shouldHashAPartAsTheJdkCrc32cOfItsSignalsHashesInOrder(
      @ForAll @Size(min = 1, max = 6) List<@LongRange(min = -3, max = 3) Long> entities,
      @ForAll @NumericChars @StringLength(min = 0, max = 8) String tenantTail,
      @ForAll double weight) {
    List<Signal> part = new ArrayList<>();
    ByteBuffer hashes = ByteBuffer.allocate(4 * entities.size()).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < entities.size(); i++) {
      Signal s =
          new Signal(
              TenantId.of("t" + tenantTail + (i % 2)),
              SignalType.of(i % 3 == 0 ? "view" : "click"),
              EntityId.of(entities.get(i)),
              weight + i,
              Timestamp.ofMillis(1_700_000_000_000L + i));
      part.add(s);
      hashes.putInt(reference(s));
    }
    int expected = reference(part.get(0));
    if (part.size() > 1) {
      CRC32C crc = new CRC32C();
      crc.update(hashes.array());
      expected = (int) crc.getValue();
    }
    assertEquals(expected, SessionPayload.hash(part), part.toString());
  }

  private static int reference(Signal s) {
    byte[] b = canonical(s);
    CRC32C crc = new CRC32C();
    crc.update(b, 0, b.length);
    return (int) crc.getValue();
  }

  private static byte[] canonical(Signal s) {
    byte[] tenant = s.tenant().name().getBytes(StandardCharsets.US_ASCII);
    byte[] type = s.type().name().getBytes(StandardCharsets.US_ASCII);
    ByteBuffer b =
        ByteBuffer.allocate(2 + tenant.length + type.length + 3 * Long.BYTES)
            .order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) tenant.length).put(tenant).put((byte) type.length).put(type);
    b.putLong(s.entity().value())
        .putLong(Double.doubleToLongBits(s.weight()))
        .putLong(s.eventTime().epochMillis());
    return java.util.Arrays.copyOf(b.array(), b.position());
  }
}
