package io.tidaldb.router.component;

import io.tidaldb.api.TenantId;
import io.tidaldb.api.router.ShardRouter;
import io.tidaldb.router.HashShardRouter;
import io.tidaldb.support.config.ConfigValues;
import io.tidaldb.support.config.LiveConfig;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Declarative Services shell around {@link HashShardRouter}: builds it from the {@code
 * io.tidaldb.router} configuration. The shard count is part of the on-disk contract: every region
 * of a cluster must be configured alike, and changing it needs a data migration.
 */
@Component(service = ShardRouter.class, configurationPid = ShardRouterComponent.PID)
@Designate(ocd = ShardRouterComponent.Config.class)
public final class ShardRouterComponent implements ShardRouter {

  /** Configuration of the router. */
  @ObjectClassDefinition(
      name = "TidalDB shard router",
      description = "Stable hash of (tenant, entity) to a shard.")
  public @interface Config {
    /**
     * Returns the number of shards.
     *
     * @return the shard count, 1 to 65536; fixed for the lifetime of a cluster's data
     */
    @AttributeDefinition(
        name = "Shard count",
        description = "Number of shards, 1..65536; identical on every region, fixed per cluster.",
        min = "1",
        max = "65536")
    int shardCount() default 4;
  }

  /** The configuration PID. */
  static final String PID = "io.tidaldb.router";

  private static final Logger LOG = LoggerFactory.getLogger(ShardRouterComponent.class);

  private final HashShardRouter router;
  private final LiveConfig live;

  /**
   * Activates the component. A malformed or out-of-range shard count is logged at ERROR naming the
   * PID, the key and the value.
   *
   * @param config the configuration
   * @param properties the component's properties as configured, to name refused raw values
   * @throws io.tidaldb.api.InvalidArgumentException if the shard count is malformed or out of range
   */
  @Activate
  public ShardRouterComponent(Config config, Map<String, Object> properties) {
    ConfigValues values = new ConfigValues(PID, properties, LOG);
    int shardCount = values.get("shardCount", "a whole number", config::shardCount);
    this.router = values.check("shardCount", shardCount, () -> new HashShardRouter(shardCount));
    this.live = new LiveConfig(PID, properties, LOG);
  }

  /**
   * Takes a configuration change while the router serves (without this method DS would re-activate
   * it, and with it the store): the shard count is the data's, so a change of it, malformed or not,
   * is refused with one WARN line naming the key, the value and the rule, and the router keeps
   * serving with the count it has.
   *
   * @param config the new configuration
   * @param properties the new component properties as configured
   */
  @Modified
  public void modified(Config config, Map<String, Object> properties) {
    live.review(
        properties,
        () -> {
          ConfigValues values = ConfigValues.quiet(PID, properties);
          int n = values.get("shardCount", "a whole number", config::shardCount);
          values.check("shardCount", n, () -> new HashShardRouter(n));
        },
        LiveConfig.fixedKeys(
            Config.class,
            "the shard count is fixed for the lifetime of a cluster's data: every signal is"
                + " routed by it; changing it needs a data migration"));
  }

  @Override
  public int shardCount() {
    return router.shardCount();
  }

  @Override
  public int shardOf(TenantId tenant, long entity) {
    return router.shardOf(tenant, entity);
  }

  @Override
  public String toString() {
    return router.toString();
  }
}
