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
 * <p>Allocates nothing after a thread's first call (one {@link CRC32C} per thread).
 */
final class SessionPayload {
  private static final ThreadLocal<CRC32C> CRC = ThreadLocal.withInitial(CRC32C::new);

  /** Two names of at most 255 ASCII bytes with their lengths, and three longs. */
  private static final ThreadLocal<ByteBuffer> BYTES =
      ThreadLocal.withInitial(
          () -> ByteBuffer.allocate(2 * 256 + 3 * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN));

  private SessionPayload() {}

  /**
   * Returns the payload hash of {@code signal}.
   *
   * @param signal the signal
   * @return CRC32C of its canonical bytes
   */
  static int hash(Signal signal) {
    ByteBuffer b = BYTES.get().clear();
    name(b, signal.tenant().name());
    name(b, signal.type().name());
    b.putLong(signal.entity().value());
    b.putLong(Double.doubleToLongBits(signal.weight()));
    b.putLong(signal.eventTime().epochMillis());
    CRC32C crc = CRC.get();
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
