package io.tidaldb.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three regions as three processes of one distribution home ({@code conf/tcp-region-<n>}, mutual
 * TLS 1.3 with the stores of {@code bin/make-certs}, free loopback ports written into copies of the
 * configuration), started once for two rounds, in order:
 *
 * <ol>
 *   <li>a follower's kill: QUORUM session writes through region 0's console, region 2 (made to lead
 *       no shard) killed with SIGKILL, more writes, region 2 restarted on the same home and ports;
 *   <li>a leader's kill under load ({@link LeaderKill}): the region leading the most shards killed
 *       with SIGKILL while both other regions' consoles keep writing at QUORUM, through the
 *       failover, then restarted and caught up.
 * </ol>
 *
 * After each, every acknowledged signal is counted exactly once by each region's console. Every
 * wait is a condition with a deadline ({@link RunningNode#DEADLINE}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ThreeProcessIT {
  private static final Path DIST = Path.of(System.getProperty("tidaldb.dist", "missing"));
  private static final int REGIONS = TcpRegions.REGIONS;
  private static final int SHARDS = 4;
  private static final int ENTITIES = 8;

  /** A writing round's signals: before the kill, while region 2 is down, after its restart. */
  private static final int PER_ROUND = 24;

  private static final String SESSION = "7e57";

  /** How often a console is asked again while waiting. */
  private static final Duration POLL = Duration.ofMillis(100);

  /** A row of the replication table: region, shard, role, leader. */
  private static final Pattern ROW =
      Pattern.compile("(?m)^(?:g! )*region-(\\d+) +(\\d+) +([A-Z]+) +(\\S+) +\\d+ ");

  /** A {@code tidal:read} answer: count, then weight sum. */
  private static final Pattern READ = Pattern.compile("^count=(\\d+) sum=(\\S+) ");

  @TempDir static Path tmp;
  private TcpRegions regions;
  private final RunningNode[] nodes = new RunningNode[REGIONS];
  private final Map<Long, Integer> acked = new TreeMap<>();
  private int seq;
  private long started;

  @BeforeAll
  void startThree() throws Exception {
    started = System.nanoTime();
    regions = TcpRegions.prepare(DIST, tmp);
    for (int n = 0; n < REGIONS; n++) {
      nodes[n] = start(n);
    }
    for (int n = 0; n < REGIONS; n++) {
      awaitUp(n);
    }
  }

  /** Stops every region still running with {@code stop 0} (exit 0), then kills any left. */
  @AfterAll
  void stopThree() throws Exception {
    try {
      List<Integer> stopped = new ArrayList<>();
      for (int n = 0; n < REGIONS; n++) {
        RunningNode node = regions == null ? null : regions.node(n);
        if (node != null && node.isAlive()) {
          node.command("stop 0");
          stopped.add(n);
        }
      }
      for (int n : stopped) {
        assertEquals(0, regions.node(n).awaitExit(), regions.node(n).output());
      }
      System.out.printf(
          "ThreeProcessIT: three processes, two kills and two restarts in %d ms%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    } finally {
      if (regions != null) {
        regions.close();
      }
    }
  }

  @Test
  @Order(1)
  void shouldCountEveryAcknowledgedSignalOnceEverywhereAfterAFollowerIsKilledAndRestarted()
      throws Exception {
    long round = System.nanoTime();
    // region 2 leads no shard, so killing it never fails a shard over: hand its shards to region 0
    for (int n = 0; n < REGIONS; n++) {
      awaitLeaders(nodes[n]);
    }
    moveLeadershipOffRegion2();

    write(PER_ROUND);
    // again just before the kill: in the first seconds a region may take back a shard it prefers
    moveLeadershipOffRegion2();
    nodes[2].kill();
    write(PER_ROUND);
    nodes[2] = start(2);
    awaitUp(2);
    write(PER_ROUND);

    // every acknowledged (session, seq) counted exactly once on every region
    for (int n = 0; n < REGIONS; n++) {
      for (Map.Entry<Long, Integer> e : acked.entrySet()) {
        awaitCount(nodes[n], e.getKey(), e.getValue());
      }
    }
    assertEquals(3 * PER_ROUND, acked.values().stream().mapToInt(Integer::intValue).sum());
    System.out.printf(
        "ThreeProcessIT: %d QUORUM session writes, a follower's SIGKILL and restart in %d ms%n",
        3 * PER_ROUND, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - round));
  }

  @Test
  @Order(2)
  void shouldCountEveryAcknowledgedSignalOnceEverywhereAfterALeaderIsKilledUnderQuorumLoad()
      throws Exception {
    for (int n = 0; n < REGIONS; n++) {
      if (!regions.node(n).isAlive()) {
        start(n); // the first round failed with it down
        awaitUp(n);
      }
    }
    new LeaderKill(regions, SHARDS).run();
  }

  private RunningNode start(int region) throws IOException {
    return regions.start(region);
  }

  private void awaitUp(int region) throws IOException {
    regions.awaitUp(region);
  }

  /**
   * Types {@code tidal:status} until every shard has a leader that the node's region agrees on.
   *
   * @return each shard's leader
   */
  private static int[] awaitLeaders(RunningNode node) {
    int[][] leaders = {null};
    Awaitility.await("a leader of every shard in tidal:status")
        .atMost(RunningNode.DEADLINE)
        .pollDelay(Duration.ZERO)
        .pollInterval(POLL)
        .until(
            () -> {
              leaders[0] = leaders(node.answer("tidal:status"));
              return Arrays.stream(leaders[0]).allMatch(l -> l >= 0);
            });
    return leaders[0];
  }

  /** Each shard's leader in a status answer, -1 where none is known. */
  private static int[] leaders(String status) {
    int[] leaders = new int[SHARDS];
    Arrays.fill(leaders, -1);
    Matcher m = ROW.matcher(status);
    while (m.find()) {
      int shard = Integer.parseInt(m.group(2));
      String leader = m.group(4);
      if (shard < SHARDS && leader.startsWith("region-")) {
        leaders[shard] = Integer.parseInt(leader.substring("region-".length()));
      }
    }
    return leaders;
  }

  /** Transfers every shard region 2 leads to region 0, until region 0 sees none led by region 2. */
  private void moveLeadershipOffRegion2() throws IOException {
    long deadline = System.nanoTime() + RunningNode.DEADLINE.toNanos();
    List<String> transfers = new ArrayList<>();
    while (true) {
      int[] leaders = awaitLeaders(nodes[0]);
      List<Integer> led = new ArrayList<>();
      for (int shard = 0; shard < SHARDS; shard++) {
        if (leaders[shard] == 2) {
          led.add(shard);
        }
      }
      if (led.isEmpty()) {
        System.out.println("ThreeProcessIT: region 2 leads no shard; transfers " + transfers);
        return;
      }
      List<String> answers = new ArrayList<>();
      for (int shard : led) {
        answers.add(nodes[2].ask("tidal:transfer " + shard + " 0", "ok: ", "error: "));
      }
      transfers.addAll(answers);
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "region 2 still leads shards " + led + "; tidal:transfer answered " + answers);
      }
    }
  }

  /**
   * Writes {@code count} signals at QUORUM through region 0's console, each a write of one session
   * with the next seq, typed again with the same values after any error (a retry counts at most
   * once), until acknowledged.
   */
  private void write(int count) throws IOException {
    for (int i = 0; i < count; i++) {
      seq++;
      long entity = 1 + seq % ENTITIES;
      String command =
          "tidal:signal default view "
              + entity
              + " 1 --durability quorum --session "
              + SESSION
              + " --seq "
              + seq;
      long deadline = System.nanoTime() + RunningNode.DEADLINE.toNanos();
      while (true) {
        String answer = nodes[0].ask(command, "ok: durable", "error: ");
        if (answer.startsWith("ok: durable")) {
          break;
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError(command + " still failed: " + answer);
        }
      }
      acked.merge(entity, 1, Integer::sum);
    }
  }

  /**
   * Reads the entity on the node until its count is {@code expected} (it may lag behind, never pass
   * it: a count above it fails at once).
   */
  static void awaitCount(RunningNode node, long entity, int expected) {
    String read = "tidal:read default view " + entity;
    Awaitility.await(read + " to count " + expected)
        .atMost(RunningNode.DEADLINE)
        .pollDelay(Duration.ZERO)
        .pollInterval(POLL)
        .until(
            () -> {
              String answer = node.ask(read, "count=", "error: ");
              if (!answer.startsWith("count=")) {
                return false;
              }
              Matcher m = READ.matcher(answer);
              assertTrue(m.find(), read + " answered " + answer);
              int count = Integer.parseInt(m.group(1));
              assertTrue(count <= expected, read + " counts more than acknowledged: " + answer);
              if (count < expected) {
                return false;
              }
              // every signal weighs 1 (the sum is printed with 6 significant digits)
              assertEquals(expected, Double.parseDouble(m.group(2)), 1e-3, answer);
              return true;
            });
  }
}
