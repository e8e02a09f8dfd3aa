package io.tidaldb.store;

import io.tidaldb.api.Durability;
import io.tidaldb.api.wal.RecordCursor;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import io.tidaldb.api.wal.WalRecordKind;
import io.tidaldb.crdt.CrdtSignalState;
import io.tidaldb.crdt.ReplicaIds;
import io.tidaldb.session.table.Decision;
import io.tidaldb.session.table.Refusal;
import io.tidaldb.session.table.SessionTable;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps around {@link CutLocalSessions} outside the commit thread's: filling it at a cut,
 * deciding it at a snapshot install, and the compensation itself.
 */
final class CutLocalSteps {
  private static final Logger LOG = LoggerFactory.getLogger(CutLocalSteps.class);

  private CutLocalSteps() {}

  /**
   * Step (a'''') of a cut ({@link ShardTruncation}): holds again every entry matched to a retry at
   * or above {@code position} ({@link #rearm}), then adds every {@code LOCAL} {@code SIGNAL_S}
   * record at or above {@code position} whose origin is this node's ({@link ShardState#origin}:
   * only a record's origin compensates it, so the join stays exact) and whose series is bound (the
   * series the suffix defines are unbound first).
   *
   * @return how many were added
   */
  static int collect(ShardState s, long position) {
    CutLocalSessions held = s.cutLocalOrNull();
    if (held != null) {
      rearm(held, position, s.shard);
    }
    int added = 0;
    List<CutLocalEntry> part = new ArrayList<>(); // a session batch's part, until its last signal
    try (WalReader reader = s.log.openReader(position)) {
      for (WalBatch batch = reader.next(); batch != null; batch = reader.next()) {
        RecordCursor c = batch.records();
        while (c.next()) {
          if (c.position() < position
              || c.kind() != WalRecordKind.SIGNAL_S
              || c.durability() != Durability.LOCAL
              || c.origin() != s.origin
              || s.registry.get(c.seriesId()) == null) {
            continue;
          }
          part.add(
              new CutLocalEntry(
                  c.session(),
                  c.seq(),
                  c.seriesId(),
                  c.entity(),
                  batch.epoch(),
                  c.position(),
                  c.weight(),
                  c.eventTimeMillis(),
                  c.payloadHash(),
                  c.hlc(),
                  -1,
                  -1,
                  -1,
                  c.partIndex(),
                  c.partSize(),
                  0));
          if (c.partIndex() == c.partSize() - 1) { // the record's last signal: its stamp is known
            for (CutLocalEntry e : part) {
              s.cutLocal().add(e.withPartHlc(c.hlc()), s.shard);
              added++;
            }
            part.clear();
          }
        }
      }
    }
    s.syncCutLocal();
    return added;
  }

  /**
   * Takes back the cut record's effect from its entity's log entry in {@code states} (the digest
   * told, if given).
   */
  static void compensate(
      int shard,
      SeriesRegistry registry,
      EntityStateMap states,
      ShardDigest digest,
      CutLocalEntry e,
      long retryPosition) {
    SeriesRegistry.Series series = registry.get(e.series());
    CrdtSignalState state = series == null ? null : states.get(e.series(), e.entity());
    boolean done = false;
    if (state != null) {
      state = states.getOrCreate(e.series(), e.entity()); // copy-on-write for a frozen view
      if (digest != null) {
        digest.before(series, e.entity(), state);
      }
      done =
          state.compensate(
              ReplicaIds.log(e.epoch()), e.weight(), e.eventTimeMillis(), series.decay());
      if (digest != null) {
        digest.after(state);
      }
    }
    if (done) {
      LOG.info(
          "shard {}: session {} seq {} stored again at {}: the effect of its cut LOCAL record at"
              + " {} (epoch {}) is taken back",
          shard,
          Long.toHexString(e.session()),
          e.seq(),
          retryPosition,
          e.position(),
          e.epoch());
    } else {
      LOG.warn(
          "shard {}: session {} seq {} stored again at {}: no log entry of epoch {} holds its cut"
              + " LOCAL record at {} any more; nothing to take back",
          shard,
          Long.toHexString(e.session()),
          e.seq(),
          retryPosition,
          e.epoch(),
          e.position());
    }
  }

  /**
   * The set to install with the leader's snapshot ({@link SnapshotInstall}: the installed state
   * joins the live one, so the kept cut records' effect stays and so does the set): each entry's
   * series mapped by name to {@code installedSeries} (an entry of a series it lacks goes with that
   * series' states), then decided against {@code table}, the installed session table, because the
   * records below the install position never pass {@link CutLocalSessions#applied}: a held
   * (session, seq) that the table holds with the same payload hash at another record (position or
   * HLC) is compensated in {@code installed}; the cut record itself there, another payload, or a
   * seq below the session's {@code ackedBelow} release it; the rest stay. {@code held} is left as
   * it is.
   *
   * @return the set to install, or null if empty
   */
  static CutLocalSessions forInstall(
      CutLocalSessions held,
      ShardState s,
      SeriesRegistry installedSeries,
      EntityStateMap installed,
      SessionTable table) {
    CutLocalSessions next = new CutLocalSessions(held.ttlMillis());
    for (CutLocalEntry h : held.entries()) { // a matched one is decided as held
      SeriesRegistry.Series def = s.registry.get(h.series());
      int id = def == null ? -1 : installedSeries.find(def.tenant(), def.type());
      if (id < 0) {
        continue;
      }
      CutLocalEntry e = h.withSeries(id);
      Decision d = table.check(def.tenant(), e.session(), e.seq(), e.seq(), e.payloadHash());
      if (d.kind() == Decision.Kind.DUPLICATE) {
        // the table holds a record's acknowledgement: its last signal's position and HLC
        if (d.position() != e.partPosition() || d.hlc() != e.partHlc()) {
          compensate(s.shard, installedSeries, installed, null, e, d.position());
        }
      } else if (d.kind() == Decision.Kind.REFUSED
          && (d.refusal() == Refusal.BELOW_WINDOW || d.refusal() == Refusal.PAYLOAD_DIFFERS)) {
        LOG.info(
            "shard {}: released the cut LOCAL record of session {} seq {} against the installed"
                + " session table ({}); its effect stays",
            s.shard,
            Long.toHexString(e.session()),
            e.seq(),
            d.refusal());
      } else {
        next.add(e, s.shard);
        next.lastHlc(e.session(), held.group(e.session()).lastHlc);
      }
    }
    return next.isEmpty() ? null : next;
  }

  /**
   * Compensates every entry of {@code set} matched to a retry whose retry lies below {@code
   * committed} (the shard's known commit, exclusive: every record below it is committed, so never
   * cut) and removes it; the write lock held. One comparison while no retry is due.
   *
   * @return how many were compensated
   */
  static int compensateCommitted(ShardState s, CutLocalSessions set, long committed) {
    if (set.lowestRetry() >= committed) {
      return 0;
    }
    List<CutLocalEntry> due = new ArrayList<>();
    for (CutLocalEntry m : set.matched()) {
      if (m.retryPosition() < committed) {
        due.add(m);
      }
    }
    for (CutLocalEntry m : due) {
      set.remove(m);
      compensate(s.shard, s.registry, s.states, s.digest, m, m.retryPosition());
    }
    if (!due.isEmpty()) {
      s.merged(); // a change outside the log: the next checkpoint writes it
    }
    return due.size();
  }

  /**
   * A cut at {@code position} (write lock held): an entry of {@code set} matched to a retry whose
   * retry lies at or above it is held again, since the retry is gone (the cut record may get
   * another retry, or return itself: then nothing is compensated).
   *
   * @return how many entries were held again
   */
  static int rearm(CutLocalSessions set, long position, int shard) {
    List<CutLocalEntry> cut = new ArrayList<>();
    for (CutLocalEntry m : set.matched()) {
      if (m.retryPosition() >= position) {
        cut.add(m);
      }
    }
    for (CutLocalEntry m : cut) {
      set.add(m.held(), shard);
      LOG.info(
          "shard {}: the retry at {} of session {} seq {} was cut at {} before it was known"
              + " committed: its cut LOCAL record at {} is held again, not taken back",
          shard,
          m.retryPosition(),
          Long.toHexString(m.session()),
          m.seq(),
          position,
          m.position());
    }
    return cut.size();
  }
}
