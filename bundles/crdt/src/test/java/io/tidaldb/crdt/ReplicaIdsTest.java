package io.tidaldb.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class ReplicaIdsTest {

  @Property(seed = "7001")
  void shouldRoundTripRegionAndIncarnation(
      @ForAll @IntRange(max = 0xFFFF) int region, @ForAll @IntRange(max = 0xFFFF) int incarnation) {
    int id = ReplicaIds.of(region, incarnation);
    assertEquals(region, ReplicaIds.region(id));
    assertEquals(incarnation, ReplicaIds.incarnation(id));
  }

  @Property(seed = "7002")
  void shouldOrderByRegionThenIncarnation(
      @ForAll @IntRange(max = 0xFFFF) int r1,
      @ForAll @IntRange(max = 0xFFFF) int i1,
      @ForAll @IntRange(max = 0xFFFF) int r2,
      @ForAll @IntRange(max = 0xFFFF) int i2) {
    int expected = r1 != r2 ? Integer.compare(r1, r2) : Integer.compare(i1, i2);
    assertEquals(
        Integer.signum(expected),
        Integer.signum(ReplicaIds.compare(ReplicaIds.of(r1, i1), ReplicaIds.of(r2, i2))));
  }

  @Test
  void shouldRenderAsRegionAndIncarnation() {
    assertEquals("r1.i3", ReplicaIds.toString(ReplicaIds.of(1, 3)));
    assertEquals("r65535.i65535", ReplicaIds.toString(ReplicaIds.of(0xFFFF, 0xFFFF)));
  }

  @Test
  void shouldOrderHighRegionsAboveLowOnesDespiteTheSignBit() {
    assertTrue(ReplicaIds.compare(ReplicaIds.of(0x8000, 0), ReplicaIds.of(0x7FFF, 0xFFFF)) > 0);
  }

  @Test
  void shouldRejectPartsOutOfRange() {
    assertEquals(
        "region",
        assertThrows(InvalidArgumentException.class, () -> ReplicaIds.of(0x10000, 0)).argument());
    assertEquals(
        "incarnation",
        assertThrows(InvalidArgumentException.class, () -> ReplicaIds.of(0, -1)).argument());
  }
}
