package io.tidaldb.transport.tcp;

import io.tidaldb.api.RegionId;
import io.tidaldb.transport.tcp.TcpFrames.Hello;

/**
 * Whether a peer's HELLO is acceptable: a pure function of the transport's settings. The duplicate
 * check (a link already up) is the {@link PeerLink}'s, at attach time.
 */
final class HelloCheck {
  private HelloCheck() {}

  /**
   * Checks a peer's HELLO.
   *
   * @param config the local transport's settings
   * @param hello the peer's HELLO
   * @param dialled the region this connection was dialled to, or null on the accepting side
   * @return why it is refused, naming the regions and values involved; null if acceptable
   */
  static String refusal(TcpConfig config, Hello hello, RegionId dialled) {
    int local = config.region().value();
    if (hello.version() != TcpFrames.VERSION) {
      return "protocol version " + hello.version() + ", this transport speaks " + TcpFrames.VERSION;
    }
    if (hello.target() != local) {
      return "it is addressed to region-" + hello.target() + ", this is region-" + local;
    }
    if (dialled != null) {
      if (hello.region() != dialled.value()) {
        return "region-"
            + local
            + " dialled "
            + dialled
            + " at "
            + config.peers().get(dialled)
            + ", which answers as region-"
            + hello.region();
      }
    } else {
      RegionId claimed = RegionId.of(hello.region());
      if (!config.peers().containsKey(claimed)) {
        return claimed
            + " is not a configured peer of region-"
            + local
            + " "
            + config.peers().keySet();
      }
      if (local < claimed.value()) {
        return "region-"
            + local
            + " dials "
            + claimed
            + " (the lower id dials), so "
            + claimed
            + " must not dial region-"
            + local;
      }
    }
    if (hello.maxFrameBytes() < config.maxFrameBytes()) {
      return "its max.frame.bytes "
          + hello.maxFrameBytes()
          + " is below this transport's "
          + config.maxFrameBytes();
    }
    return null;
  }
}
