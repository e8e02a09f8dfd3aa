package io.tidaldb.http;

import io.tidaldb.api.Durability;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import java.util.Arrays;
import java.util.Locale;

/** Parses path and query values, refusing a bad one with a 400 that names it. */
final class Params {
  private static final int MAX_VALUE_CHARS = 64;

  private Params() {}

  static int intParam(String name, String value, int min, int max) {
    long v = longParam(name, value);
    if (v < min || v > max) {
      throw ApiException.badRequest(
          "invalid_argument", "invalid " + name + ": " + v + " (must be " + min + ".." + max + ")");
    }
    return (int) v;
  }

  static long longParam(String name, String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw ApiException.badRequest(
          "invalid_argument",
          "invalid " + name + ": '" + clip(value) + "' (must be a 64-bit integer)");
    }
  }

  /**
   * The session of a batch sent under the {@link Request#SESSION} header, with {@link Request#SEQ}
   * and {@link Request#ACKED_BELOW} (default 1), or null without one.
   */
  static SessionSeq session(Request request) {
    String id = request.header(Request.SESSION);
    String seq = request.header(Request.SEQ);
    String below = request.header(Request.ACKED_BELOW);
    if (id == null) {
      if (seq != null || below != null) {
        throw ApiException.badRequest(
            "invalid_argument",
            "the headers "
                + Request.SEQ
                + " and "
                + Request.ACKED_BELOW
                + " need "
                + Request.SESSION);
      }
      return null;
    }
    long session;
    try {
      if (id.isEmpty() || id.length() > 16) {
        throw new NumberFormatException(id);
      }
      session = Long.parseUnsignedLong(id, 16);
    } catch (NumberFormatException e) {
      throw ApiException.badRequest(
          "invalid_argument",
          "invalid " + Request.SESSION + ": '" + clip(id) + "' (must be 1 to 16 hex digits)");
    }
    if (seq == null) {
      throw ApiException.badRequest(
          "missing_field", "a batch under " + Request.SESSION + " needs the header " + Request.SEQ);
    }
    long s = longParam(Request.SEQ, seq);
    long b = below == null ? 1 : longParam(Request.ACKED_BELOW, below);
    try {
      return new SessionSeq(session, s, b);
    } catch (InvalidArgumentException e) {
      throw ApiException.badRequest("invalid_argument", e.getMessage());
    }
  }

  static TenantId tenant(String name) {
    try {
      return TenantId.of(name);
    } catch (InvalidArgumentException e) {
      throw ApiException.badRequest("invalid_argument", e.getMessage());
    }
  }

  static SignalType type(String name) {
    try {
      return SignalType.of(name);
    } catch (InvalidArgumentException e) {
      throw ApiException.badRequest("invalid_argument", e.getMessage());
    }
  }

  static Durability durability(String value) {
    if (value == null) {
      return Durability.LOCAL;
    }
    try {
      return Durability.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(
          "invalid_argument",
          "invalid durability: '"
              + clip(value)
              + "' (must be one of "
              + Arrays.toString(Durability.values())
              + ")");
    }
  }

  static String clip(String s) {
    return s.length() <= MAX_VALUE_CHARS ? s : s.substring(0, MAX_VALUE_CHARS) + "...";
  }
}
