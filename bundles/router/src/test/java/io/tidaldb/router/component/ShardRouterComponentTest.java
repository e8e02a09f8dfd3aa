package io.tidaldb.router.component;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.TenantId;
import io.tidaldb.router.HashShardRouter;
import java.lang.annotation.Annotation;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShardRouterComponentTest {

  @Test
  void shouldDelegateToHashShardRouterWithConfiguredShardCount() {
    ShardRouterComponent component = new ShardRouterComponent(config(8), Map.of());
    HashShardRouter core = new HashShardRouter(8);
    assertEquals(8, component.shardCount());
    for (long entity = -100; entity < 100; entity++) {
      assertEquals(
          core.shardOf(TenantId.DEFAULT, entity), component.shardOf(TenantId.DEFAULT, entity));
    }
  }

  @Test
  void shouldRefuseToActivateWithInvalidShardCount() {
    assertThrows(
        InvalidArgumentException.class, () -> new ShardRouterComponent(config(0), Map.of()));
  }

  static ShardRouterComponent.Config config(int shardCount) {
    return new ShardRouterComponent.Config() {
      @Override
      public int shardCount() {
        return shardCount;
      }

      @Override
      public Class<? extends Annotation> annotationType() {
        return ShardRouterComponent.Config.class;
      }
    };
  }
}
