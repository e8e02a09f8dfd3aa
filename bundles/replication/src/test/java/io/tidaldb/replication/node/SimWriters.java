package io.tidaldb.replication.node;

import io.tidaldb.api.Durability;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.store.SimWritePath;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The simulation's writers: each write picks a shard, a durability level and any running region,
 * and goes that region's write path in virtual time: the real decision ({@link SimWritePath}, the
 * store's {@code WritePath.decide} over the region's real leader check) and the routes carried out
 * here: APPEND (the fenced append, {@code whenStored}), FORWARD (to the leader the check named: if
 * both links to it are up and it leads, stored there as its own write; else nothing stored), WAIT
 * (the real back-off, or the shard's next leader change), LOCAL_STREAM (the region's local log,
 * acknowledged once fsynced and applied) and FAIL (nothing stored). Every signal has a unique id
 * (its HLC), an entity shared with a few others of its shard and a weight of its own; the history
 * keeps what became of each.
 */
final class SimWriters {
  /** Entities per shard: few, so entries hold prefixes of several records. */
  static final int ENTITIES = 6;

  /** Shard s's entities are s * ENTITY_SPACE + 0..ENTITIES-1. */
  static final long ENTITY_SPACE = 1_000;

  /** A write on its way through a region's write path. */
  private static final class InFlight {
    final long id;
    final int shard;
    final Durability level;
    final int region;
    final int incarnation;
    final long entity;
    final double weight;
    final long eventTime;
    final SimWritePath.Attempt attempt;
    final SimClients.Attempt session; // null for a plain write
    long due;
    CompletableFuture<Void> change;

    InFlight(
        long id, int shard, Durability level, SimRegion r, long entity, double weight, long t) {
      this(id, shard, level, r, entity, weight, t, null);
    }

    InFlight(
        long id,
        int shard,
        Durability level,
        SimRegion r,
        long entity,
        double weight,
        long t,
        SimClients.Attempt session) {
      this.session = session;
      this.id = id;
      this.shard = shard;
      this.level = level;
      this.region = r.index;
      this.incarnation = r.incarnation();
      this.entity = entity;
      this.weight = weight;
      this.eventTime = t;
      this.attempt = r.writePath().begin(shard, level, r.clock());
    }
  }

  private static final Durability[] LEVELS = Durability.values();
  private static final long EVENT_TIME_BASE = 1_750_000_000_000L;

  private final Sim sim;
  private final SimClients clients;
  private final List<SimWrite> writes = new ArrayList<>();
  private final List<InFlight> inFlight = new ArrayList<>();
  private final List<SimWrite> localPending = new ArrayList<>();
  private long nextId = 1;
  private int refused;
  private int forwarded;
  private int local;

  /**
   * @param sessions whether about half the writes are client session writes ({@link SimClients})
   */
  SimWriters(Sim sim, boolean sessions) {
    this.sim = sim;
    this.clients = sessions ? new SimClients(sim, this) : null;
  }

  /** The session clients, or null. */
  SimClients clients() {
    return clients;
  }

  /** A fresh signal id (the HLC stamp of a new record). */
  long nextId() {
    return nextId++;
  }

  /** Starts a session write's attempt at running region {@code r} through its write path. */
  void startSession(SimClients.Attempt a, SimRegion r) {
    SimClients.Write w = a.write;
    // its signal or part is the write's (SimClients.store); the path needs its shard and level
    InFlight f = new InFlight(0, w.shard, SimClients.levelOf(a), r, 0, 0, 0, a);
    inFlight.add(f);
    advance(f);
  }

  List<SimWrite> writes() {
    return writes;
  }

  int refused() {
    return refused;
  }

  int forwarded() {
    return forwarded;
  }

  int local() {
    return local;
  }

  /** Starts one write at a running region (about half of them session writes, if on). */
  void write() {
    if (clients != null && sim.random().nextBoolean()) {
      clients.write();
      return;
    }
    List<SimRegion> running = new ArrayList<>();
    for (SimRegion r : sim.regions()) {
      if (r.running()) {
        running.add(r);
      }
    }
    int shard = sim.random().nextInt(sim.shards());
    Durability level = LEVELS[sim.random().nextInt(LEVELS.length)];
    if (running.isEmpty()) {
      refused++;
      return;
    }
    SimRegion r = running.get(sim.random().nextInt(running.size()));
    long entity = shard * ENTITY_SPACE + sim.random().nextInt(ENTITIES);
    double weight = 1 + sim.random().nextInt(1_000);
    long eventTime = EVENT_TIME_BASE + sim.random().nextLong(6 * 3_600_000L);
    InFlight f = new InFlight(nextId++, shard, level, r, entity, weight, eventTime);
    inFlight.add(f);
    advance(f);
  }

  /** Moves every write that is due on; settles LOCAL_STREAM acknowledgements. */
  void step() {
    if (clients != null) {
      clients.step();
    }
    for (Iterator<InFlight> it = inFlight.iterator(); it.hasNext(); ) {
      InFlight f = it.next();
      SimRegion r = sim.regions().get(f.region);
      if (!r.up() || r.incarnation() != f.incarnation) {
        it.remove(); // the writer's process died: nothing more happens to it
      }
    }
    for (InFlight f : inFlight.isEmpty() ? List.<InFlight>of() : List.copyOf(inFlight)) {
      SimRegion r = sim.regions().get(f.region);
      if (r.running() && (f.due <= sim.now() || f.change != null && f.change.isDone())) {
        advance(f);
      }
    }
    for (Iterator<SimWrite> it = localPending.iterator(); it.hasNext(); ) {
      SimWrite w = it.next();
      SimRegion r = sim.regions().get(w.region);
      if (!r.up() || r.incarnation() != w.incarnation) {
        it.remove(); // its writer died before the acknowledgement: stays PENDING
      } else if (r.localLog(w.shard).durablePosition() > w.position) {
        w.outcome = SimWrite.Outcome.ACKED;
        it.remove();
      }
    }
  }

  /** Decides and routes until the write is stored, fails or waits. */
  private void advance(InFlight f) {
    SimRegion r = sim.regions().get(f.region);
    SimWritePath path = r.writePath();
    f.change = null;
    for (int step = 0; step < 16; step++) {
      switch (path.decide(f.attempt)) {
        case APPEND -> {
          if (append(f, r, f.attempt.epoch(), false)) {
            path.cutOff(f.shard, false);
            done(f);
          } else if (r.clock() - f.attempt.deadline() >= 0) {
            refused++; // refused until past the bound: nothing stored
            notStored(f, "the fenced append refused until past the leader wait");
            done(f);
          } else {
            f.due = sim.now() + Sim.TICK_NANOS; // refused: decide again next tick
          }
          return;
        }
        case FORWARD -> {
          if (forward(f, r)) {
            path.cutOff(f.shard, false);
            done(f);
            return;
          }
        }
        case WAIT -> {
          CompletableFuture<Void> change = r.node().leaderChange(f.shard);
          long wait = f.attempt.waited(r.clock());
          if (wait > 0) {
            f.change = change;
            f.due = sim.now() + wait;
            return;
          }
        }
        case LOCAL_STREAM -> {
          if (f.session != null) { // as WritePath: no local session table yet
            notStored(f, "LOCAL_STREAM: the local stream takes no session writes");
          } else {
            local(f, r);
          }
          done(f);
          return;
        }
        default -> {
          refused++; // FAIL: nothing stored
          notStored(f, "FAIL: no leader within the leader wait");
          done(f);
          return;
        }
      }
    }
    throw new AssertionError("write " + f.id + " decided 16 times in one step");
  }

  /**
   * The LOCAL_STREAM route: the region's local log; the shard is cut off, as the route marks it.
   */
  private void local(InFlight f, SimRegion r) {
    long position;
    try {
      position =
          r.localLog(f.shard)
              .appendSignal(ShardLog.ANY_EPOCH, 1, f.entity, f.weight, f.eventTime, f.id, r.index);
    } catch (UnavailableException e) {
      refused++; // the local stream refused it too: nothing stored
      return;
    }
    r.writePath().cutOff(f.shard, true);
    SimWrite w = new SimWrite(f.id, f.shard, r.index, f.incarnation, f.level, position, -1, true);
    writes.add(w);
    localPending.add(w);
    local++;
  }

  /**
   * The forward: to the leader the check named, if both links are up and it runs; stored there if
   * it leads (as its own write). Records the failure in the attempt if nothing was stored.
   */
  private boolean forward(InFlight f, SimRegion from) {
    if (f.attempt.leader() == null) {
      f.attempt.failed(
          new UnavailableException("shard " + f.shard + ": no leader known", false, null));
      return false;
    }
    int to = f.attempt.leader().value();
    SimRegion leader = sim.regions().get(to);
    if (!leader.running()
        || !sim.network().reachable(from.index, to)
        || !sim.network().reachable(to, from.index)) {
      f.attempt.failed(
          new UnavailableException(
              "shard " + f.shard + ": leader " + to + " unreachable", false, leader.id));
      return false;
    }
    long epoch;
    try {
      epoch = leader.node().checkLeaderEpoch(f.shard);
    } catch (NotLeaderException e) {
      f.attempt.failed(e);
      return false;
    }
    if (!append(f, leader, epoch, true)) {
      f.attempt.failed(
          new NotLeaderException(from.id, f.shard, epoch, Optional.empty(), "append refused"));
      return false;
    }
    return true;
  }

  private void notStored(InFlight f, String why) {
    if (f.session != null) {
      clients.notStored(f.session, why);
    }
  }

  /** The fenced append at {@code r} (the leader) and its acknowledgement; false if refused. */
  private boolean append(InFlight f, SimRegion r, long epoch, boolean forward) {
    if (f.session != null) {
      boolean taken = clients.store(f.session, r, epoch, forward);
      forwarded += taken && forward ? 1 : 0;
      return taken;
    }
    long position;
    try {
      position =
          r.log(f.shard).appendSignal(epoch, 1, f.entity, f.weight, f.eventTime, f.id, r.index);
    } catch (UnavailableException | InvalidArgumentException e) {
      return false; // fenced, or the log is fed by replication right now: nothing stored
    }
    forwarded += forward ? 1 : 0;
    SimWrite w =
        new SimWrite(f.id, f.shard, r.index, r.incarnation(), f.level, position, epoch, false);
    writes.add(w);
    r.node()
        .whenStored(f.shard, position, f.level)
        .whenComplete(
            (ok, failure) -> {
              w.outcome = failure == null ? SimWrite.Outcome.ACKED : SimWrite.Outcome.FAILED;
              if (failure == null && f.level != Durability.LOCAL) {
                sim.trace().event(sim.now(), "acked " + w);
              }
            });
    return true;
  }

  private void done(InFlight f) {
    inFlight.remove(f);
  }

  /** Whether a write of a region that is still the same process waits for its outcome. */
  boolean anyPending() {
    for (InFlight f : inFlight) {
      SimRegion r = sim.regions().get(f.region);
      if (r.up() && r.incarnation() == f.incarnation) {
        return true;
      }
    }
    if (clients != null && clients.anyPending()) {
      return true;
    }
    for (SimWrite w : writes) {
      if (w.outcome == SimWrite.Outcome.PENDING) {
        SimRegion r = sim.regions().get(w.region);
        if (r.up() && r.incarnation() == w.incarnation) {
          return true;
        }
      }
    }
    return false;
  }
}
