package io.tidaldb.api;

/**
 * The identity of one write of a client session: the session, the write's seq within it, and how
 * far the client has had its outcomes. A write that carries it is applied at most once per (tenant,
 * session, seq): a retry with the same value and the same signal, at any region, returns the
 * original acknowledgement (design: docs/design/sessions.md).
 *
 * <p>The client assigns {@code seq} 1, 2, 3, ... one per write across every shard, and keeps {@code
 * ackedBelow} at the lowest seq whose outcome it has not yet received (so every seq below it is
 * settled and a shard may forget them). A retry carries the seq of the write it retries and the
 * client's current {@code ackedBelow}, which is never above it.
 *
 * @param session the session id, drawn at random by the client (never 0)
 * @param seq the write's seq, from 1
 * @param ackedBelow every seq below it had its outcome delivered to the client; from 1 to {@code
 *     seq}
 * @since 1.3.0
 */
public record SessionSeq(long session, long seq, long ackedBelow) {
  /**
   * Validates the values.
   *
   * @throws InvalidArgumentException naming the value: a session id of 0, a seq below 1, or an
   *     {@code ackedBelow} outside 1 to seq
   */
  public SessionSeq {
    if (session == 0) {
      throw new InvalidArgumentException("session", "0", "must not be 0 (0 means no session)");
    }
    if (seq < 1) {
      throw new InvalidArgumentException(
          "seq", seq, "must be at least 1 (session " + hex(session) + ")");
    }
    if (ackedBelow < 1 || ackedBelow > seq) {
      throw new InvalidArgumentException(
          "ackedBelow",
          ackedBelow,
          "must be from 1 to the seq " + seq + " (session " + hex(session) + ")");
    }
  }

  /**
   * Returns the session id as 16 hexadecimal digits, the form every message uses.
   *
   * @param session the session id
   * @return its hex form
   */
  public static String hex(long session) {
    String h = Long.toHexString(session);
    return "0".repeat(16 - h.length()) + h;
  }

  @Override
  public String toString() {
    return "session " + hex(session) + " seq " + seq + " (acked below " + ackedBelow + ")";
  }
}
