package io.tidaldb.store;

import io.tidaldb.api.SignalType;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.TenantId;
import io.tidaldb.crdt.DecayModel;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * One shard's dictionary of series: a series is a (tenant, signal type) pair, bound to a small
 * shard-local id by a {@code DEFINE} record that precedes its first signal in the shard's log.
 *
 * <p>Writers look ids up without allocating ({@link #find}); {@link #define} assigns a new id and
 * lets the caller log the definition before the id becomes visible, so a signal record can never
 * precede its definition. The commit thread calls {@link #bind} for every {@code DEFINE} record it
 * applies, which rebuilds the dictionary on recovery.
 *
 * <p>Two locks, never held across each other's waits: {@code defineLock} serialises definers and is
 * held while the caller logs the definition, which may wait for room in the WAL's pending buffer;
 * {@code tableLock} guards the tables and is only held for short updates. The commit thread, which
 * makes that room, takes only {@code tableLock} ({@link #bind}, {@link #snapshot}), so a definer
 * waiting for room never blocks the batch it waits for (that cycle held both until the append
 * timeout).
 */
final class SeriesRegistry {
  /** Logs a series definition; returns once it has a log position. */
  @FunctionalInterface
  interface DefinitionLog {
    void logDefinition(int seriesId, String tenant, String type);
  }

  private final ConcurrentHashMap<TenantId, ConcurrentHashMap<SignalType, Integer>> ids =
      new ConcurrentHashMap<>();
  private final Function<String, DecayModel> decayForType;
  private final Object defineLock = new Object();
  private final Object tableLock = new Object();
  private volatile Series[] byId = new Series[16];
  private int nextId;

  /** A defined series. */
  record Series(int id, TenantId tenant, SignalType type, DecayModel decay) {}

  SeriesRegistry(Function<String, DecayModel> decayForType) {
    this.decayForType = decayForType;
  }

  /** Returns an empty registry with the same decay models (to load a snapshot aside). */
  SeriesRegistry emptyCopy() {
    return new SeriesRegistry(decayForType);
  }

  /** Returns the id of (tenant, type), or -1 if this shard has not defined it. Allocation-free. */
  int find(TenantId tenant, SignalType type) {
    ConcurrentHashMap<SignalType, Integer> types = ids.get(tenant);
    if (types == null) {
      return -1;
    }
    Integer id = types.get(type);
    return id == null ? -1 : id;
  }

  /**
   * Returns the id of (tenant, type), defining it through {@code log} first if it is new.
   *
   * @throws StorageException if, while the definition was logged, another log source bound the id
   *     to another pair
   */
  int define(TenantId tenant, SignalType type, DefinitionLog log) {
    synchronized (defineLock) {
      int existing = find(tenant, type);
      if (existing >= 0) {
        return existing;
      }
      int id;
      synchronized (tableLock) {
        id = nextId;
      }
      log.logDefinition(id, tenant.name(), type.name()); // may wait for the commit thread
      bind(id, tenant.name(), type.name(), "definition of shard-local series " + id);
      return id;
    }
  }

  /**
   * Binds an id read from the log or a snapshot. Binding the same pair again is a no-op.
   *
   * @throws StorageException if the id is already bound to another pair
   */
  void bind(int id, String tenantName, String typeName, String source) {
    synchronized (tableLock) {
      Series known = get(id);
      if (known != null) {
        if (!known.tenant.name().equals(tenantName) || !known.type.name().equals(typeName)) {
          throw new StorageException(
              source
                  + ": series "
                  + id
                  + " defined as ("
                  + tenantName
                  + ", "
                  + typeName
                  + ") but already bound to ("
                  + known.tenant
                  + ", "
                  + known.type
                  + ")");
        }
        return;
      }
      register(id, TenantId.of(tenantName), SignalType.of(typeName));
    }
  }

  /**
   * Forgets one series whose definition was cut from the log; later ids are assigned after the
   * highest id still bound.
   *
   * @return the series forgotten, or null if the id was not bound
   */
  Series unbind(int id) {
    synchronized (tableLock) {
      Series known = get(id);
      if (known == null) {
        return null;
      }
      Series[] table = byId.clone();
      table[id] = null;
      byId = table;
      ConcurrentHashMap<SignalType, Integer> types = ids.get(known.tenant);
      if (types != null) {
        types.remove(known.type, id);
      }
      int next = 0;
      for (Series s : table) {
        next = s == null ? next : Math.max(next, s.id + 1);
      }
      nextId = next;
      return known;
    }
  }

  /** Returns the series of an id, or null. */
  Series get(int id) {
    Series[] table = byId;
    return id >= 0 && id < table.length ? table[id] : null;
  }

  /** Returns how many ids are bound. */
  int size() {
    synchronized (tableLock) {
      int n = 0;
      for (Series s : byId) {
        n += s == null ? 0 : 1;
      }
      return n;
    }
  }

  /** Returns the bound series in id order. */
  Series[] snapshot() {
    synchronized (tableLock) {
      return Arrays.stream(byId).filter(s -> s != null).toArray(Series[]::new);
    }
  }

  /**
   * Runs {@code action} holding the table lock, so that no series is bound meanwhile (a live change
   * of the half-lives checks and swaps under it).
   */
  void whileNoneBound(Runnable action) {
    synchronized (tableLock) {
      action.run();
    }
  }

  /** Forgets every series (before loading another snapshot). */
  void clear() {
    synchronized (tableLock) {
      ids.clear();
      byId = new Series[16];
      nextId = 0;
    }
  }

  /**
   * Replaces every binding with those of {@code other} (an installed snapshot's registry). The
   * caller holds the shard's write lock, under which readers look series up.
   */
  void replaceWith(SeriesRegistry other) {
    Series[] installed = other.snapshot();
    synchronized (defineLock) {
      synchronized (tableLock) {
        ids.clear();
        byId = new Series[16];
        nextId = 0;
        for (Series series : installed) {
          register(series.id, series.tenant, series.type);
        }
      }
    }
  }

  private void register(int id, TenantId tenant, SignalType type) {
    Series[] table = byId;
    if (id >= table.length) {
      table = Arrays.copyOf(table, Math.max(id + 1, table.length * 2));
    }
    table[id] = new Series(id, tenant, type, decayForType.apply(type.name()));
    byId = table;
    ids.computeIfAbsent(tenant, t -> new ConcurrentHashMap<>()).put(type, id);
    nextId = Math.max(nextId, id + 1);
  }
}
