package io.tidaldb.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.TenantId;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HashShardRouterTest {
  /** Fixture of pinned (tenant, entity, shardCount) to shard rows; see its header. */
  static final String FIXTURE = "shard-fixture.csv";

  /** Chi-square critical value for 7 degrees of freedom at p = 0.001. */
  static final double CHI_SQUARE_7_DOF_P001 = 24.322;

  @ParameterizedTest
  @ValueSource(ints = {0, -1, 65537, Integer.MIN_VALUE})
  void shouldRejectShardCountOutOfRange(int shardCount) {
    InvalidArgumentException e =
        assertThrows(InvalidArgumentException.class, () -> new HashShardRouter(shardCount));
    assertEquals("shardCount", e.argument());
    assertTrue(e.getMessage().contains(Integer.toString(shardCount)), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 65536})
  void shouldAcceptShardCountInRange(int shardCount) {
    assertEquals(shardCount, new HashShardRouter(shardCount).shardCount());
  }

  @Test
  void shouldMatchPinnedFixtureForever() throws IOException {
    List<String[]> rows = readFixture();
    assertTrue(rows.size() >= 50, "fixture rows: " + rows.size());
    for (String[] row : rows) {
      TenantId tenant = TenantId.of(row[0]);
      long entity = Long.parseLong(row[1]);
      int shardCount = Integer.parseInt(row[2]);
      int expected = Integer.parseInt(row[3]);
      assertEquals(
          expected,
          new HashShardRouter(shardCount).shardOf(tenant, entity),
          () -> "mapping changed for " + String.join(",", row));
    }
  }

  @Test
  void shouldHashTheUtf8BytesOfTheName() {
    String[] names = {"", "default", "a", "tenant-42_x", "caf\u00e9", "\u20ac", "\ud83d\ude00x"};
    for (String name : names) {
      assertEquals(referenceNameHash(name), HashShardRouter.nameHash(name), name);
    }
  }

  @Test
  void shouldSpreadSequentialEntitiesUniformly() {
    HashShardRouter router = new HashShardRouter(8);
    long[] counts = new long[8];
    for (long entity = 0; entity < 100_000; entity++) {
      counts[router.shardOf(TenantId.DEFAULT, entity)]++;
    }
    double chi = chiSquare(counts);
    assertTrue(chi < CHI_SQUARE_7_DOF_P001, "chi-square " + chi + " over " + List.of(counts));
  }

  @Test
  void shouldSpreadRandomEntitiesUniformly() {
    long seed = Long.getLong("tidal.test.seed", 0x5EED_0001L);
    System.out.println("shouldSpreadRandomEntitiesUniformly seed=" + seed);
    SplittableRandom random = new SplittableRandom(seed);
    HashShardRouter router = new HashShardRouter(8);
    TenantId tenant = TenantId.of("acme");
    long[] counts = new long[8];
    for (int i = 0; i < 100_000; i++) {
      counts[router.shardOf(tenant, random.nextLong())]++;
    }
    double chi = chiSquare(counts);
    assertTrue(chi < CHI_SQUARE_7_DOF_P001, "seed " + seed + ": chi-square " + chi);
  }

  static double chiSquare(long[] counts) {
    long total = 0;
    for (long c : counts) {
      total += c;
    }
    double expected = (double) total / counts.length;
    double chi = 0;
    for (long c : counts) {
      chi += (c - expected) * (c - expected) / expected;
    }
    return chi;
  }

  static long referenceNameHash(String name) {
    long h = 0xCBF29CE484222325L;
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xFF)) * 0x100000001B3L;
    }
    return HashShardRouter.fmix64(h);
  }

  static List<String[]> readFixture() throws IOException {
    List<String[]> rows = new ArrayList<>();
    try (InputStream in = HashShardRouterTest.class.getResourceAsStream("/" + FIXTURE)) {
      if (in == null) {
        throw new IOException("missing test resource " + FIXTURE);
      }
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        if (!line.isBlank() && !line.startsWith("#")) {
          rows.add(line.split(","));
        }
      }
    }
    return rows;
  }
}
