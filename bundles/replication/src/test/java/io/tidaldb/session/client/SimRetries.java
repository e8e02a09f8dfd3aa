package io.tidaldb.session.client;

/**
 * The data-path simulation's window on the session client's retry timing (test code in the client's
 * package): the real {@link RetryPolicy#backoffNanos} and the jitter {@code SessionWrite} draws
 * from a hash of (session, seq, attempt), copied here because it is private there.
 */
public final class SimRetries {
  private SimRetries() {}

  /** The wait before attempt {@code n} (from 2) of (session, seq) under {@code policy}. */
  public static long backoffNanos(RetryPolicy policy, long session, long seq, int n) {
    long backoffNanos = policy.backoffNanos(n);
    if (backoffNanos <= 1) {
      return backoffNanos;
    }
    long h = session ^ (seq * 0x9E3779B97F4A7C15L) ^ ((long) n << 56);
    h = (h ^ (h >>> 33)) * 0xFF51AFD7ED558CCDL;
    h = (h ^ (h >>> 33)) * 0xC4CEB9FE1A85EC53L;
    h ^= h >>> 33;
    long half = backoffNanos / 2;
    return half + Math.floorMod(h, backoffNanos - half + 1);
  }
}
