package io.tidaldb.replication.node;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.ReplicaState;
import io.tidaldb.api.replication.ShardReplicationStatus.SnapshotProgress;
import io.tidaldb.api.replication.SnapshotSink;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.replication.wire.FrameDescriptor;
import io.tidaldb.replication.wire.FrameEncoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * The follower side of snapshot catch-up for one shard: receives the snapshot its leader offers
 * into the store's {@link SnapshotSink} and installs it.
 *
 * <ul>
 *   <li>An offer from the known leader of the current epoch opens a sink ({@link
 *       ReplicaState#receiveSnapshot}, which only creates a temporary file), unless one for the
 *       same snapshot (position, last epoch, size) is open: then the answer is what it holds, and
 *       the leader resumes there. An offer of the snapshot installed last is answered INSTALLED.
 *   <li>A chunk is written only at the sink's offset; any other is ignored. Either way the answer
 *       is a SNAPSHOT_ACK with the offset (a gap shows as a repeated offset).
 *   <li>Once every byte is in, {@link SnapshotSink#install()} runs on the region's cut thread (it
 *       reads, fsyncs and loads the whole snapshot) as soon as the log is quiet and no cut runs;
 *       meanwhile the shard takes no batch, does not sync and does not start to lead ({@link
 *       #installing()}). Then INSTALLED, or FAILED with the reason (the sink is closed either way).
 *   <li>An offer of another snapshot, or from another leader or epoch, replaces an open sink;
 *       leading, standing aside or closing closes it ({@link #abandon}); losing the leader does
 *       not, so the same leader's offer after a long cut resumes it. An install in progress
 *       completes, and is reported only to the leader it was received from, in its epoch.
 * </ul>
 *
 * <p>Not thread-safe: the region's replication thread calls every method; the install's outcome
 * comes back through a volatile field.
 */
final class SnapshotReceiver {
  /** What an install left behind, for the shard to act on. */
  enum Installed {
    /** Nothing happened. */
    NONE,
    /** The snapshot was installed and reported: the log continues at its position. */
    REPORTED,
    /** Installed, but the leader it came from is no longer the leader: nothing reported. */
    UNREPORTED
  }

  private record Key(long position, long lastEpoch, long size) {}

  private static final Object RUNNING = new Object();

  private final int shard;
  private final int self;
  private final TransportEndpoint endpoint;
  private final ShardLog log;
  private final Supplier<ReplicaState> store;
  private final Executor cutter;
  private final SnapshotCounters counters;
  private final FrameEncoder encoder = new FrameEncoder(FrameDescriptor.MAX_FIXED_BODY_LENGTH + 8);
  private final ByteBuffer out =
      ByteBuffer.allocate(FrameDescriptor.HEADER_LENGTH + FrameDescriptor.MAX_FIXED_BODY_LENGTH + 8)
          .order(ByteOrder.LITTLE_ENDIAN);
  private SnapshotSink sink;
  private Key key;
  private RegionId from;
  private long epoch;
  private volatile Object outcome; // RUNNING, a Long (records discarded) or a Throwable
  private boolean installing;
  private Key installed; // the last snapshot installed, answered INSTALLED when offered again

  SnapshotReceiver(
      int shard,
      TransportEndpoint endpoint,
      ShardLog log,
      Supplier<ReplicaState> store,
      Executor cutter,
      SnapshotCounters counters) {
    this.shard = shard;
    this.self = endpoint.local().value();
    this.endpoint = endpoint;
    this.log = log;
    this.store = store;
    this.cutter = cutter;
    this.counters = counters;
  }

  /**
   * Whether an install runs (or waits to run): the shard takes no batch and neither syncs nor
   * leads.
   */
  boolean installing() {
    return installing || (sink != null && sink.written() == sink.size());
  }

  /** Returns the bytes received of the snapshot being received or installed, or null. */
  SnapshotProgress progress() {
    Key k = key;
    if (k == null) {
      return null;
    }
    return new SnapshotProgress(k.position(), installing ? k.size() : sink.written(), k.size());
  }

  /**
   * An offer from {@code leader}, the known leader of {@code leaderEpoch} (checked by the caller).
   */
  int onOffer(RegionId leader, long leaderEpoch, long position, long lastEpoch, long size) {
    Key offered = new Key(position, lastEpoch, size);
    if (installing) {
      if (offered.equals(key)) {
        ack(leader, leaderEpoch, position, size, FrameDescriptor.SNAPSHOT_RECEIVING, (byte) 0);
      }
      return 1;
    }
    if (offered.equals(installed) && log.startPosition() == position) {
      ack(leader, leaderEpoch, position, size, FrameDescriptor.SNAPSHOT_INSTALLED, (byte) 0);
      return 1;
    }
    if (sink != null && offered.equals(key) && leader.equals(from) && leaderEpoch == epoch) {
      counters.count(SnapshotEvent.RECEIVE_RESUMED);
      ack(
          leader,
          leaderEpoch,
          position,
          sink.written(),
          FrameDescriptor.SNAPSHOT_RECEIVING,
          (byte) 0);
      return 1;
    }
    if (position <= log.durablePosition()) {
      counters.count(SnapshotEvent.UNEXPECTED); // this log already holds it: a stale offer
      return 1;
    }
    abandon(); // another snapshot, or another leader or epoch: the open sink cannot be resumed
    ReplicaState s = store.get();
    byte reason = FrameDescriptor.SNAPSHOT_REASON_UNSUPPORTED;
    try {
      if (s != null) {
        sink = s.receiveSnapshot(shard, position, lastEpoch, size);
        key = offered;
        from = leader;
        epoch = leaderEpoch;
        counters.milestone(
            SnapshotEvent.RECEIVE_STARTED,
            shard,
            "receiving from " + leader + " the snapshot at " + position + " (" + size + " bytes)");
        ack(leader, leaderEpoch, position, 0, FrameDescriptor.SNAPSHOT_RECEIVING, (byte) 0);
        return 1;
      }
    } catch (UnavailableException e) {
      counters.problem(SnapshotEvent.RECEIVE_FAILED, shard, e.getMessage());
    } catch (RuntimeException e) {
      reason = FrameDescriptor.SNAPSHOT_REASON_STORAGE;
      counters.problem(SnapshotEvent.RECEIVE_FAILED, shard, "cannot receive a snapshot: " + e);
    }
    if (s == null) {
      counters.problem(SnapshotEvent.RECEIVE_FAILED, shard, "no store attached");
    }
    ack(leader, leaderEpoch, position, 0, FrameDescriptor.SNAPSHOT_FAILED, reason);
    return 1;
  }

  /** A chunk from {@code leader}, the known leader of {@code leaderEpoch}. */
  int onChunk(RegionId leader, long leaderEpoch, long position, long offset, ByteBuffer bytes) {
    if (sink == null
        || installing()
        || position != key.position()
        || !leader.equals(from)
        || leaderEpoch != epoch) {
      counters.count(SnapshotEvent.UNEXPECTED); // no answer: the leader offers again
      return 0;
    }
    long written = sink.written();
    if (offset != written || bytes.remaining() > key.size() - written) {
      counters.count(SnapshotEvent.CHUNK_OUT_OF_ORDER);
    } else {
      try {
        sink.write(offset, bytes);
      } catch (RuntimeException e) {
        counters.problem(
            SnapshotEvent.RECEIVE_FAILED,
            shard,
            "cannot write the snapshot at " + offset + ": " + e);
        closeSink();
        ack(leader, leaderEpoch, position, 0, FrameDescriptor.SNAPSHOT_FAILED, reason(e));
        return 1;
      }
    }
    ack(
        leader,
        leaderEpoch,
        position,
        sink.written(),
        FrameDescriptor.SNAPSHOT_RECEIVING,
        (byte) 0);
    return 1;
  }

  /**
   * Starts the install once every byte is in and {@code canInstall} (the log is quiet, no cut
   * runs); reports its outcome to the leader it was received from, if that still leads in {@code
   * knownEpoch}.
   */
  Installed doWork(boolean canInstall, RegionId knownLeader, long knownEpoch) {
    if (!installing) {
      if (sink != null && sink.written() == key.size() && canInstall) {
        startInstall();
      }
      return Installed.NONE;
    }
    Object o = outcome;
    if (o == RUNNING) {
      return Installed.NONE;
    }
    installing = false;
    outcome = null;
    Key k = key;
    boolean report = from.equals(knownLeader) && epoch == knownEpoch;
    key = null;
    if (o instanceof Throwable e) {
      counters.problem(
          SnapshotEvent.INSTALL_FAILED,
          shard,
          "cannot install the snapshot at " + k.position() + ": " + e);
      if (report) {
        ack(from, epoch, k.position(), 0, FrameDescriptor.SNAPSHOT_FAILED, reason(e));
      }
      return Installed.NONE;
    }
    installed = k;
    counters.milestone(
        SnapshotEvent.INSTALL_DONE,
        shard,
        "installed the snapshot at "
            + k.position()
            + " ("
            + o
            + " records of the former log discarded);"
            + " the log continues there");
    if (!report) {
      return Installed.UNREPORTED;
    }
    ack(from, epoch, k.position(), k.size(), FrameDescriptor.SNAPSHOT_INSTALLED, (byte) 0);
    return Installed.REPORTED;
  }

  /**
   * The region leads, stands aside, closes or lost its store, or another transfer replaces this
   * one: an open sink is closed (an install in progress completes). Losing the leader does not
   * close it: the same leader re-offering in the same epoch resumes it (a cut longer than the
   * election timeout used to restart the transfer from byte 0).
   */
  void abandon() {
    if (sink != null && !installing) {
      counters.count(SnapshotEvent.RECEIVE_ABANDONED);
      closeSink();
    }
  }

  private void startInstall() {
    SnapshotSink s = sink;
    sink = null; // the install owns it now, and closes it
    installing = true;
    outcome = RUNNING;
    try {
      cutter.execute(() -> outcome = install(s));
    } catch (RuntimeException e) {
      outcome = e; // the executor is shut down: the node is closing
      s.close();
    }
  }

  private static Object install(SnapshotSink s) {
    try {
      return s.install();
    } catch (RuntimeException | Error e) {
      return e;
    } finally {
      s.close();
    }
  }

  private static byte reason(Throwable e) {
    return e instanceof InvalidArgumentException
        ? FrameDescriptor.SNAPSHOT_REASON_CORRUPT
        : FrameDescriptor.SNAPSHOT_REASON_STORAGE;
  }

  private void closeSink() {
    SnapshotSink s = sink;
    sink = null;
    key = null;
    if (s != null) {
      s.close();
    }
  }

  private void ack(RegionId to, long e, long position, long received, byte status, byte reason) {
    out.clear();
    out.limit(encoder.snapshotAck(out, 0, shard, self, e, position, received, status, reason));
    endpoint.send(to, out);
    out.clear();
  }
}
