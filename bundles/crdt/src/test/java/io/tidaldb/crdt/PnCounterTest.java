package io.tidaldb.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class PnCounterTest {
  static final long A = ReplicaIds.local(1, 0);
  static final long B = ReplicaIds.local(2, 0);
  static final long HIGH = ReplicaIds.local(0xFFFF, 1);

  @Test
  void shouldCountIncrementsMinusDecrementsPerReplica() {
    PnCounter c = new PnCounter();
    c.increment(A);
    c.increment(A);
    c.decrement(B);
    c.increment(HIGH);
    assertEquals(2, c.value());
    assertEquals(2, c.increments(A));
    assertEquals(1, c.decrements(B));
    assertEquals(0, c.increments(B));
    assertEquals(3, c.replicaCount());
    assertEquals("PnCounter[value=2, r1.i0=+2/-0, r2.i0=+0/-1, r65535.i1=+1/-0]", c.toString());
  }

  @Test
  void shouldMergeByEntrywiseMaximum() {
    PnCounter a = new PnCounter();
    PnCounter b = new PnCounter();
    a.increment(A);
    PnCounter shipped = a.copy();
    a.increment(A);
    b.merge(shipped);
    b.decrement(B);
    a.merge(b);
    assertEquals(1, a.value());
    assertEquals(2, a.increments(A));
  }

  @Property(tries = 300, seed = "6001")
  void mergeIsCommutativeAssociativeAndIdempotent(@ForAll long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    PnCounter a = random(random);
    PnCounter b = random(random);
    PnCounter c = random(random);
    assertEquals(merged(a, b), merged(b, a));
    assertEquals(merged(merged(a, b), c), merged(a, merged(b, c)));
    assertEquals(a, merged(a, a));
  }

  @Property(tries = 200, seed = "6002")
  void mergingReplicasEqualsCountingEverythingInOneCounter(@ForAll long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    long[] replicas = {A, B, HIGH};
    PnCounter[] perReplica = {new PnCounter(), new PnCounter(), new PnCounter()};
    PnCounter single = new PnCounter();
    for (int i = random.nextInt(200); i > 0; i--) {
      int r = random.nextInt(3);
      boolean up = random.nextBoolean();
      for (PnCounter c : new PnCounter[] {perReplica[r], single}) {
        if (up) {
          c.increment(replicas[r]);
        } else {
          c.decrement(replicas[r]);
        }
      }
    }
    PnCounter merged = new PnCounter();
    for (PnCounter c : perReplica) {
      merged.merge(c);
    }
    assertEquals(single.value(), merged.value());
  }

  static PnCounter random(SplittableRandom random) {
    PnCounter c = new PnCounter();
    for (int i = random.nextInt(20); i > 0; i--) {
      long replica = History.REPLICA_POOL[random.nextInt(History.REPLICA_POOL.length)];
      if (random.nextBoolean()) {
        c.increment(replica);
      } else {
        c.decrement(replica);
      }
    }
    return c;
  }

  static PnCounter merged(PnCounter a, PnCounter b) {
    PnCounter m = a.copy();
    m.merge(b);
    return m;
  }
}
