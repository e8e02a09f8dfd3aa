package io.tidaldb.transport.inprocess.component;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.metrics.MetricsSink;
import io.tidaldb.api.metrics.MetricsSource;
import io.tidaldb.api.transport.FrameHandler;
import io.tidaldb.api.transport.LinkFaults;
import io.tidaldb.api.transport.LinkShape;
import io.tidaldb.api.transport.LinkShaping;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.support.config.ConfigValues;
import io.tidaldb.support.metrics.RecordCounters;
import io.tidaldb.transport.inprocess.InProcessConfig;
import io.tidaldb.transport.inprocess.InProcessTransport;
import java.time.Duration;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code inprocess} {@link Transport} and its {@link LinkFaults} and {@link LinkShaping} (one
 * object registered under the three interfaces): a thin DS shell that builds an {@link
 * InProcessTransport} from its configuration (PID {@code io.tidaldb.transport.inprocess}) and
 * closes it when deactivated. Every region of the JVM opens its endpoint on this one shared
 * service, which is what connects them; a configuration change re-activates the component, which
 * closes every endpoint of the old engine.
 */
@Component(
    service = {Transport.class, LinkFaults.class, LinkShaping.class, MetricsSource.class},
    configurationPid = InProcessTransportComponent.PID,
    property = Transport.NAME_PROPERTY + "=" + InProcessTransport.NAME)
@Designate(ocd = InProcessTransportComponent.Config.class)
public final class InProcessTransportComponent implements Transport, LinkShaping, MetricsSource {

  /** Configuration of the in-process transport. */
  @ObjectClassDefinition(
      name = "TidalDB in-process transport",
      description = "Bounded in-memory queues between the regions of one JVM.")
  public @interface Config {
    /**
     * Returns the largest frame carried.
     *
     * @return bytes, 1 or more
     */
    @AttributeDefinition(description = "Largest frame carried, in bytes.", min = "1")
    int maxFrameBytes() default InProcessConfig.DEFAULT_MAX_FRAME_BYTES;

    /**
     * Returns the bound in frames of each directed link's queue.
     *
     * @return frames, 1 or more
     */
    @AttributeDefinition(description = "Most frames queued per directed link.", min = "1")
    int queueFrames() default InProcessConfig.DEFAULT_QUEUE_FRAMES;

    /**
     * Returns the bound in bytes of each directed link's queue.
     *
     * @return bytes, at least {@link #maxFrameBytes()}
     */
    @AttributeDefinition(
        description = "Most bytes queued per directed link; at least maxFrameBytes.",
        min = "1")
    long queueBytes() default InProcessConfig.DEFAULT_QUEUE_BYTES;
  }

  /** The configuration PID. */
  static final String PID = "io.tidaldb.transport.inprocess";

  private static final Logger LOG = LoggerFactory.getLogger(InProcessTransportComponent.class);

  private final InProcessTransport engine;

  /**
   * Creates the engine. A malformed or out-of-range value is logged at ERROR naming the PID, the
   * key and the value, and activation fails with an {@link InvalidArgumentException} naming the
   * key.
   *
   * @param config the component's configuration
   * @param properties the component's properties as configured, to name refused raw values
   */
  @Activate
  public InProcessTransportComponent(Config config, Map<String, Object> properties) {
    this.engine = new InProcessTransport(toConfig(config, new ConfigValues(PID, properties, LOG)));
  }

  /**
   * Translates the component configuration into the engine's, validating every value.
   *
   * @param config the component's configuration
   * @param values reads and validates it key by key
   * @return the engine's limits
   */
  static InProcessConfig toConfig(Config config, ConfigValues values) {
    int maxFrameBytes = values.get("maxFrameBytes", "a whole number", config::maxFrameBytes);
    int queueFrames = values.get("queueFrames", "a whole number", config::queueFrames);
    long queueBytes = values.get("queueBytes", "a whole number", config::queueBytes);
    try {
      return new InProcessConfig(maxFrameBytes, queueFrames, queueBytes);
    } catch (InvalidArgumentException e) {
      String key = e.argument();
      Object value =
          switch (key) {
            case "maxFrameBytes" -> maxFrameBytes;
            case "queueFrames" -> queueFrames;
            default -> queueBytes;
          };
      return values.check(
          key,
          value,
          () -> {
            throw e;
          });
    }
  }

  /**
   * Reports every counter of the transport's {@link InProcessTransport#metrics()} as {@code
   * tidaldb_transport_<counter>_total{transport="inprocess"}} (one transport per JVM: no region).
   */
  @Override
  public void collect(MetricsSink sink) {
    RecordCounters.collect(
        sink, "tidaldb_transport_", "Transport", engine.metrics(), "transport", "inprocess");
  }

  /** Closes the engine: every endpoint is closed and its delivery thread stopped. */
  @Deactivate
  public void deactivate() {
    engine.close();
  }

  /**
   * Returns the engine behind this service, for metrics and tests.
   *
   * @return the engine
   */
  public InProcessTransport engine() {
    return engine;
  }

  @Override
  public String name() {
    return engine.name();
  }

  @Override
  public int maxFrameBytes() {
    return engine.maxFrameBytes();
  }

  @Override
  public TransportEndpoint open(RegionId local, FrameHandler handler) {
    return engine.open(local, handler);
  }

  @Override
  public TransportEndpoint open(RegionId local, int channel, FrameHandler handler) {
    return engine.open(local, channel, handler);
  }

  @Override
  public void cut(RegionId a, RegionId b) {
    engine.cut(a, b);
  }

  @Override
  public void heal(RegionId a, RegionId b) {
    engine.heal(a, b);
  }

  @Override
  public void healAll() {
    engine.healAll();
  }

  @Override
  public boolean connected(RegionId a, RegionId b) {
    return engine.connected(a, b);
  }

  @Override
  public void cutOneWay(RegionId from, RegionId to) {
    engine.cutOneWay(from, to);
  }

  @Override
  public void healOneWay(RegionId from, RegionId to) {
    engine.healOneWay(from, to);
  }

  @Override
  public boolean reachable(RegionId from, RegionId to) {
    return engine.reachable(from, to);
  }

  @Override
  public void shape(RegionId from, RegionId to, LinkShape shape) {
    engine.shape(from, to, shape);
  }

  @Override
  public void shapeAll(LinkShape shape) {
    engine.shapeAll(shape);
  }

  @Override
  public LinkShape shapeOf(RegionId from, RegionId to) {
    return engine.shapeOf(from, to);
  }

  @Override
  public void pause(RegionId region, Duration duration) {
    engine.pause(region, duration);
  }

  @Override
  public void resume(RegionId region) {
    engine.resume(region);
  }

  @Override
  public boolean paused(RegionId region) {
    return engine.paused(region);
  }

  @Override
  public void reset() {
    engine.reset();
  }

  @Override
  public String toString() {
    return engine.toString();
  }
}
