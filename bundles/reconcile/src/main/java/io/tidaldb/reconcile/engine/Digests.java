package io.tidaldb.reconcile.engine;

import static io.tidaldb.reconcile.engine.ReconcileFrameDescriptor.GROUPS;
import static io.tidaldb.reconcile.engine.ReconcileFrameDescriptor.GROUP_BUCKETS;

/** The group level of the digest tree: group g is the sum of buckets 32g..32g+31, mod 2^64. */
final class Digests {
  private Digests() {}

  static long[] groups(long[] buckets) {
    long[] groups = new long[GROUPS];
    for (int b = 0; b < buckets.length; b++) {
      groups[b / GROUP_BUCKETS] += buckets[b];
    }
    return groups;
  }

  static boolean allZero(long[] digests) {
    for (long d : digests) {
      if (d != 0) {
        return false;
      }
    }
    return true;
  }
}
