package io.tidaldb.store;

import io.tidaldb.api.Signal;
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

  private SessionPayload() {}

  /**
   * Returns the payload hash of {@code signal}.
   *
   * @param signal the signal
   * @return CRC32C of its canonical bytes
   */
  static int hash(Signal signal) {
    CRC32C crc = CRC.get();
    crc.reset();
    name(crc, signal.tenant().name());
    name(crc, signal.type().name());
    putLong(crc, signal.entity().value());
    putLong(crc, Double.doubleToLongBits(signal.weight()));
    putLong(crc, signal.eventTime().epochMillis());
    return (int) crc.getValue();
  }

  private static void name(CRC32C crc, String name) {
    crc.update(name.length());
    for (int i = 0; i < name.length(); i++) {
      crc.update(name.charAt(i));
    }
  }

  private static void putLong(CRC32C crc, long v) {
    for (int i = 0; i < Long.BYTES; i++) {
      crc.update((int) (v >>> (8 * i)));
    }
  }
}
