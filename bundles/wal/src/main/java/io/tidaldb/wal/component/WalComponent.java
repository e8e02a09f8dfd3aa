package io.tidaldb.wal.component;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.metrics.MetricsSink;
import io.tidaldb.api.metrics.MetricsSource;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WriteAheadLog;
import io.tidaldb.support.config.ConfigValues;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.nio.file.Path;
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
 * The {@link WriteAheadLog} service: a thin DS shell that opens a {@link WalEngine} from its
 * configuration (PID {@code io.tidaldb.wal}) when activated and closes it when deactivated. A
 * configuration change re-activates it, which closes and re-opens the log.
 */
@Component(
    service = {WriteAheadLog.class, MetricsSource.class},
    configurationPid = WalComponent.PID,
    immediate = true)
@Designate(ocd = WalComponent.Config.class)
public final class WalComponent implements WriteAheadLog, MetricsSource {

  /** Configuration of the write-ahead log service. */
  @ObjectClassDefinition(
      name = "TidalDB write-ahead log",
      description = "Segmented, shard-aware write-ahead log with group commit.")
  public @interface Config {
    /**
     * Returns the directory holding the segments.
     *
     * @return a path, relative to the working directory or absolute
     */
    @AttributeDefinition(description = "Directory holding every shard's segment files.")
    String directory() default "data/wal";

    /**
     * Returns the number of shards.
     *
     * @return the shard count, fixed for the cluster
     */
    @AttributeDefinition(description = "Number of shards (fixed per cluster).")
    int shardCount() default 4;

    /**
     * Returns the segment size.
     *
     * @return bytes at which a segment rolls
     */
    @AttributeDefinition(description = "Size in bytes at which a segment file rolls.")
    long segmentBytes() default 64L << 20;

    /**
     * Returns the largest batch payload.
     *
     * @return bytes per shard pending buffer
     */
    @AttributeDefinition(description = "Capacity in bytes of each shard's pending batch buffer.")
    int maxBatchBytes() default 4 << 20;

    /**
     * Returns the group commit delay.
     *
     * @return microseconds a batch stays open after its first record; 0 for natural batching
     */
    @AttributeDefinition(
        description =
            "Microseconds a batch stays open after its first record (0: natural batching).")
    long groupCommitDelayMicros() default 0;

    /**
     * Returns the append timeout.
     *
     * @return milliseconds an append waits for room in a full buffer
     */
    @AttributeDefinition(
        description = "Milliseconds an append waits for room in a full pending buffer.")
    long appendTimeoutMillis() default 5000;
  }

  /** The configuration PID. */
  static final String PID = "io.tidaldb.wal";

  private static final Logger LOG = LoggerFactory.getLogger(WalComponent.class);

  private final WalEngine engine;

  /**
   * Opens the engine. A malformed or out-of-range value is logged at ERROR naming the PID, the key
   * and the value, and activation fails with an {@link InvalidArgumentException} naming the key.
   *
   * @param config the component's configuration
   * @param properties the component's properties as configured, to name refused raw values
   */
  @Activate
  public WalComponent(Config config, Map<String, Object> properties) {
    this.engine = WalEngine.open(toWalConfig(config, new ConfigValues(PID, properties, LOG)));
  }

  /**
   * Translates the component configuration into the engine's, validating every value.
   *
   * @param config the component's configuration
   * @param values reads and validates it key by key
   * @return the engine's configuration
   */
  static WalConfig toWalConfig(Config config, ConfigValues values) {
    String directory = values.get("directory", "a path", config::directory);
    int shardCount = values.get("shardCount", "a whole number", config::shardCount);
    long segmentBytes = values.get("segmentBytes", "a whole number", config::segmentBytes);
    int maxBatchBytes = values.get("maxBatchBytes", "a whole number", config::maxBatchBytes);
    long delayMicros =
        values.get("groupCommitDelayMicros", "a whole number", config::groupCommitDelayMicros);
    long appendTimeoutMillis =
        values.get("appendTimeoutMillis", "a whole number", config::appendTimeoutMillis);
    long maxMicros = WalConfig.MAX_DELAY_NANOS / 1000;
    if (delayMicros < 0 || delayMicros > maxMicros) {
      throw values.refuse(
          "groupCommitDelayMicros",
          delayMicros,
          "must be between 0 and " + maxMicros + " inclusive");
    }
    if (directory == null || directory.isBlank()) {
      throw values.refuse("directory", directory, "must not be blank");
    }
    WalConfig.Builder b = WalConfig.builder(Path.of(directory));
    values.check("shardCount", shardCount, () -> b.shardCount(shardCount));
    values.check("segmentBytes", segmentBytes, () -> b.segmentBytes(segmentBytes));
    values.check("maxBatchBytes", maxBatchBytes, () -> b.maxBatchBytes(maxBatchBytes));
    values.check(
        "groupCommitDelayMicros", delayMicros, () -> b.groupCommitDelayNanos(delayMicros * 1000));
    values.check(
        "appendTimeoutMillis",
        appendTimeoutMillis,
        () -> b.appendTimeoutMillis(appendTimeoutMillis));
    return b.build();
  }

  /** Closes the engine: commits what is pending and stops the commit threads. */
  @Deactivate
  public void deactivate() {
    engine.close();
  }

  /**
   * Returns the engine behind this service, for metrics.
   *
   * @return the engine
   */
  public WalEngine engine() {
    return engine;
  }

  @Override
  public void collect(MetricsSink sink) {
    engine.metrics().collect(sink);
  }

  @Override
  public int shardCount() {
    return engine.shardCount();
  }

  @Override
  public ShardLog shard(int shard) {
    return engine.shard(shard);
  }

  @Override
  public ShardLog localLog(int shard) {
    return engine.localLog(shard);
  }

  /**
   * Closes the engine, like {@link #deactivate()}. The service is shared: consumers should leave
   * closing to the component's lifecycle.
   */
  @Override
  public void close() {
    engine.close();
  }
}
