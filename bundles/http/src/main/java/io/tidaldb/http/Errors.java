package io.tidaldb.http;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.StaleReadException;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.UnknownTenantException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * Maps what a store throws to an {@link ApiException}: the status, the stable code and what it
 * means for the write. Decided by the exception's type and typed fields, never by its message.
 */
final class Errors {
  private Errors() {}

  /**
   * Maps a failure.
   *
   * @param failure what the store threw (unwrapped from completion wrappers here)
   * @param prefix text to put before the message, such as {@code "item 3: "}, or empty
   * @return the API exception
   */
  static ApiException map(Throwable failure, String prefix) {
    Throwable t = unwrap(failure);
    if (t instanceof ApiException a) {
      return a;
    }
    String message = prefix + t.getMessage();
    if (t instanceof io.tidaldb.api.tenancy.QuotaExceededException) {
      return new ApiException(429, "quota_exceeded", message, Stored.NOT_STORED);
    }
    if (t instanceof UnknownTenantException) {
      return new ApiException(404, "unknown_tenant", message, Stored.NOT_STORED);
    }
    if (t instanceof InvalidArgumentException e) {
      // a session write's refusal (another signal under the same seq, a seq outside the window)
      if ("seq".equals(e.argument())) {
        return new ApiException(409, "session_conflict", message, Stored.NOT_STORED);
      }
      return new ApiException(400, "invalid_argument", message, Stored.NOT_STORED);
    }
    if (t instanceof StaleReadException) {
      return new ApiException(503, "stale_read", message, Stored.NOT_STORED);
    }
    if (t instanceof UnavailableException e
        && e.mayBeStored()
        && e.getCause() instanceof InvalidArgumentException) {
      // a session batch refused in one part while another is stored: the refusal's status and
      // code, but the batch may be stored
      ApiException a = map(e.getCause(), "");
      return new ApiException(a.status(), a.code(), message, Stored.UNKNOWN);
    }
    if (t instanceof UnavailableException e) {
      return new ApiException(
          503, "unavailable", message, e.mayBeStored() ? Stored.UNKNOWN : Stored.NOT_STORED);
    }
    if (t instanceof TimeoutException) {
      return new ApiException(
          503, "ack_timeout", prefix + "no acknowledgement in time", Stored.UNKNOWN);
    }
    if (t instanceof UnsupportedOperationException) {
      return new ApiException(400, "unsupported", message, Stored.NOT_STORED);
    }
    return new ApiException(
        500,
        "internal",
        prefix + t.getClass().getSimpleName() + ": " + t.getMessage(),
        Stored.UNKNOWN);
  }

  private static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }
}
