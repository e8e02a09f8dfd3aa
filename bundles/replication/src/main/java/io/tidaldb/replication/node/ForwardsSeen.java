package io.tidaldb.replication.node;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalAck;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The FORWARD requests a region was sent, by origin and request id, with the outcome of the first
 * copy, so that a copy the link duplicated (or an origin sent twice) is answered with that outcome
 * instead of being stored a second time: the region owns the dedupe, as a Raft leader remembers its
 * clients' request ids. Every outcome is remembered (a refusal too: a copy arriving after this
 * region took the lead must not store what the origin was told was not stored) for {@code
 * windowNanos} after it was first seen, at most {@code perOrigin} requests per origin (the oldest
 * go first). A copy later than both is handled as new. Request ids must not repeat within the
 * window: {@link ForwardOrigin} starts its ids at a random value in each incarnation. Thread-safe
 * (delivery threads).
 */
final class ForwardsSeen {
  private record Seen(CompletableFuture<SignalAck> outcome, long atNanos) {}

  private final long windowNanos;
  private final int perOrigin;
  private final Map<RegionId, LinkedHashMap<Long, Seen>> byOrigin = new HashMap<>();
  private long duplicates;

  /**
   * @param windowNanos how long a request is remembered after it was first seen
   * @param perOrigin the most requests remembered per origin
   */
  ForwardsSeen(long windowNanos, int perOrigin) {
    this.windowNanos = windowNanos;
    this.perOrigin = perOrigin;
  }

  /**
   * Returns the outcome of the first copy of request {@code id} from {@code from} if it was seen
   * within the window, else remembers {@code outcome} as its outcome and returns null.
   *
   * @param nowNanos the monotonic time now
   */
  synchronized CompletableFuture<SignalAck> firstOrRemember(
      RegionId from, long id, CompletableFuture<SignalAck> outcome, long nowNanos) {
    LinkedHashMap<Long, Seen> seen = byOrigin.computeIfAbsent(from, r -> new LinkedHashMap<>());
    for (Iterator<Seen> it = seen.values().iterator(); it.hasNext(); ) {
      Seen s = it.next();
      if (nowNanos - s.atNanos() < windowNanos && seen.size() < perOrigin) {
        break; // insertion order: the rest are younger
      }
      it.remove();
    }
    Seen first = seen.putIfAbsent(id, new Seen(outcome, nowNanos));
    if (first == null) {
      return null;
    }
    duplicates++;
    return first.outcome();
  }

  /** Returns how many copies were answered with an earlier copy's outcome. */
  synchronized long duplicates() {
    return duplicates;
  }
}
