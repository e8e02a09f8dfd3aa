package io.tidaldb.api;

/** A hybrid-logical-clock stamp from another region lies further ahead than the accepted skew. */
public class ClockSkewException extends TidalException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param remotePhysicalMillis the physical part of the refused stamp
   * @param localMillis the local wall clock when it was refused
   * @param maxSkewMillis the accepted skew
   */
  public ClockSkewException(long remotePhysicalMillis, long localMillis, long maxSkewMillis) {
    super(
        "clock skew: remote stamp at "
            + remotePhysicalMillis
            + " ms is "
            + (remotePhysicalMillis - localMillis)
            + " ms ahead of the local clock "
            + localMillis
            + " ms (max accepted skew "
            + maxSkewMillis
            + " ms)");
  }
}
