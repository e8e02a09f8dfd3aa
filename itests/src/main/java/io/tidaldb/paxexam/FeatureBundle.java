package io.tidaldb.paxexam;

import java.util.Objects;

/**
 * One bundle of a feature: its Maven coordinates and its start order.
 *
 * @param groupId the Maven group id
 * @param artifactId the Maven artifact id
 * @param version the Maven version
 * @param startOrder the OSGi start level, at least 1
 * @param classifier the Maven classifier of a {@code jar}, such as {@code linux-x86_64}; empty for
 *     none
 */
public record FeatureBundle(
    String groupId, String artifactId, String version, int startOrder, String classifier) {

  /**
   * A bundle without classifier.
   *
   * @param groupId the Maven group id
   * @param artifactId the Maven artifact id
   * @param version the Maven version
   * @param startOrder the OSGi start level, at least 1
   */
  public FeatureBundle(String groupId, String artifactId, String version, int startOrder) {
    this(groupId, artifactId, version, startOrder, "");
  }

  /**
   * Validates the coordinates.
   *
   * @throws IllegalArgumentException if a coordinate is blank or the start order is below 1
   */
  public FeatureBundle {
    Objects.requireNonNull(groupId, "groupId");
    Objects.requireNonNull(artifactId, "artifactId");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(classifier, "classifier");
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
   * Parses a feature model artifact id: {@code groupId:artifactId:version}, or {@code
   * groupId:artifactId:jar:classifier:version} for a classified jar (the node feature's Netty epoll
   * fragment).
   *
   * @param id the feature model id
   * @param startOrder the start order
   * @return the bundle
   * @throws IllegalArgumentException if the id has neither form
   */
  public static FeatureBundle parse(String id, int startOrder) {
    String[] parts = id.split(":", -1);
    if (parts.length == 3) {
      return new FeatureBundle(parts[0], parts[1], parts[2], startOrder);
    }
    if (parts.length == 5 && parts[2].equals("jar") && !parts[3].isBlank()) {
      return new FeatureBundle(parts[0], parts[1], parts[4], startOrder, parts[3]);
    }
    throw new IllegalArgumentException(
        "bundle id must be groupId:artifactId:version or groupId:artifactId:jar:classifier:version,"
            + " was '"
            + id
            + "'");
  }

  /**
   * Returns the bundle's {@code mvn:} URL, resolved by Pax URL from the Maven repositories.
   *
   * @return {@code mvn:groupId/artifactId/version}, or {@code
   *     mvn:groupId/artifactId/version/jar/classifier}
   */
  public String mavenUrl() {
    return "mvn:"
        + groupId
        + "/"
        + artifactId
        + "/"
        + version
        + (classifier.isEmpty() ? "" : "/jar/" + classifier);
  }

  /**
   * Returns the jar's file name in a Maven repository.
   *
   * @return {@code artifactId-version[-classifier].jar}
   */
  public String fileName() {
    return artifactId + "-" + version + (classifier.isEmpty() ? "" : "-" + classifier) + ".jar";
  }

  @Override
  public String toString() {
    return groupId
        + ":"
        + artifactId
        + (classifier.isEmpty() ? "" : ":jar:" + classifier)
        + ":"
        + version
        + " @"
        + startOrder;
  }
}
