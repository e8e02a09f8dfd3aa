package io.tidaldb.reconcile.engine;

import io.tidaldb.api.RegionId;
import io.tidaldb.support.errors.Backoff;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/** What the engine knows about one peer: its session, the frames queued for it, its health. */
final class Peer {
  final RegionId region;
  final ArrayDeque<ByteBuffer> outbox = new ArrayDeque<>();
  final List<Demand> demands = new ArrayList<>();
  final Backoff retry;

  /** The session this region runs with the peer, or null. */
  InitiatorSession session;

  /** The messages being received from the peer, per frame type. */
  final Assembly[] assemblies = new Assembly[ReconcileFrameDescriptor.MAX_TYPE + 1];

  /** Whether the last session failed (unreachable, silent, bad input): the next is a heal. */
  boolean failing;

  /** Sessions that failed in a row (for the heal's log line). */
  long failedSessions;

  long nextPeriodicNanos;

  Peer(RegionId region, long retryInitialNanos, long retryMaxNanos) {
    this.region = region;
    this.retry = new Backoff(retryInitialNanos, retryMaxNanos);
  }
}
