package io.tidaldb.replication.node;

import io.tidaldb.api.Durability;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.TidalException;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.UnknownTenantException;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.replication.wire.Frame;
import io.tidaldb.replication.wire.FrameDescriptor;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Maps durability levels and failures to the bytes of FORWARD and FORWARD_REPLY and back. */
final class ForwardCodes {
  private static final Pattern INVALID =
      Pattern.compile("invalid (.+?): (.*) \\((.*)\\)", Pattern.DOTALL);

  private ForwardCodes() {}

  static byte code(Durability level) {
    return switch (level) {
      case LOCAL -> FrameDescriptor.DURABILITY_LOCAL;
      case QUORUM -> FrameDescriptor.DURABILITY_QUORUM;
      case ALL -> FrameDescriptor.DURABILITY_ALL;
    };
  }

  static Durability durability(byte code) {
    return switch (code) {
      case FrameDescriptor.DURABILITY_QUORUM -> Durability.QUORUM;
      case FrameDescriptor.DURABILITY_ALL -> Durability.ALL;
      default -> Durability.LOCAL; // the decoder admits only 0..2
    };
  }

  /** The status byte for a failure; subclasses before their bases. */
  static byte status(Throwable failure) {
    if (failure instanceof NotLeaderException) {
      return FrameDescriptor.STATUS_NOT_LEADER;
    }
    if (failure instanceof UnknownTenantException) {
      return FrameDescriptor.STATUS_UNKNOWN_TENANT;
    }
    if (failure instanceof InvalidArgumentException) {
      return FrameDescriptor.STATUS_INVALID_ARGUMENT;
    }
    if (failure instanceof UnavailableException) {
      return FrameDescriptor.STATUS_UNAVAILABLE;
    }
    return FrameDescriptor.STATUS_OTHER;
  }

  /** The message of a failure cut to the reply's limit at a character boundary. */
  static String message(Throwable failure) {
    String m = failure.getMessage();
    if (m == null || failure.getClass().getName().startsWith("java.")) {
      m = failure.toString();
    }
    byte[] bytes = m.getBytes(StandardCharsets.UTF_8);
    if (bytes.length <= FrameDescriptor.FORWARD_MESSAGE_MAX_BYTES) {
      return m;
    }
    int end = FrameDescriptor.FORWARD_MESSAGE_MAX_BYTES - 3;
    while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
      end--; // bytes[end] is the first left out: never split a character
    }
    return new String(bytes, 0, end, StandardCharsets.UTF_8) + "...";
  }

  /**
   * Rebuilds the failure a FORWARD_REPLY from {@code from} reports for a signal of {@code shard}
   * and {@code tenant} ({@code status} is not OK). UNAVAILABLE says the signal may be stored at
   * {@code from}; NOT_LEADER carries the leader the replier knows in the reply's position field,
   * taken only if it is one of {@code regions}.
   */
  static TidalException failure(
      RegionId from, int shard, TenantId tenant, Frame f, byte status, List<RegionId> regions) {
    String message = f.replyMessage();
    switch (status) {
      case FrameDescriptor.STATUS_INVALID_ARGUMENT:
        Matcher m = INVALID.matcher(message);
        return m.matches()
            ? new InvalidArgumentException(m.group(1), new Rendered(m.group(2)), m.group(3))
            : new InvalidArgumentException("forwarded signal", new Rendered(""), message);
      case FrameDescriptor.STATUS_UNKNOWN_TENANT:
        return new UnknownTenantException(tenant);
      case FrameDescriptor.STATUS_NOT_LEADER:
        long known = f.replyPosition();
        Optional<RegionId> leader =
            known >= 0 && known <= RegionId.MAX_VALUE
                ? Optional.of(RegionId.of((int) known)).filter(regions::contains)
                : Optional.empty();
        return new NotLeaderException(from, shard, f.epoch(), leader);
      case FrameDescriptor.STATUS_UNAVAILABLE:
        return new UnavailableException("forwarded to region " + from + ": " + message, true, from);
      default:
        return new TidalException("forwarded to region " + from + ": " + message);
    }
  }

  /** A value rendered as given, so that a leader's refusal is rebuilt with its exact text. */
  record Rendered(String text) {
    @Override
    public String toString() {
      return text;
    }
  }
}
