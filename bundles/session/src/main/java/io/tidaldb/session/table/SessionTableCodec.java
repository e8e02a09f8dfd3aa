package io.tidaldb.session.table;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.TenantId;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The canonical binary encoding of a {@link SessionTable} (format version 2), for the store's shard
 * snapshots. Little-endian. Tables fed the same records encode to the same bytes: tenants in order
 * of their index (first apply), then live sessions and tombstones in the order of the table's dense
 * entries (the order the expiry cursor walks; reading them back restores it), each session's window
 * in descending seq order, whether the table holds it inline or pooled. Version 2 adds each window
 * entry's HLC and the expiry cursor, and orders sessions by entry (version 1 is refused).
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                    magic 0x54534454 ("TDST")                   |  0
 *  +-------------------------------+-------------------------------+
 *  |          version = 2          |           flags = 0           |  4
 *  +-------------------------------+-------------------------------+
 *  |                         tenant count                          |  8
 *  +---------------------------------------------------------------+
 *  |                          live count                           | 12
 *  +---------------------------------------------------------------+
 *  |                        tombstone count                        | 16
 *  +---------------------------------------------------------------+
 *  |                      window entry count                       | 20
 *  +---------------------------------------------------------------+
 *  |                    clock (8 bytes: highest                    | 24
 *  |                          HLC applied)                         |
 *  +---------------------------------------------------------------+
 *  |                 applied below (8 bytes: position              | 32
 *  |                after the last record applied)                 |
 *  +---------------------------------------------------------------+
 *  |                 sweep cursor (entry the next                  | 40
 *  |                    expiry sweep looks at)                     |
 *  +---------------------------------------------------------------+
 *  |                             body                              | 44
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * Body: tenant count x (name length byte, 1 to 64; name ASCII), then (live count + tombstone count)
 * x session in entry order: tenant index int (+0), session id long (+4), highest seq long (+12),
 * last HLC long (+20), acked below long (+28), window count int (+36; -1 for a tombstone), then
 * window count x entry: seq long (+0), log position long (+8), HLC long (+16), payload hash int
 * (+24). 40 bytes per session, 28 per window entry.
 */
final class SessionTableCodec {
  static final int MAGIC = 0x54534454;
  static final short VERSION = 2;
  static final int MAGIC_OFFSET = 0;
  static final int VERSION_OFFSET = 4;
  static final int FLAGS_OFFSET = 6;
  static final int TENANT_COUNT_OFFSET = 8;
  static final int LIVE_COUNT_OFFSET = 12;
  static final int TOMBSTONE_COUNT_OFFSET = 16;
  static final int WINDOW_COUNT_OFFSET = 20;
  static final int CLOCK_OFFSET = 24;
  static final int APPLIED_BELOW_OFFSET = 32;
  static final int CURSOR_OFFSET = 40;
  static final int HEADER_LENGTH = 44;
  static final int SESSION_LENGTH = 40;
  static final int ENTRY_LENGTH = 28;

  private SessionTableCodec() {}

  static int encodedLength(SessionTable t) {
    long length = HEADER_LENGTH;
    for (int i = 0; i < t.tenants.count(); i++) {
      length += 1 + t.tenants.name(i).name().length();
    }
    length += (long) t.slots.size() * SESSION_LENGTH + (long) t.windows.entries() * ENTRY_LENGTH;
    if (length > Integer.MAX_VALUE) {
      throw new InvalidArgumentException(
          "session table encoded length", length, "must be <= " + Integer.MAX_VALUE + " bytes");
    }
    return (int) length;
  }

  static void write(SessionTable t, ByteBuffer target) {
    int length = encodedLength(t);
    if (target.remaining() < length) {
      throw new InvalidArgumentException(
          "buffer remaining", target.remaining(), "must be >= " + length + " bytes");
    }
    ByteBuffer b = target.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(MAGIC).putShort(VERSION).putShort((short) 0);
    b.putInt(t.tenants.count());
    b.putInt(t.liveSessions()).putInt(t.tombstones());
    b.putInt(t.windows.entries()).putLong(t.clock).putLong(t.appliedBelow).putInt(t.cursor);
    for (int i = 0; i < t.tenants.count(); i++) {
      byte[] name = t.tenants.name(i).name().getBytes(StandardCharsets.US_ASCII);
      b.put((byte) name.length).put(name);
    }
    SessionWindows w = t.windows;
    for (int e = 0; e < t.slots.size(); e++) {
      b.putInt(t.slots.tenant(e)).putLong(t.slots.get(e, SessionSlots.SESSION));
      b.putLong(t.slots.get(e, SessionSlots.HIGHEST));
      b.putLong(t.slots.get(e, SessionSlots.LAST_HLC));
      b.putLong(t.slots.get(e, SessionSlots.ACKED));
      b.putInt(t.slots.tombstone(e) ? -1 : w.count(e));
      for (int r = w.first(e); r != SessionWindows.NONE; r = w.next(r)) {
        b.putLong(w.seq(e, r)).putLong(w.position(e, r)).putLong(w.hlc(e, r)).putInt(w.hash(e, r));
      }
    }
    target.position(target.position() + length);
  }

  static SessionTable read(ByteBuffer source, SessionConfig config) {
    ByteBuffer b = source.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    int base = b.position();
    Reader r = new Reader(b, base);
    r.need(HEADER_LENGTH, "header");
    r.expect(b.getInt(), MAGIC, MAGIC_OFFSET, "magic", "must be 0x54534454 (\"TDST\")");
    r.expect(b.getShort(), VERSION, VERSION_OFFSET, "version", "must be " + VERSION);
    r.expect(b.getShort(), 0, FLAGS_OFFSET, "flags", "must be 0");
    int tenantCount = r.count(b.getInt(), TENANT_COUNT_OFFSET, "tenant count", 2);
    int live = r.count(b.getInt(), LIVE_COUNT_OFFSET, "live count", SESSION_LENGTH);
    int tombs = r.count(b.getInt(), TOMBSTONE_COUNT_OFFSET, "tombstone count", SESSION_LENGTH);
    int entries = r.count(b.getInt(), WINDOW_COUNT_OFFSET, "window entry count", ENTRY_LENGTH);
    SessionTable t = new SessionTable(config);
    t.clock = r.nonNegative(b.getLong(), CLOCK_OFFSET, "clock");
    t.appliedBelow = r.nonNegative(b.getLong(), APPLIED_BELOW_OFFSET, "applied below");
    int cursor = b.getInt();
    if (cursor < 0 || cursor > live + tombs) {
      throw r.invalid(
          CURSOR_OFFSET,
          "sweep cursor",
          cursor,
          "must be 0 to the session count " + (live + tombs));
    }
    t.cursor = cursor;
    for (int i = 0; i < tenantCount; i++) {
      r.tenant(t);
    }
    for (int i = 0; i < live + tombs; i++) {
      r.session(t);
    }
    if (t.tombstones() != tombs) {
      throw r.invalid(
          TOMBSTONE_COUNT_OFFSET,
          "tombstone count",
          tombs,
          "must equal the " + t.tombstones() + " tombstones among the sessions");
    }
    if (t.windows.entries() != entries) {
      throw r.invalid(
          WINDOW_COUNT_OFFSET,
          "window entry count",
          entries,
          "must equal the " + t.windows.entries() + " entries the sessions hold");
    }
    source.position(b.position());
    return t;
  }

  /** Reads the body, naming the offset (from the encoding's start) of every refused value. */
  private static final class Reader {
    private final ByteBuffer b;
    private final int base;

    Reader(ByteBuffer b, int base) {
      this.b = b;
      this.base = base;
    }

    void need(int bytes, String what) {
      if (b.remaining() < bytes) {
        throw invalid(
            b.position() - base, what + " length", b.remaining(), "must be >= " + bytes + " bytes");
      }
    }

    void expect(long value, long expected, int offset, String field, String rule) {
      if (value != expected) {
        throw invalid(offset, field, value, rule);
      }
    }

    int count(int value, int offset, String field, int minBytesEach) {
      if (value < 0 || (long) value * minBytesEach > b.limit() - base - HEADER_LENGTH) {
        throw invalid(
            offset, field, Integer.toUnsignedLong(value), "must fit the bytes after the header");
      }
      return value;
    }

    long nonNegative(long value, int offset, String field) {
      if (value < 0) {
        throw invalid(offset, field, value, "must be >= 0");
      }
      return value;
    }

    void tenant(SessionTable t) {
      int at = b.position() - base;
      need(1, "tenant name");
      int length = b.get() & 0xFF;
      if (length < 1 || length > TenantId.MAX_LENGTH) {
        throw invalid(at, "tenant name length", length, "must be 1 to " + TenantId.MAX_LENGTH);
      }
      need(length, "tenant name");
      byte[] name = new byte[length];
      b.get(name);
      TenantId id;
      try {
        id = TenantId.of(new String(name, StandardCharsets.US_ASCII));
      } catch (InvalidArgumentException e) {
        throw InvalidArgumentException.ofRendered(
            "session table tenant name at offset " + (at + 1), e.value(), e.rule());
      }
      if (t.tenants.find(id) >= 0) {
        throw invalid(at + 1, "tenant name", id.name(), "must not repeat an earlier tenant");
      }
      t.tenants.intern(id);
    }

    void session(SessionTable t) {
      int at = b.position() - base;
      need(SESSION_LENGTH, "session");
      int tenant = b.getInt();
      if (tenant < 0 || tenant >= t.tenants.count()) {
        throw invalid(
            at, "tenant index", tenant, "must be < the tenant count " + t.tenants.count());
      }
      long session = b.getLong();
      if (t.slots.find(tenant, session) != SessionSlots.NONE) {
        throw invalid(at + 4, "session", SessionIds.render(session), "must not repeat");
      }
      long highest = nonNegative(b.getLong(), at + 12, "highest seq");
      long hlc = b.getLong();
      if (hlc < 0 || hlc > t.clock) {
        throw invalid(at + 20, "last hlc", hlc, "must be 0 to the clock " + t.clock);
      }
      long acked = b.getLong();
      if (acked < 1 || acked > Math.max(1, highest)) {
        throw invalid(at + 28, "acked below", acked, "must be 1 to the highest seq " + highest);
      }
      int count = b.getInt();
      if (count < -1 || count > highest) {
        throw invalid(
            at + 36,
            "window count",
            count,
            "must be -1 (a tombstone) or 0 to the highest seq " + highest);
      }
      int e = t.slots.add(tenant, session);
      t.slots.set(e, SessionSlots.HIGHEST, highest);
      t.slots.set(e, SessionSlots.LAST_HLC, hlc);
      t.slots.set(e, SessionSlots.ACKED, acked);
      if (count < 0) {
        t.windows.tombstone(e);
        t.tombstones++;
      } else {
        t.windows.attach(e, window(t, count, acked, highest, hlc));
        t.tenants.addLive(tenant, 1);
      }
    }

    private int window(SessionTable t, int count, long acked, long highest, long lastHlc) {
      int head = SessionWindows.NONE;
      long previous = highest + 1;
      for (int i = 0; i < count; i++) {
        int at = b.position() - base;
        need(ENTRY_LENGTH, "window entry");
        long seq = b.getLong();
        if (seq < acked || seq >= previous) {
          throw invalid(
              at, "window seq", seq, "must be " + acked + " to " + (previous - 1) + ", descending");
        }
        long position = b.getLong();
        if (position < 0 || position >= t.appliedBelow) {
          throw invalid(
              at + 8, "window position", position, "must be below applied below " + t.appliedBelow);
        }
        long hlc = b.getLong();
        if (hlc < 0 || hlc > lastHlc) {
          throw invalid(
              at + 16, "window hlc", hlc, "must be 0 to the session's last hlc " + lastHlc);
        }
        head = t.windows.insert(head, seq, position, hlc, b.getInt());
        previous = seq;
      }
      return head;
    }

    InvalidArgumentException invalid(int offset, String field, Object value, String rule) {
      return new InvalidArgumentException(
          "session table " + field + " at offset " + offset, value, rule);
    }
  }
}
