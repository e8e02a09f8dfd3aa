package io.tidaldb.api;

import java.util.regex.Pattern;

/** Shared name validation for the value types; not exported API beyond this package. */
final class Names {
  private Names() {}

  static void check(String what, String name, int maxLength, Pattern pattern, String rule) {
    if (name == null) {
      throw new InvalidArgumentException(what, null, "must not be null");
    }
    if (name.isEmpty()) {
      throw new InvalidArgumentException(what, name, "must not be empty");
    }
    if (name.length() > maxLength) {
      throw new InvalidArgumentException(
          what,
          name.substring(0, maxLength) + "...",
          "is " + name.length() + " characters, at most " + maxLength + " allowed");
    }
    if (!pattern.matcher(name).matches()) {
      throw new InvalidArgumentException(what, name, "must be " + rule);
    }
  }
}
