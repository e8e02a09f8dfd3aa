package io.tidaldb.bench;

import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
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
 * The cost of client sessions on durable ingest (issue 12, target: at most 10 % of the throughput):
 * writers call {@code SignalStore.signalAsync(signal, LOCAL)} ({@code sessions=false}) or {@code
 * signalAsync(signal, LOCAL, SessionSeq)} ({@code sessions=true}) for {@code window} signals, then
 * wait for every future; the harness of {@link DurableIngest}, 100,000 entities.
 *
 * <p>With sessions, each writer is one client session (its id from the thread index, never 0): seqs
 * 1, 2, 3, ... one per signal, and every write of a window carries {@code ackedBelow} = the
 * window's first seq (every earlier window has settled), so each shard's session table holds at
 * most one window of unsettled seqs per session ({@code window} at most 1,024, the table's {@code
 * session.max.window}). So the session arm adds exactly the store's session path: the leader's
 * check (in-flight attempts, then the shard's table), the session signal record (the compact {@code
 * SIGNAL_SC}, 56 to 60 bytes here against 41: session, payload hash, a form byte, seq and seq -
 * ackedBelow; 70 before api wal 1.10.0) and the table's apply on the commit thread; both arms
 * allocate the same {@link Signal} and future per write, the session arm a {@link SessionSeq} more.
 *
 * <p>Writers are JMH threads ({@code -t 1}, {@code -t 2}). The primary score is windows/s ({@link
 * #signalWindowAndAwait}) or signals sent/s ({@link #signalSliding}); {@code :signals} is durable
 * signals/s over all writers.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
@State(Scope.Benchmark)
public class SessionIngestBenchmark extends DurableIngest {
  /** Whether each write carries a {@link SessionSeq}. */
  @Param({"false", "true"})
  public boolean sessions;

  /** Signals in flight per wait, at most 1,024 (a session's window). */
  @Param({"64", "1024"})
  public int window;

  /** Distinct entities written to. */
  @Param({"100000"})
  public int entityCount;

  @Override
  String directoryPrefix() {
    return "tidal-session-ingest-";
  }

  /** One writer: its {@link SessionClient}. */
  @State(Scope.Thread)
  public static class Writer {
    private SessionClient client;

    /** Draws this writer's inputs from a seed of its own. */
    @Setup(Level.Trial)
    public void setup(SessionIngestBenchmark b, ThreadParams thread) {
      client = new SessionClient(thread.getThreadIndex(), b.window, b.entityCount, b.now);
    }
  }

  /**
   * Sends one window of signals and waits for every acknowledgement.
   *
   * @param w this writer
   * @param c the counters
   * @throws Exception if a write fails or is not acknowledged within the benchmarks' timeout
   */
  @Benchmark
  public void signalWindowAndAwait(Writer w, Counters c) throws Exception {
    c.signals += w.client.windowAndAwait(store, sessions);
  }

  /**
   * Keeps {@code window} signals in flight without a barrier, as a pipelining client does (Kafka's
   * {@code max.in.flight}): each call waits for the oldest write's acknowledgement, then sends the
   * next, whose {@code ackedBelow} is the oldest seq still in flight (every earlier one has
   * settled). Unlike {@link #signalWindowAndAwait}, whose writer drains the pipeline once per
   * window (so every nanosecond the writer spends per write also stretches the window's last fsync
   * rounds), this measures what the store sustains; one op is one durable signal.
   *
   * @param w this writer
   * @param c the counters
   * @throws Exception if a write fails or is not acknowledged within the benchmarks' timeout
   */
  @Benchmark
  public void signalSliding(Writer w, Counters c) throws Exception {
    if (w.client.slide(store, sessions)) {
      c.signals++;
    }
  }
}
