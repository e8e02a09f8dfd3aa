package io.tidaldb.bench;

import io.tidaldb.api.SignalStore;
import io.tidaldb.http.ApiServlet;
import io.tidaldb.http.HttpApi;
import io.tidaldb.http.HttpApiConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
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
 * HTTP ingest over loopback into one node ({@link DurableIngest}'s harness: a single-region store
 * on a real WAL, 4 shards, fsync on): the HTTP API's {@link ApiServlet} in the Jetty 12 that Felix
 * HTTP embeds (the node's own jar, as a plain library), clients on {@link HttpClient} (HTTP/1.1,
 * one per writer thread) in the same JVM, so client and server share the two cores.
 *
 * <p>{@code ndjsonBatch}: one POST of {@code batch} NDJSON signals at {@code LOCAL}, answered once
 * all are durable; {@code :signals} is durable signals/s. {@code singleSignal}: one POST of one
 * JSON signal at {@code LOCAL}, sampled (p50/p99 in µs). Run beside {@link DiskLimitsBenchmark} and
 * {@link BareMapBenchmark} in the same run: {@code -t 1} and {@code -t 2}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
@State(Scope.Benchmark)
public class HttpIngestBenchmark extends DurableIngest {
  private static final long SEED = 0x4772_0015L;

  /** Prebuilt bodies per writer, cycled. */
  private static final int BODIES = 16;

  /** Signals per NDJSON POST. */
  @Param({"1000"})
  public int batch;

  /** Distinct entities written to. */
  @Param({"100000"})
  public int entityCount;

  private Server jetty;
  private String base;

  @Override
  String directoryPrefix() {
    return "tidal-http-ingest-";
  }

  /**
   * Opens the store and starts Jetty with the API's servlet on a free loopback port. Not annotated
   * again: JMH calls the superclass's {@code @Setup} once, which dispatches here (annotating the
   * override too made JMH call it twice, leaving a second Jetty running).
   */
  @Override
  public void open() {
    super.open();
    HttpApi api =
        new HttpApi(
            HttpApiConfig.DEFAULTS,
            () -> List.<SignalStore>of(store),
            List::of,
            System::currentTimeMillis);
    jetty = new Server();
    ServerConnector connector = new ServerConnector(jetty);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    jetty.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/");
    context.addServlet(new ServletHolder(new ApiServlet(api)), "/*");
    jetty.setHandler(context);
    try {
      jetty.start();
    } catch (Exception e) {
      throw new IllegalStateException("Jetty did not start", e);
    }
    base = "http://127.0.0.1:" + connector.getLocalPort();
  }

  /** Stops Jetty, then closes the store's harness (called once, as {@link #open()}). */
  @Override
  public void close() {
    try {
      jetty.stop();
    } catch (Exception e) {
      throw new IllegalStateException("Jetty did not stop", e);
    }
    super.close();
  }

  /** One writer: its client and seeded prebuilt bodies. */
  @State(Scope.Thread)
  public static class Writer {
    private HttpClient client;
    private HttpRequest[] batches;
    private HttpRequest[] singles;
    private int next;

    /** Builds this writer's requests from a seed of its own. */
    @Setup(Level.Trial)
    public void setup(HttpIngestBenchmark b, ThreadParams thread) {
      client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      Draws d = new Draws(SEED + thread.getThreadIndex(), b.entityCount, b.now);
      URI uri = URI.create(b.base + "/v1/tenants/" + Stores.TENANT + "/signals?durability=LOCAL");
      batches = new HttpRequest[BODIES];
      singles = new HttpRequest[BODIES * 64];
      int i = 0;
      for (int n = 0; n < BODIES; n++) {
        StringBuilder body = new StringBuilder(b.batch * 64);
        for (int k = 0; k < b.batch; k++, i++) {
          line(body, d, i & (DRAWS - 1)).append('\n');
        }
        batches[n] = post(uri, "application/x-ndjson", body);
      }
      for (int n = 0; n < singles.length; n++, i++) {
        singles[n] = post(uri, "application/json", line(new StringBuilder(), d, i & (DRAWS - 1)));
      }
    }

    private static StringBuilder line(StringBuilder b, Draws d, int i) {
      return b.append("{\"type\":\"")
          .append(Stores.VIEW.name())
          .append("\",\"entity\":")
          .append(d.entities[i])
          .append(",\"weight\":")
          .append(d.weights[i])
          .append(",\"time\":")
          .append(d.eventTimes[i])
          .append('}');
    }

    private static HttpRequest post(URI uri, String type, CharSequence body) {
      return HttpRequest.newBuilder(uri)
          .header("Content-Type", type)
          .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8))
          .build();
    }

    private void send(HttpRequest request) throws Exception {
      HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException("HTTP " + r.statusCode() + ": " + r.body());
      }
    }
  }

  /**
   * Posts one NDJSON batch and waits for its answer (every signal durable).
   *
   * @param w this writer
   * @param c the counters
   * @throws Exception if the answer is not 200
   */
  @Benchmark
  public void ndjsonBatch(Writer w, Counters c) throws Exception {
    w.send(w.batches[w.next++ % BODIES]);
    c.signals += batch;
  }

  /**
   * Posts one JSON signal and waits for its answer (durable at LOCAL).
   *
   * @param w this writer
   * @throws Exception if the answer is not 200
   */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public void singleSignal(Writer w) throws Exception {
    w.send(w.singles[w.next++ % w.singles.length]);
  }
}
