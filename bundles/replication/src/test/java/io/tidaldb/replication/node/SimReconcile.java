package io.tidaldb.replication.node;

import io.tidaldb.crdt.CrdtSignalState;
import io.tidaldb.store.SimWritePath;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Reconciliation in the simulation: a session between two regions compares their bucket digests
 * (the real {@code ReconcileHashes}: per bucket the sum of the entity hashes of its entities, 1,024
 * buckets), and for the buckets that differ exchanges the states of the entities whose hashes
 * differ, both ways, each side joining the other's state into its own by the real {@link
 * CrdtSignalState#merge}. A session is one step (both regions running, both links up at that
 * moment); the real protocol's three round trips over frames are {@code ReconciliationEngine}'s,
 * tested in {@code bundles/reconcile}. During the faults a session runs now and then between two
 * regions that reach each other; after the heal, {@link #all} runs region 0 with every other twice
 * (the first round gathers, the second hands out), as the test kit's {@code reconcileAll} does.
 */
final class SimReconcile {
  static final int BUCKETS = 1024;

  private final Sim sim;
  private int sessions;
  private int merged;
  private int withheld;

  SimReconcile(Sim sim) {
    this.sim = sim;
  }

  int sessions() {
    return sessions;
  }

  int merged() {
    return merged;
  }

  /** How many times a session left a state out because it held a session record not committed. */
  int withheld() {
    return withheld;
  }

  /** Runs a session between two random regions that reach each other, if they do. */
  void maybeSession() {
    int n = sim.regions().size();
    int a = sim.random().nextInt(n);
    int b = (a + 1 + sim.random().nextInt(n - 1)) % n;
    session(a, b);
  }

  /** Reconciles every region with every other: region 0 with each, twice; null or the failure. */
  String all() {
    for (int round = 0; round < 2; round++) {
      for (int b = 1; b < sim.regions().size(); b++) {
        if (!session(0, b)) {
          return "region 0 cannot reconcile with region " + b + " after the heal";
        }
      }
    }
    return null;
  }

  /** One session between regions {@code a} and {@code b}; false if they cannot reach each other. */
  boolean session(int a, int b) {
    SimRegion ra = sim.regions().get(a);
    SimRegion rb = sim.regions().get(b);
    if (!ra.running()
        || !rb.running()
        || !sim.network().reachable(a, b)
        || !sim.network().reachable(b, a)) {
      return false;
    }
    sessions++;
    Map<Long, CrdtSignalState> sa = ra.store().states();
    Map<Long, CrdtSignalState> sb = rb.store().states();
    long[] da = digests(sa);
    long[] db = digests(sb);
    List<Long> differ = new ArrayList<>();
    TreeSet<Long> entities = new TreeSet<>(sa.keySet());
    entities.addAll(sb.keySet());
    for (long e : entities) {
      int bucket = SimWritePath.bucket(ModelStore.TYPE, e);
      if (da[bucket] != db[bucket] && hash(sa, e) != hash(sb, e)) {
        differ.add(e);
      }
    }
    int changed = 0;
    List<Long> entitiesChanged = new ArrayList<>();
    for (long e : differ) {
      // as ShardReconcile.states: no state holding a session record not known committed leaves
      boolean aGives = !ra.store().sessions().pending(e);
      boolean bGives = !rb.store().sessions().pending(e);
      withheld += (aGives ? 0 : 1) + (bGives ? 0 : 1);
      int before = changed;
      if (bGives) {
        sim.stored().exported(b, e);
        changed += ra.store().merge(e, copy(sb, e)) ? 1 : 0;
      }
      if (aGives) {
        sim.stored().exported(a, e);
        changed += rb.store().merge(e, copy(sa, e)) ? 1 : 0;
      }
      if (changed > before) {
        entitiesChanged.add(e);
      }
    }
    merged += changed;
    if (changed > 0) {
      sim.trace()
          .event(
              sim.now(),
              "reconcile regions "
                  + a
                  + " and "
                  + b
                  + ": "
                  + changed
                  + " states changed, entities "
                  + entitiesChanged);
    }
    return true;
  }

  /** The bucket digests of a store's states, as {@code ShardDigest} keeps them. */
  static long[] digests(Map<Long, CrdtSignalState> states) {
    long[] d = new long[BUCKETS];
    states.forEach((e, s) -> d[SimWritePath.bucket(ModelStore.TYPE, e)] += hash(states, e));
    return d;
  }

  static long hash(Map<Long, CrdtSignalState> states, long entity) {
    CrdtSignalState s = states.get(entity);
    return s == null ? 0 : SimWritePath.entityHash(ModelStore.TYPE, entity, s);
  }

  /**
   * The state a session sends: the canonical encoding ({@code writeTo}), decoded on the other side
   * ({@code readFrom}) with no bytes after it, as {@code ShardReconcile.merge} decodes it.
   */
  private static CrdtSignalState copy(Map<Long, CrdtSignalState> states, long entity) {
    CrdtSignalState s = states.get(entity);
    if (s == null) {
      return new CrdtSignalState();
    }
    ByteBuffer bytes = encode(s);
    CrdtSignalState received = CrdtSignalState.readFrom(bytes);
    if (bytes.hasRemaining() || !received.equals(s)) {
      throw new AssertionError(
          "entity "
              + entity
              + ": "
              + s
              + " decodes as "
              + received
              + ", "
              + bytes.remaining()
              + " bytes left");
    }
    return received;
  }

  /** The canonical encoding of {@code state}, ready to read. */
  static ByteBuffer encode(CrdtSignalState state) {
    ByteBuffer b = ByteBuffer.allocate(state.encodedLength());
    state.writeTo(b);
    return b.flip();
  }
}
