package io.tidaldb.itests;

import static org.junit.Assert.assertTrue;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.metrics.MetricsExposition;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.ops4j.pax.exam.util.Filter;

/**
 * The node's metrics inside Felix: the exposition collects the WAL, the store and the in-process
 * transport (MetricsSource services of their own bundles) and the JVM's families, with the
 * Prometheus client's bundles resolved; a scrape's time is printed beside the 10 ms target.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class MetricsIT {
  @Inject
  @Filter(timeout = 20_000)
  private SignalStore store;

  @Inject
  @Filter(timeout = 20_000)
  private MetricsExposition metrics;

  /**
   * Provisions the node.
   *
   * @return the options
   */
  @Configuration
  public Option[] config() {
    return ItOptions.node(MetricsIT.class);
  }

  /**
   * After some writes and a refused one, a scrape has every family an operator needs, counts the
   * writes, and takes well under the generous floor.
   *
   * @throws Exception if a scrape fails
   */
  @Test
  public void aScrapeHasTheEngineAndJvmFamilies() throws Exception {
    SignalType view = SignalType.of("view");
    Timestamp now = Timestamp.ofMillis(System.currentTimeMillis());
    for (int i = 0; i < 100; i++) {
      store.signal(TenantId.DEFAULT, view, EntityId.of(i), 1.0, now);
    }
    try {
      store.submit(TenantId.DEFAULT, view, 1, Double.NaN, now.epochMillis());
    } catch (RuntimeException expected) {
      // counted as refused
    }
    String text = scrape();
    for (String family :
        Arrays.asList(
            "tidaldb_signals_accepted_total{region=\"0\"} 100.0",
            "tidaldb_tenant_signals_accepted_total{region=\"0\",tenant=\"default\"} 100.0",
            "tidaldb_signals_refused_total{argument=\"weight\",cause=\"invalid\",region=\"0\"} 1.0",
            "# TYPE tidaldb_wal_fsync_seconds histogram",
            "# TYPE tidaldb_wal_commit_seconds histogram",
            "# TYPE tidaldb_wal_batch_records histogram",
            "tidaldb_shard_log_position{",
            "tidaldb_transport_sent_total{transport=\"inprocess\"}",
            "jvm_memory_used_bytes",
            "jvm_threads_current")) {
      assertTrue("missing " + family + " in\n" + text, text.contains(family));
    }
    long best = Long.MAX_VALUE;
    for (int i = 0; i < 50; i++) {
      long start = System.nanoTime();
      scrape();
      best = Math.min(best, System.nanoTime() - start);
    }
    long last = System.nanoTime();
    int bytes = scrape().length();
    System.out.printf(
        "metrics scrape: best of 50 %.2f ms, last %.2f ms, %d bytes (target <= 10 ms)%n",
        best / 1e6, (System.nanoTime() - last) / 1e6, bytes);
    assertTrue("a scrape took " + best / 1e6 + " ms at best", best < 1_000_000_000L);
  }

  private String scrape() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    metrics.write(out);
    return out.toString(StandardCharsets.UTF_8);
  }
}
