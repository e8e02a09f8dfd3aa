package io.tidaldb.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The README's three-region test is {@link ReadmeExampleIT} verbatim, so the README cannot rot. */
class ReadmeExampleTest {
  @Test
  void shouldShowReadmeExampleItVerbatimInTheReadme() throws IOException {
    Path base = Path.of(System.getProperty("basedir", "."));
    String readme = Files.readString(base.resolve("../README.md"));
    String source =
        Files.readString(base.resolve("src/test/java/io/tidaldb/itests/ReadmeExampleIT.java"))
            .lines()
            .filter(l -> !l.startsWith("package ") && !l.startsWith("// README.md"))
            .collect(Collectors.joining("\n"))
            .replaceAll("\n{3,}", "\n\n")
            .strip();
    int start = readme.indexOf("```java\nimport static org.junit.Assert.assertEquals;");
    assertTrue(start >= 0, "README has no block starting with the example's imports");
    int from = start + "```java\n".length();
    String block = readme.substring(from, readme.indexOf("```", from)).strip();
    assertEquals(source, block, "README example differs from ReadmeExampleIT");
  }
}
