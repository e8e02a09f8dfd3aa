package io.tidaldb.replication.wire;

import io.tidaldb.api.InvalidArgumentException;
import java.nio.charset.StandardCharsets;

/**
 * A leader's refusal of a forwarded signal as FORWARD_REPLY carries it: a status byte and that
 * status's typed fields (see {@link FrameDescriptor}), never a message the origin parses. Strings
 * are UTF-8, each at most {@link FrameDescriptor#FORWARD_FIELD_MAX_BYTES} bytes, with a 2-byte
 * length before it.
 */
public sealed interface ForwardError {
  /**
   * Returns the status byte of this refusal.
   *
   * @return one of the {@code STATUS_} constants other than {@link FrameDescriptor#STATUS_OK}
   */
  byte status();

  /**
   * The leader refused an argument: the argument's name, the value as rendered, the rule.
   *
   * @param argument the argument's name
   * @param value the refused value, rendered
   * @param rule the rule it broke
   */
  record InvalidArgument(String argument, String value, String rule) implements ForwardError {
    /** Checks the fields against their bounds. */
    public InvalidArgument {
      checkField("forward reply argument", argument);
      checkField("forward reply value", value);
      checkField("forward reply rule", rule);
    }

    @Override
    public byte status() {
      return FrameDescriptor.STATUS_INVALID_ARGUMENT;
    }
  }

  /** The leader does not know the signal's tenant (the origin names it). */
  record UnknownTenant() implements ForwardError {
    @Override
    public byte status() {
      return FrameDescriptor.STATUS_UNKNOWN_TENANT;
    }
  }

  /**
   * The leader could not serve it.
   *
   * @param mayBeStored whether the signal may be stored
   * @param region the region where it may be stored, or -1
   * @param message what happened, for people
   */
  record Unavailable(boolean mayBeStored, int region, String message) implements ForwardError {
    /** Checks the fields against their bounds. */
    public Unavailable {
      if (region < -1 || region > io.tidaldb.api.RegionId.MAX_VALUE) {
        throw new InvalidArgumentException(
            "forward reply region", region, "must be -1.." + io.tidaldb.api.RegionId.MAX_VALUE);
      }
      checkField("forward reply message", message);
    }

    @Override
    public byte status() {
      return FrameDescriptor.STATUS_UNAVAILABLE;
    }
  }

  /**
   * The replier does not lead the shard; nothing was stored. The leader it knows travels in the
   * reply's position field, as before typed fields.
   *
   * @param leader the id of the leader the replier knows, or -1
   */
  record NotLeader(long leader) implements ForwardError {
    @Override
    public byte status() {
      return FrameDescriptor.STATUS_NOT_LEADER;
    }
  }

  /**
   * Any other failure.
   *
   * @param message what happened, for people
   */
  record Other(String message) implements ForwardError {
    /** Checks the field against its bound. */
    public Other {
      checkField("forward reply message", message);
    }

    @Override
    public byte status() {
      return FrameDescriptor.STATUS_OTHER;
    }
  }

  /**
   * Returns {@code text} cut to {@link FrameDescriptor#FORWARD_FIELD_MAX_BYTES} UTF-8 bytes at a
   * character boundary, ending in "..." if it was cut.
   *
   * @param text any text; null becomes "null"
   * @return text that fits a field
   */
  static String fit(String text) {
    String t = String.valueOf(text);
    byte[] bytes = t.getBytes(StandardCharsets.UTF_8);
    if (bytes.length <= FrameDescriptor.FORWARD_FIELD_MAX_BYTES) {
      return t;
    }
    int end = FrameDescriptor.FORWARD_FIELD_MAX_BYTES - 3;
    while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
      end--; // bytes[end] is the first left out: never split a character
    }
    return new String(bytes, 0, end, StandardCharsets.UTF_8) + "...";
  }

  private static void checkField(String field, String value) {
    if (value == null) {
      throw new InvalidArgumentException(field, null, "must not be null");
    }
    int length = value.getBytes(StandardCharsets.UTF_8).length;
    if (length > FrameDescriptor.FORWARD_FIELD_MAX_BYTES) {
      throw new InvalidArgumentException(
          field + " length",
          length,
          "must be 0.." + FrameDescriptor.FORWARD_FIELD_MAX_BYTES + " UTF-8 bytes");
    }
  }
}
