package io.tidaldb.session.table;

import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.TenantId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.TreeMap;

/**
 * The reference model of a {@link SessionTable}: the documented rules written with maps (live
 * sessions and tombstones in maps, the entry order the expiry cursor walks in a list where a
 * removal moves the last key into the hole, each window a TreeMap of seq to (position, hash, hlc)),
 * for the property tests to compare the table against. It knows nothing of inline entries.
 */
final class ModelTable {
  record Key(TenantId tenant, long session) {}

  static final class Session {
    long highest;
    long lastHlc;
    long acked = 1;
    final TreeMap<Long, long[]> window = new TreeMap<>();
  }

  private final SessionConfig config;
  final LinkedHashMap<Key, Session> live = new LinkedHashMap<>();
  final LinkedHashMap<Key, Session> tombstones = new LinkedHashMap<>();
  final List<TenantId> tenants = new ArrayList<>();
  final List<Key> order = new ArrayList<>();
  long clock;
  long appliedBelow;
  int cursor;

  ModelTable(SessionConfig config) {
    this.config = config;
  }

  /** The decision's kind, refusal and position, as the table must give them. */
  String check(TenantId tenant, long session, long seq, long ackedBelow, int hash) {
    Key key = new Key(tenant, session);
    if (tombstones.containsKey(key)) {
      return "REFUSED EXPIRED";
    }
    Session s = live.get(key);
    if (s == null) {
      long count = live.keySet().stream().filter(k -> k.tenant().equals(tenant)).count();
      return count >= config.maxSessionsPerTenant() ? "REFUSED TOO_MANY_SESSIONS" : "NEW";
    }
    if (seq < s.acked) {
      return "REFUSED BELOW_WINDOW";
    }
    long[] held = s.window.get(seq);
    if (held != null) {
      return held[1] == hash
          ? "DUPLICATE " + held[0] + " hlc " + held[2]
          : "REFUSED PAYLOAD_DIFFERS";
    }
    if (seq - s.highest > config.maxSeqGap()) {
      return "REFUSED SEQ_GAP";
    }
    if (s.window.tailMap(Math.max(s.acked, ackedBelow)).size() >= config.maxWindow()) {
      return "REFUSED WINDOW_FULL";
    }
    return "NEW";
  }

  boolean apply(
      TenantId tenant, long session, long seq, long ackedBelow, int hash, long position, long hlc) {
    if (position < appliedBelow) {
      return false;
    }
    appliedBelow = position + 1;
    if (!tenants.contains(tenant)) {
      tenants.add(tenant);
    }
    Key key = new Key(tenant, session);
    Session s = live.remove(key);
    if (s == null) {
      s = tombstones.remove(key);
    }
    if (s == null) {
      s = new Session();
      order.add(key);
    }
    live.put(key, s);
    s.acked = Math.max(s.acked, ackedBelow);
    s.window.headMap(s.acked).clear();
    boolean added = seq >= s.acked && !s.window.containsKey(seq);
    if (added) {
      s.window.put(seq, new long[] {position, hash, hlc});
    }
    s.highest = Math.max(s.highest, seq);
    s.lastHlc = Math.max(s.lastHlc, hlc);
    tick(hlc);
    return added;
  }

  void advance(long position, long hlc) {
    if (position < appliedBelow) {
      return;
    }
    appliedBelow = position + 1;
    tick(hlc);
  }

  /** The clock moves to a later hlc; the cursor moves only when its millisecond does. */
  private void tick(long hlc) {
    long before = HlcStamp.physicalMillis(clock);
    clock = Math.max(clock, hlc);
    if (HlcStamp.physicalMillis(clock) != before) {
      expire();
    }
  }

  /**
   * The cursor looks at SWEEP entries in order, wrapping; a removed entry's place takes the last.
   */
  private void expire() {
    long now = HlcStamp.physicalMillis(clock);
    for (int k = 0; k < SessionTable.SWEEP && !order.isEmpty(); k++) {
      if (cursor >= order.size()) {
        cursor = 0;
      }
      Key key = order.get(cursor);
      Session s = live.get(key);
      if (s != null) {
        if (now - HlcStamp.physicalMillis(s.lastHlc) > config.ttlMillis()) {
          live.remove(key);
          s.window.clear();
          tombstones.put(key, s);
        }
      } else if (now - HlcStamp.physicalMillis(tombstones.get(key).lastHlc)
          > 2 * config.ttlMillis()) {
        tombstones.remove(key);
        Key last = order.remove(order.size() - 1);
        if (cursor < order.size()) {
          order.set(cursor, last);
        }
        continue;
      }
      cursor++;
    }
  }

  /** One line per session in entry order, as {@link #dump(SessionTable)}. */
  List<String> dump() {
    List<String> lines = new ArrayList<>();
    lines.add(header(clock, appliedBelow, cursor, tenants));
    for (Key k : order) {
      Session s = live.get(k);
      lines.add(s != null ? line("live", k, s) : line("tomb", k, tombstones.get(k)));
    }
    return lines;
  }

  /** The same dump of a table, read from its internal structures. */
  static List<String> dump(SessionTable t) {
    List<String> lines = new ArrayList<>();
    List<TenantId> names = new ArrayList<>();
    for (int i = 0; i < t.tenants.count(); i++) {
      names.add(t.tenants.name(i));
    }
    lines.add(header(t.clock, t.appliedBelow, t.cursor, names));
    SessionWindows w = t.windows;
    for (int e = 0; e < t.slots.size(); e++) {
      Session s = new Session();
      s.highest = t.slots.get(e, SessionSlots.HIGHEST);
      s.lastHlc = t.slots.get(e, SessionSlots.LAST_HLC);
      s.acked = t.slots.get(e, SessionSlots.ACKED);
      for (int r = w.first(e); r != SessionWindows.NONE; r = w.next(r)) {
        s.window.put(w.seq(e, r), new long[] {w.position(e, r), w.hash(e, r), w.hlc(e, r)});
      }
      Key key = new Key(t.tenants.name(t.slots.tenant(e)), t.slots.get(e, SessionSlots.SESSION));
      lines.add(line(t.slots.tombstone(e) ? "tomb" : "live", key, s));
    }
    return lines;
  }

  private static String header(long clock, long appliedBelow, int cursor, List<TenantId> names) {
    return "clock "
        + clock
        + " appliedBelow "
        + appliedBelow
        + " cursor "
        + cursor
        + " tenants "
        + names;
  }

  private static String line(String kind, Key k, Session s) {
    TreeMap<Long, long[]> window = s.window;
    StringBuilder b =
        new StringBuilder(kind)
            .append(' ')
            .append(k.tenant())
            .append('/')
            .append(SessionIds.render(k.session()))
            .append(" highest ")
            .append(s.highest)
            .append(" hlc ")
            .append(s.lastHlc)
            .append(" acked ")
            .append(s.acked)
            .append(" window");
    window.forEach(
        (seq, v) ->
            b.append(' ')
                .append(seq)
                .append('@')
                .append(v[0])
                .append('#')
                .append(v[1])
                .append('^')
                .append(v[2]));
    return b.toString();
  }
}
