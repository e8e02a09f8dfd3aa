package io.tidaldb.distribution.build;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.sling.feature.Artifact;
import org.apache.sling.feature.Feature;
import org.apache.sling.feature.io.json.FeatureJSONReader;

/**
 * Build-time tool (not shipped): writes the distribution's Felix {@code conf/config.properties}
 * from the node feature, so that the feature file stays the only list of bundles.
 *
 * <p>Every bundle of the feature becomes a {@code file:} URL in {@code felix.auto.start.<n>}, where
 * {@code n} is its {@code start-order}; the framework's beginning start level is the highest start
 * order. The bundles themselves are laid out in the distribution's Maven-layout repository by the
 * slingfeature plugin's {@code repository} goal; this tool checks that each one is there.
 */
public final class FelixConfigGenerator {

  private FelixConfigGenerator() {}

  /**
   * Runs the generator.
   *
   * @param args the feature file, the repository folder, its path as seen from the distribution
   *     home (the URL prefix, e.g. {@code system}), the static framework properties, the output
   */
  public static void main(String[] args) throws IOException {
    if (args.length != 5) {
      throw new IllegalArgumentException(
          "usage: FelixConfigGenerator <feature.json> <repository dir> <repository path in home>"
              + " <framework.properties> <config.properties to write>; got "
              + args.length
              + " arguments");
    }
    Path featureFile = Path.of(args[0]);
    Feature feature;
    try (Reader reader = Files.newBufferedReader(featureFile, StandardCharsets.UTF_8)) {
      feature = FeatureJSONReader.read(reader, featureFile.toString());
    }
    String framework = Files.readString(Path.of(args[3]), StandardCharsets.UTF_8);
    String config = render(feature, Path.of(args[1]), args[2], framework);
    Path output = Path.of(args[4]);
    Files.createDirectories(output.toAbsolutePath().getParent());
    Files.writeString(output, config, StandardCharsets.UTF_8);
  }

  /**
   * Renders the Felix configuration for a feature.
   *
   * @param feature the node feature
   * @param repository the folder holding the feature's bundles in Maven layout
   * @param urlPrefix the repository's path relative to the distribution home
   * @param frameworkProperties the hand-written framework properties to put first
   * @return the content of {@code config.properties}
   * @throws IllegalArgumentException if a bundle has no start order or is missing from the
   *     repository, or the feature has no bundles
   */
  public static String render(
      Feature feature, Path repository, String urlPrefix, String frameworkProperties) {
    TreeMap<Integer, List<String>> urlsByLevel = new TreeMap<>();
    TreeMap<Integer, List<String>> fragmentsByLevel = new TreeMap<>();
    for (Artifact bundle : feature.getBundles()) {
      int level = bundle.getStartOrder();
      if (level < 1) {
        throw new IllegalArgumentException(
            "bundle "
                + bundle.getId().toMvnId()
                + " of feature "
                + feature.getId().toMvnId()
                + " has start-order "
                + level
                + "; every bundle of a node needs a start-order of at least 1");
      }
      String path = bundle.getId().toMvnPath();
      if (!Files.isRegularFile(repository.resolve(path))) {
        throw new IllegalArgumentException(
            "bundle " + bundle.getId().toMvnId() + " is not in the repository at " + repository);
      }
      (isFragment(repository.resolve(path)) ? fragmentsByLevel : urlsByLevel)
          .computeIfAbsent(level, l -> new ArrayList<>())
          .add("file:" + urlPrefix + "/" + path);
    }
    if (urlsByLevel.isEmpty()) {
      // a feature of fragments only cannot run
      throw new IllegalArgumentException(
          "feature " + feature.getId().toMvnId() + " has no bundles");
    }
    int beginning = urlsByLevel.lastKey();

    StringBuilder out = new StringBuilder();
    out.append("# GENERATED at build time from feature ")
        .append(feature.getId().toMvnId())
        .append("\n# by io.tidaldb.distribution.build.FelixConfigGenerator (distribution module).")
        .append("\n# Do not edit: change the feature (features/src/main/features/node.json) or")
        .append("\n# distribution/src/main/felix/framework.properties and rebuild.\n\n");
    out.append(frameworkProperties.strip()).append("\n\n");
    out.append("# Bundles of the feature, by start order (the feature's start-order).\n");
    out.append("org.osgi.framework.startlevel.beginning=").append(beginning).append('\n');
    out.append("felix.startlevel.bundle=").append(beginning).append('\n');
    // fragments are installed, never started (Felix's auto-processor would print an error)
    append(out, "felix.auto.install.", fragmentsByLevel);
    append(out, "felix.auto.start.", urlsByLevel);
    return out.toString();
  }

  private static void append(
      StringBuilder out, String prefix, TreeMap<Integer, List<String>> urlsByLevel) {
    for (Map.Entry<Integer, List<String>> level : urlsByLevel.entrySet()) {
      out.append(prefix).append(level.getKey()).append('=');
      for (String url : level.getValue()) {
        out.append(" \\\n  ").append(url);
      }
      out.append('\n');
    }
  }

  /** Whether {@code jar} is a fragment bundle (a {@code Fragment-Host} header); false if no jar. */
  static boolean isFragment(Path jar) {
    try (java.util.jar.JarFile file = new java.util.jar.JarFile(jar.toFile())) {
      java.util.jar.Manifest manifest = file.getManifest();
      return manifest != null && manifest.getMainAttributes().getValue("Fragment-Host") != null;
    } catch (IOException notAJar) {
      return false;
    }
  }
}
