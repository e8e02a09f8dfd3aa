package io.tidaldb.http;

import io.tidaldb.api.Durability;
import io.tidaldb.api.InvalidArgumentException;
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
