package io.tidaldb.replication.node;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.replication.ShardReplicationStatus.SnapshotProgress;
import io.tidaldb.api.replication.ShardSnapshot;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.replication.shipping.ShippingConfig;
import io.tidaldb.replication.wire.FrameDescriptor;
import io.tidaldb.support.errors.Backoff;
import java.util.concurrent.TimeUnit;

/**
 * Ships a snapshot of one shard to one follower that its leader's log no longer reaches (snapshot
 * catch-up), in the leader's epoch. A state machine driven by {@link #doWork}:
 *
 * <ol>
 *   <li>{@code OPENING}: the store opens a snapshot on the cut thread ({@link SnapshotOpen}); if it
 *       has none or fails, counted and logged once ("cannot ship to"), and tried again after a
 *       doubling back-off ({@code BACKING_OFF}).
 *   <li>{@code WAIT_QUORUM}: a snapshot is offered once every record it covers is on a quorum (so
 *       every electable leader's log holds them: an installed state can never have to be cut), or
 *       once the quorum position stood still for an election timeout (the regions that would make
 *       the quorum are down, or this follower is needed for it; counted and logged once as {@link
 *       SnapshotEvent#OFFERED_BEYOND_QUORUM}).
 *   <li>{@code OFFERING}: SNAPSHOT_OFFER, repeated every ack timeout until the follower answers
 *       with the bytes it holds (0, or more for a transfer cut halfway: it resumes there).
 *   <li>{@code STREAMING}: chunks from the follower's offset, at most {@link #WINDOW_CHUNKS}
 *       unacknowledged; an ack that repeats an offset below what was sent (a lost or reordered
 *       chunk) resends from there once; no progress for the ack timeout, an unreachable follower
 *       (after a back-off) or a reconnect offer again, and the answer says where to resume.
 *   <li>{@code INSTALLING}: every byte acknowledged; the follower installs. INSTALLED ends the
 *       transfer ({@code DONE}); FAILED closes the snapshot and starts over with a new open (a
 *       newer snapshot may exist). Offered again after an ack timeout, which the follower answers
 *       with INSTALLED once it has.
 * </ol>
 *
 * <p>Chunks are read from the snapshot on the replication thread ({@link SnapshotFrames}):
 * sequential reads of a file the store just wrote, mostly from the page cache, at most {@link
 * #WINDOW_CHUNKS} chunks per round.
 *
 * <p>Not thread-safe: the region's replication thread owns it, like the {@link LeaderSide}.
 */
final class SnapshotShipper implements AutoCloseable {
  /** How many chunks may be unacknowledged at once. */
  static final int WINDOW_CHUNKS = 4;

  enum State {
    OPENING,
    BACKING_OFF,
    WAIT_QUORUM,
    OFFERING,
    STREAMING,
    INSTALLING,
    DONE,
    CLOSED
  }

  private final int shard;
  private final RegionId follower;
  private final long fromPosition;
  private final ShippingConfig config;
  private final SnapshotOpen open;
  private final SnapshotCounters counters;
  private final Backoff backoff;
  private final SnapshotFrames frames;
  private State state = State.OPENING;
  private boolean reopen; // after the back-off: open again (else offer again)
  private ShardSnapshot snapshot;
  private long acked;
  private long next;
  private long highestSent;
  private long gapAt = -1;
  private long lastProgressNanos;
  private long lastOfferNanos;
  private boolean waitCounted;
  private long quorumSeen;
  private long quorumSeenNanos;
  private final long quorumWaitNanos;

  SnapshotShipper(
      int shard,
      RegionId follower,
      long epoch,
      long fromPosition,
      TransportEndpoint endpoint,
      ShippingConfig config,
      SnapshotOpen open,
      SnapshotCounters counters,
      long quorumWaitNanos) {
    this.shard = shard;
    this.quorumWaitNanos = quorumWaitNanos;
    this.follower = follower;
    this.fromPosition = fromPosition;
    this.config = config;
    this.open = open;
    this.counters = counters;
    this.backoff = new Backoff(config.initialBackoffNanos(), config.maxBackoffNanos());
    this.frames = new SnapshotFrames(shard, follower, epoch, endpoint, config.snapshotChunkBytes());
    counters.milestone(
        SnapshotEvent.TRANSFER_STARTED,
        shard,
        follower
            + " needs position "
            + fromPosition
            + ", below this log's start: shipping a snapshot");
    startOpen();
  }

  /** Returns the state. */
  State state() {
    return state;
  }

  /** Returns the follower. */
  RegionId follower() {
    return follower;
  }

  /**
   * Returns the position of the snapshot being shipped, below which the leader's log must be kept
   * (the follower continues from there), or {@link Long#MAX_VALUE} while none is open.
   */
  long position() {
    return snapshot == null ? Long.MAX_VALUE : snapshot.position();
  }

  /** Returns the transfer's progress (bytes the follower acknowledged), or null before the open. */
  SnapshotProgress progress() {
    ShardSnapshot s = snapshot;
    return s == null || state == State.DONE
        ? null
        : new SnapshotProgress(s.position(), acked, s.size());
  }

  /**
   * One round.
   *
   * @param quorumPosition the position below which every record is on a quorum
   * @return the work done
   */
  int doWork(long nowNanos, long quorumPosition) {
    return switch (state) {
      case OPENING -> opened(nowNanos);
      case BACKING_OFF -> backoff.ready(nowNanos) ? afterBackoff(nowNanos) : 0;
      case WAIT_QUORUM -> waitQuorum(nowNanos, quorumPosition);
      case OFFERING -> nowNanos - lastOfferNanos >= config.ackTimeoutNanos() ? offer(nowNanos) : 0;
      case STREAMING -> stream(nowNanos);
      case INSTALLING -> installing(nowNanos);
      case DONE, CLOSED -> 0;
    };
  }

  /**
   * Takes the follower's SNAPSHOT_ACK.
   *
   * @return true if the follower installed the snapshot: the transfer is done and normal shipping
   *     continues from {@link #position()}
   */
  boolean onAck(long position, long received, byte status, byte reason, long nowNanos) {
    ShardSnapshot s = snapshot;
    boolean live = state == State.OFFERING || state == State.STREAMING || state == State.INSTALLING;
    if (s == null || !live || position != s.position() || received > s.size()) {
      counters.count(SnapshotEvent.UNEXPECTED);
      return false;
    }
    if (status == FrameDescriptor.SNAPSHOT_INSTALLED) {
      installedByAck();
      return true;
    }
    if (status == FrameDescriptor.SNAPSHOT_FAILED) {
      counters.problem(
          SnapshotEvent.FOLLOWER_FAILED,
          shard,
          follower
              + " failed the snapshot at "
              + s.position()
              + " (reason "
              + reason
              + ");"
              + " starting over");
      closeSnapshot();
      reopen = true;
      state = State.BACKING_OFF;
      backoff.failed(nowNanos);
      return false;
    }
    onReceiving(received, s.size(), nowNanos);
    return false;
  }

  /** The follower installed the snapshot (its SNAPSHOT_ACK, or its ACK of the position). */
  void installedByAck() {
    ShardSnapshot s = snapshot;
    if (state == State.DONE || s == null) {
      return;
    }
    state = State.DONE;
    counters.milestone(
        SnapshotEvent.INSTALLED,
        shard,
        follower + " installed the snapshot at " + s.position() + "; shipping from there");
    closeSnapshot();
  }

  private void onReceiving(long received, long size, long nowNanos) {
    if (state == State.OFFERING) {
      acked = received; // where the follower's sink stands: resume there
      next = received;
      gapAt = -1;
      lastProgressNanos = nowNanos;
      backoff.succeeded();
      state = received == size ? State.INSTALLING : State.STREAMING;
      return;
    }
    if (received > acked) {
      acked = received;
      next = Math.max(next, received);
      lastProgressNanos = nowNanos;
      if (received == size) {
        state = State.INSTALLING;
      }
    } else if (received == acked && received < next && gapAt != received) {
      counters.count(SnapshotEvent.GAP); // a chunk was lost or overtaken: resend from its offset
      gapAt = received;
      next = received;
    } else if (state == State.INSTALLING && received == size) {
      lastProgressNanos = nowNanos; // still installing
    }
  }

  private void startOpen() {
    state = State.OPENING;
    if (!open.start()) {
      state = State.CLOSED;
    }
  }

  private int opened(long nowNanos) {
    SnapshotOpen.Outcome o = open.poll();
    if (o == null) {
      return 0;
    }
    if (o.snapshot() == null) {
      counters.problem(
          SnapshotEvent.OPEN_FAILED,
          shard,
          "cannot ship to " + follower + " from " + fromPosition + ": " + o.failure());
      reopen = true;
      state = State.BACKING_OFF;
      backoff.failed(nowNanos);
      return 1;
    }
    snapshot = o.snapshot();
    acked = 0;
    next = 0;
    highestSent = 0;
    waitCounted = false;
    counters.milestone(
        SnapshotEvent.OPENED,
        shard,
        "shipping to "
            + follower
            + " the snapshot at "
            + snapshot.position()
            + " ("
            + snapshot.size()
            + " bytes, last epoch "
            + snapshot.lastEpoch()
            + ")");
    state = State.WAIT_QUORUM;
    return 1;
  }

  private int afterBackoff(long nowNanos) {
    if (reopen) {
      reopen = false;
      startOpen();
      return 1;
    }
    return offer(nowNanos);
  }

  private int waitQuorum(long nowNanos, long quorumPosition) {
    if (quorumPosition < snapshot.position()) {
      if (!waitCounted || quorumPosition > quorumSeen) {
        waitCounted = true;
        quorumSeen = quorumPosition;
        quorumSeenNanos = nowNanos;
        counters.count(SnapshotEvent.WAITED_FOR_QUORUM);
        return 0;
      }
      if (nowNanos - quorumSeenNanos < quorumWaitNanos) {
        return 0;
      }
      // The quorum has not moved for an election timeout: the regions that would make it are
      // down, or this follower is one of them and can only count once it has the snapshot.
      counters.problem(
          SnapshotEvent.OFFERED_BEYOND_QUORUM,
          shard,
          "offering "
              + follower
              + " the snapshot at "
              + snapshot.position()
              + " although only "
              + quorumPosition
              + " is on a quorum: it stood still for "
              + TimeUnit.NANOSECONDS.toMillis(quorumWaitNanos)
              + " ms");
    }
    return offer(nowNanos);
  }

  private int offer(long nowNanos) {
    state = State.OFFERING;
    lastOfferNanos = nowNanos;
    if (sent(frames.offer(snapshot), nowNanos)) {
      counters.count(SnapshotEvent.OFFER_SENT);
    }
    return 1;
  }

  private int installing(long nowNanos) {
    return nowNanos - lastProgressNanos >= config.ackTimeoutNanos() ? offer(nowNanos) : 0;
  }

  private int stream(long nowNanos) {
    if (acked < next && nowNanos - lastProgressNanos >= config.ackTimeoutNanos()) {
      counters.count(SnapshotEvent.ACK_TIMEOUT);
      return offer(nowNanos); // the answer says where the follower stands
    }
    long window = (long) WINDOW_CHUNKS * frames.chunkBytes();
    int sent = 0;
    while (state == State.STREAMING && next < snapshot.size() && next - acked < window) {
      if (acked == next) {
        lastProgressNanos = nowNanos; // the timeout runs from the first unacknowledged chunk
      }
      int n;
      try {
        n = frames.read(snapshot, next);
      } catch (RuntimeException e) {
        counters.problem(
            SnapshotEvent.OPEN_FAILED,
            shard,
            "cannot read the snapshot at " + snapshot.position() + " for " + follower + ": " + e);
        closeSnapshot();
        reopen = true;
        state = State.BACKING_OFF;
        backoff.failed(nowNanos);
        return sent + 1;
      }
      if (!sent(frames.sendChunk(snapshot, next), nowNanos)) {
        return sent + 1;
      }
      counters.count(SnapshotEvent.CHUNK_SENT);
      counters.add(SnapshotEvent.BYTES_SENT, n);
      if (next < highestSent) {
        counters.add(SnapshotEvent.BYTES_RESENT, Math.min(n, highestSent - next));
      }
      next += n;
      highestSent = Math.max(highestSent, next);
      sent++;
    }
    return sent;
  }

  /** Acts on a send's outcome; false if not sent (retried next round, or the state changed). */
  private boolean sent(SendStatus status, long nowNanos) {
    switch (status) {
      case SENT -> {
        return true;
      }
      case BACK_PRESSURED -> {
        counters.count(SnapshotEvent.BACK_PRESSURED);
        return false; // the same offset next round
      }
      case UNREACHABLE -> {
        counters.count(SnapshotEvent.UNREACHABLE);
        state = State.BACKING_OFF;
        backoff.failed(nowNanos);
        return false;
      }
      default -> {
        close();
        return false;
      }
    }
  }

  private void closeSnapshot() {
    ShardSnapshot s = snapshot;
    snapshot = null;
    if (s != null) {
      s.close();
    }
  }

  /** Abandons the transfer (leadership lost, node closing): the snapshot is closed. */
  @Override
  public void close() {
    if (state != State.DONE && state != State.CLOSED) {
      counters.count(SnapshotEvent.ABANDONED);
    }
    state = State.CLOSED;
    open.close();
    closeSnapshot();
  }
}
