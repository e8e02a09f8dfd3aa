package io.tidaldb.crdt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A seeded, random history of signals of 1 to 4 streams (log and local entries): event times
 * spanning several landmark epochs (also out of order), negative weights, HLC stamps increasing,
 * positions increasing per stream with gaps (records of other entities in between).
 */
final class History {
  static final long T0 = 1_700_000_000_000L;
  static final DecayModel DECAY = DecayModel.ofHalfLife(1_000);
  static final long EPOCH = DECAY.epochMillis();

  /** Replica ids to pick from; the last ones exercise unsigned ordering. */
  static final long[] REPLICA_POOL = {
    ReplicaIds.log(0),
    ReplicaIds.log(3),
    ReplicaIds.local(1, 0),
    ReplicaIds.local(2, 1),
    ReplicaIds.log(ReplicaIds.MAX_EPOCH),
    ReplicaIds.local(0x8000, 0),
    ReplicaIds.local(0xFFFF, 0xFFFF)
  };

  /**
   * One signal.
   *
   * @param replica the stream
   * @param position the record's position in the stream
   * @param weight the weight
   * @param eventTime the event time
   * @param hlc the stamp
   */
  record Op(long replica, long position, double weight, long eventTime, long hlc) {
    boolean applyTo(CrdtSignalState state) {
      return state.applyAt(replica, position, weight, eventTime, hlc, DECAY);
    }
  }

  final long seed;
  final long[] replicas;
  final List<Op> ops;

  private History(long seed, long[] replicas, List<Op> ops) {
    this.seed = seed;
    this.replicas = replicas;
    this.ops = ops;
  }

  static History random(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int n = 1 + random.nextInt(4);
    long[] replicas = new long[n];
    int start = random.nextInt(REPLICA_POOL.length);
    for (int i = 0; i < n; i++) {
      replicas[i] = REPLICA_POOL[(start + i * (1 + random.nextInt(2))) % REPLICA_POOL.length];
    }
    replicas = Arrays.stream(replicas).distinct().toArray();
    int count = random.nextInt(60);
    List<Op> ops = new ArrayList<>(count);
    long[] positions = new long[replicas.length];
    long time = T0 + random.nextLong(EPOCH);
    for (int k = 0; k < count; k++) {
      int r = random.nextInt(replicas.length);
      long replica = replicas[r];
      long position = positions[r] + random.nextInt(3);
      positions[r] = position + 1;
      time += random.nextLong(EPOCH / 2);
      long eventTime = random.nextInt(5) == 0 ? time - random.nextLong(3 * EPOCH) : time;
      long hlc = ((T0 + k / 2) << 16) | random.nextInt(3);
      ops.add(new Op(replica, position, weight(random), eventTime, hlc));
    }
    return new History(seed, replicas, ops);
  }

  static double weight(SplittableRandom random) {
    return switch (random.nextInt(10)) {
      case 0 -> -random.nextDouble(100);
      case 1 -> -1.0;
      case 2 -> 0.0;
      case 3 -> -0.0;
      case 4 -> random.nextDouble() * 1e9;
      case 5 -> 1e-300;
      default -> random.nextBoolean() ? 1.0 : random.nextDouble(50);
    };
  }

  /** The ops of one replica, in its order. */
  List<Op> opsOf(long replica) {
    List<Op> mine = new ArrayList<>();
    for (Op op : ops) {
      if (op.replica == replica) {
        mine.add(op);
      }
    }
    return mine;
  }

  /** Applies every op to one state, in history order. */
  CrdtSignalState applyAll() {
    CrdtSignalState state = new CrdtSignalState();
    for (Op op : ops) {
      op.applyTo(state);
    }
    return state;
  }

  /**
   * A state that saw a random prefix of each replica's history, interleaved in a random order that
   * keeps each replica's own order (what a region holds after partial replication).
   */
  CrdtSignalState randomPrefixState(SplittableRandom random) {
    List<List<Op>> queues = new ArrayList<>();
    for (long replica : replicas) {
      List<Op> mine = opsOf(replica);
      queues.add(new ArrayList<>(mine.subList(0, random.nextInt(mine.size() + 1))));
    }
    CrdtSignalState state = new CrdtSignalState();
    while (true) {
      List<List<Op>> nonEmpty = new ArrayList<>();
      for (List<Op> q : queues) {
        if (!q.isEmpty()) {
          nonEmpty.add(q);
        }
      }
      if (nonEmpty.isEmpty()) {
        return state;
      }
      nonEmpty.get(random.nextInt(nonEmpty.size())).remove(0).applyTo(state);
    }
  }

  @Override
  public String toString() {
    return "History[seed=" + seed + ", replicas=" + replicas.length + ", ops=" + ops.size() + "]";
  }
}
