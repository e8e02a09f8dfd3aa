package io.tidaldb.bench;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.SignalAggregate;
import io.tidaldb.api.SignalTickets;
import io.tidaldb.api.Timestamp;
import io.tidaldb.crdt.CrdtSignalState;
import io.tidaldb.crdt.DecayModel;
import io.tidaldb.crdt.ReplicaIds;
import io.tidaldb.store.SignalStoreEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The store's CPU costs without I/O, for entities drawn uniformly (seeded) from {@code
 * entityCount}, every one of which already has state. All scores are ops/s on one thread.
 *
 * <ul>
 *   <li>{@link #crdtApply}: {@link CrdtSignalState#applyAt} on a state picked from an array: the
 *       CRDT arithmetic alone (compare with {@link BareMapBenchmark#openAddressing}).
 *   <li>{@link #submitAndApply}: the store's whole write path over {@link MemoryWal} (validation,
 *       routing, HLC, series lookup, log append, then the commit listener's apply under the shard's
 *       write lock with the real entity map), in windows of {@value #WINDOW} signals; score in
 *       signals/s. This is the ceiling of durable ingest on one writer thread.
 *   <li>{@link #read}: {@code SignalStore.read} of one entity (allocates the aggregate: run with
 *       {@code -prof gc}).
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
@State(Scope.Benchmark)
public class StoreApplyBenchmark {
  static final int WINDOW = 4096;
  private static final long SEED = 0x5707E_0004L;
  private static final int DRAWS = 1 << 20;
  private static final int SHARDS = 4;
  private static final Duration TIMEOUT = Stores.TIMEOUT;

  /** Distinct entities with state. */
  @Param({"1000", "1000000"})
  public int entityCount;

  private Path dir;
  private MemoryWal wal;
  private SignalStoreEngine store;
  private CrdtSignalState[] states;
  private DecayModel decay;
  private long replica;
  private int[] draws;
  private long[] eventTimes;
  private long[] lastTicket;
  private long now;
  private long hlc;
  private long position;
  private int next;

  /** Opens the store over the memory log and gives every entity one signal. */
  @Setup(Level.Trial)
  public void setup() {
    dir = BenchFiles.createTempDir("tidal-apply-");
    wal = new MemoryWal(SHARDS, 1 << 16, null);
    store = Stores.openStore(dir, wal, Stores.NEVER);
    now = System.currentTimeMillis();
    SplittableRandom random = new SplittableRandom(SEED);
    draws = new int[DRAWS];
    eventTimes = new long[DRAWS];
    for (int i = 0; i < DRAWS; i++) {
      draws[i] = random.nextInt(entityCount);
      eventTimes[i] = now - random.nextLong(3_600_000);
    }
    decay = DecayModel.ofHalfLife(Duration.ofDays(1).toMillis());
    replica = ReplicaIds.log(1);
    states = new CrdtSignalState[entityCount];
    for (int e = 0; e < entityCount; e++) {
      states[e] = new CrdtSignalState();
      states[e].applyAt(replica, position++, 1.0, now, ++hlc, decay);
      store.submit(Stores.TENANT, Stores.VIEW, e, 1.0, now);
    }
    wal.flush();
    lastTicket = new long[SHARDS];
    long total = Stores.entities(store);
    if (total != entityCount) {
      throw new IllegalStateException("store holds " + total + " entities, not " + entityCount);
    }
  }

  /** Discards the store (no checkpoint) and deletes its directory. */
  @TearDown(Level.Trial)
  public void close() {
    BenchFiles.deleteRecursively(dir);
  }

  /**
   * Applies one signal to a CRDT state.
   *
   * @return the state, so the work is not eliminated
   */
  @Benchmark
  public CrdtSignalState crdtApply() {
    int i = next++ & (DRAWS - 1);
    CrdtSignalState state = states[draws[i]];
    state.applyAt(replica, position++, 1.0, eventTimes[i], ++hlc, decay);
    return state;
  }

  /** Submits {@value #WINDOW} signals to the store and waits for every shard touched. */
  @Benchmark
  @OperationsPerInvocation(WINDOW)
  public void submitAndApply() {
    int touched = 0;
    for (int n = 0; n < WINDOW; n++) {
      int i = next++ & (DRAWS - 1);
      long ticket = store.submit(Stores.TENANT, Stores.VIEW, draws[i], 1.0, eventTimes[i]);
      int shard = SignalTickets.shard(ticket);
      lastTicket[shard] = ticket;
      touched |= 1 << shard;
    }
    for (int s = 0; s < SHARDS; s++) {
      if ((touched & (1 << s)) != 0) {
        store.awaitDurable(lastTicket[s], TIMEOUT);
      }
    }
  }

  /**
   * Reads one entity's aggregate.
   *
   * @return the aggregate
   */
  @Benchmark
  public SignalAggregate read() {
    int i = next++ & (DRAWS - 1);
    return store.read(Stores.TENANT, Stores.VIEW, EntityId.of(draws[i]), Timestamp.ofMillis(now));
  }
}
