package io.tidaldb.testkit;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.session.client.RetryPolicy;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.function.Function;

/**
 * The session clients of a {@link SimulatedCluster}: the retry policy its timings call for, and a
 * {@link SignalStore} per region that always calls the region's current store, so a client built
 * before a crash writes to the restarted region's new store.
 */
final class ClusterSessions {
  /** The store's own leader wait (StoreConfig's default, which the test kit keeps). */
  static final Duration LEADER_WAIT = Duration.ofSeconds(1);

  /** Room above the store's own bounded waits for the forward's margin and a loaded machine. */
  static final Duration MARGIN = Duration.ofSeconds(2);

  private ClusterSessions() {}

  /**
   * The retry policy of a cluster's session clients: an attempt waits past the store's own bounded
   * waits (the leader wait, then a forward's or the durability's timeout, each the durability
   * timeout plus at most a second), so a store's answer comes before the client gives up; the
   * back-off starts at one heartbeat and grows to two election timeouts, so a retry lands after a
   * failover's election; 8 attempts cover every region twice and more; the deadline leaves room for
   * all of them.
   *
   * @param config the cluster's configuration
   * @return the policy
   */
  static RetryPolicy policy(ClusterConfig config) {
    Duration attempt = LEADER_WAIT.plus(config.durabilityTimeout().multipliedBy(2)).plus(MARGIN);
    Duration maxBackoff = config.election().multipliedBy(2);
    Duration initial =
        config.heartbeat().compareTo(maxBackoff) < 0 ? config.heartbeat() : maxBackoff;
    int attempts = 8;
    Duration deadline = attempt.multipliedBy(3).plus(maxBackoff.multipliedBy(attempts));
    return new RetryPolicy(attempts, initial, maxBackoff, attempt, deadline);
  }

  /**
   * Returns a store that calls {@code current.apply(region)} at each call: a region that is down
   * refuses with {@link UnavailableException} whose {@code mayBeStored()} is false (nothing was
   * sent).
   *
   * @param region the region
   * @param current the region's store now (throws while it is down)
   * @return the store
   */
  static SignalStore follow(RegionId region, Function<RegionId, SignalStore> current) {
    InvocationHandler handler =
        (proxy, method, args) -> {
          if (method.getDeclaringClass() == Object.class) {
            return switch (method.getName()) {
              case "equals" -> proxy == args[0];
              case "hashCode" -> System.identityHashCode(proxy);
              default -> "store of region " + region.value() + " (following restarts)";
            };
          }
          SignalStore store;
          try {
            store = current.apply(region);
          } catch (UnavailableException down) {
            throw new UnavailableException(
                down.getMessage() + " (nothing sent to it)", false, region);
          }
          try {
            return method.invoke(store, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        };
    return (SignalStore)
        Proxy.newProxyInstance(
            SignalStore.class.getClassLoader(), new Class<?>[] {SignalStore.class}, handler);
  }
}
