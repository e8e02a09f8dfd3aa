package io.tidaldb.session.table;

import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.TenantId;

/** The refusals of {@link SessionTable#check}, each message naming session, seq and window. */
final class Refusals {
  private Refusals() {}

  static Decision belowWindow(TenantId tenant, long session, long seq, long acked, String window) {
    return refuse(
        Refusal.BELOW_WINDOW,
        tenant,
        session,
        seq,
        "below the window ("
            + window
            + "): the client acknowledged every seq below "
            + acked
            + ", so its outcome is forgotten");
  }

  static Decision payloadDiffers(
      TenantId tenant,
      long session,
      long seq,
      int hash,
      long heldPosition,
      int heldHash,
      String window) {
    return refuse(
        Refusal.PAYLOAD_DIFFERS,
        tenant,
        session,
        seq,
        String.format(
            "payload differs from the write it retries (a reused session id or a client bug):"
                + " hash %08x, the write at position %d has %08x (%s)",
            hash, heldPosition, heldHash, window));
  }

  static Decision seqGap(
      TenantId tenant, long session, long seq, long highest, long maxGap, String window) {
    return refuse(
        Refusal.SEQ_GAP,
        tenant,
        session,
        seq,
        "jumps "
            + (seq - highest)
            + " above the highest seq "
            + highest
            + " this shard saw, more than session.max.seq.gap "
            + maxGap
            + " ("
            + window
            + ")");
  }

  static Decision tooMany(TenantId tenant, long session, long seq, int live) {
    return refuse(
        Refusal.TOO_MANY_SESSIONS,
        tenant,
        session,
        seq,
        "tenant '"
            + tenant
            + "' has "
            + live
            + " live sessions in this shard, the limit session.max.per.tenant");
  }

  static Decision expired(TenantId tenant, long session, long seq, long ttlMillis, long lastHlc) {
    return refuse(
        Refusal.EXPIRED,
        tenant,
        session,
        seq,
        "expired (idle longer than session.ttl "
            + ttlMillis
            + " ms after its last write at hlc "
            + lastHlc
            + ", "
            + HlcStamp.physicalMillis(lastHlc)
            + " ms); open a new session");
  }

  static Decision windowFull(
      TenantId tenant, long session, long seq, int maxWindow, String window) {
    return refuse(
        Refusal.WINDOW_FULL,
        tenant,
        session,
        seq,
        "the window holds session.max.window "
            + maxWindow
            + " unacknowledged seqs ("
            + window
            + "); raise ackedBelow as outcomes are delivered");
  }

  private static Decision refuse(
      Refusal refusal, TenantId tenant, long session, long seq, String what) {
    return Decision.refused(
        refusal,
        "session " + tenant + "/" + SessionIds.render(session) + " seq " + seq + ": " + what);
  }
}
