package io.tidaldb.api;

/**
 * Encodes and decodes the {@code long} tickets of {@link SignalStore#submit}: the shard in the top
 * 16 bits, the record's log position in the low 48.
 */
public final class SignalTickets {
  /** Bits of the position part. */
  public static final int POSITION_BITS = 48;

  /** Largest position a ticket can carry. */
  public static final long MAX_POSITION = (1L << POSITION_BITS) - 1;

  private SignalTickets() {}

  /**
   * Packs a ticket.
   *
   * @param shard the shard index, 0 to 65535
   * @param position the record's position, 0 to {@link #MAX_POSITION}
   * @return the ticket
   */
  public static long ticket(int shard, long position) {
    if (shard < 0 || shard > 0xFFFF) {
      throw new InvalidArgumentException("shard", shard, "must be 0..65535 in a ticket");
    }
    if (position < 0 || position > MAX_POSITION) {
      throw new InvalidArgumentException("position", position, "must be 0..2^48-1 in a ticket");
    }
    return ((long) shard << POSITION_BITS) | position;
  }

  /**
   * Returns the shard of a ticket.
   *
   * @param ticket the ticket
   * @return the shard index
   */
  public static int shard(long ticket) {
    return (int) (ticket >>> POSITION_BITS);
  }

  /**
   * Returns the log position of a ticket.
   *
   * @param ticket the ticket
   * @return the position
   */
  public static long position(long ticket) {
    return ticket & MAX_POSITION;
  }
}
