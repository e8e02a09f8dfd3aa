package io.tidaldb.tenancy;

import io.tidaldb.api.tenancy.TenantQuotas;

/**
 * The registry's state of one tenant name, a join semilattice: merge is commutative, associative
 * and idempotent.
 *
 * <ul>
 *   <li>created: the earliest (millis, region) stamp of a creation (merge = min);
 *   <li>quotas: last writer wins by (millis, region) stamp; equal stamps are broken by the quota
 *       values themselves, so the merge stays a join even for stamps a region reused (it never
 *       does);
 *   <li>deleted: a tombstone, the earliest (millis, region) stamp of a deletion, or none (merge =
 *       min, none above every stamp). A tombstone is absorbing: nothing clears it.
 * </ul>
 *
 * <p>Stamps are ordered by millis, then region (a u16). Immutable.
 *
 * @param name the tenant's name
 * @param createdMillis when it was created
 * @param createdRegion the region that created it
 * @param quotasMillis the stamp of the quotas: millis
 * @param quotasRegion the stamp of the quotas: region
 * @param quotas the quotas
 * @param deletedMillis when it was deleted, or {@link #NOT_DELETED}
 * @param deletedRegion the region that deleted it (0 while not deleted)
 */
public record TenantEntry(
    String name,
    long createdMillis,
    int createdRegion,
    long quotasMillis,
    int quotasRegion,
    TenantQuotas quotas,
    long deletedMillis,
    int deletedRegion) {

  /** The deletion stamp of a live entry: above every real stamp. */
  public static final long NOT_DELETED = Long.MAX_VALUE;

  /** Returns whether the entry carries a tombstone. */
  public boolean deleted() {
    return deletedMillis != NOT_DELETED;
  }

  /**
   * Returns the join of this entry and another of the same name.
   *
   * @param other the other entry
   * @return the least upper bound of both
   * @throws IllegalArgumentException if the names differ
   */
  public TenantEntry merge(TenantEntry other) {
    if (!name.equals(other.name)) {
      throw new IllegalArgumentException("merge of " + name + " with " + other.name);
    }
    boolean ourCreation =
        compare(createdMillis, createdRegion, other.createdMillis, other.createdRegion) <= 0;
    int q = compare(quotasMillis, quotasRegion, other.quotasMillis, other.quotasRegion);
    if (q == 0) {
      q = compareQuotas(quotas, other.quotas);
    }
    boolean ourQuotas = q >= 0;
    boolean ourDeletion =
        compare(deletedMillis, deletedRegion, other.deletedMillis, other.deletedRegion) <= 0;
    TenantEntry merged =
        new TenantEntry(
            name,
            ourCreation ? createdMillis : other.createdMillis,
            ourCreation ? createdRegion : other.createdRegion,
            ourQuotas ? quotasMillis : other.quotasMillis,
            ourQuotas ? quotasRegion : other.quotasRegion,
            ourQuotas ? quotas : other.quotas,
            ourDeletion ? deletedMillis : other.deletedMillis,
            ourDeletion ? deletedRegion : other.deletedRegion);
    return merged.equals(this) ? this : merged.equals(other) ? other : merged;
  }

  /** Orders (millis, region) stamps. */
  static int compare(long millisA, int regionA, long millisB, int regionB) {
    int c = Long.compare(millisA, millisB);
    return c != 0 ? c : Integer.compare(regionA, regionB);
  }

  private static int compareQuotas(TenantQuotas a, TenantQuotas b) {
    int c = Long.compare(a.signalsPerSecond(), b.signalsPerSecond());
    if (c == 0) {
      c = Long.compare(a.maxEntities(), b.maxEntities());
    }
    return c != 0 ? c : Long.compare(a.maxBytes(), b.maxBytes());
  }
}
