package io.tidaldb.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.TenantId;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class HashShardRouterPropertyTest {

  @Property(seed = "20240601")
  void shouldAlwaysReturnAShardInRange(
      @ForAll("tenants") TenantId tenant,
      @ForAll long entity,
      @ForAll @IntRange(min = 1, max = 65536) int shardCount) {
    int shard = new HashShardRouter(shardCount).shardOf(tenant, entity);
    assertTrue(shard >= 0 && shard < shardCount, () -> shard + " not in [0," + shardCount + ")");
  }

  @Property(seed = "20240602")
  void shouldBeDeterministicAcrossInstancesAndEqualNames(
      @ForAll("tenants") TenantId tenant,
      @ForAll long entity,
      @ForAll @IntRange(min = 1, max = 65536) int shardCount) {
    int first = new HashShardRouter(shardCount).shardOf(tenant, entity);
    TenantId sameName = new TenantId(new String(tenant.name().toCharArray()));
    assertEquals(first, new HashShardRouter(shardCount).shardOf(sameName, entity));
  }

  @Property(seed = "20240603")
  void shouldMapEverythingToShardZeroWithOneShard(
      @ForAll("tenants") TenantId tenant, @ForAll long entity) {
    assertEquals(0, new HashShardRouter(1).shardOf(tenant, entity));
  }

  @Property(seed = "20240604")
  void shouldHashNamesAsTheirUtf8Bytes(@ForAll("wellFormedStrings") String name) {
    assertEquals(HashShardRouterTest.referenceNameHash(name), HashShardRouter.nameHash(name), name);
  }

  @Provide
  Arbitrary<String> wellFormedStrings() {
    return Arbitraries.integers()
        .between(0, Character.MAX_CODE_POINT)
        .filter(cp -> cp < Character.MIN_SURROGATE || cp > Character.MAX_SURROGATE)
        .list()
        .ofMaxSize(24)
        .map(cps -> new String(cps.stream().mapToInt(Integer::intValue).toArray(), 0, cps.size()));
  }

  @Provide
  Arbitrary<TenantId> tenants() {
    Arbitrary<String> first = Arbitraries.strings().withCharRange('a', 'z').numeric().ofLength(1);
    Arbitrary<String> rest =
        Arbitraries.strings()
            .withCharRange('a', 'z')
            .numeric()
            .withChars('_', '-')
            .ofMaxLength(TenantId.MAX_LENGTH - 1);
    return first.flatMap(f -> rest.map(r -> TenantId.of(f + r)));
  }
}
