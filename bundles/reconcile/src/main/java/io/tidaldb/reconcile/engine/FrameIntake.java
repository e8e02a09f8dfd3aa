package io.tidaldb.reconcile.engine;

import static io.tidaldb.reconcile.engine.ReconcileFrameDescriptor.*;

import io.tidaldb.api.RegionId;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * Routes each received frame to the message being assembled for its peer and type (checking the
 * sender, the header, the session or compaction probe an answer belongs to, the frame index and the
 * records) and hands a message on once its last frame arrived. Refused frames go to {@link
 * BadInputs}; an answer of a session this region runs that is refused fails that session, and a
 * refused answer to its compaction probe counts as no answer. On the engine's thread.
 */
final class FrameIntake {
  /** Receives a complete message. */
  @FunctionalInterface
  interface Dispatch {
    void message(Peer p, Assembly a, long nowNanos);
  }

  /** The compaction round that may wait for COMPACT_DIGEST answers ({@link Compactor}). */
  interface CompactAnswers {
    /** Whether the running round waits for this peer's answer to this probe. */
    boolean awaits(RegionId peer, long probe);

    /** The peer's answer to the probe was refused: it counts as unanswered. */
    void refused(RegionId peer, long probe, String why);
  }

  private final List<RegionId> regions;
  private final Map<RegionId, Peer> peers;
  private final int shards;
  private final BadInputs bad;
  private final Dispatch dispatch;
  private final CompactAnswers compactions;

  FrameIntake(
      List<RegionId> regions,
      Map<RegionId, Peer> peers,
      int shards,
      BadInputs bad,
      Dispatch dispatch,
      CompactAnswers compactions) {
    this.regions = regions;
    this.peers = peers;
    this.shards = shards;
    this.bad = bad;
    this.dispatch = dispatch;
    this.compactions = compactions;
  }

  void handle(RegionId from, ByteBuffer frame, long nowNanos) {
    Peer p = peers.get(from);
    if (p == null) {
      bad.record(
          BadInput.UNKNOWN_REGION,
          nowNanos,
          "frame of " + frame.remaining() + " bytes from " + from + ", not one of " + regions);
      return;
    }
    if (p.failing && p.session == null) {
      p.retry.succeeded(); // a heal: it speaks again, try at once
    }
    FrameDecoder.Header h;
    try {
      h = FrameDecoder.header(frame, shards);
    } catch (FrameDecoder.BadFrame e) {
      bad.record(e.cause, nowNanos, "from " + from + ": " + e.getMessage());
      return;
    }
    Assembly a = p.assemblies[h.type()];
    InitiatorSession s = p.session;
    boolean answer = h.type() == LEAVES || h.type() == STATES || h.type() == DONE;
    boolean compactAnswer = h.type() == COMPACT_DIGEST;
    if (answer && (s == null || s.id != h.session() || s.awaiting() != h.type())
        || compactAnswer && !compactions.awaits(from, h.session())) {
      bad.record(
          BadInput.UNEXPECTED,
          nowNanos,
          typeName(h.type())
              + " of session "
              + h.session()
              + " from "
              + from
              + ", which this region is not waiting for");
      return;
    }
    if (h.index() == 0) {
      a = new Assembly(h.type(), h.session());
      p.assemblies[h.type()] = a;
    } else if (a == null || a.session != h.session() || a.nextIndex != h.index()) {
      p.assemblies[h.type()] = null;
      bad.record(
          BadInput.UNEXPECTED,
          nowNanos,
          typeName(h.type())
              + " frame "
              + h.index()
              + " of session "
              + h.session()
              + " from "
              + from
              + " out of order");
      failSession(s, answer, "a frame out of order");
      if (compactAnswer) {
        compactions.refused(from, h.session(), "a frame out of order");
      }
      return;
    }
    try {
      FrameDecoder.records(frame, h, shards, a);
    } catch (FrameDecoder.BadFrame e) {
      p.assemblies[h.type()] = null;
      bad.record(e.cause, nowNanos, "from " + from + ": " + e.getMessage());
      failSession(s, answer, e.cause.cause());
      if (compactAnswer) {
        compactions.refused(from, h.session(), e.cause.cause());
      }
      return;
    }
    a.nextIndex++;
    a.bytes += h.length();
    if (h.last()) {
      p.assemblies[h.type()] = null;
      dispatch.message(p, a, nowNanos);
    }
  }

  private static void failSession(InitiatorSession s, boolean answer, String why) {
    if (answer && s != null && !s.ended()) {
      s.fail("bad input: " + why);
    }
  }
}
