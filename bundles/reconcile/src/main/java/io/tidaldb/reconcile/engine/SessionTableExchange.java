package io.tidaldb.reconcile.engine;

import io.tidaldb.api.reconcile.ReconcileState;
import io.tidaldb.reconcile.engine.Assembly.ShardReplica;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Carries the local streams' client-session tables ({@link ReconcileState#sessionTableVersions}) on
 * a session: the initiator's version vector in the SUMMARY, the responder's newer tables and the
 * versions it wants in the LEAVES, the initiator's wanted tables in the HASHES. Each side keeps a
 * copy only if newer than its own ({@link ReconcileState#mergeSessionTable}), so a table travels
 * only to the side behind. Stateless; owned by the engine's thread.
 */
final class SessionTableExchange {
  private SessionTableExchange() {}

  /** SUMMARY: every table this region holds, per shard (replica id and version). */
  static void offer(ReconcileState state, FrameEncoder out) {
    for (int shard = 0; shard < state.shardCount(); shard++) {
      for (Map.Entry<Long, Long> e : state.sessionTableVersions(shard).entrySet()) {
        out.tableVersion(shard, e.getKey(), e.getValue());
      }
    }
  }

  /**
   * SUMMARY → LEAVES: this region's tables newer than the initiator's (or that it lacks), and a
   * want (this region's version, -1 if none) for each of the initiator's that is newer here.
   *
   * @return the number of tables written
   */
  static int answer(ReconcileState state, Assembly in, FrameEncoder out) {
    int sent = 0;
    for (int shard = 0; shard < state.shardCount(); shard++) {
      Map<Long, Long> own = state.sessionTableVersions(shard);
      for (Map.Entry<Long, Long> e : own.entrySet()) {
        Long theirs = in.tableVersions.get(new ShardReplica(shard, e.getKey()));
        if (theirs == null || theirs < e.getValue()) {
          byte[] table = state.sessionTable(shard, e.getKey());
          if (table != null && table.length > 0) {
            out.table(shard, e.getKey(), e.getValue(), table);
            sent++;
          }
        }
      }
      for (Map.Entry<ShardReplica, Long> e : in.tableVersions.entrySet()) {
        if (e.getKey().shard() == shard) {
          Long mine = own.get(e.getKey().replica());
          if (mine == null || mine < e.getValue()) {
            out.tableVersion(shard, e.getKey().replica(), mine == null ? -1 : mine);
          }
        }
      }
    }
    return sent;
  }

  /**
   * LEAVES → HASHES: writes the tables the responder wants whose versions here are above its own.
   *
   * @param encoder the HASHES' encoder, made on the first table
   * @return the number of tables written
   */
  static int push(ReconcileState state, Assembly in, Supplier<FrameEncoder> encoder) {
    List<ShardReplica> wanted = new ArrayList<>();
    for (Map.Entry<ShardReplica, Long> e : in.tableVersions.entrySet()) {
      Long mine = state.sessionTableVersions(e.getKey().shard()).get(e.getKey().replica());
      if (mine != null && mine > e.getValue()) {
        wanted.add(e.getKey());
      }
    }
    int sent = 0;
    for (ShardReplica key : wanted) {
      Long version = state.sessionTableVersions(key.shard()).get(key.replica());
      byte[] table = state.sessionTable(key.shard(), key.replica());
      if (version != null && table != null && table.length > 0) {
        encoder.get().table(key.shard(), key.replica(), version, table);
        sent++;
      }
    }
    return sent;
  }

  /**
   * Joins every complete table of a LEAVES or HASHES; an incomplete one or one the store refuses
   * goes to {@code refused} (counted as bad input), and the others are joined.
   *
   * @return the number of copies kept
   */
  static int merge(ReconcileState state, Assembly in, Consumer<String> refused) {
    int kept = 0;
    for (Map.Entry<ShardReplica, Assembly.Table> e : in.tables.entrySet()) {
      int shard = e.getKey().shard();
      long replica = e.getKey().replica();
      Assembly.Table t = e.getValue();
      String what = "session table of shard " + shard + " replica 0x" + Long.toHexString(replica);
      if (!t.complete()) {
        refused.accept(what + ": " + t.received + " of " + t.bytes.length + " bytes arrived");
        continue;
      }
      try {
        if (state.mergeSessionTable(shard, replica, t.bytes)) {
          kept++;
        }
      } catch (RuntimeException ex) {
        refused.accept(what + " version " + t.version + ": " + ex.getMessage());
      }
    }
    return kept;
  }
}
