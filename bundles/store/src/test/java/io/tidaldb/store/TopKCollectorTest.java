package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.RankedEntity;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class TopKCollectorTest {
  @Property(tries = 300)
  void shouldEqualSortingEveryPositiveCandidate(
      @ForAll List<@IntRange(min = -3, max = 20) Integer> scores,
      @ForAll @IntRange(min = 0, max = 40) int k) {
    TopKCollector top = new TopKCollector(k);
    Map<Long, Double> candidates = new LinkedHashMap<>();
    for (int i = 0; i < scores.size(); i++) {
      long entity = (i * 7919L) % 1009; // distinct for i < 1009, in scrambled order
      if (candidates.putIfAbsent(entity, (double) scores.get(i)) == null) {
        top.offer(entity, scores.get(i));
      }
    }
    List<RankedEntity> expected =
        candidates.entrySet().stream()
            .filter(e -> e.getValue() > 0)
            .sorted(
                Comparator.comparing((Map.Entry<Long, Double> e) -> -e.getValue())
                    .thenComparing(Map.Entry::getKey))
            .limit(k)
            .map(e -> new RankedEntity(EntityId.of(e.getKey()), e.getValue()))
            .toList();
    assertEquals(expected, top.result());
  }
}
