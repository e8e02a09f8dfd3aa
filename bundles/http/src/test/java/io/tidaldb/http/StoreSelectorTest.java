package io.tidaldb.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.StoreStatus;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import java.lang.reflect.Proxy;
import java.util.List;
import org.junit.jupiter.api.Test;

/** With several regions in one JVM: which store a request is served by. */
class StoreSelectorTest {
  private static SignalStore store(int region, boolean open) {
    return (SignalStore)
        Proxy.newProxyInstance(
            StoreSelectorTest.class.getClassLoader(),
            new Class<?>[] {SignalStore.class},
            (p, m, args) ->
                switch (m.getName()) {
                  case "status" -> {
                    if (!open) {
                      throw new UnavailableException("store of region-" + region + " is closed");
                    }
                    yield new StoreStatus(
                        RegionId.of(region), 0, Timestamp.ofMillis(1), 0, List.of());
                  }
                  case "hashCode" -> System.identityHashCode(p);
                  case "equals" -> p == args[0];
                  default -> throw new UnsupportedOperationException(m.getName());
                });
  }

  private final SignalStore r2 = store(2, true);
  private final SignalStore r0 = store(0, true);
  private final SignalStore r1closed = store(1, false);

  private StoreSelector selector(int configured) {
    return new StoreSelector(() -> List.of(r2, r1closed, r0), List::of, configured);
  }

  @Test
  void shouldServeTheLowestOpenRegionByDefault() {
    assertSame(r0, selector(-1).select(null).store());
    assertEquals(List.of(0, 2), List.copyOf(selector(-1).regions()));
  }

  @Test
  void shouldServeTheConfiguredRegionUnlessTheRequestNamesAnother() {
    assertSame(r2, selector(2).select(null).store());
    assertSame(r0, selector(2).select("0").store());
  }

  @Test
  void shouldAnswer404ForARegionNotServedHereAnd400ForAMalformedOne() {
    ApiException e = assertThrows(ApiException.class, () -> selector(-1).select("1"));
    assertEquals(404, e.status());
    assertTrue(
        e.getMessage().contains("region 1 is not served here; regions: [0, 2]"), e.getMessage());
    assertEquals(400, assertThrows(ApiException.class, () -> selector(-1).select("x")).status());
    assertEquals(
        400, assertThrows(ApiException.class, () -> selector(-1).select("70000")).status());
  }

  @Test
  void shouldAnswer503WhenNoStoreIsRegisteredOrOpen() {
    assertEquals(
        503,
        assertThrows(
                ApiException.class, () -> new StoreSelector(List::of, List::of, -1).select(null))
            .status());
    ApiException e =
        assertThrows(
            ApiException.class,
            () -> new StoreSelector(() -> List.of(r1closed), List::of, -1).select(null));
    assertEquals(503, e.status());
    assertEquals(Stored.NOT_STORED, e.stored());
  }
}
