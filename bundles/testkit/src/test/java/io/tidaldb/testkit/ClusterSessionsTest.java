package io.tidaldb.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.session.client.RetryPolicy;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The session clients' policy follows the cluster's timings, and each region's entry follows the
 * region's current store: a region that is down refuses with nothing stored.
 */
class ClusterSessionsTest {
  @Test
  void shouldWaitLongerPerAttemptThanTheStoresOwnBoundedWaits() {
    ClusterConfig config =
        ClusterConfig.threeRegions()
            .withDurabilityTimeout(Duration.ofSeconds(3))
            .withTimings(Duration.ofMillis(40), Duration.ofMillis(300));
    RetryPolicy p = ClusterSessions.policy(config);
    // the leader wait (1 s) + twice the durability timeout (6 s) + 2 s of margin
    assertEquals(Duration.ofSeconds(9), p.attemptTimeout());
    assertEquals(Duration.ofMillis(40), p.initialBackoff());
    assertEquals(Duration.ofMillis(600), p.maxBackoff());
    assertEquals(8, p.maxAttempts());
    assertTrue(
        p.deadline().compareTo(p.attemptTimeout().multipliedBy(3)) > 0, p.deadline().toString());
  }

  @Test
  void shouldCallTheRegionsCurrentStoreAndRefuseWithNothingStoredWhileItIsDown() {
    AtomicReference<SignalStore> current = new AtomicReference<>();
    RegionId region = RegionId.of(2);
    SignalStore follow =
        ClusterSessions.follow(
            region,
            r -> {
              SignalStore s = current.get();
              if (s == null) {
                throw new UnavailableException(r + " is crashed or closed; restart it first");
              }
              return s;
            });
    UnavailableException down = assertThrows(UnavailableException.class, follow::status);
    assertFalse(down.mayBeStored(), down.getMessage());
    assertEquals(region, down.region().orElseThrow());
    assertTrue(down.getMessage().contains("nothing sent"), down.getMessage());

    SignalStore store = SignalStoreStub.withStatusError("status of the restarted store");
    current.set(store);
    IllegalStateException e = assertThrows(IllegalStateException.class, follow::status);
    assertEquals("status of the restarted store", e.getMessage());
    assertSame(follow, follow);
    assertNotEquals(follow, store);
    assertTrue(follow.toString().contains("region 2"), follow.toString());
  }

  /** A store whose every call throws the given message (only what the test calls is reached). */
  private static final class SignalStoreStub {
    static SignalStore withStatusError(String message) {
      return (SignalStore)
          java.lang.reflect.Proxy.newProxyInstance(
              SignalStore.class.getClassLoader(),
              new Class<?>[] {SignalStore.class},
              (proxy, method, args) -> {
                throw new IllegalStateException(message);
              });
    }
  }
}
