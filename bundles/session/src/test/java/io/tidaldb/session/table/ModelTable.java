package io.tidaldb.session.table;

import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.TenantId;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The reference model of a {@link SessionTable}: the documented rules written with maps (live
 * sessions in a LinkedHashMap in order of their last applied record, tombstones in order of expiry,
 * each window a TreeMap), for the property tests to compare the table against.
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
  long clock;
  long appliedBelow;

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
      return held[1] == hash ? "DUPLICATE " + held[0] : "REFUSED PAYLOAD_DIFFERS";
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
    }
    live.put(key, s);
    s.acked = Math.max(s.acked, ackedBelow);
    s.window.headMap(s.acked).clear();
    boolean added = seq >= s.acked && !s.window.containsKey(seq);
    if (added) {
      s.window.put(seq, new long[] {position, hash});
    }
    s.highest = Math.max(s.highest, seq);
    s.lastHlc = Math.max(s.lastHlc, hlc);
    clock = Math.max(clock, hlc);
    expire();
    return added;
  }

  void advance(long position, long hlc) {
    if (position < appliedBelow) {
      return;
    }
    appliedBelow = position + 1;
    clock = Math.max(clock, hlc);
    expire();
  }

  private void expire() {
    long now = HlcStamp.physicalMillis(clock);
    Iterator<Map.Entry<Key, Session>> it = live.entrySet().iterator();
    List<Map.Entry<Key, Session>> expired = new ArrayList<>();
    for (int k = 0; k < SessionTable.SWEEP && it.hasNext(); k++) {
      Map.Entry<Key, Session> e = it.next();
      if (now - HlcStamp.physicalMillis(e.getValue().lastHlc) <= config.ttlMillis()) {
        break;
      }
      it.remove();
      e.getValue().window.clear();
      expired.add(e);
    }
    expired.forEach(e -> tombstones.put(e.getKey(), e.getValue()));
    it = tombstones.entrySet().iterator();
    for (int k = 0; k < SessionTable.SWEEP && it.hasNext(); k++) {
      Map.Entry<Key, Session> e = it.next();
      if (now - HlcStamp.physicalMillis(e.getValue().lastHlc) <= 2 * config.ttlMillis()) {
        break;
      }
      it.remove();
    }
  }

  /** One line per session, live then tombstones, in list order, as {@link #dump(SessionTable)}. */
  List<String> dump() {
    List<String> lines = new ArrayList<>();
    lines.add("clock " + clock + " appliedBelow " + appliedBelow + " tenants " + tenants);
    live.forEach((k, s) -> lines.add(line("live", k, s, s.window)));
    tombstones.forEach((k, s) -> lines.add(line("tomb", k, s, new TreeMap<>())));
    return lines;
  }

  /** The same dump of a table, read from its internal structures. */
  static List<String> dump(SessionTable t) {
    List<String> lines = new ArrayList<>();
    List<TenantId> names = new ArrayList<>();
    for (int i = 0; i < t.tenants.count(); i++) {
      names.add(t.tenants.name(i));
    }
    lines.add("clock " + t.clock + " appliedBelow " + t.appliedBelow + " tenants " + names);
    for (int list : new int[] {SessionSlots.LIVE, SessionSlots.TOMBSTONES}) {
      for (int e = t.slots.head(list); e != SessionSlots.NONE; e = t.slots.next(e)) {
        Session s = new Session();
        s.highest = t.slots.get(e, SessionSlots.HIGHEST);
        s.lastHlc = t.slots.get(e, SessionSlots.LAST_HLC);
        s.acked = t.slots.get(e, SessionSlots.ACKED);
        int head = list == SessionSlots.LIVE ? t.slots.window(e) : WindowPool.NONE;
        for (int w = head; w != WindowPool.NONE; w = t.windows.next(w)) {
          s.window.put(t.windows.seq(w), new long[] {t.windows.position(w), t.windows.hash(w)});
        }
        Key key = new Key(t.tenants.name(t.slots.tenant(e)), t.slots.get(e, SessionSlots.SESSION));
        lines.add(line(list == SessionSlots.LIVE ? "live" : "tomb", key, s, s.window));
      }
    }
    return lines;
  }

  private static String line(String kind, Key k, Session s, TreeMap<Long, long[]> window) {
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
        (seq, v) -> b.append(' ').append(seq).append('@').append(v[0]).append('#').append(v[1]));
    return b.toString();
  }
}
