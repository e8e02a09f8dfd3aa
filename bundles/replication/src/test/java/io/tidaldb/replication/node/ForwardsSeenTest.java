package io.tidaldb.replication.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalAck;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The leader's memory of FORWARD request ids: a copy within the window gets the first copy's
 * outcome; ids are per origin; the window and the per-origin bound forget the oldest.
 */
class ForwardsSeenTest {
  private static final RegionId A = RegionId.of(1);
  private static final RegionId B = RegionId.of(2);

  @Test
  void shouldAnswerACopyWithTheFirstOutcomeAndTellOriginsApart() {
    ForwardsSeen seen = new ForwardsSeen(1_000, 10);
    CompletableFuture<SignalAck> first = new CompletableFuture<>();
    assertNull(seen.firstOrRemember(A, 7, first, 0));
    assertSame(first, seen.firstOrRemember(A, 7, new CompletableFuture<>(), 999));
    assertNull(seen.firstOrRemember(B, 7, new CompletableFuture<>(), 999), "another origin's 7");
    assertNull(seen.firstOrRemember(A, 8, new CompletableFuture<>(), 999));
    assertEquals(1, seen.duplicates());
  }

  @Test
  void shouldForgetARequestOnceItsWindowPassed() {
    ForwardsSeen seen = new ForwardsSeen(1_000, 10);
    CompletableFuture<SignalAck> first = new CompletableFuture<>();
    seen.firstOrRemember(A, 7, first, 0);
    CompletableFuture<SignalAck> late = new CompletableFuture<>();
    assertNull(seen.firstOrRemember(A, 7, late, 1_000), "remembered past its window");
    assertSame(late, seen.firstOrRemember(A, 7, new CompletableFuture<>(), 1_500));
  }

  @Test
  void shouldKeepAtMostTheBoundPerOriginForgettingTheOldest() {
    ForwardsSeen seen = new ForwardsSeen(1_000, 3);
    for (long id = 1; id <= 4; id++) {
      assertNull(seen.firstOrRemember(A, id, new CompletableFuture<>(), id));
    }
    assertNull(seen.firstOrRemember(B, 1, new CompletableFuture<>(), 5), "bound is per origin");
    assertNull(seen.firstOrRemember(A, 1, new CompletableFuture<>(), 6), "the oldest forgotten");
    assertEquals(0, seen.duplicates());
    seen.firstOrRemember(A, 4, new CompletableFuture<>(), 7);
    assertEquals(1, seen.duplicates(), "the youngest kept");
  }
}
