package io.tidaldb.bench;

import io.tidaldb.api.SignalTickets;
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
import org.openjdk.jmh.infra.ThreadParams;

/**
 * End-to-end durable ingest ({@link DurableIngest}'s harness): writers call {@code
 * SignalStore.submit} for {@code window} signals, then {@code awaitDurable} on the last ticket of
 * every shard touched, against a store on a real WAL (4 shards, fsync on, default group commit) in
 * a fresh directory. {@code window} 1 is a fully synchronous writer (one {@code signal()} at a
 * time). Entities are drawn uniformly (seeded per thread) from {@code entityCount}; event times lie
 * within the last hour.
 *
 * <p>The number of writers is JMH's thread count: run it with {@code -t 1}, {@code -t 2} and {@code
 * -t 4}. The primary score is windows/s; {@code :signals} is the figure that matters, durable
 * signals/s over all writers. After each iteration the WAL's records per fsync are printed.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
@State(Scope.Benchmark)
public class SignalIngestBenchmark extends DurableIngest {
  private static final long SEED = 0x1A6E57_0005L;

  /** Signals submitted per durability wait. */
  @Param({"1", "64", "4096"})
  public int window;

  /** Distinct entities written to. */
  @Param({"100000"})
  public int entityCount;

  @Override
  String directoryPrefix() {
    return "tidal-ingest-";
  }

  /** One writer's seeded inputs and the last ticket it got per shard. */
  @State(Scope.Thread)
  public static class Writer {
    private Draws draws;
    private final long[] lastTicket = new long[SHARDS];
    private int next;

    /** Draws this writer's inputs from a seed of its own. */
    @Setup(Level.Trial)
    public void setup(SignalIngestBenchmark b, ThreadParams thread) {
      draws = new Draws(SEED + thread.getThreadIndex(), b.entityCount, b.now);
    }
  }

  /**
   * Submits one window of signals and waits until each shard touched has made its last durable.
   *
   * @param w this writer
   * @param c the counters
   */
  @Benchmark
  public void submitWindowAndAwait(Writer w, Counters c) {
    int touched = 0;
    Draws d = w.draws;
    for (int n = 0; n < window; n++) {
      int i = w.next++ & (DRAWS - 1);
      long ticket =
          store.submit(Stores.TENANT, Stores.VIEW, d.entities[i], d.weights[i], d.eventTimes[i]);
      int shard = SignalTickets.shard(ticket);
      w.lastTicket[shard] = ticket;
      touched |= 1 << shard;
    }
    for (int s = 0; s < SHARDS; s++) {
      if ((touched & (1 << s)) != 0) {
        store.awaitDurable(w.lastTicket[s], Stores.TIMEOUT);
      }
    }
    c.signals += window;
  }
}
