package io.tidaldb.replication.shipping;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ships one shard's durable batches from the leader's {@link ShardLog} to one follower, in position
 * order, as WAL_BATCH frames, starting at the follower's HWM.
 *
 * <p>A state machine driven by {@link #doWork(long)}: in {@link State#STREAMING} it reads batches
 * ({@link ShardLog#openReader}) while the sent-but-unacked bytes stay below {@link
 * ShippingConfig#maxBytesInFlight()} and the oldest unacked batch is younger than {@link
 * ShippingConfig#maxInFlightNanos()}; a BACK_PRESSURED frame is kept and retried on the next call;
 * an UNREACHABLE one is dropped and the shipper enters {@link State#BACKING_OFF} (doubling pause,
 * capped), after which it rewinds to the follower's HWM. It also rewinds on a RESEND_REQUEST and
 * when bytes are in flight but no ack has made progress for {@link
 * ShippingConfig#ackTimeoutNanos()}. Rewinding reopens the reader at the HWM; batches wholly below
 * the HWM are skipped, and a follower ignores any duplicate that still arrives.
 *
 * <p>Thread-safety: one thread (the shard's owner) calls {@link #doWork}; {@link #onAck} and {@link
 * #onResendRequest} may be called from transport threads and only hand values over atomically.
 * Counters ({@link #count}) and {@link #followerHwm()} may be read from any thread.
 */
public final class WalShipper implements AutoCloseable {
  /** The shipper's states. */
  public enum State {
    /** Reading and sending batches. */
    STREAMING,
    /** Waiting after an UNREACHABLE send before resending from the HWM. */
    BACKING_OFF,
    /**
     * Stopped before a batch larger than the follower accepts; it resumes when the follower's limit
     * changes or a resend request or ack timeout rewinds it (and stops there again).
     */
    BLOCKED,
    /**
     * The follower needs records below the log's {@link ShardLog#startPosition()} (trimmed): only a
     * snapshot catches it up (the node's snapshot catch-up replaces this shipper once the follower
     * installed one). Counted as {@link ShipperEvent#BELOW_LOG_START}.
     */
    BELOW_LOG_START,
    /** The endpoint is closed or the shipper was closed. */
    CLOSED
  }

  private static final Logger LOG = LoggerFactory.getLogger(WalShipper.class);
  private static final long NO_REQUEST = Long.MAX_VALUE;

  private final ShardLog log;
  private final RegionId follower;
  private final ShippingConfig config;
  private final FrameSender sender;
  private final InFlightWindow window = new InFlightWindow();
  private final AtomicLong ackedHwm;
  private final AtomicLong resendFrom = new AtomicLong(NO_REQUEST);
  private final AtomicLongArray counters = new AtomicLongArray(ShipperEvent.values().length);
  private volatile State state = State.STREAMING;
  private WalReader reader;
  private long processedHwm;
  private long lastProgressNanos;
  private long ackedSentNanos = Long.MIN_VALUE;
  private boolean started;
  private long followerMaxBatchBytes = Long.MAX_VALUE;
  private boolean tooLargeLogged;

  /**
   * Creates a shipper.
   *
   * @param log the leader's shard log
   * @param follower the follower region
   * @param endpoint the leader's endpoint
   * @param followerHwm the follower's durable HWM as last known (where shipping starts)
   * @param config the settings
   */
  public WalShipper(
      ShardLog log,
      RegionId follower,
      TransportEndpoint endpoint,
      long followerHwm,
      ShippingConfig config) {
    this.log = Objects.requireNonNull(log, "log");
    this.follower = Objects.requireNonNull(follower, "follower");
    Objects.requireNonNull(endpoint, "endpoint");
    this.config = Objects.requireNonNull(config, "config");
    if (followerHwm < 0) {
      throw new InvalidArgumentException("followerHwm", followerHwm, "must be >= 0");
    }
    this.sender = new FrameSender(follower, endpoint, config);
    this.ackedHwm = new AtomicLong(followerHwm);
    this.processedHwm = followerHwm;
  }

  /**
   * Records an ACK from the follower (any thread).
   *
   * @param epoch the follower's epoch
   * @param hwm the follower's durable HWM
   */
  public void onAck(long epoch, long hwm) {
    if (ackedHwm.getAndAccumulate(hwm, Math::max) >= hwm) {
      increment(ShipperEvent.STALE_ACK);
    } else {
      increment(ShipperEvent.ACK);
    }
  }

  /**
   * Records a RESEND_REQUEST from the follower (any thread); the next {@link #doWork} rewinds.
   *
   * @param epoch the follower's epoch
   * @param fromPosition the follower's next position
   */
  public void onResendRequest(long epoch, long fromPosition) {
    resendFrom.accumulateAndGet(fromPosition, Math::min);
  }

  /**
   * Does one round of work: takes in acks and resend requests, handles timeouts and backoff, and
   * sends batches.
   *
   * @param nowNanos the current time
   * @return how much work was done (0 when idle)
   */
  public int doWork(long nowNanos) {
    if (state == State.CLOSED) {
      return 0;
    }
    if (!started) {
      started = true;
      lastProgressNanos = nowNanos;
      rewind(processedHwm);
    }
    int work = takeAcks(nowNanos);
    long request = resendFrom.getAndSet(NO_REQUEST);
    if (request != NO_REQUEST) {
      increment(ShipperEvent.RESEND_REQUESTED);
      unblock();
      rewind(Math.max(request, ackedHwm.get()));
      lastProgressNanos = nowNanos;
      work++;
    } else if (!window.isEmpty() && nowNanos - lastProgressNanos >= config.ackTimeoutNanos()) {
      increment(ShipperEvent.ACK_TIMEOUT);
      unblock();
      rewind(ackedHwm.get());
      lastProgressNanos = nowNanos;
      work++;
    }
    if (state == State.BLOCKED || state == State.BELOW_LOG_START) {
      return work;
    }
    if (state == State.BACKING_OFF) {
      if (!sender.backoffOver(nowNanos)) {
        return work;
      }
      increment(ShipperEvent.RECONNECT);
      state = State.STREAMING;
      rewind(ackedHwm.get());
      lastProgressNanos = nowNanos;
    }
    return work + ship(nowNanos);
  }

  private int takeAcks(long nowNanos) {
    long hwm = ackedHwm.get();
    if (hwm <= processedHwm) {
      return 0;
    }
    processedHwm = hwm;
    long sentNanos = window.release(hwm);
    if (sentNanos != Long.MIN_VALUE) {
      ackedSentNanos = sentNanos;
    }
    lastProgressNanos = nowNanos;
    return 1;
  }

  private int ship(long nowNanos) {
    int sent = 0;
    while (sent < config.maxBatchesPerWork() && reader != null) {
      if (!sender.hasPending()) {
        if (window.bytes() >= config.maxBytesInFlight()) {
          increment(ShipperEvent.WINDOW_FULL);
          break;
        }
        if (!window.isEmpty() && nowNanos - window.oldestSentNanos() >= config.maxInFlightNanos()) {
          increment(ShipperEvent.WINDOW_AGED);
          break;
        }
        WalBatch batch;
        try {
          batch = reader.next();
        } catch (InvalidArgumentException e) {
          if (ackedHwm.get() >= log.startPosition()) {
            throw e;
          }
          // the log was trimmed past the follower's HWM between the reader's open and its first
          // read (a checkpoint's truncateBefore on another thread): as rewind finds it
          rewind(ackedHwm.get());
          return sent + 1;
        }
        if (batch == null) {
          break;
        }
        long end = batch.firstPosition() + batch.recordCount();
        if (end <= ackedHwm.get()) {
          increment(ShipperEvent.SKIPPED_ACKED);
          continue;
        }
        if (batch.bytes().remaining() > followerMaxBatchBytes) {
          block(batch);
          return sent;
        }
        sender.hold(log.shard(), batch, end);
      }
      if (window.isEmpty()) {
        lastProgressNanos = nowNanos; // the ack timeout runs from the first unacked send
      }
      long frameEnd = sender.pendingEnd();
      int length = sender.pendingLength();
      switch (sender.send(nowNanos)) {
        case SENT -> {
          increment(ShipperEvent.SENT);
          window.add(frameEnd, length, nowNanos);
          sent++;
        }
        case BACK_PRESSURED -> {
          increment(ShipperEvent.BACK_PRESSURED);
          return sent;
        }
        case UNREACHABLE -> {
          increment(ShipperEvent.UNREACHABLE);
          state = State.BACKING_OFF;
          return sent + 1;
        }
        case CLOSED -> {
          increment(ShipperEvent.CLOSED);
          close();
          return sent + 1;
        }
      }
    }
    return sent;
  }

  /**
   * Sets the largest batch, header included, the follower accepts (what it told the leader): a
   * larger batch is not sent; shipping stops before it ({@link State#BLOCKED}), counted as {@link
   * ShipperEvent#BATCH_TOO_LARGE} and logged once. A changed limit resumes a blocked shipper from
   * the follower's HWM. Owner thread.
   *
   * @param bytes the follower's limit; {@link Long#MAX_VALUE} if it did not say
   */
  public void limitBatchBytes(long bytes) {
    if (bytes == followerMaxBatchBytes) {
      return;
    }
    followerMaxBatchBytes = bytes;
    if (state == State.BLOCKED) {
      unblock();
      rewind(ackedHwm.get());
    }
  }

  private void block(WalBatch batch) {
    state = State.BLOCKED;
    increment(ShipperEvent.BATCH_TOO_LARGE);
    if (!tooLargeLogged) {
      tooLargeLogged = true;
      LOG.warn(
          "shard {}: cannot ship to {} the batch at {}: {} bytes, it accepts at most {};"
              + " shipping to it stopped there (logged once)",
          log.shard(),
          follower,
          batch.firstPosition(),
          batch.bytes().remaining(),
          followerMaxBatchBytes);
    }
  }

  private void unblock() {
    if (state == State.BLOCKED) {
      state = State.STREAMING;
    }
  }

  private void rewind(long position) {
    sender.clear();
    window.clear();
    closeReader();
    if (position < log.startPosition()) {
      state = State.BELOW_LOG_START;
      increment(ShipperEvent.BELOW_LOG_START);
      return;
    }
    if (state == State.BELOW_LOG_START) {
      state = State.STREAMING;
    }
    try {
      reader = log.openReader(position);
    } catch (InvalidArgumentException e) {
      increment(ShipperEvent.REWIND_FAILED);
      LOG.warn(
          "shard {}: cannot ship to {} from {}: {}",
          log.shard(),
          follower,
          position,
          e.getMessage());
    }
  }

  private void closeReader() {
    if (reader != null) {
      reader.close();
      reader = null;
    }
  }

  /**
   * Returns the follower's durable HWM as acknowledged.
   *
   * @return the HWM
   */
  public long followerHwm() {
    return ackedHwm.get();
  }

  /**
   * Returns when the newest batch the follower acknowledged was sent (the clock given to {@link
   * #doWork}); the leader renews its lease with it. Read by the thread that calls {@link #doWork}.
   *
   * @return the send time, {@code Long.MIN_VALUE} before the first acknowledged batch
   */
  public long ackedSentNanos() {
    return ackedSentNanos;
  }

  /**
   * Returns the follower region.
   *
   * @return the follower
   */
  public RegionId follower() {
    return follower;
  }

  /**
   * Returns the shard.
   *
   * @return the shard index
   */
  public int shard() {
    return log.shard();
  }

  /**
   * Returns the state.
   *
   * @return the state
   */
  public State state() {
    return state;
  }

  /**
   * Returns how often an event happened.
   *
   * @param event the event
   * @return the count
   */
  public long count(ShipperEvent event) {
    return counters.get(event.ordinal());
  }

  private void increment(ShipperEvent event) {
    counters.incrementAndGet(event.ordinal());
  }

  /** Stops shipping and closes the reader (owner thread). */
  @Override
  public void close() {
    state = State.CLOSED;
    closeReader();
  }
}
