package io.tidaldb.session.table;

import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.TenantId;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded random session writes as a shard's leader sees them: a few tenants and sessions, each
 * client counting seqs across shards (so a shard sees gaps and out-of-order seqs), retries of
 * earlier seqs with the same or another payload, ackedBelow lagging, HLCs that mostly grow by a few
 * ms, sometimes step back a little and sometimes jump past the ttl; and log records, some of them
 * replayed (an old position).
 */
final class Workload {
  static final TenantId[] TENANTS = {TenantId.of("acme"), TenantId.of("globex"), TenantId.of("x")};

  /** A session write; also a log record once it has a position and hlc. */
  record Write(
      TenantId tenant,
      long session,
      long seq,
      long ackedBelow,
      int hash,
      long position,
      long hlc) {}

  private final SplittableRandom random;
  private final long ttl;
  private final long[] sessions;
  private final long[] nextSeq;
  private final long[] acked;
  private long millis = 1_000_000;
  private long position;

  Workload(long seed, long ttlMillis) {
    random = new SplittableRandom(seed);
    ttl = ttlMillis;
    int n = random.nextInt(2, 12);
    sessions = new long[n];
    nextSeq = new long[n];
    acked = new long[n];
    for (int i = 0; i < n; i++) {
      sessions[i] = random.nextBoolean() ? random.nextLong() : random.nextInt(4);
      nextSeq[i] = 1;
      acked[i] = 1;
    }
  }

  SplittableRandom random() {
    return random;
  }

  /** The next write a client sends this shard (not yet positioned). */
  Write nextWrite() {
    int i = random.nextInt(sessions.length);
    TenantId tenant = TENANTS[(int) Math.floorMod(sessions[i] + i, (long) TENANTS.length)];
    long seq;
    int r = random.nextInt(10);
    if (r < 2 && nextSeq[i] > 1) { // a retry of an earlier seq
      seq = random.nextLong(Math.max(1, nextSeq[i] - 8), nextSeq[i]);
    } else if (r == 2) { // a huge jump (other shards took many)
      seq = nextSeq[i] + random.nextLong(1, 200);
      nextSeq[i] = seq + 1;
    } else { // the next seqs, some went to other shards
      seq = nextSeq[i] + random.nextInt(3);
      nextSeq[i] = seq + 1;
    }
    if (random.nextInt(4) == 0) {
      acked[i] = Math.min(seq, acked[i] + random.nextInt(6));
    }
    long ackedBelow = Math.min(seq, Math.max(1, acked[i] - random.nextInt(2)));
    int hash = (int) (seq * 31 + sessions[i]) + (random.nextInt(12) == 0 ? 1 : 0);
    return new Write(tenant, sessions[i], seq, ackedBelow, hash, -1, -1);
  }

  /** Positions the write as the next log record, with an HLC. */
  Write positioned(Write w) {
    return new Write(w.tenant(), w.session(), w.seq(), w.ackedBelow(), w.hash(), position++, hlc());
  }

  /** The next log position (for an advance). */
  long nextPosition() {
    return position++;
  }

  /** An HLC stamp: mostly a few ms later, sometimes earlier, sometimes past the ttl. */
  long hlc() {
    int r = random.nextInt(40);
    if (r == 0) {
      millis += ttl + random.nextLong(1, ttl);
    } else if (r < 4) {
      return HlcStamp.pack(millis - random.nextInt(5), random.nextInt(100));
    } else {
      millis += random.nextLong(0, Math.max(2, ttl / 20));
    }
    return HlcStamp.pack(millis, random.nextInt(100));
  }

  /** A whole log of n records: session writes and a few other records (null writes: advances). */
  List<Write> log(int n) {
    List<Write> log = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (random.nextInt(8) == 0) {
        log.add(new Write(null, 0, 0, 0, 0, nextPosition(), hlc()));
      } else {
        log.add(positioned(nextWrite()));
      }
    }
    return log;
  }

  /** Feeds log records to a table. */
  static void feedAll(SessionTable t, List<Write> log) {
    for (Write w : log) {
      feed(t, w);
    }
  }

  /** Feeds a log record to a table. */
  static void feed(SessionTable t, Write w) {
    if (w.tenant() == null) {
      t.advance(w.position(), w.hlc());
    } else {
      t.apply(w.tenant(), w.session(), w.seq(), w.ackedBelow(), w.hash(), w.position(), w.hlc());
    }
  }
}
