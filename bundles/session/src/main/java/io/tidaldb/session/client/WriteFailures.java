package io.tidaldb.session.client;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.TidalException;
import io.tidaldb.api.UnavailableException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The failed attempts of one {@link SessionWrite}: what each said about the signal being stored,
 * and the error the caller gets when the write ends without an acknowledgement. Built only once an
 * attempt failed (nothing allocated for a write acknowledged at once). Guarded by its write.
 */
final class WriteFailures {
  /** What a failed attempt says about the signal. */
  enum Kind {
    /** Refused before anything was stored (bad input, a session refusal, no session writes). */
    REFUSED,
    /** Not stored by this attempt (an {@code UnavailableException} with mayBeStored false). */
    NOT_STORED,
    /** May or may not be stored (mayBeStored true, a timeout, any other failure). */
    AMBIGUOUS,
    /**
     * A batch refused in one part while another part may be stored ({@code mayBeStored} true, its
     * cause a refusal): a retry is refused again, so the write ends, as possibly stored.
     */
    PARTLY_REFUSED;

    /** Whether the write ends at such a failure (a retry would be refused again). */
    boolean ends() {
      return this == REFUSED || this == PARTLY_REFUSED;
    }
  }

  private final SessionClient client;
  private final SessionSeq seq;
  private final StringBuilder tried = new StringBuilder();
  private int count;
  private int lastAmbiguousTarget = -1;
  private Throwable last;
  private Kind lastKind;

  WriteFailures(SessionClient client, SessionSeq seq) {
    this.client = client;
    this.seq = seq;
  }

  /**
   * Records attempt {@code n}'s failure.
   *
   * @return what it says about the signal
   */
  Kind add(int n, int target, Throwable error) {
    Throwable e = unwrap(error);
    Kind kind = classify(e);
    count++;
    if (tried.length() > 0) {
      tried.append(", ");
    }
    tried.append(n).append(": ").append(client.target(target).name()).append(' ').append(kind);
    if (kind == Kind.AMBIGUOUS || kind == Kind.PARTLY_REFUSED) {
      lastAmbiguousTarget = target;
    }
    last = e;
    lastKind = kind;
    return kind;
  }

  /** Whether an attempt so far may have stored the signal (an ambiguous outcome). */
  boolean mayBeStored() {
    return lastAmbiguousTarget >= 0;
  }

  static Kind classify(Throwable e) {
    if (e instanceof InvalidArgumentException || e instanceof UnsupportedOperationException) {
      return Kind.REFUSED;
    }
    if (e instanceof UnavailableException u && !u.mayBeStored()) {
      return Kind.NOT_STORED;
    }
    if (e instanceof UnavailableException u
        && (u.getCause() instanceof InvalidArgumentException
            || u.getCause() instanceof UnsupportedOperationException)) {
      return Kind.PARTLY_REFUSED; // SignalStore.signalBatchAsync: a part refused, another stored
    }
    return Kind.AMBIGUOUS;
  }

  /**
   * Returns the error that ends the write: the refusal itself when no attempt may have stored the
   * signal, else an {@link UnavailableException} naming session, seq, attempts and regions.
   */
  Throwable finalFailure(long elapsedNanos) {
    boolean mayBeStored = lastAmbiguousTarget >= 0;
    String where =
        SessionSeq.hex(seq.session())
            + " seq "
            + seq.seq()
            + " after "
            + count
            + (count == 1 ? " attempt" : " attempts")
            + " in "
            + elapsedNanos / 1_000_000
            + " ms (attempts: "
            + tried
            + ")";
    if (lastKind == Kind.REFUSED && !mayBeStored) {
      last.addSuppressed(new TidalException("session " + where + ": refused, nothing stored"));
      return last;
    }
    String outcome =
        lastKind == Kind.PARTLY_REFUSED
            ? ": a part of the batch refused (a retry would be refused again), another part"
                + " stored (at most once)"
            : lastKind == Kind.REFUSED
                ? ": refused, but an earlier attempt may have stored it (at most once)"
                : mayBeStored
                    ? ": outcome unknown, it may have been stored (at most once; the seq is settled"
                        + " and never sent again)"
                    : ": not stored (no attempt stored it; safe to write again)";
    RegionId region = mayBeStored ? client.target(lastAmbiguousTarget).region() : null;
    UnavailableException u =
        new UnavailableException(
            "session " + where + outcome + "; last failure: " + last, mayBeStored, region);
    u.initCause(last);
    return u;
  }

  static Throwable unwrap(Throwable error) {
    Throwable e = error;
    while ((e instanceof CompletionException || e instanceof ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}
