package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CountedRangesTest {
  private static final int OWN = 7;

  @Test
  void shouldConsumeOnlyTheSameOriginEpochAndPositionOnce() {
    CountedRanges ranges = new CountedRanges(0);
    ranges.addAll(List.of(new CountedRanges.Range(OWN, 1, 10, 14)));

    assertFalse(ranges.consume(OWN, 2, 10), "another epoch at that position is another record");
    assertFalse(ranges.consume(OWN + 1, 1, 10), "another origin");
    assertFalse(ranges.consume(OWN, 1, 14));
    assertTrue(ranges.consume(OWN, 1, 12));
    assertFalse(ranges.consume(OWN, 1, 12), "consumed: it is in the log now");
    assertEquals(
        List.of(new CountedRanges.Range(OWN, 1, 10, 12), new CountedRanges.Range(OWN, 1, 13, 14)),
        ranges.copy());
    assertTrue(ranges.consume(OWN, 1, 10));
    assertTrue(ranges.consume(OWN, 1, 11));
    assertTrue(ranges.consume(OWN, 1, 13));
    assertTrue(ranges.isEmpty());
  }

  @Test
  void shouldDropTheOldestBeyondTheBoundAndCountThem() {
    CountedRanges ranges = new CountedRanges(0);
    List<CountedRanges.Range> many = new ArrayList<>();
    for (int i = 0; i < CountedRanges.MAX_RANGES + 3; i++) {
      many.add(new CountedRanges.Range(OWN, 1, 2L * i, 2L * i + 1));
    }
    ranges.addAll(many);

    assertEquals(CountedRanges.MAX_RANGES, ranges.copy().size());
    assertEquals(3, ranges.dropped());
    assertEquals(6, ranges.copy().get(0).first(), "the three oldest went");
    assertFalse(ranges.consume(OWN, 1, 0));
  }
}
