package io.tidaldb.bench;

import io.tidaldb.crdt.CrdtSignalState;
import io.tidaldb.crdt.DecayModel;
import io.tidaldb.crdt.ReplicaIds;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-signal cost of keeping the reconciliation digest, against the CRDT apply it rides on
 * (compare both with {@link StoreApplyBenchmark#submitAndApply}, the whole ingest path, which
 * includes the upkeep since the digests exist). Ops/s on one thread over {@code entityCount} states
 * drawn uniformly (seeded).
 *
 * <ul>
 *   <li>{@link #apply}: {@link CrdtSignalState#apply} alone.
 *   <li>{@link #applyWithDigest}: what the store's commit thread does per signal: the entity's hash
 *       before (its state's {@code contentHash} mixed with its key hash), the apply, the hash
 *       after, and the difference added to the tenant's bucket, as {@code ShardDigest} did before
 *       it kept each entity's hash.
 *   <li>{@link #applyWithKeptHash}: as {@code ShardDigest} does now: the hash before is the content
 *       hash kept beside the state (a load), only the hash after is computed and kept.
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
@State(Scope.Benchmark)
public class DigestUpkeepBenchmark {
  private static final int DRAWS = 1 << 20;

  /** Distinct entities with state. */
  @Param({"1000", "1000000"})
  public int entityCount;

  private static final long TYPE_HASH = 0x3C6EF372FE94F82BL;

  private CrdtSignalState[] states;
  private long[] kept;
  private final long[] buckets = new long[1024];
  private int[] draws;
  private long[] eventTimes;
  private DecayModel decay;
  private long replica;
  private long position;
  private long hlc;
  private int next;

  /** Gives every entity one signal. */
  @Setup(Level.Trial)
  public void setup() {
    SplittableRandom random = new SplittableRandom(0xD16E57L);
    long now = System.currentTimeMillis();
    decay = DecayModel.ofHalfLife(Duration.ofDays(1).toMillis());
    replica = ReplicaIds.log(1);
    states = new CrdtSignalState[entityCount];
    for (int e = 0; e < entityCount; e++) {
      states[e] = new CrdtSignalState();
      states[e].applyAt(replica, position++, 1.0, now, ++hlc, decay);
    }
    kept = new long[entityCount];
    for (int e = 0; e < entityCount; e++) {
      kept[e] = states[e].contentHash();
    }
    draws = new int[DRAWS];
    eventTimes = new long[DRAWS];
    for (int i = 0; i < DRAWS; i++) {
      draws[i] = random.nextInt(entityCount);
      eventTimes[i] = now - random.nextLong(3_600_000);
    }
  }

  /**
   * Applies one signal.
   *
   * @return the state
   */
  @Benchmark
  public CrdtSignalState apply() {
    int i = next++ & (DRAWS - 1);
    CrdtSignalState s = states[draws[i]];
    s.applyAt(replica, position++, 1.0, eventTimes[i], ++hlc, decay);
    return s;
  }

  /**
   * Applies one signal and keeps the digest.
   *
   * @return the state
   */
  @Benchmark
  public CrdtSignalState applyWithDigest() {
    int i = next++ & (DRAWS - 1);
    int e = draws[i];
    CrdtSignalState s = states[e];
    long key = fmix(TYPE_HASH ^ fmix(e + 0x9E3779B97F4A7C15L)); // computed, as the store does
    long before = fmix(key * 0xC2B2AE3D27D4EB4FL + s.contentHash());
    s.applyAt(replica, position++, 1.0, eventTimes[i], ++hlc, decay);
    long after = fmix(key * 0xC2B2AE3D27D4EB4FL + s.contentHash());
    buckets[(int) (key >>> 54)] += after - before;
    return s;
  }

  /**
   * Applies one signal and keeps the digest with the entity's kept hash.
   *
   * @return the state
   */
  @Benchmark
  public CrdtSignalState applyWithKeptHash() {
    int i = next++ & (DRAWS - 1);
    int e = draws[i];
    CrdtSignalState s = states[e];
    long key = fmix(TYPE_HASH ^ fmix(e + 0x9E3779B97F4A7C15L));
    long before = fmix(key * 0xC2B2AE3D27D4EB4FL + kept[e]);
    s.applyAt(replica, position++, 1.0, eventTimes[i], ++hlc, decay);
    long content = s.contentHash();
    kept[e] = content;
    buckets[(int) (key >>> 54)] += fmix(key * 0xC2B2AE3D27D4EB4FL + content) - before;
    return s;
  }

  private static long fmix(long h) {
    h ^= h >>> 33;
    h *= 0xFF51AFD7ED558CCDL;
    h ^= h >>> 33;
    h *= 0xC4CEB9FE1A85EC53L;
    return h ^ (h >>> 33);
  }
}
