package io.tidaldb.api;

/**
 * A replica site. In production one node process runs per region; embedded and in tests all regions
 * may share one JVM.
 *
 * @param value the region's id, 0 to {@link #MAX_VALUE}
 */
public record RegionId(int value) {
  /** Largest region id. */
  public static final int MAX_VALUE = 0xFFFF;

  /**
   * Validates the id.
   *
   * @throws InvalidArgumentException if the id is out of range
   */
  public RegionId {
    if (value < 0 || value > MAX_VALUE) {
      throw new InvalidArgumentException("region", value, "must be 0.." + MAX_VALUE);
    }
  }

  /**
   * Returns the region of this id.
   *
   * @param value the id
   * @return the region
   */
  public static RegionId of(int value) {
    return new RegionId(value);
  }

  @Override
  public String toString() {
    return "region-" + value;
  }
}
