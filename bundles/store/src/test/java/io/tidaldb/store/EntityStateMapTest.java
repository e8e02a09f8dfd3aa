package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.tidaldb.crdt.CrdtSignalState;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class EntityStateMapTest {
  record Key(int series, long entity) {}

  @Property(tries = 200)
  void shouldBehaveLikeAHashMap(
      @ForAll @Size(max = 3000) List<@IntRange(min = 0, max = 5) Integer> series,
      @ForAll @Size(max = 3000) List<Long> entities) {
    EntityStateMap map = new EntityStateMap();
    Map<Key, CrdtSignalState> reference = new HashMap<>();
    int n = Math.min(series.size(), entities.size());
    for (int i = 0; i < n; i++) {
      Key k = new Key(series.get(i), entities.get(i) % 1000);
      CrdtSignalState s = map.getOrCreate(k.series, k.entity);
      CrdtSignalState expected = reference.computeIfAbsent(k, x -> s);
      assertSame(expected, s);
    }
    assertEquals(reference.size(), map.size());
    reference.forEach((k, v) -> assertSame(v, map.get(k.series, k.entity)));
    Map<Key, CrdtSignalState> visited = new HashMap<>();
    map.forEach((s, e, state) -> visited.put(new Key(s, e), state));
    assertEquals(reference, visited);
    assertNull(map.get(99, 1));
  }
}
