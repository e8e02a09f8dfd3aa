package io.tidaldb.session.table;

import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.TenantId;
import java.nio.ByteBuffer;

/**
 * One shard's session table: for each (tenant, session) that wrote to the shard, the highest seq
 * seen, the HLC of its last write, its {@code ackedBelow} and the window: for each seq at or above
 * {@code ackedBelow} that landed in this shard, the record's log position, its HLC (the stamp of
 * the original acknowledgement) and a 32-bit payload hash (design: docs/design/sessions.md).
 *
 * <p>The commit thread {@link #apply applies} every session record of the shard's log in position
 * order (and {@link #advance advances} the clock for the other records), so every replica's table
 * is the same function of the same log prefix; the leader {@link #check checks} a write against it
 * before appending. A record below the table's {@link #appliedBelow} position is ignored, so
 * replaying a prefix changes nothing; a cut of the log must rebuild the table (snapshot + replay),
 * like the digests.
 *
 * <p>Expiry is decided from the log alone: the table's {@link #clock} is the highest HLC applied;
 * each apply or advance that moves the clock's physical millisecond moves a cursor over the dense
 * session entries by {@value #SWEEP} entries (wrapping at the end), expiring each live session it
 * passes whose last write is more than the ttl older than the clock (an expired session keeps a
 * tombstone, so that a later write of it is refused as expired) and removing each tombstone more
 * than twice the ttl old (the last entry moves into its place and is looked at next). While the
 * millisecond stays, no entry can become due (its deadline is a millisecond of the clock), so the
 * records between two milliseconds move nothing: at a high write rate the sweep costs a few entries
 * a millisecond, not {@value #SWEEP} a record (bench/RESULTS.md §29). The entries' order and the
 * cursor are functions of the applied records (and are in the encoding), so two tables fed the same
 * records expire the same sessions at the same records. A session is expired at most {@code entries
 * / SWEEP} milliseconds of the clock after its deadline (10,000 sessions: 625 ms; the ttl is a day
 * by default). Out-of-order HLCs within the log (at most the accepted clock skew) can delay an
 * expiry, never advance it.
 *
 * <p>A shard without an entry for the session accepts any seq and opens it (the session may have
 * written only to other shards so far: a shard cannot tell "unknown" from "new here" without a
 * cross-shard registry); a tombstone refuses every seq, 1 included.
 *
 * <p>Not thread-safe: the shard's lock guards it. {@link #check} and {@link #apply} allocate
 * nothing except when the arrays grow, a new tenant is bound, or a write is a duplicate or refused.
 */
public final class SessionTable {
  /** Session entries the expiry cursor looks at per apply or advance. */
  public static final int SWEEP = 16;

  private final SessionConfig config;
  final SessionSlots slots = new SessionSlots();
  final SessionWindows windows = new SessionWindows(slots);
  final TenantIndex tenants = new TenantIndex();
  long clock;
  long appliedBelow;
  int cursor;
  int tombstones;

  /**
   * Creates an empty table.
   *
   * @param config the policy every replica of the shard shares
   */
  public SessionTable(SessionConfig config) {
    this.config = config;
  }

  /**
   * Decides a session write on the leader, changing nothing.
   *
   * @param tenant the session's tenant
   * @param session the session id
   * @param seq the write's seq, from 1
   * @param ackedBelow every seq below it had its outcome delivered; 1 to seq
   * @param payloadHash the hash of the write's canonical payload
   * @return NEW, DUPLICATE with the original position and HLC, or REFUSED with its reason
   * @throws InvalidArgumentException if seq or ackedBelow is out of range
   */
  public Decision check(TenantId tenant, long session, long seq, long ackedBelow, int payloadHash) {
    checkSeq(seq, ackedBelow);
    int t = tenants.find(tenant);
    int e = t < 0 ? SessionSlots.NONE : slots.find(t, session);
    if (e == SessionSlots.NONE) {
      int live = t < 0 ? 0 : tenants.live(t);
      return live >= config.maxSessionsPerTenant()
          ? Refusals.tooMany(tenant, session, seq, live)
          : Decision.NEW;
    }
    if (slots.tombstone(e)) {
      return Refusals.expired(
          tenant, session, seq, config.ttlMillis(), slots.get(e, SessionSlots.LAST_HLC));
    }
    long acked = slots.get(e, SessionSlots.ACKED);
    long highest = slots.get(e, SessionSlots.HIGHEST);
    if (seq < acked) {
      return Refusals.belowWindow(tenant, session, seq, acked, window(e));
    }
    // the window holds seqs up to the highest only: a seq above it (the usual write) skips the walk
    int held = seq > highest ? SessionWindows.NONE : windows.find(e, seq);
    if (held != SessionWindows.NONE) {
      return windows.hash(e, held) == payloadHash
          ? Decision.duplicate(windows.position(e, held), windows.hlc(e, held))
          : Refusals.payloadDiffers(
              tenant,
              session,
              seq,
              payloadHash,
              windows.position(e, held),
              windows.hash(e, held),
              window(e));
    }
    if (seq - highest > config.maxSeqGap()) {
      return Refusals.seqGap(tenant, session, seq, highest, config.maxSeqGap(), window(e));
    }
    long low = Math.max(acked, ackedBelow);
    // the window holds distinct seqs at most the highest: fewer than maxWindow from low up unless
    // that range is as wide, and only then is the list walked (a check stays O(1) per write)
    if (highest - low + 1 >= config.maxWindow()
        && windows.countFrom(e, low) >= config.maxWindow()) {
      return Refusals.windowFull(tenant, session, seq, config.maxWindow(), window(e));
    }
    return Decision.NEW;
  }

  /**
   * The part of {@link #check} that decides the usual write, a seq above its session's highest, for
   * a reader that holds no lock and validates afterwards that nothing changed the table meanwhile
   * (an optimistic read: {@code java.util.concurrent.locks.StampedLock}'s pattern; the store's
   * leader check, bench/RESULTS.md §17.7). Returns {@link Decision#NEW} only where {@link #check}
   * answers NEW for the same arguments on the same table: the session is known and live, {@code
   * seq} lies above its highest by at most the largest gap, and the window cannot be full ({@code
   * highest - max(acked, ackedBelow) + 1 < maxWindow}, so no walk). Returns null wherever {@link
   * #check} must decide: a seq at or below the highest, a session not in the table, a tombstone, a
   * gap, a window that may be full, a tenant beyond the first {@value TenantIndex#SCANNED} of the
   * table, arguments out of range, or a state seen mid-change (an exception of the read is caught).
   * Changes nothing, allocates nothing, never loops without bound.
   *
   * @param tenant the session's tenant
   * @param session the session id
   * @param seq the write's seq
   * @param ackedBelow the write's ackedBelow
   * @return {@link Decision#NEW} or null (decide by {@link #check} under the lock)
   */
  public Decision checkAboveHighest(TenantId tenant, long session, long seq, long ackedBelow) {
    if (seq < 1 || ackedBelow < 1 || ackedBelow > seq) {
      return null;
    }
    try {
      int t = tenants.findScanned(tenant);
      int e = t < 0 ? SessionSlots.NONE : slots.findRacy(t, session);
      if (e == SessionSlots.NONE || slots.tombstone(e)) {
        return null;
      }
      long acked = slots.get(e, SessionSlots.ACKED);
      long highest = slots.get(e, SessionSlots.HIGHEST);
      if (seq <= highest || seq < acked || seq - highest > config.maxSeqGap()) {
        return null;
      }
      return highest - Math.max(acked, ackedBelow) + 1 < config.maxWindow() ? Decision.NEW : null;
    } catch (RuntimeException e) { // a state seen mid-change: the caller's validation fails too
      return null;
    }
  }

  /**
   * Applies a session record of the shard's log, in position order: opens (or revives) the session,
   * raises its {@code ackedBelow} and drops the window entries below it, adds the seq to the window
   * with its position and HLC, then moves the clock and expires. A record below {@link
   * #appliedBelow} is ignored.
   *
   * @param tenant the session's tenant
   * @param session the session id
   * @param seq the record's seq
   * @param ackedBelow the record's ackedBelow, 1 to seq
   * @param payloadHash the record's payload hash
   * @param position the record's log position
   * @param hlc the record's HLC stamp
   * @return true if the table recorded (session, seq) now; false if the record was replayed, the
   *     window held the seq already (a second copy keeps the first's position), or it is below the
   *     window
   * @throws InvalidArgumentException if a value is out of range
   */
  public boolean apply(
      TenantId tenant,
      long session,
      long seq,
      long ackedBelow,
      int payloadHash,
      long position,
      long hlc) {
    checkSeq(seq, ackedBelow);
    checkPosition(position, hlc);
    if (position < appliedBelow) {
      return false;
    }
    appliedBelow = position + 1;
    int t = tenants.intern(tenant);
    int e = slots.find(t, session);
    if (e == SessionSlots.NONE) {
      e = slots.add(t, session);
      tenants.addLive(t, 1);
    } else if (slots.tombstone(e)) {
      slots.set(e, SessionSlots.WINDOW, SessionSlots.EMPTY);
      tombstones--;
      tenants.addLive(t, 1);
    }
    int head = windows.detach(e);
    long before = slots.get(e, SessionSlots.ACKED);
    long acked = Math.max(before, ackedBelow);
    if (acked != before) {
      // every entry is at or above the old ackedBelow (each raise drops what falls below), so only
      // a raise can drop anything, and the cut starts at the window's tail: it costs the entries
      // it drops (a pipelining client raises with every record, bench/RESULTS.md §24)
      slots.set(e, SessionSlots.ACKED, acked);
      head = windows.dropBelow(head, acked);
    }
    boolean added = seq >= acked && !windows.holds(head, seq);
    if (added) {
      head = windows.insert(head, seq, position, hlc, payloadHash);
    }
    slots.set(e, SessionSlots.HIGHEST, Math.max(slots.get(e, SessionSlots.HIGHEST), seq));
    slots.set(e, SessionSlots.LAST_HLC, Math.max(slots.get(e, SessionSlots.LAST_HLC), hlc));
    windows.attach(e, head);
    tick(hlc);
    return added;
  }

  /**
   * Applies a record of the shard's log that is not a session write: moves the clock to its HLC and
   * expires. A record below {@link #appliedBelow} is ignored.
   *
   * @param position the record's log position
   * @param hlc the record's HLC stamp
   */
  public void advance(long position, long hlc) {
    checkPosition(position, hlc);
    if (position < appliedBelow) {
      return;
    }
    appliedBelow = position + 1;
    tick(hlc);
  }

  /** Returns the configuration. */
  public SessionConfig config() {
    return config;
  }

  /** Returns the table's clock: the highest HLC applied (0 when none). */
  public long clock() {
    return clock;
  }

  /** Returns the position after the last record applied (0 when none). */
  public long appliedBelow() {
    return appliedBelow;
  }

  /** Returns the number of live sessions. */
  public int liveSessions() {
    return slots.size() - tombstones;
  }

  /** Returns the number of tombstones of expired sessions. */
  public int tombstones() {
    return tombstones;
  }

  /** Returns the number of window entries of all sessions. */
  public int windowEntries() {
    return windows.entries();
  }

  /**
   * Returns the tenant's live sessions.
   *
   * @param tenant the tenant
   * @return its live sessions in this table
   */
  public int liveSessions(TenantId tenant) {
    int t = tenants.find(tenant);
    return t < 0 ? 0 : tenants.live(t);
  }

  /**
   * Returns the bytes of the table's arrays (entries, index, windows, tenants), as allocated.
   *
   * @return the bytes
   */
  public long memoryBytes() {
    return slots.memoryBytes() + windows.memoryBytes() + tenants.memoryBytes();
  }

  /** Returns the length of the canonical encoding. */
  public int encodedLength() {
    return SessionTableCodec.encodedLength(this);
  }

  /**
   * Writes the canonical encoding (layout in {@code SessionTableCodec}) at the buffer's position
   * and advances it. Tables fed the same records write the same bytes.
   *
   * @param buffer the target with at least {@link #encodedLength()} bytes remaining; its byte order
   *     is ignored and unchanged
   * @throws InvalidArgumentException if too few bytes remain; nothing is written then
   */
  public void writeTo(ByteBuffer buffer) {
    SessionTableCodec.write(this, buffer);
  }

  /**
   * Reads a table written by {@link #writeTo} at the buffer's position and advances past it.
   *
   * @param buffer the source; its byte order is ignored and unchanged
   * @param config the policy of the new table
   * @return the table
   * @throws InvalidArgumentException naming the offset, field and value of a malformed encoding;
   *     the position is then unchanged
   */
  public static SessionTable readFrom(ByteBuffer buffer, SessionConfig config) {
    return SessionTableCodec.read(buffer, config);
  }

  /**
   * Returns a 64-bit digest of the canonical encoding (tests and diagnostics; allocates).
   *
   * @return the digest
   */
  public long digest() {
    ByteBuffer b = ByteBuffer.allocate(encodedLength());
    writeTo(b);
    long h = 0xCBF29CE484222325L;
    for (byte x : b.array()) {
      h = (h ^ (x & 0xFF)) * 0x100000001B3L;
    }
    return h;
  }

  /**
   * Returns whether the other table has the same canonical encoding (tests; allocates).
   *
   * @param other the other table
   * @return true if both encode to equal bytes
   */
  public boolean sameContentAs(SessionTable other) {
    ByteBuffer a = ByteBuffer.allocate(encodedLength());
    ByteBuffer b = ByteBuffer.allocate(other.encodedLength());
    writeTo(a);
    other.writeTo(b);
    return a.flip().equals(b.flip());
  }

  /** Moves the clock to {@code hlc} if that is later; expires if its millisecond moved. */
  private void tick(long hlc) {
    if (hlc > clock) {
      long before = HlcStamp.physicalMillis(clock);
      clock = hlc;
      long now = HlcStamp.physicalMillis(hlc);
      if (now != before) {
        expire(now);
      }
    }
  }

  /**
   * Moves the cursor by {@link #SWEEP} entries: expires, and removes old tombstones, at {@code now}
   * (the clock's millisecond).
   */
  private void expire(long now) {
    for (int k = 0; k < SWEEP && slots.size() > 0; k++) {
      if (cursor >= slots.size()) {
        cursor = 0;
      }
      int e = cursor;
      if (!slots.tombstone(e)) {
        if (idleLonger(e, now, config.ttlMillis())) {
          windows.tombstone(e);
          tombstones++;
          tenants.addLive(slots.tenant(e), -1);
        }
      } else if (idleLonger(e, now, 2 * config.ttlMillis())) {
        slots.remove(e); // the last entry moves here: looked at next
        tombstones--;
        continue;
      }
      cursor++;
    }
  }

  private boolean idleLonger(int e, long now, long millis) {
    return now - HlcStamp.physicalMillis(slots.get(e, SessionSlots.LAST_HLC)) > millis;
  }

  private String window(int e) {
    return "window: acked below "
        + slots.get(e, SessionSlots.ACKED)
        + ", highest "
        + slots.get(e, SessionSlots.HIGHEST)
        + ", "
        + windows.count(e)
        + " held";
  }

  private static void checkSeq(long seq, long ackedBelow) {
    if (seq < 1) {
      throw new InvalidArgumentException("session seq", seq, "must be >= 1");
    }
    if (ackedBelow < 1 || ackedBelow > seq) {
      throw new InvalidArgumentException(
          "session ackedBelow", ackedBelow, "must be 1 to the write's seq " + seq);
    }
  }

  private static void checkPosition(long position, long hlc) {
    if (position < 0) {
      throw new InvalidArgumentException("session record position", position, "must be >= 0");
    }
    if (hlc < 0) {
      throw new InvalidArgumentException("session record hlc", hlc, "must be >= 0");
    }
  }
}
