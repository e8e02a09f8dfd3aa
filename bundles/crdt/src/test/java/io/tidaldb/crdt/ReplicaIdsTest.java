package io.tidaldb.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class ReplicaIdsTest {

  @Property(seed = "7001")
  void shouldRoundTripRegionAndIncarnationOfALocalEntry(
      @ForAll @IntRange(max = 0xFFFF) int region, @ForAll @IntRange(max = 0xFFFF) int incarnation) {
    long id = ReplicaIds.local(region, incarnation);
    assertFalse(ReplicaIds.isLog(id));
    assertTrue(ReplicaIds.isValid(id));
    assertEquals(region, ReplicaIds.region(id));
    assertEquals(incarnation, ReplicaIds.incarnation(id));
    assertEquals(Long.MIN_VALUE | (long) region << 16 | incarnation, id);
  }

  @Property(seed = "7003")
  void shouldNameALogEntryByItsEpoch(
      @ForAll @LongRange(min = 0, max = ReplicaIds.MAX_EPOCH) long epoch) {
    long id = ReplicaIds.log(epoch);
    assertEquals(epoch, id);
    assertTrue(ReplicaIds.isLog(id));
    assertTrue(ReplicaIds.isValid(id));
    assertEquals(epoch, ReplicaIds.epoch(id));
    assertTrue(ReplicaIds.compare(id, ReplicaIds.local(0, 0)) < 0, "log entries first");
  }

  @Property(seed = "7002")
  void shouldOrderLocalEntriesByRegionThenIncarnation(
      @ForAll @IntRange(max = 0xFFFF) int r1,
      @ForAll @IntRange(max = 0xFFFF) int i1,
      @ForAll @IntRange(max = 0xFFFF) int r2,
      @ForAll @IntRange(max = 0xFFFF) int i2) {
    int expected = r1 != r2 ? Integer.compare(r1, r2) : Integer.compare(i1, i2);
    assertEquals(
        Integer.signum(expected),
        Integer.signum(ReplicaIds.compare(ReplicaIds.local(r1, i1), ReplicaIds.local(r2, i2))));
  }

  @Test
  void shouldRenderLogAndLocalEntries() {
    assertEquals("e7", ReplicaIds.toString(ReplicaIds.log(7)));
    assertEquals("e0", ReplicaIds.toString(ReplicaIds.log(0)));
    assertEquals("r1.i3", ReplicaIds.toString(ReplicaIds.local(1, 3)));
    assertEquals("r65535.i65535", ReplicaIds.toString(ReplicaIds.local(0xFFFF, 0xFFFF)));
  }

  @Test
  void shouldOrderEpochsUnsignedBelowEveryLocalEntry() {
    assertTrue(
        ReplicaIds.compare(ReplicaIds.log(ReplicaIds.MAX_EPOCH), ReplicaIds.local(0, 0)) < 0);
    assertTrue(ReplicaIds.compare(ReplicaIds.log(2), ReplicaIds.log(10)) < 0);
    assertTrue(
        ReplicaIds.compare(ReplicaIds.local(0x8000, 0), ReplicaIds.local(0x7FFF, 0xFFFF)) > 0);
  }

  @Test
  void shouldRejectPartsOutOfRangeAndTheWrongKind() {
    assertEquals(
        "region",
        assertThrows(InvalidArgumentException.class, () -> ReplicaIds.local(0x10000, 0))
            .argument());
    assertEquals(
        "incarnation",
        assertThrows(InvalidArgumentException.class, () -> ReplicaIds.local(0, -1)).argument());
    assertEquals(
        "epoch", assertThrows(InvalidArgumentException.class, () -> ReplicaIds.log(-1)).argument());
    assertThrows(InvalidArgumentException.class, () -> ReplicaIds.region(ReplicaIds.log(3)));
    assertThrows(InvalidArgumentException.class, () -> ReplicaIds.epoch(ReplicaIds.local(1, 0)));
    assertFalse(ReplicaIds.isValid(Long.MIN_VALUE | 1L << 32));
  }
}
