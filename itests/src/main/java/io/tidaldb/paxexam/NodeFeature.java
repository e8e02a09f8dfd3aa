package io.tidaldb.paxexam;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The bundles of an OSGi Feature Model file (JSON), in start order. Reads the feature's {@code
 * bundles} array; each entry is a {@code groupId:artifactId:version} string or an object with an
 * {@code id} and a {@code start-order}. Variables must already be replaced (the copy in this jar is
 * the one the features build attached).
 */
public final class NodeFeature {
  private final String id;
  private final List<FeatureBundle> bundles;

  private NodeFeature(String id, List<FeatureBundle> bundles) {
    this.id = id;
    this.bundles = List.copyOf(bundles);
  }

  /**
   * Reads a feature from a classpath resource.
   *
   * @param loader the class loader to find it with
   * @param resource the resource name, such as {@value TidalOptions#FEATURE_RESOURCE}
   * @return the feature
   * @throws IllegalStateException if the resource is missing or not a feature with bundles
   */
  public static NodeFeature fromResource(ClassLoader loader, String resource) {
    try (InputStream in = loader.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(
            "feature resource " + resource + " not found on the classpath of " + loader);
      }
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), resource);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read feature resource " + resource, e);
    }
  }

  /**
   * Parses a feature's JSON.
   *
   * @param json the feature file's text
   * @param source where it came from, for messages
   * @return the feature, bundles sorted by start order (file order within one start order)
   * @throws IllegalStateException naming the source if the text is not a feature with bundles
   */
  public static NodeFeature parse(String json, String source) {
    try {
      Object root = JsonReader.parse(json);
      if (!(root instanceof Map<?, ?> feature)) {
        throw new IllegalArgumentException("not a JSON object");
      }
      Object id = feature.get("id");
      if (!(feature.get("bundles") instanceof List<?> entries) || entries.isEmpty()) {
        throw new IllegalArgumentException("no \"bundles\" array");
      }
      List<FeatureBundle> bundles = new ArrayList<>();
      for (Object entry : entries) {
        bundles.add(bundle(entry));
      }
      bundles.sort(Comparator.comparingInt(FeatureBundle::startOrder));
      return new NodeFeature(String.valueOf(id), bundles);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("bad feature " + source + ": " + e.getMessage(), e);
    }
  }

  private static FeatureBundle bundle(Object entry) {
    if (entry instanceof String id) {
      return FeatureBundle.parse(id, 1);
    }
    if (!(entry instanceof Map<?, ?> map) || !(map.get("id") instanceof String id)) {
      throw new IllegalArgumentException("bundle entry without an \"id\": " + entry);
    }
    if (id.contains("${")) {
      throw new IllegalArgumentException("unreplaced variable in bundle id '" + id + "'");
    }
    Object order = map.get("start-order");
    int startOrder;
    if (order == null) {
      startOrder = 1;
    } else if (order instanceof Double d) {
      startOrder = d.intValue();
    } else {
      try {
        startOrder = Integer.parseInt(String.valueOf(order).trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("bad start-order '" + order + "' of " + id);
      }
    }
    return FeatureBundle.parse(id, startOrder);
  }

  /**
   * Returns the feature's id.
   *
   * @return {@code groupId:artifactId:slingosgifeature:classifier:version}
   */
  public String id() {
    return id;
  }

  /**
   * Returns the bundles in start order.
   *
   * @return an unmodifiable list
   */
  public List<FeatureBundle> bundles() {
    return bundles;
  }

  /**
   * Returns the highest start order of any bundle.
   *
   * @return the start level a framework must reach to start every bundle
   */
  public int maxStartOrder() {
    return bundles.stream().mapToInt(FeatureBundle::startOrder).max().orElse(1);
  }
}
