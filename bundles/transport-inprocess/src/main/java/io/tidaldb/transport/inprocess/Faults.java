package io.tidaldb.transport.inprocess;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.LinkShape;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The faults an {@link InProcessTransport} simulates, by directed link (sender, receiver): cut
 * directions, link shapes (one for every link, overridden per link) and paused regions. The state
 * outlives links, so a link created later (a region's first send, or a region that opens again)
 * starts with the faults set before; {@link #apply} brings one link in line with it. Guarded by the
 * transport's structure lock.
 */
final class Faults {
  private final Set<Integer> cuts = new HashSet<>();
  private final Map<Integer, LinkShape> shapes = new HashMap<>();
  private final Map<RegionId, Long> pausedUntil = new HashMap<>();
  private LinkShape everyLink = LinkShape.NONE;

  void cut(RegionId from, RegionId to) {
    cuts.add(key(from, to));
  }

  void heal(RegionId from, RegionId to) {
    cuts.remove(key(from, to));
  }

  void healAll() {
    cuts.clear();
  }

  boolean isCut(RegionId from, RegionId to) {
    return cuts.contains(key(from, to));
  }

  void shape(RegionId from, RegionId to, LinkShape shape) {
    shapes.put(key(from, to), Objects.requireNonNull(shape, "shape"));
  }

  void shapeAll(LinkShape shape) {
    everyLink = Objects.requireNonNull(shape, "shape");
    shapes.clear();
  }

  LinkShape shapeOf(RegionId from, RegionId to) {
    return shapes.getOrDefault(key(from, to), everyLink);
  }

  void pause(RegionId region, long untilNanos) {
    pausedUntil.put(Objects.requireNonNull(region, "region"), untilNanos);
  }

  void resume(RegionId region) {
    pausedUntil.remove(Objects.requireNonNull(region, "region"));
  }

  boolean paused(RegionId region, long now) {
    return pausedUntil(region) > now;
  }

  /** Heals every cut, unshapes every link and resumes every region. */
  void reset() {
    cuts.clear();
    shapes.clear();
    everyLink = LinkShape.NONE;
    pausedUntil.clear();
  }

  /**
   * Brings a link in line with the faults: cut or healed, shaped, held while a region is paused.
   *
   * @param link the link
   * @return the number of queued frames a new cut discarded
   */
  int apply(Link link) {
    int dropped = 0;
    if (isCut(link.from, link.to)) {
      dropped = link.isCut() ? 0 : link.cut();
    } else {
      link.heal();
    }
    link.shape(shapeOf(link.from, link.to));
    link.hold(Math.max(pausedUntil(link.from), pausedUntil(link.to)));
    return dropped;
  }

  private long pausedUntil(RegionId region) {
    return pausedUntil.getOrDefault(region, Long.MIN_VALUE);
  }

  /** The key of the directed link {@code from -> to} (region ids are 16 bits). */
  private static int key(RegionId from, RegionId to) {
    int x = Objects.requireNonNull(from, "from").value();
    int y = Objects.requireNonNull(to, "to").value();
    return x << 16 | y;
  }
}
