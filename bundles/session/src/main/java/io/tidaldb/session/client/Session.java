package io.tidaldb.session.client;

import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.TenantId;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A client session of one tenant: hands out the seqs of its writes ({@link #next()}) and keeps
 * {@code ackedBelow}, the lowest seq whose outcome has not yet reached the caller ({@link
 * #settled(long)}).
 *
 * <p>Seqs are 1, 2, 3, ... (from {@code nextSeq} for a resumed session), one per write across every
 * shard. Writes may be pipelined and settle in any order; {@code ackedBelow} rises to the lowest
 * unsettled seq, so it never passes a write that may still be retried. {@link #next()} hands out
 * seqs at most {@link #MAX_IN_FLIGHT} above {@code ackedBelow} (the store's per-shard window holds
 * as many unsettled seqs, {@code session.max.window}): one write that does not settle holds back
 * the writes after it once they are that far ahead.
 *
 * <p>Thread-safe and lock-free: any number of threads may call {@link #next()} and {@link
 * #settled(long)} at once. Every seq is handed out exactly once and the seqs handed out are dense;
 * the {@code ackedBelow} of a handed-out {@link SessionSeq} is the value at some instant during the
 * call, never above any seq unsettled at that instant (its own included). With one writer per
 * session (the usual case) the seqs also follow the writer's order of calls. No allocation beyond
 * the returned {@link SessionSeq}.
 */
public final class Session {
  /** How far above ackedBelow (the lowest unsettled seq) a seq may be handed out: 1,024. */
  public static final int MAX_IN_FLIGHT = 1_024;

  private static final int MASK = MAX_IN_FLIGHT - 1;

  private final TenantId tenant;
  private final long id;
  private final AtomicLong nextSeq;
  private final AtomicLong ackedBelow;

  /** Slot {@code seq & MASK} holds {@code seq} once that seq settled (a seq is never 0). */
  private final AtomicLongArray settled = new AtomicLongArray(MAX_IN_FLIGHT);

  private Session(TenantId tenant, long id, long nextSeq) {
    this.tenant = Objects.requireNonNull(tenant, "tenant");
    if (id == 0) {
      throw new IllegalArgumentException("session id must not be 0 (0 means no session)");
    }
    if (nextSeq < 1) {
      throw new IllegalArgumentException(
          "session " + SessionSeq.hex(id) + ": nextSeq " + nextSeq + " must be at least 1");
    }
    this.id = id;
    this.nextSeq = new AtomicLong(nextSeq);
    this.ackedBelow = new AtomicLong(nextSeq);
  }

  /**
   * Opens a new session, without a round trip: its id is drawn from a {@link SecureRandom} (never
   * 0), its first seq is 1.
   *
   * @param tenant the tenant every write of the session belongs to
   * @return the session
   */
  public static Session open(TenantId tenant) {
    SecureRandom random = new SecureRandom();
    long id;
    do {
      id = random.nextLong();
    } while (id == 0);
    return new Session(tenant, id, 1);
  }

  /**
   * Resumes a session (or builds one for a test): every seq below {@code nextSeq} counts as
   * settled.
   *
   * @param tenant the tenant
   * @param id the session id, not 0
   * @param nextSeq the next seq to hand out, from 1
   * @return the session
   * @throws IllegalArgumentException for an id of 0 or a {@code nextSeq} below 1
   */
  public static Session of(TenantId tenant, long id, long nextSeq) {
    return new Session(tenant, id, nextSeq);
  }

  /**
   * Hands out the next seq with the current {@code ackedBelow}.
   *
   * @return the write's session, seq and ackedBelow
   * @throws IllegalStateException if {@link #MAX_IN_FLIGHT} seqs are unsettled, naming them
   */
  public SessionSeq next() {
    while (true) {
      long seq = nextSeq.get();
      long below = ackedBelow.get();
      if (seq - below >= MAX_IN_FLIGHT) {
        throw new IllegalStateException(
            "session "
                + SessionSeq.hex(id)
                + ": "
                + (seq - below)
                + " writes in flight (seq "
                + below
                + " to "
                + (seq - 1)
                + " unsettled, at most "
                + MAX_IN_FLIGHT
                + "); settle some before the next");
      }
      if (nextSeq.compareAndSet(seq, seq + 1)) {
        // Read after the seq is ours: ackedBelow cannot pass an unsettled seq, ours included.
        return new SessionSeq(id, seq, ackedBelow.get());
      }
    }
  }

  /**
   * Records that the outcome of a write reached the caller (an acknowledgement or a final failure):
   * the seq will never be sent again, so {@code ackedBelow} may pass it.
   *
   * @param seq a seq handed out by {@link #next()} and not yet settled
   * @throws IllegalArgumentException naming the values, for a seq not handed out or already settled
   */
  public void settled(long seq) {
    long handed = nextSeq.get();
    if (seq < 1 || seq >= handed) {
      throw new IllegalArgumentException(
          "session "
              + SessionSeq.hex(id)
              + ": seq "
              + seq
              + " was not handed out (next seq "
              + handed
              + ")");
    }
    int slot = (int) (seq & MASK);
    if (seq < ackedBelow.get() || settled.getAndSet(slot, seq) == seq) {
      throw new IllegalArgumentException(
          "session "
              + SessionSeq.hex(id)
              + ": seq "
              + seq
              + " settled twice (acked below "
              + ackedBelow.get()
              + ")");
    }
    advance();
  }

  /** Raises ackedBelow over every settled seq; any thread may finish another's advance. */
  private void advance() {
    while (true) {
      long below = ackedBelow.get();
      if (settled.get((int) (below & MASK)) != below
          || !ackedBelow.compareAndSet(below, below + 1)) {
        if (ackedBelow.get() == below) {
          return; // the lowest unsettled seq is still unsettled
        }
      }
    }
  }

  /**
   * Returns the session's tenant.
   *
   * @return the tenant
   */
  public TenantId tenant() {
    return tenant;
  }

  /**
   * Returns the session id.
   *
   * @return the id, never 0
   */
  public long id() {
    return id;
  }

  /**
   * Returns the lowest seq not yet settled (every seq below it is).
   *
   * @return ackedBelow, from 1
   */
  public long ackedBelow() {
    return ackedBelow.get();
  }

  /**
   * Returns the seq the next {@link #next()} hands out.
   *
   * @return the next seq
   */
  public long nextSeq() {
    return nextSeq.get();
  }

  @Override
  public String toString() {
    return "session "
        + SessionSeq.hex(id)
        + " of "
        + tenant
        + " (next seq "
        + nextSeq.get()
        + ", acked below "
        + ackedBelow.get()
        + ")";
  }
}
