package io.tidaldb.store;

import io.tidaldb.api.TenantId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Signals the store accepted, in total and per tenant, each counted in a cell of the thread that
 * appended it: a thread adds to its own cell only (one writer per cell, no atomic
 * read-modify-write, no cache line shared with another writer), and a reader sums the cells.
 *
 * <p>Why not a {@link java.util.concurrent.atomic.LongAdder}: an adder gives threads cells of their
 * own only after their compare-and-set on a shared one fails. Two writers whose adds are spaced out
 * (each append of a shard is serialised on its log's monitor, a session write also on the shard's
 * session monitor) seldom collide, so they could share one cell for good and move its cache line
 * between the cores on every add: 80 ns per write in one run and 5 in the next, by the threads'
 * random probes (bench/RESULTS.md §33).
 *
 * <p>A thread finds its cell in an open-addressing table by its id (thread ids are never reused):
 * an array read and a compare. Not a map keyed by the {@link Thread}: its identity hash code took
 * the JVM's slow path (40 ns) for threads whose header a lock had displaced; not a {@link
 * ThreadLocal}: a cell held by a pooled thread's thread-local map would pin this bundle's class
 * loader past an update. A new thread registers under the monitor, which copies the table (so a
 * lookup reads a table no one writes); when it has doubled since the last fold, the cells of
 * threads that ended are folded into the retired counts first, as on every read, so a store written
 * by ever new threads keeps a bounded table. A cell remembers the last tenant it counted, so a
 * thread writing for one tenant looks up no map per signal.
 *
 * <p>Thread-safe: {@link #add} locks nothing once its thread has a cell; reads, registrations and
 * folds hold this object's monitor. Counts read are monotone: a cell leaves the table only in a
 * fold, which adds its counts to the retired ones under the same monitor as the reads.
 */
final class AcceptedCounts {
  /** One thread's counts; written by that thread only. */
  private static final class Cell {
    final long id;
    final Thread owner;
    final AtomicLong total = new AtomicLong();
    final ConcurrentHashMap<String, AtomicLong> byTenant = new ConcurrentHashMap<>();
    private String lastTenant; // owner only
    private AtomicLong lastCount; // owner only

    Cell(Thread owner) {
      this.owner = owner;
      this.id = owner.getId();
    }

    void add(TenantId tenant, long n) {
      total.lazySet(total.get() + n);
      String name = tenant.name();
      AtomicLong c = lastCount;
      if (name != lastTenant && !name.equals(lastTenant)) {
        c = byTenant.computeIfAbsent(name, k -> new AtomicLong());
        lastTenant = name;
        lastCount = c;
      }
      c.lazySet(c.get() + n);
    }
  }

  private static final int MIN_TABLE = 16;

  /** Cells by thread id, open addressing, at most half full; replaced whole, never written. */
  private volatile Cell[] table = new Cell[MIN_TABLE];

  private int live; // guarded by this: cells in the table
  private int foldAt = MIN_TABLE / 2; // guarded by this: a registration folds at this many cells
  private long retiredTotal; // guarded by this
  private final Map<String, Long> retiredByTenant = new TreeMap<>(); // guarded by this

  /** Counts {@code n} signals of {@code tenant} accepted by the calling thread. */
  void add(TenantId tenant, long n) {
    Thread me = Thread.currentThread();
    long id = me.getId();
    Cell[] t = table;
    int mask = t.length - 1;
    for (int i = (int) id & mask; ; i = (i + 1) & mask) {
      Cell c = t[i];
      if (c == null) {
        register(me).add(tenant, n);
        return;
      }
      if (c.id == id) {
        c.add(tenant, n);
        return;
      }
    }
  }

  /** Returns the signals accepted in total. */
  synchronized long total() {
    fold();
    long sum = retiredTotal;
    for (Cell c : table) {
      if (c != null) {
        sum += c.total.get();
      }
    }
    return sum;
  }

  /** Returns the signals accepted per tenant's name, in name order. */
  synchronized Map<String, Long> byTenant() {
    fold();
    Map<String, Long> sums = new TreeMap<>(retiredByTenant);
    for (Cell c : table) {
      if (c != null) {
        c.byTenant.forEach((name, count) -> sums.merge(name, count.get(), Long::sum));
      }
    }
    return sums;
  }

  /** Returns the number of cells kept (tests). */
  synchronized int cells() {
    return live;
  }

  private synchronized Cell register(Thread me) {
    for (Cell c : table) { // registered by an earlier call that saw an older table
      if (c != null && c.id == me.getId()) {
        return c;
      }
    }
    if (live + 1 > foldAt) {
      fold();
      foldAt = Math.max(MIN_TABLE / 2, 2 * live);
    }
    Cell mine = new Cell(me);
    List<Cell> keep = new ArrayList<>(live + 1);
    for (Cell c : table) {
      if (c != null) {
        keep.add(c);
      }
    }
    keep.add(mine);
    rebuild(keep);
    return mine;
  }

  /**
   * Moves the counts of every cell whose thread ended into the retired counts and drops the cells.
   * A thread that ended adds nothing more, and its end happens before {@code isAlive()} returns
   * false (JLS 17.4.4), so its last counts are read whole.
   */
  private void fold() {
    List<Cell> keep = new ArrayList<>(live);
    for (Cell c : table) {
      if (c == null) {
        continue;
      }
      if (c.owner.isAlive()) {
        keep.add(c);
      } else {
        retiredTotal += c.total.get();
        c.byTenant.forEach((name, count) -> retiredByTenant.merge(name, count.get(), Long::sum));
      }
    }
    if (keep.size() < live) {
      rebuild(keep);
    }
  }

  /** Publishes a new table of {@code cells}, at most half full. */
  private void rebuild(List<Cell> cells) {
    int size = MIN_TABLE;
    while (size < 2 * cells.size()) {
      size *= 2;
    }
    Cell[] t = new Cell[size];
    int mask = size - 1;
    for (Cell c : cells) {
      int i = (int) c.id & mask;
      while (t[i] != null) {
        i = (i + 1) & mask;
      }
      t[i] = c;
    }
    live = cells.size();
    table = t;
  }
}
