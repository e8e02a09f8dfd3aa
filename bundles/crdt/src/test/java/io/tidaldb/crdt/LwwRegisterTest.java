package io.tidaldb.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class LwwRegisterTest {
  static final long LOW = ReplicaIds.local(1, 0);
  static final long HIGH = ReplicaIds.local(0x8000, 0);

  @Test
  void shouldKeepTheWriteWithTheGreaterStamp() {
    LwwRegister r = new LwwRegister();
    assertTrue(r.isEmpty());
    assertTrue(r.set(10, LOW, 100));
    assertFalse(r.set(9, HIGH, 200));
    assertEquals(100, r.value());
    assertTrue(r.set(11, LOW, 50));
    assertEquals(50, r.value());
    assertEquals(11, r.stamp());
  }

  @Test
  void shouldBreakStampTiesByTheHigherUnsignedReplicaId() {
    LwwRegister r = new LwwRegister();
    r.set(10, HIGH, 1);
    assertFalse(r.set(10, LOW, 2));
    assertEquals(HIGH, r.replica());
    LwwRegister other = new LwwRegister();
    other.set(10, LOW, 2);
    other.merge(r);
    assertEquals(1, other.value());
  }

  @Test
  void shouldRejectNegativeStamps() {
    assertThrows(InvalidArgumentException.class, () -> new LwwRegister().set(-1, LOW, 0));
  }

  @Property(tries = 300, seed = "8001")
  void mergeIsCommutativeAssociativeAndIdempotent(@ForAll long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    LwwRegister a = random(random);
    LwwRegister b = random(random);
    LwwRegister c = random(random);
    assertEquals(merged(a, b), merged(b, a));
    assertEquals(merged(merged(a, b), c), merged(a, merged(b, c)));
    assertEquals(a, merged(a, a));
  }

  static LwwRegister random(SplittableRandom random) {
    LwwRegister r = new LwwRegister();
    for (int i = random.nextInt(4); i > 0; i--) {
      r.set(
          random.nextInt(5),
          History.REPLICA_POOL[random.nextInt(History.REPLICA_POOL.length)],
          random.nextInt(3));
    }
    return r;
  }

  static LwwRegister merged(LwwRegister a, LwwRegister b) {
    LwwRegister m = a.copy();
    m.merge(b);
    return m;
  }
}
