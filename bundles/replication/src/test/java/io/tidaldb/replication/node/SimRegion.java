package io.tidaldb.replication.node;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WriteAheadLog;
import io.tidaldb.store.SimWritePath;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;

/**
 * One simulated region: its durable state (the shard logs' written batches, the epoch files under
 * {@code directory}, the local logs of its local stream, the model store's last snapshot) and,
 * while it is up, its process: a real {@link ReplicationNode} built without its thread, driven by
 * {@link #round}, its {@link ModelStore}, its write path's decisions ({@link SimWritePath}), and
 * the log cuts the node asked for, run by the simulation as scheduled events. Its clock is the
 * simulation's time with this region's offset and rate (skew).
 */
final class SimRegion {
  /** A log cut the node handed to its cut executor, due at {@code due}. */
  private record Cut(long due, Runnable task) {}

  /** The chance per round that the store writes a snapshot (its periodic checkpoint). */
  static final double SNAPSHOT_CHANCE = 1.0 / 500;

  final int index;
  final RegionId id;
  private final Sim sim;
  private final Path directory;
  private final long clockOffset;
  private final double clockRate;
  private final ModelStore.Durable stored;
  private final ArrayDeque<Cut> cuts = new ArrayDeque<>();
  private SimLog[] logs;
  private final SimLog[] localLogs;
  private SimWritePath writePath;
  private ModelStore store;
  private ReplicationNode node;
  private long stalledUntil;
  private int incarnation;

  SimRegion(Sim sim, int index, int shards, Path directory, long clockOffset, double clockRate) {
    this.sim = sim;
    this.index = index;
    this.id = RegionId.of(index);
    this.directory = directory;
    this.clockOffset = clockOffset;
    this.clockRate = clockRate;
    this.stored = new ModelStore.Durable(shards);
    this.logs = new SimLog[shards];
    this.localLogs = new SimLog[shards];
    for (int i = 0; i < shards; i++) {
      logs[i] = new SimLog(i);
      localLogs[i] = new SimLog(i);
    }
  }

  /** This region's monotonic clock: the simulation's time, skewed. */
  long clock() {
    return clockOffset + (long) (sim.now() * clockRate);
  }

  boolean up() {
    return node != null;
  }

  /** Whether the process runs now (up and not stalled). */
  boolean running() {
    return node != null && sim.now() >= stalledUntil;
  }

  ReplicationNode node() {
    return node;
  }

  ModelStore store() {
    return store;
  }

  SimLog log(int shard) {
    return logs[shard];
  }

  /** The local log of {@code shard}: this region's local stream. */
  SimLog localLog(int shard) {
    return localLogs[shard];
  }

  /** This process's write path (its decisions and cut-off shards); null while down. */
  SimWritePath writePath() {
    return writePath;
  }

  int incarnation() {
    return incarnation;
  }

  /** Starts the process over the surviving logs and epoch files. */
  void start(List<RegionId> regions) {
    incarnation++;
    store = new ModelStore(index, logs, localLogs, stored, sim.stored(), sim.trace(), sim::now);
    ReplicationConfig config =
        ReplicationConfig.defaults(id, regions, directory)
            .withDurabilityTimeout(Duration.ofSeconds(2));
    int started = incarnation;
    node =
        ReplicationNode.forSimulation(
            config,
            new Wal(logs),
            sim.network(),
            this::clock,
            task ->
                cuts.add(
                    new Cut(
                        sim.now() + sim.random().nextLong(1, 20) * Sim.MS,
                        () -> {
                          if (incarnation == started) {
                            task.run();
                          }
                        })));
    node.attach(store);
    store.attach(node);
    writePath = new SimWritePath(node, this::clock);
  }

  /**
   * Kills the process ({@code kill -9}): the node, its store and its queued cuts are gone; written
   * log bytes survive, or with {@code powerLoss} only the fsynced ones. Epoch files were fsynced
   * when written and survive either way.
   */
  void crash(boolean powerLoss) {
    node = null;
    store = null;
    writePath = null;
    cuts.clear();
    stalledUntil = 0;
    for (int i = 0; i < logs.length; i++) {
      logs[i] = logs[i].recover(powerLoss);
      localLogs[i] = localLogs[i].recover(powerLoss);
    }
  }

  /** Stops the process from running (a GC pause, a stopped process) until {@code until}. */
  void stall(long until) {
    stalledUntil = Math.max(stalledUntil, until);
  }

  void unstall() {
    stalledUntil = 0;
  }

  /**
   * Runs what is due in this process: its log cuts, rounds of the replication thread until idle (at
   * most {@code maxRounds}), one step of each shard log's and local log's commit thread with
   * probability {@code commitChance}, and rarely a snapshot of the store.
   *
   * @return whether anything happened
   */
  boolean round(int maxRounds, double commitChance) {
    if (!running()) {
      return false;
    }
    boolean any = false;
    while (!cuts.isEmpty() && cuts.peek().due() <= sim.now()) {
      cuts.poll().task().run();
      any = true;
    }
    for (int r = 0; r < maxRounds && node != null; r++) {
      if (node.runRound() == 0) {
        break;
      }
      any = true;
    }
    for (SimLog log : logs) {
      if (sim.random().nextDouble() < commitChance) {
        any |= log.commitStep();
      }
    }
    for (SimLog log : localLogs) {
      if (sim.random().nextDouble() < commitChance) {
        any |= log.commitStep();
      }
    }
    if (sim.random().nextDouble() < SNAPSHOT_CHANCE) {
      store.snapshot();
    }
    return any;
  }

  /** Whether every log is settled and every cut has run. */
  boolean settled() {
    for (int i = 0; i < logs.length; i++) {
      if (!logs[i].settled() || !localLogs[i].settled()) {
        return false;
      }
    }
    return cuts.isEmpty();
  }

  /** The region's write-ahead log over the current shard logs. */
  private record Wal(SimLog[] shards) implements WriteAheadLog {
    @Override
    public int shardCount() {
      return shards.length;
    }

    @Override
    public ShardLog shard(int shard) {
      return shards[shard];
    }

    @Override
    public void close() {}
  }
}
