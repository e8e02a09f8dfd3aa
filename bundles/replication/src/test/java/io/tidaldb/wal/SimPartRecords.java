package io.tidaldb.wal;

import io.tidaldb.api.Durability;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.wal.SignalPart;
import java.nio.ByteBuffer;

/**
 * The data-path simulation's window on the WAL's session batch record (test code in the WAL's
 * package, so it reaches the package-private steps): a {@code SIGNAL_BATCH_S} record written by the
 * real {@link SessionPartDescriptor#write} after the real {@link
 * SessionPartDescriptor#checkedLength}, so the simulation's logs hold parts in the WAL's own bytes;
 * and the WAL's replicated-batch check, to pin the simulation's batches against it.
 */
public final class SimPartRecords {
  private SimPartRecords() {}

  /**
   * Checks a part as the WAL does before it reserves room (a session, a level, 1 to {@code
   * maxSignals} signals); its record's length.
   *
   * @throws io.tidaldb.api.InvalidArgumentException naming the value, as the WAL refuses it
   */
  public static int checkedLength(
      SignalPart part, SessionSeq session, Durability durability, int maxSignals) {
    return SessionPartDescriptor.checkedLength(part, session, durability, maxSignals);
  }

  /**
   * The WAL's own check of a replicated batch ({@link ReplicatedBatchCheck}: header, CRC, records
   * counted as entries), so a test pins the simulation's batches against it.
   *
   * @throws io.tidaldb.api.InvalidArgumentException naming what is wrong, as the WAL refuses it
   */
  public static void checkReplicated(ByteBuffer batch, int shard, int maxBatchBytes) {
    ReplicatedBatchCheck.check(batch, shard, maxBatchBytes);
  }

  /**
   * Writes the record at {@code offset} of a little-endian buffer (checked by {@link
   * #checkedLength}); its length.
   */
  public static int write(
      ByteBuffer buffer,
      int offset,
      SignalPart part,
      int origin,
      SessionSeq session,
      int payloadHash,
      Durability durability) {
    return SessionPartDescriptor.write(
        buffer, offset, part, origin, session, payloadHash, durability);
  }
}
