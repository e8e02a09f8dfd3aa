package io.tidaldb.reconcile.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

/** Fingerprints: salted by the session, pinned, and compared as multisets. */
class FingerprintsTest {
  @Test
  void shouldSplitTwoSortedMultisetsIntoWhatOnlyEachHolds() {
    LongList onlyA = new LongList();
    LongList onlyB = new LongList();
    Fingerprints.difference(new long[] {1, 2, 2, 5, 9}, new long[] {2, 3, 5, 5}, onlyA, onlyB);
    assertArrayEquals(new long[] {1, 2, 9}, onlyA.sorted());
    assertArrayEquals(new long[] {3, 5}, onlyB.sorted());
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
