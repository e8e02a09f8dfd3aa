package io.tidaldb.reconcile.engine;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.SendStatus;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.function.BiPredicate;

/**
 * Regions' engines over in-memory links, pumped on the test's thread with a manual clock: frames
 * are delivered in send order; a cut link refuses sends (UNREACHABLE), a silenced one drops them
 * (SENT); a tap may drop or count frames.
 */
final class Net {
  record Frame(RegionId from, RegionId to, byte[] bytes) {}

  final Map<RegionId, ReconciliationEngine> engines = new LinkedHashMap<>();
  final Map<RegionId, MemoryReconcileState> states = new LinkedHashMap<>();
  final ArrayDeque<Frame> wire = new ArrayDeque<>();
  final Set<List<RegionId>> cut = new HashSet<>();
  final Set<List<RegionId>> silent = new HashSet<>();
  BiPredicate<RegionId, byte[]> tap = (to, bytes) -> true;
  long now = 1_000_000_000L;
  long delivered;

  /** Frames sent (not refused), by frame type. */
  final int[] sent = new int[16];

  Net(int regions, int shards, java.util.function.UnaryOperator<ReconcileConfig> settings) {
    List<RegionId> all = new java.util.ArrayList<>();
    for (int r = 0; r < regions; r++) {
      all.add(RegionId.of(r));
    }
    for (RegionId r : all) {
      MemoryReconcileState state = new MemoryReconcileState(shards, r.value());
      states.put(r, state);
      ReconcileConfig config =
          settings.apply(ReconcileConfig.defaults(r, all).withInterval(java.time.Duration.ZERO));
      engines.put(r, new ReconciliationEngine(config, state, (to, f) -> send(r, to, f), now));
    }
  }

  MemoryReconcileState state(int region) {
    return states.get(RegionId.of(region));
  }

  ReconciliationEngine engine(int region) {
    return engines.get(RegionId.of(region));
  }

  private SendStatus send(RegionId from, RegionId to, ByteBuffer frame) {
    if (cut.contains(List.of(from, to))) {
      return SendStatus.UNREACHABLE;
    }
    if (silent.contains(List.of(from, to))) {
      return SendStatus.SENT;
    }
    byte[] copy = new byte[frame.remaining()];
    frame.duplicate().get(copy);
    sent[copy[ReconcileFrameDescriptor.TYPE_OFFSET]]++;
    wire.add(new Frame(from, to, copy));
    return SendStatus.SENT;
  }

  /** Makes every region apply the COMPACT records any region appends (as the shard's log would). */
  void replicateCompacts() {
    for (MemoryReconcileState s : states.values()) {
      s.epochs.replicate =
          c ->
              states.values().stream()
                  .filter(other -> other != s)
                  .forEach(
                      other -> {
                        synchronized (other) {
                          other.epochs.apply(c);
                        }
                      });
    }
  }

  void cut(int a, int b) {
    cut.add(List.of(RegionId.of(a), RegionId.of(b)));
    cut.add(List.of(RegionId.of(b), RegionId.of(a)));
  }

  void heal() {
    cut.clear();
    silent.clear();
  }

  /** Injects a frame as if {@code from} sent it to {@code to}. */
  void inject(RegionId from, int to, byte[] frame) {
    wire.add(new Frame(from, RegionId.of(to), frame));
  }

  /** Runs every engine and delivers frames until nothing moves. */
  void pump() {
    for (int rounds = 0; rounds < 100_000; rounds++) {
      boolean busy = false;
      for (ReconciliationEngine e : engines.values()) {
        busy |= e.doWork(now);
      }
      for (Frame f; (f = wire.poll()) != null; ) {
        busy = true;
        if (tap.test(f.to(), f.bytes())) {
          delivered += f.bytes().length;
          engines.get(f.to()).onFrame(f.from(), ByteBuffer.wrap(f.bytes()));
        }
      }
      if (!busy) {
        return;
      }
    }
    throw new AssertionError("the engines never went quiet");
  }

  /** Pumps until {@code future} is done, advancing the clock by {@code stepNanos} each round. */
  <T> T await(Future<T> future, long stepNanos) throws Exception {
    for (int i = 0; i < 10_000 && !future.isDone(); i++) {
      pump();
      now += stepNanos;
    }
    if (!future.isDone()) {
      throw new AssertionError("not done after 10,000 steps");
    }
    return future.get();
  }

  /** Advances the clock and pumps, {@code steps} times. */
  void run(int steps, long stepNanos) {
    for (int i = 0; i < steps; i++) {
      now += stepNanos;
      pump();
    }
  }
}
