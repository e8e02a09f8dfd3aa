package io.tidaldb.http;

import com.fasterxml.jackson.core.JsonGenerator;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.ShardStatus;
import io.tidaldb.api.StoreStatus;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.api.replication.ShardReplicationStatus;
import io.tidaldb.api.replication.ShardReplicationStatus.RegionProgress;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /v1/status} (the store's shards with their positions and, with replication, role,
 * leader, epoch and every region's HWM and lag in records and ms, as {@code tidal:status} shows
 * them), {@code GET /health/live} (the process serves) and {@code GET /health/ready} (200 when the
 * store is open and every shard has a leader and this region lags it by at most the configured ms;
 * else 503 with the reason per shard).
 */
final class StatusHandlers {
  private final StoreSelector selector;
  private final long readyLagMillis;

  StatusHandlers(StoreSelector selector, long readyLagMillis) {
    this.selector = selector;
    this.readyLagMillis = readyLagMillis;
  }

  Response status(Request request, Map<String, String> params) {
    StoreSelector.Selected s = selector.select(request.param("region"));
    StoreStatus st;
    try {
      st = s.store().status();
    } catch (RuntimeException e) {
      throw Errors.map(e, "");
    }
    List<ShardReplicationStatus> repl = replicationStatus(s.region());
    List<Integer> regions = new ArrayList<>(selector.regions());
    return new Response(
        200,
        Json.render(
            g -> {
              g.writeStartObject();
              g.writeNumberField("region", st.region().value());
              g.writeArrayFieldStart("regions");
              for (int r : regions) {
                g.writeNumber(r);
              }
              g.writeEndArray();
              g.writeNumberField("incarnation", st.incarnation());
              g.writeNumberField("openedAt", st.openedAt().epochMillis());
              g.writeNumberField("signalsAccepted", st.signalsAccepted());
              g.writeBooleanField("replicated", repl != null);
              g.writeArrayFieldStart("shards");
              for (ShardStatus sh : st.shards()) {
                writeShard(g, sh, find(repl, sh.shard().value()));
              }
              g.writeEndArray();
              g.writeEndObject();
            }));
  }

  Response live(Request request, Map<String, String> params) {
    return new Response(
        200,
        Json.render(
            g -> {
              g.writeStartObject();
              g.writeStringField("status", "live");
              g.writeEndObject();
            }));
  }

  Response ready(Request request, Map<String, String> params) {
    StoreSelector.Selected s;
    StoreStatus st;
    try {
      s = selector.select(request.param("region"));
      st = s.store().status();
    } catch (RuntimeException e) {
      ApiException a = Errors.map(e, "");
      return notReady(List.of(a.getMessage()));
    }
    List<String> reasons = new ArrayList<>();
    List<ShardReplicationStatus> repl;
    try {
      repl = replicationStatus(s.region());
    } catch (RuntimeException e) {
      return notReady(List.of("replication of region " + s.region() + " did not answer: " + e));
    }
    if (repl != null) {
      for (ShardStatus sh : st.shards()) {
        int shard = sh.shard().value();
        ShardReplicationStatus r = find(repl, shard);
        if (r == null) {
          reasons.add("shard " + shard + ": no replication status");
        } else if (r.leader().isEmpty()) {
          reasons.add("shard " + shard + ": no leader (epoch " + r.epoch() + ", " + r.role() + ")");
        } else if (r.problem().isPresent()) {
          reasons.add("shard " + shard + ": " + r.problem().get());
        } else {
          long lag = ownLagMillis(r, s.region());
          if (lag > readyLagMillis) {
            reasons.add(
                "shard "
                    + shard
                    + ": lags its leader "
                    + r.leader().get()
                    + " by "
                    + lag
                    + " ms, more than ready.lag.ms "
                    + readyLagMillis);
          }
        }
      }
    }
    if (!reasons.isEmpty()) {
      return notReady(reasons);
    }
    int shards = st.shards().size();
    return new Response(
        200,
        Json.render(
            g -> {
              g.writeStartObject();
              g.writeStringField("status", "ready");
              g.writeNumberField("region", st.region().value());
              g.writeNumberField("shards", shards);
              g.writeEndObject();
            }));
  }

  private static Response notReady(List<String> reasons) {
    return new Response(
        503,
        Json.render(
            g -> {
              g.writeStartObject();
              g.writeStringField("code", "not_ready");
              g.writeStringField("message", String.join("; ", reasons));
              g.writeStringField("stored", Stored.NOT_STORED.json());
              g.writeStringField("status", "not_ready");
              g.writeArrayFieldStart("reasons");
              for (String r : reasons) {
                g.writeString(r);
              }
              g.writeEndArray();
              g.writeEndObject();
            }));
  }

  /** This region's lag behind the leader as the shard's status knows it; 0 on the leader. */
  private static long ownLagMillis(ShardReplicationStatus r, int region) {
    if (r.role() == ShardReplicationStatus.Role.LEADER) {
      return 0;
    }
    for (RegionProgress p : r.regions()) {
      if (p.region().value() == region) {
        return p.lagMillis();
      }
    }
    return 0;
  }

  private List<ShardReplicationStatus> replicationStatus(int region) {
    Replication r = selector.replication(region);
    return r == null ? null : r.status();
  }

  private static ShardReplicationStatus find(List<ShardReplicationStatus> all, int shard) {
    if (all == null) {
      return null;
    }
    for (ShardReplicationStatus s : all) {
      if (s.shard() == shard) {
        return s;
      }
    }
    return null;
  }

  private static void writeShard(JsonGenerator g, ShardStatus sh, ShardReplicationStatus r)
      throws IOException {
    g.writeStartObject();
    g.writeNumberField("shard", sh.shard().value());
    g.writeNumberField("walStartPosition", sh.walStartPosition());
    g.writeNumberField("nextPosition", sh.nextPosition());
    g.writeNumberField("durablePosition", sh.durablePosition());
    g.writeNumberField("appliedPosition", sh.appliedPosition());
    g.writeNumberField("snapshotPosition", sh.snapshotPosition());
    g.writeNumberField("entities", sh.entities());
    g.writeNumberField("localDurablePosition", sh.localDurablePosition());
    if (r != null) {
      g.writeStringField("role", r.role().name());
      if (r.leader().isPresent()) {
        g.writeNumberField("leader", r.leader().map(RegionId::value).get());
      } else {
        g.writeNullField("leader");
      }
      g.writeNumberField("epoch", r.epoch());
      if (r.problem().isPresent()) {
        g.writeStringField("problem", r.problem().get());
      } else {
        g.writeNullField("problem");
      }
      g.writeArrayFieldStart("regions");
      for (RegionProgress p : r.regions()) {
        g.writeStartObject();
        g.writeNumberField("region", p.region().value());
        g.writeNumberField("hwm", p.hwm());
        g.writeNumberField("lagRecords", p.lagRecords());
        g.writeNumberField("lagMillis", p.lagMillis());
        g.writeEndObject();
      }
      g.writeEndArray();
    }
    g.writeEndObject();
  }
}
