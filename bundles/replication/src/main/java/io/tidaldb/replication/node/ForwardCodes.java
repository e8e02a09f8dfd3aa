package io.tidaldb.replication.node;

import io.tidaldb.api.Durability;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.TidalException;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.UnknownTenantException;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.replication.wire.ForwardError;
import io.tidaldb.replication.wire.FrameDescriptor;
import java.util.List;
import java.util.Optional;

/**
 * Maps durability levels to the bytes of FORWARD and FORWARD_REPLY, and a leader's refusal to the
 * reply's typed fields ({@link ForwardError}) and back: the origin rebuilds the refusal from its
 * fields (argument, value and rule; may be stored and region), never by parsing a message.
 */
final class ForwardCodes {
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

  /**
   * The typed fields of a leader's refusal; subclasses before their bases. Strings longer than a
   * field holds are cut at a character boundary and end in "...".
   */
  static ForwardError error(Throwable failure) {
    if (failure instanceof NotLeaderException n) {
      return new ForwardError.NotLeader(n.leader().map(RegionId::value).orElse(-1));
    }
    if (failure instanceof UnknownTenantException) {
      return new ForwardError.UnknownTenant();
    }
    if (failure instanceof InvalidArgumentException i) {
      return new ForwardError.InvalidArgument(
          ForwardError.fit(i.argument()), ForwardError.fit(i.value()), ForwardError.fit(i.rule()));
    }
    if (failure instanceof UnavailableException u) {
      return new ForwardError.Unavailable(
          u.mayBeStored(), u.region().map(RegionId::value).orElse(-1), message(u));
    }
    return new ForwardError.Other(message(failure));
  }

  private static String message(Throwable failure) {
    String m = failure.getMessage();
    if (m == null || failure.getClass().getName().startsWith("java.")) {
      m = failure.toString();
    }
    return ForwardError.fit(m);
  }

  /**
   * Rebuilds the failure a FORWARD_REPLY from {@code from} reports for a signal of {@code shard}
   * and {@code tenant}. A region named in the fields (NOT_LEADER's leader, UNAVAILABLE's region) is
   * taken only if it is one of {@code regions}; an UNAVAILABLE that may be stored without a region
   * names {@code from}, where the leader stored it.
   */
  static TidalException failure(
      RegionId from,
      int shard,
      long epoch,
      TenantId tenant,
      ForwardError error,
      List<RegionId> regions) {
    if (error instanceof ForwardError.InvalidArgument a) {
      return InvalidArgumentException.ofRendered(a.argument(), a.value(), a.rule());
    }
    if (error instanceof ForwardError.UnknownTenant) {
      return new UnknownTenantException(tenant);
    }
    if (error instanceof ForwardError.NotLeader n) {
      return new NotLeaderException(from, shard, epoch, known(n.leader(), regions));
    }
    if (error instanceof ForwardError.Unavailable u) {
      RegionId region = known(u.region(), regions).orElse(u.mayBeStored() ? from : null);
      return new UnavailableException(
          "forwarded to region " + from + ": " + u.message(), u.mayBeStored(), region);
    }
    String message = error instanceof ForwardError.Other o ? o.message() : String.valueOf(error);
    return new TidalException("forwarded to region " + from + ": " + message);
  }

  private static Optional<RegionId> known(long id, List<RegionId> regions) {
    return id >= 0 && id <= RegionId.MAX_VALUE
        ? Optional.of(RegionId.of((int) id)).filter(regions::contains)
        : Optional.empty();
  }
}
