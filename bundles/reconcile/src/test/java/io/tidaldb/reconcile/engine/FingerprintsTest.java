package io.tidaldb.reconcile.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

/** Fingerprints: salted by the session, pinned, and compared as multisets. */
class FingerprintsTest {
  @Test
  void shouldSplitTwoMultisetsIntoWhatOnlyEachHolds() {
    LongList a = new LongList();
    a.addAll(new long[] {1, 2, 2, 5, 9, 0, 0});
    FingerprintCounts counts = FingerprintCounts.of(a);
    LongList onlyB = new LongList();
    for (long fp : new long[] {2, 3, 5, 5, 0}) {
      if (!counts.take(fp)) {
        onlyB.add(fp);
      }
    }
    LongList onlyA = new LongList();
    counts.forEachLeft(onlyA::add);
    assertArrayEquals(new long[] {0, 1, 2, 9}, onlyA.sorted());
    assertArrayEquals(new long[] {3, 5}, onlyB.sorted());
  }

  @Test
  void shouldMatchEveryFingerprintOfALargeMultisetOnce() {
    long seed = 11;
    System.out.println("seed " + seed);
    java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
    LongList all = new LongList();
    for (int i = 0; i < 100_000; i++) {
      all.add(random.nextLong());
    }
    FingerprintCounts counts = FingerprintCounts.of(all);
    for (int i = 0; i < all.size(); i++) {
      assertEquals(true, counts.take(all.get(i)), "fingerprint " + i);
    }
    assertEquals(false, counts.take(all.get(0)));
    LongList left = new LongList();
    counts.forEachLeft(left::add);
    assertEquals(0, left.size());
  }

  @Test
  void shouldDependOnEveryInputAndBePinned() {
    long fp = Fingerprints.of(7, "view", 42, 99);
    assertNotEquals(fp, Fingerprints.of(8, "view", 42, 99));
    assertNotEquals(fp, Fingerprints.of(7, "like", 42, 99));
    assertNotEquals(fp, Fingerprints.of(7, "view", 43, 99));
    assertNotEquals(fp, Fingerprints.of(7, "view", 42, 98));
    // both regions must compute the same: the function never changes silently
    assertEquals(PINNED, fp);
  }

  private static final long PINNED = 1021494358731454400L;
}
