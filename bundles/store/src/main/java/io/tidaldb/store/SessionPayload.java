package io.tidaldb.store;

import io.tidaldb.api.Signal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The payload hash of a session write: CRC32C over the signal's canonical little-endian bytes, the
 * value a {@code SIGNAL_S} record carries and the session table compares (equal hash = the same
 * write retried; docs/design/sessions.md, open question 2).
 *
 * <pre>
 *  tenant name length byte, tenant name (US-ASCII),
 *  type name length byte, type name (US-ASCII),
 *  entity long, weight long ({@link Double#doubleToLongBits}), event time ms long
 * </pre>
 *
 * <p>Allocates nothing after a thread's first call (one {@link CRC32C} and buffer per thread); the
 * names' bytes stay in the thread's buffer while its writes keep the same names (the same {@link
 * String} instances), so a write copies only its three longs (bench/RESULTS.md §17.4).
 */
final class SessionPayload {
  /** A thread's CRC and canonical bytes, with the names those bytes start with. */
  private static final class Scratch {
    final CRC32C crc = new CRC32C();

    /** Two names of at most 255 ASCII bytes with their lengths, and three longs. */
    final ByteBuffer bytes =
        ByteBuffer.allocate(2 * 256 + 3 * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);

    String tenant;
    String type;
    int longsAt;
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private SessionPayload() {}

  /**
   * Returns the payload hash of {@code signal}.
   *
   * @param signal the signal
   * @return CRC32C of its canonical bytes
   */
  static int hash(Signal signal) {
    Scratch s = SCRATCH.get();
    ByteBuffer b = s.bytes;
    String tenant = signal.tenant().name();
    String type = signal.type().name();
    if (tenant != s.tenant || type != s.type) { // the same instances: the same bytes
      b.clear();
      name(b, tenant);
      name(b, type);
      s.tenant = tenant;
      s.type = type;
      s.longsAt = b.position();
    }
    b.limit(b.capacity()).position(s.longsAt);
    b.putLong(signal.entity().value());
    b.putLong(Double.doubleToLongBits(signal.weight()));
    b.putLong(signal.eventTime().epochMillis());
    CRC32C crc = s.crc;
    crc.reset();
    crc.update(b.flip()); // one call: fed a byte at a time it was 5 % of a session write's CPU
    return (int) crc.getValue();
  }

  private static void name(ByteBuffer b, String name) {
    b.put((byte) name.length());
    for (int i = 0; i < name.length(); i++) {
      b.put((byte) name.charAt(i));
    }
  }
}
