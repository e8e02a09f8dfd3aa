package io.tidaldb.bench;

import java.util.HashMap;
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
 * The limit for per-entity state updates: one signal = find the entity's slot and add to its count
 * and weight sum, with nothing else (no CRDT, no locks, no log). Keys are random 64-bit entity ids,
 * all present, drawn uniformly (seeded) from {@code keyCount}; the score is updates/s.
 *
 * <ul>
 *   <li>{@link #openAddressing}: preallocated {@code long[]} keys with linear probing, counts in a
 *       {@code long[]} and sums in a {@code double[]}, load factor 0.5: the best a store can do.
 *   <li>{@link #boxedHashMap}: {@code HashMap<Long, long[]>}: what a naive store would do.
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(1)
@State(Scope.Thread)
public class BareMapBenchmark {
  private static final long SEED = 0xBA5E_0002L;
  private static final int DRAWS = 1 << 20;

  /** Distinct keys in the map. */
  @Param({"1000", "1000000"})
  public int keyCount;

  private long[] draws;
  private long[] keys;
  private long[] counts;
  private double[] sums;
  private int mask;
  private HashMap<Long, long[]> boxed;
  private int next;

  /** Builds both maps with every key and the seeded sequence of keys to update. */
  @Setup(Level.Trial)
  public void setup() {
    SplittableRandom random = new SplittableRandom(SEED);
    long[] ids = new long[keyCount];
    for (int i = 0; i < keyCount; i++) {
      ids[i] = random.nextLong();
    }
    int capacity = Integer.highestOneBit(keyCount * 2 - 1) << 1;
    mask = capacity - 1;
    keys = new long[capacity];
    counts = new long[capacity];
    sums = new double[capacity];
    boxed = new HashMap<>(keyCount * 2);
    for (long id : ids) {
      int i = index(id);
      while (counts[i] != 0 && keys[i] != id) {
        i = (i + 1) & mask;
      }
      keys[i] = id;
      counts[i] = 1;
      boxed.put(id, new long[2]);
    }
    draws = new long[DRAWS];
    for (int i = 0; i < DRAWS; i++) {
      draws[i] = ids[random.nextInt(keyCount)];
    }
  }

  /**
   * One update in the open-addressing map.
   *
   * @return the updated count, so the work is not eliminated
   */
  @Benchmark
  public long openAddressing() {
    long key = draws[next++ & (DRAWS - 1)];
    int i = index(key);
    while (keys[i] != key) {
      i = (i + 1) & mask;
    }
    sums[i] += 1.0;
    return ++counts[i];
  }

  /**
   * One update in the boxed {@code HashMap}.
   *
   * @return the updated count, so the work is not eliminated
   */
  @Benchmark
  public long boxedHashMap() {
    long[] entry = boxed.get(draws[next++ & (DRAWS - 1)]);
    entry[1] = Double.doubleToRawLongBits(Double.longBitsToDouble(entry[1]) + 1.0);
    return ++entry[0];
  }

  private int index(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32)) & mask;
  }
}
