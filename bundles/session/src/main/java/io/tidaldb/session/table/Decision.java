package io.tidaldb.session.table;

/**
 * What {@link SessionTable#check} says about a session write: append it ({@link Kind#NEW}), answer
 * it with the original record's position and HLC, the stamp of the original acknowledgement ({@link
 * Kind#DUPLICATE}), or refuse it ({@link Kind#REFUSED}) with a {@link Refusal} and a message naming
 * session, seq and window. Immutable; {@link #NEW} is shared, so the common answer allocates
 * nothing.
 */
public final class Decision {
  /** The three answers. */
  public enum Kind {
    /** Not seen: append it. */
    NEW,
    /** Seen with the same payload: answer with the original record's position and HLC. */
    DUPLICATE,
    /** Refused: nothing is applied. */
    REFUSED
  }

  /** The answer for a write to append. */
  public static final Decision NEW = new Decision(Kind.NEW, -1, -1, null, null);

  private final Kind kind;
  private final long position;
  private final long hlc;
  private final Refusal refusal;
  private final String message;

  private Decision(Kind kind, long position, long hlc, Refusal refusal, String message) {
    this.kind = kind;
    this.position = position;
    this.hlc = hlc;
    this.refusal = refusal;
    this.message = message;
  }

  static Decision duplicate(long position, long hlc) {
    return new Decision(Kind.DUPLICATE, position, hlc, null, null);
  }

  static Decision refused(Refusal refusal, String message) {
    return new Decision(Kind.REFUSED, -1, -1, refusal, message);
  }

  /**
   * Returns the answer.
   *
   * @return NEW, DUPLICATE or REFUSED
   */
  public Kind kind() {
    return kind;
  }

  /**
   * Returns the log position of the original record.
   *
   * @return the position for a DUPLICATE, -1 otherwise
   */
  public long position() {
    return position;
  }

  /**
   * Returns the HLC stamp of the original record, which the original acknowledgement carried.
   *
   * @return the record's HLC for a DUPLICATE, -1 otherwise
   * @since 0.2.0
   */
  public long hlc() {
    return hlc;
  }

  /**
   * Returns why the write is refused.
   *
   * @return the reason for a REFUSED answer, null otherwise
   */
  public Refusal refusal() {
    return refusal;
  }

  /**
   * Returns the refusal's message, naming session, seq and window.
   *
   * @return the message for a REFUSED answer, null otherwise
   */
  public String message() {
    return message;
  }

  @Override
  public String toString() {
    return switch (kind) {
      case NEW -> "NEW";
      case DUPLICATE -> "DUPLICATE at " + position + " hlc " + hlc;
      case REFUSED -> "REFUSED " + refusal + ": " + message;
    };
  }
}
