package io.tidaldb.metrics.component;

import io.tidaldb.api.metrics.MetricsExposition;
import io.tidaldb.api.metrics.MetricsSource;
import io.tidaldb.metrics.Exporter;
import io.tidaldb.support.config.ConfigValues;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's {@link MetricsExposition} in the Prometheus text format: every {@link MetricsSource}
 * service (the WAL, each region's store and replication, the transports) as it comes and goes, plus
 * the JVM's basics. Sources bind dynamically, so a bundle stopped or updated drops out of the next
 * scrape and comes back with its new counters; this component is never re-activated for it.
 */
@Component(service = MetricsExposition.class, configurationPid = MetricsComponent.PID)
@Designate(ocd = MetricsComponent.Config.class)
public final class MetricsComponent implements MetricsExposition {

  /** Configuration of the metrics exposition. */
  @ObjectClassDefinition(
      name = "TidalDB metrics",
      description = "The Prometheus exposition of the node's metrics (served at GET /metrics).")
  public @interface Config {
    /**
     * Returns whether the JVM's metrics are included.
     *
     * @return true to add the {@code jvm_} families
     */
    @AttributeDefinition(
        description = "Whether to include the JVM's metrics (memory, GC, threads).")
    boolean jvm() default true;
  }

  /** The configuration PID. */
  static final String PID = "io.tidaldb.metrics";

  private static final Logger LOG = LoggerFactory.getLogger(MetricsComponent.class);

  private final List<MetricsSource> sources = new CopyOnWriteArrayList<>();
  private final Exporter exporter;

  /**
   * Starts the exposition.
   *
   * @param config the configuration
   * @param properties the configured properties, to name refused raw values
   */
  @Activate
  public MetricsComponent(Config config, Map<String, Object> properties) {
    boolean jvm = new ConfigValues(PID, properties, LOG).get("jvm", "true or false", config::jvm);
    this.exporter = new Exporter(jvm);
  }

  /**
   * Binds a source.
   *
   * @param source the source
   */
  @Reference(
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  void addSource(MetricsSource source) {
    sources.add(source);
  }

  void removeSource(MetricsSource source) {
    sources.remove(source);
  }

  @Override
  public String contentType() {
    return Exporter.CONTENT_TYPE;
  }

  @Override
  public void write(OutputStream out) throws IOException {
    exporter.write(sources, out);
  }
}
