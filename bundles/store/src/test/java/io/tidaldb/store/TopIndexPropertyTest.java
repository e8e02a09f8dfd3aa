package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RankedEntity;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.router.HashShardRouter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The top-K index answers exactly as the full scan ({@link SignalStoreEngine#topByScan}) over
 * random histories of two regions: signals through the shard log in one and the local stream in the
 * other, skewed to hot entities, with retractions (negative weights), huge weights and event times
 * over 75 landmark epochs (so the indexes rebase), state merged both ways by reconciliation, stores
 * reopened (recovery rebuilds the indexes), and queries of k from 1 to 200 (past an index's first
 * capacity: a rebuild) at times before, inside and after the data.
 */
class TopIndexPropertyTest {
  private static final TenantId ACME = TenantId.of("acme");
  private static final SignalType VIEW = SignalType.of("view");
  private static final long T0 = 1_700_000_000_000L;
  private static final long HALF_LIFE = 1_000;
  private static final long EPOCH = 16 * HALF_LIFE;
  private static final int WINDOW = 300;
  private static final int[] KS = {1, 2, 3, 5, 10, 10, 20, 33, 200}; // 200: a rebuild to 512

  @Property(tries = 10)
  void shouldAnswerAsTheFullScanOverRandomHistories(@ForAll long seed) throws IOException {
    Path dir = Files.createTempDirectory("tidal-top-index-");
    try (StoreFixture a = region(dir.resolve("a"), 0);
        StoreFixture b = region(dir.resolve("b"), 1)) {
      SplittableRandom random = new SplittableRandom(seed);
      HashShardRouter router = new HashShardRouter(StoreFixture.SHARDS);
      for (int shard = 0; shard < StoreFixture.SHARDS; shard++) { // the type in every shard's log
        for (StoreFixture f : List.of(a, b)) {
          long e = ShardReconcileTest.entityOfShard(ACME, shard, f == a ? 5_000_000 : 6_000_000);
          f.store.signal(ACME, VIEW, EntityId.of(e), 1.0, Timestamp.ofMillis(T0), Durability.LOCAL);
        }
      }
      int queries = 0;
      for (int step = 0; step < 400; step++) {
        long now = T0 + step * (75 * EPOCH / 400); // time moves over 75 epochs: the keys rebase
        int op = random.nextInt(100);
        if (op < 50) {
          a.store.signal(
              ACME,
              VIEW,
              EntityId.of(entity(random, step)),
              weight(random),
              Timestamp.ofMillis(eventTime(random, now)),
              Durability.LOCAL);
        } else if (op < 70) {
          long e = entity(random, step);
          b.store
              .appendLocal(
                  router.shardOf(ACME, e),
                  ACME,
                  VIEW,
                  EntityId.of(e),
                  weight(random),
                  Timestamp.ofMillis(eventTime(random, now)))
              .join();
        } else if (op < 75) {
          boolean toB = random.nextBoolean();
          ShardReconcileTest.mergeAll(
              (toB ? a : b).store.reconcileState(), (toB ? b : a).store.reconcileState(), ACME);
        } else if (op < 77) {
          (random.nextBoolean() ? a : b).reopen();
        } else {
          StoreFixture f = random.nextBoolean() ? a : b;
          int k = KS[random.nextInt(KS.length)];
          long at =
              random.nextInt(20) == 0
                  ? T0 - 2 * EPOCH + random.nextLong(80 * EPOCH) // far off: may need the scan
                  : now - EPOCH + random.nextLong(3 * EPOCH);
          // far before a state's landmark a score overflows: both refuse the time alike
          Object scan = outcome(() -> f.store.topByScan(ACME, VIEW, k, Timestamp.ofMillis(at)));
          Object top = outcome(() -> f.store.top(ACME, VIEW, k, Timestamp.ofMillis(at)));
          assertEquals(scan, top, "seed " + seed + ", step " + step + ": top(" + k + ") at " + at);
          queries++;
        }
      }
      assertEquals(true, queries > 0, "seed " + seed + ": no query ran");
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** The ranking, or for a refused time the refused argument and value. */
  private static Object outcome(Supplier<List<RankedEntity>> query) {
    try {
      return query.get();
    } catch (InvalidArgumentException e) {
      return "refused " + e.argument() + " " + e.value();
    }
  }

  private static StoreFixture region(Path dir, int region) {
    return new StoreFixture(
        dir,
        b -> b.region(RegionId.of(region)).halfLife("view", Duration.ofMillis(HALF_LIFE)),
        b -> b);
  }

  /**
   * Entities of a window that slides over the ids as time moves, skewed to its first ids: a few hot
   * ones take most signals and new ones keep rising into the top, as in a trending list.
   */
  private static long entity(SplittableRandom random, int step) {
    double u = random.nextDouble();
    return step / 2 + (long) (u * u * WINDOW);
  }

  private static double weight(SplittableRandom random) {
    int kind = random.nextInt(100);
    if (kind < 12) {
      return -(0.1 + random.nextDouble() * 20); // retractions
    }
    if (kind < 16) {
      return -(50 + random.nextDouble() * 200); // deep ones: a member sinks below non-members
    }
    if (kind < 18) {
      return 1e6 * (1 + random.nextDouble());
    }
    return 0.1 + random.nextDouble() * 10;
  }

  /** Mostly recent, some late by a few epochs, a few by many. */
  private static long eventTime(SplittableRandom random, long now) {
    int kind = random.nextInt(100);
    long late =
        kind < 90 ? random.nextLong(EPOCH) : random.nextLong(kind < 98 ? 4 * EPOCH : 40 * EPOCH);
    return Math.max(T0, now - late);
  }
}
