package io.tidaldb.store;

import io.tidaldb.api.Signal;
import java.util.List;

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
 * <p>Computed here with slicing-by-8 tables rather than {@link java.util.zip.CRC32C}, to the same
 * value (SessionPayloadPropertyTest): the names' CRC state is kept for the last pair of names seen
 * (the same {@link String} instances), so a write hashes only its three longs, three table rounds,
 * with no thread-local buffer and nothing allocated: 8.5 ns a hash against 14.3 ns for the
 * thread-local {@code CRC32C} and buffer it replaced (bench/RESULTS.md §17.7).
 */
final class SessionPayload {
  /** The reflected CRC32C (Castagnoli) polynomial. */
  private static final int POLY = 0x82F6_3B78;

  /** Eight tables of 256: table k maps a byte to its CRC after k more zero bytes. */
  private static final int[] T = tables();

  /** The CRC state after a pair of names' bytes (immutable: published through final fields). */
  private static final class Names {
    final String tenant;
    final String type;
    final int state;

    Names(String tenant, String type) {
      this.tenant = tenant;
      this.type = type;
      this.state = name(name(~0, tenant), type);
    }
  }

  /** The last names hashed; racy by design (any thread's pair is a correct one to start from). */
  private static Names last = new Names("", "");

  private SessionPayload() {}

  /**
   * Returns the payload hash of {@code signal}.
   *
   * @param signal the signal
   * @return CRC32C of its canonical bytes
   */
  static int hash(Signal signal) {
    String tenant = signal.tenant().name();
    String type = signal.type().name();
    Names n = last;
    if (n.tenant != tenant || n.type != type) { // the same instances: the same bytes
      n = new Names(tenant, type);
      last = n;
    }
    int crc = n.state;
    crc = update(crc, signal.entity().value());
    crc = update(crc, Double.doubleToLongBits(signal.weight()));
    crc = update(crc, signal.eventTime().epochMillis());
    return ~crc;
  }

  /**
   * Returns the payload hash of a session batch's part: for one signal, its own ({@link
   * #hash(Signal)}); for more, CRC32C of the signals' own hashes, each as 4 little-endian bytes, in
   * the part's order. Each signal is hashed from the kept names' state (a part's signals mostly
   * share their tenant and type), so a signal costs one hash and one more table round, not the
   * names' bytes again (which CRC32C over the parts' concatenated canonical bytes would feed for
   * every signal: ~25 ns more each).
   *
   * @param signals the part's signals, at least one
   * @return the part's hash
   */
  static int hash(List<Signal> signals) {
    int n = signals.size();
    if (n == 1) {
      return hash(signals.get(0));
    }
    int crc = ~0;
    for (int i = 0; i < n; i++) {
      int h = hash(signals.get(i));
      crc = update(update(update(update(crc, h), h >>> 8), h >>> 16), h >>> 24);
    }
    return ~crc;
  }

  /** Feeds a name's length byte and its US-ASCII bytes. */
  private static int name(int crc, String name) {
    crc = update(crc, name.length());
    for (int i = 0; i < name.length(); i++) {
      crc = update(crc, name.charAt(i));
    }
    return crc;
  }

  /** Feeds one byte (the low 8 bits of {@code b}). */
  private static int update(int crc, int b) {
    return (crc >>> 8) ^ T[(crc ^ b) & 0xFF];
  }

  /** Feeds the eight little-endian bytes of {@code v} in one round. */
  private static int update(int crc, long v) {
    long x = v ^ (crc & 0xFFFF_FFFFL);
    int lo = (int) x;
    int hi = (int) (x >>> 32);
    return T[7 * 256 + (lo & 0xFF)]
        ^ T[6 * 256 + ((lo >>> 8) & 0xFF)]
        ^ T[5 * 256 + ((lo >>> 16) & 0xFF)]
        ^ T[4 * 256 + (lo >>> 24)]
        ^ T[3 * 256 + (hi & 0xFF)]
        ^ T[2 * 256 + ((hi >>> 8) & 0xFF)]
        ^ T[256 + ((hi >>> 16) & 0xFF)]
        ^ T[hi >>> 24];
  }

  private static int[] tables() {
    int[] t = new int[8 * 256];
    for (int n = 0; n < 256; n++) {
      int c = n;
      for (int k = 0; k < 8; k++) {
        c = (c & 1) != 0 ? (c >>> 1) ^ POLY : c >>> 1;
      }
      t[n] = c;
    }
    for (int k = 1; k < 8; k++) {
      for (int n = 0; n < 256; n++) {
        int prev = t[(k - 1) * 256 + n];
        t[k * 256 + n] = (prev >>> 8) ^ t[prev & 0xFF];
      }
    }
    return t;
  }
}
