package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalTickets;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.router.HashShardRouter;
import io.tidaldb.session.table.SessionTable;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A leader store A (single region, its logs in epoch 3, a clock the test moves) that takes a seeded
 * mix of SIGNAL, SIGNAL_S and SIGNAL_BATCH_S (of each durability; a third of the session writes are
 * parts of 1 to 6 signals) and DEFINE records, and followers that {@link #follower open} beside it:
 * stores that follow every shard through a {@link FakeReplication} and are fed A's batches ({@link
 * #feed}). Session tables expire after {@link #TTL_MILLIS}, well inside the time the mix spans, so
 * expiry and revival are fed too. Prints its seed.
 */
final class SessionRegions implements AutoCloseable {
  static final long T0 = 1_700_000_000_000L;
  static final long EPOCH = 3;
  static final long TTL_MILLIS = 5_000;
  static final TenantId ACME = TenantId.of("acme");
  static final List<TenantId> TENANTS = List.of(TenantId.DEFAULT, ACME);
  static final int TYPES = 12;
  static final int ENTITIES = 40;
  private static final HashShardRouter ROUTER = new HashShardRouter(StoreFixture.SHARDS);

  final Path dir;
  final AtomicLong now = new AtomicLong(T0);
  final StoreFixture a;
  private final List<StoreFixture> followers = new ArrayList<>();
  private final Random random;
  private final long[][] nextSeq = new long[2][6];
  private final long[][] acked = new long[2][6];
  private final long[] last = new long[StoreFixture.SHARDS];
  int sessionWrites;
  int partWrites;

  SessionRegions(Path dir, long seed) {
    System.out.println("seed " + seed);
    this.dir = dir;
    this.random = new Random(seed);
    for (long[] row : nextSeq) {
      Arrays.fill(row, 1);
    }
    for (long[] row : acked) {
      Arrays.fill(row, 1);
    }
    Arrays.fill(last, -1);
    a =
        new StoreFixture(
            dir.resolve("a"),
            s -> settings(s).snapshotEveryRecords(1L << 40),
            w -> w.segmentBytes(64 << 10));
    for (int i = 0; i < StoreFixture.SHARDS; i++) {
      a.wal.shard(i).advanceEpoch(EPOCH);
    }
  }

  private StoreConfig.Builder settings(StoreConfig.Builder s) {
    return s.clock(now::get).sessionTtl(Duration.ofMillis(TTL_MILLIS));
  }

  /**
   * Opens a follower of every shard in {@code name}, region {@code region}, writing snapshots only
   * when asked.
   */
  StoreFixture follower(String name, int region) {
    FakeReplication replication = new FakeReplication();
    for (int i = 0; i < StoreFixture.SHARDS; i++) {
      replication.notLeading.add(i);
    }
    StoreFixture f =
        new StoreFixture(
            dir.resolve(name),
            s -> settings(s).region(RegionId.of(region)).snapshotEveryRecords(1L << 40),
            w -> w,
            replication);
    followers.add(f);
    return f;
  }

  /**
   * Appends {@code n} seeded records at A (new types define series; about half the signals are
   * session writes, some of them retries of a seq already written), moving the clock between them,
   * and waits until all are durable.
   */
  void write(int n) {
    for (int i = 0; i < n; i++) {
      now.addAndGet(random.nextInt(400));
      int t = random.nextInt(2);
      Signal signal =
          new Signal(
              TENANTS.get(t),
              SignalType.of("t" + random.nextInt(TYPES)),
              EntityId.of(random.nextInt(ENTITIES)),
              random.nextInt(10) == 0 ? -1.5 : random.nextInt(5) + 0.25,
              Timestamp.ofMillis(now.get() - random.nextInt(10_000)));
      long ticket;
      if (random.nextBoolean()) {
        Durability level = Durability.values()[random.nextInt(Durability.values().length)];
        if (random.nextInt(3) == 0) { // a session batch's part: one record of 1 to 6 signals
          ticket = a.store.appendSessionPartWrite(part(signal), nextSession(t), level);
          partWrites++;
        } else {
          ticket = a.store.appendSessionWrite(signal, nextSession(t), level);
        }
        sessionWrites++;
      } else {
        ticket =
            a.store.submit(
                signal.tenant(),
                signal.type(),
                signal.entity().value(),
                signal.weight(),
                signal.eventTime().epochMillis());
      }
      last[SignalTickets.shard(ticket)] = ticket;
    }
    awaitA();
  }

  /** {@code first} and up to five more seeded signals of its tenant and shard. */
  private List<Signal> part(Signal first) {
    List<Signal> part = new ArrayList<>();
    part.add(first);
    int shard = ROUTER.shardOf(first.tenant(), first.entity().value());
    for (int n = random.nextInt(6); n > 0; n--) {
      long entity;
      do {
        entity = random.nextInt(ENTITIES);
      } while (ROUTER.shardOf(first.tenant(), entity) != shard);
      part.add(
          new Signal(
              first.tenant(),
              SignalType.of("t" + random.nextInt(TYPES)),
              EntityId.of(entity),
              random.nextInt(5) + 0.5,
              Timestamp.ofMillis(now.get() - random.nextInt(10_000))));
    }
    return part;
  }

  private SessionSeq nextSession(int t) {
    int s = random.nextInt(nextSeq[t].length);
    long seq;
    if (random.nextInt(5) == 0 && nextSeq[t][s] > 1) {
      seq = 1 + random.nextInt((int) nextSeq[t][s] - 1); // a retry, maybe below the window
    } else {
      seq = nextSeq[t][s];
      nextSeq[t][s] += random.nextInt(8) == 0 ? 1 + random.nextInt(5) : 1;
    }
    if (random.nextInt(3) == 0) {
      acked[t][s] = Math.max(acked[t][s], 1 + random.nextInt((int) seq));
    }
    long session = ((t + 1L) << 40) | (s + 1);
    return new SessionSeq(session, seq, Math.min(acked[t][s], seq));
  }

  /** Waits until every record appended at A is durable (and so applied). */
  void awaitA() {
    for (long t : last) {
      if (t >= 0) {
        a.store.awaitDurable(t, Duration.ofSeconds(30));
      }
    }
  }

  /**
   * Ships A's durable batches of every shard, from the follower's next position below {@code to}.
   */
  static void feed(StoreFixture from, StoreFixture into, long[] to) {
    for (int shard = 0; shard < StoreFixture.SHARDS; shard++) {
      for (ByteBuffer batch :
          CatchUpRegions.batches(from.wal.shard(shard), into.wal.shard(shard).nextPosition())) {
        long first = batch.getLong(io.tidaldb.wal.BatchDescriptor.FIRST_POSITION_OFFSET);
        if (first >= to[shard]) {
          break;
        }
        into.wal
            .shard(shard)
            .awaitDurable(
                into.wal.shard(shard).appendReplicated(batch) - 1, CatchUpRegions.TIMEOUT);
      }
    }
  }

  /** Ships everything A holds. */
  static void feedAll(StoreFixture from, StoreFixture into) {
    long[] all = new long[StoreFixture.SHARDS];
    Arrays.fill(all, Long.MAX_VALUE);
    feed(from, into, all);
  }

  /** Returns each shard's next log position at {@code f}. */
  static long[] ends(StoreFixture f) {
    long[] ends = new long[StoreFixture.SHARDS];
    for (int i = 0; i < ends.length; i++) {
      ends[i] = f.wal.shard(i).nextPosition();
    }
    return ends;
  }

  /** Returns the canonical encoding of each shard's session table, read under its lock. */
  static List<ByteBuffer> tables(StoreFixture f) {
    List<ByteBuffer> out = new ArrayList<>();
    for (int i = 0; i < StoreFixture.SHARDS; i++) {
      ShardState s = f.store.shardState(i);
      s.lock.readLock().lock();
      try {
        out.add(ShardSessions.encode(s.sessions.table())); // the shard table alone
      } finally {
        s.lock.readLock().unlock();
      }
    }
    return out;
  }

  /** Returns the session table of one shard (quiescent stores only). */
  static SessionTable table(StoreFixture f, int shard) {
    return f.store.shardState(shard).sessions.table();
  }

  /** Everything a client can read of the mix's series, at the current clock. */
  List<Object> reads(StoreFixture f) {
    Timestamp at = Timestamp.ofMillis(now.get());
    List<Object> all = new ArrayList<>();
    for (TenantId tenant : TENANTS) {
      for (int type = 0; type < TYPES; type++) {
        SignalType t = SignalType.of("t" + type);
        for (long e = 0; e < ENTITIES; e++) {
          all.add(f.store.read(tenant, t, EntityId.of(e), at));
        }
      }
    }
    return all;
  }

  /** Asserts that {@code f} holds A's session tables (byte for byte) and A's readable state. */
  void assertSameAsA(StoreFixture f, List<ByteBuffer> aTables, List<Object> aReads, String what) {
    for (int i = 0; i < StoreFixture.SHARDS; i++) {
      assertEquals(aTables.get(i), tables(f).get(i), what + ": session table of shard " + i);
    }
    assertEquals(aReads, reads(f), what + ": CRDT state");
  }

  @Override
  public void close() {
    for (StoreFixture f : followers) {
      f.close();
    }
    a.close();
  }
}
