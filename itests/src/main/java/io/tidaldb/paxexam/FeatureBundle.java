package io.tidaldb.paxexam;

import java.util.Objects;

/**
 * One bundle of a feature: its Maven coordinates and its start order.
 *
 * @param groupId the Maven group id
 * @param artifactId the Maven artifact id
 * @param version the Maven version
 * @param startOrder the OSGi start level, at least 1
 */
public record FeatureBundle(String groupId, String artifactId, String version, int startOrder) {

  /**
   * Validates the coordinates.
   *
   * @throws IllegalArgumentException if a coordinate is blank or the start order is below 1
   */
  public FeatureBundle {
    Objects.requireNonNull(groupId, "groupId");
    Objects.requireNonNull(artifactId, "artifactId");
    Objects.requireNonNull(version, "version");
    if (groupId.isBlank() || artifactId.isBlank() || version.isBlank()) {
      throw new IllegalArgumentException(
          "bundle coordinates must not be blank: " + groupId + ":" + artifactId + ":" + version);
    }
    if (startOrder < 1) {
      throw new IllegalArgumentException(
          "start order of " + artifactId + " must be at least 1, was " + startOrder);
    }
  }

  /**
   * Parses a feature model artifact id, {@code groupId:artifactId:version} (the only form a bundle
   * of the node feature uses).
   *
   * @param id the feature model id
   * @param startOrder the start order
   * @return the bundle
   * @throws IllegalArgumentException if the id does not have exactly three parts
   */
  public static FeatureBundle parse(String id, int startOrder) {
    String[] parts = id.split(":", -1);
    if (parts.length != 3) {
      throw new IllegalArgumentException(
          "bundle id must be groupId:artifactId:version, was '" + id + "'");
    }
    return new FeatureBundle(parts[0], parts[1], parts[2], startOrder);
  }

  /**
   * Returns the bundle's {@code mvn:} URL, resolved by Pax URL from the Maven repositories.
   *
   * @return {@code mvn:groupId/artifactId/version}
   */
  public String mavenUrl() {
    return "mvn:" + groupId + "/" + artifactId + "/" + version;
  }

  @Override
  public String toString() {
    return groupId + ":" + artifactId + ":" + version + " @" + startOrder;
  }
}
