package io.tidaldb.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** {@link CrdtSignalState#contentHash}: a function of the canonical encoding, pinned. */
class ContentHashTest {
  private static final DecayModel HOUR = DecayModel.ofHalfLife(3_600_000L);

  @Property(tries = 300, seed = "43001")
  void equalStatesHaveEqualHashesWhateverTheOrderOfMerges(@ForAll long seed) {
    History h = History.random(seed);
    SplittableRandom random = new SplittableRandom(seed);
    CrdtSignalState a = h.randomPrefixState(random);
    CrdtSignalState b = h.randomPrefixState(random);
    CrdtSignalState ab = a.copy();
    ab.merge(b);
    CrdtSignalState ba = b.copy();
    ba.merge(a);
    assertEquals(ab.contentHash(), ba.contentHash(), h::toString);
    ByteBuffer buffer = ByteBuffer.allocate(ab.encodedLength());
    ab.writeTo(buffer);
    assertEquals(ab.contentHash(), CrdtSignalState.readFrom(buffer.flip()).contentHash());
  }

  @Test
  void shouldChangeTheHashWithEveryField() {
    CrdtSignalState a = new CrdtSignalState();
    a.applyAt(ReplicaIds.local(1, 1), 0, 1.0, 1_000L, 10L, HOUR);
    CrdtSignalState countedTwice = a.copy();
    countedTwice.applyAt(ReplicaIds.local(1, 1), 1, 0.0, 1_000L, 5L, HOUR);
    CrdtSignalState otherReplica = new CrdtSignalState();
    otherReplica.applyAt(ReplicaIds.local(2, 1), 0, 1.0, 1_000L, 10L, HOUR);
    CrdtSignalState laterSeen = a.copy();
    laterSeen.applyAt(ReplicaIds.local(1, 1), 1, 0.0, 1_000L, 11L, HOUR);
    assertNotEquals(a.contentHash(), countedTwice.contentHash());
    assertNotEquals(a.contentHash(), otherReplica.contentHash());
    assertNotEquals(countedTwice.contentHash(), laterSeen.contentHash());
    assertNotEquals(a.contentHash(), new CrdtSignalState().contentHash());
  }

  @Test
  void shouldPinTheHashOfAKnownState() {
    CrdtSignalState a = new CrdtSignalState();
    a.applyAt(ReplicaIds.log(3), 7, 2.5, 1_000L, 10L, HOUR);
    // regions compare hashes computed in different JVMs: the function must never change silently
    assertEquals(PINNED, a.contentHash());
  }

  private static final long PINNED = 216142295488117003L;
}
