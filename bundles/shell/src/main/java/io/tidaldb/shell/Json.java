package io.tidaldb.shell;

/**
 * A minimal JSON writer for the console's {@code --json} answers: objects and arrays written in
 * order, strings escaped (RFC 8259), numbers as Java prints them (non-finite ones as {@code null}).
 * Not thread-safe; one per answer.
 */
final class Json {
  private final StringBuilder out = new StringBuilder();
  private boolean first = true;

  /** Opens an object (as a value or an array element). */
  Json beginObject() {
    separate();
    out.append('{');
    first = true;
    return this;
  }

  /** Closes the object. */
  Json endObject() {
    out.append('}');
    first = false;
    return this;
  }

  /** Opens an array (as a value or an array element). */
  Json beginArray() {
    separate();
    out.append('[');
    first = true;
    return this;
  }

  /** Closes the array. */
  Json endArray() {
    out.append(']');
    first = false;
    return this;
  }

  /** Writes a member's name; its value follows. */
  Json name(String name) {
    separate();
    string(name);
    out.append(':');
    first = true; // the value follows without a comma
    return this;
  }

  /** Writes a string value, or null. */
  Json value(String value) {
    separate();
    if (value == null) {
      out.append("null");
    } else {
      string(value);
    }
    first = false;
    return this;
  }

  /** Writes a whole-number value. */
  Json value(long value) {
    separate();
    out.append(value);
    first = false;
    return this;
  }

  /** Writes a number value, {@code null} if not finite. */
  Json value(double value) {
    separate();
    out.append(Double.isFinite(value) ? Double.toString(value) : "null");
    first = false;
    return this;
  }

  /** Writes a boolean value. */
  Json value(boolean value) {
    separate();
    out.append(value);
    first = false;
    return this;
  }

  @Override
  public String toString() {
    return out.toString();
  }

  private void separate() {
    if (!first) {
      out.append(',');
    }
    first = false;
  }

  private void string(String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
