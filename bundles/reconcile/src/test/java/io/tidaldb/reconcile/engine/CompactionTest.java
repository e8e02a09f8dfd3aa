package io.tidaldb.reconcile.engine;

import static io.tidaldb.reconcile.engine.ReconcileFrameDescriptor.COMPACT_DIGEST;
import static io.tidaldb.reconcile.engine.ReconcileFrameDescriptor.COMPACT_PROBE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.reconcile.ClosedDigest;
import io.tidaldb.reconcile.CompactionReport;
import io.tidaldb.reconcile.ReconcileReport;
import io.tidaldb.reconcile.engine.MemoryEpochs.Compact;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The compaction probe between in-memory regions ({@link MemoryEpochs}: epochs, closed digests over
 * the real states' {@code log(e)} entries, COMPACT records applied by every region): the leader of
 * a shard in epoch 3 folds epochs through 2 only when every region has applied past 2 and holds the
 * same closed entries; a mismatch, a region not past the cut-off, an unreachable or silent region,
 * or a bad answer hold it back until a later round, and never hold back reconciliation.
 */
class CompactionTest {
  static final TenantId ACME = TenantId.of("acme");
  static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  static final int SHARDS = 4;
  static final int SHARD = 1;
  static final long EPOCH = 3;
  static final long CUTOFF = EPOCH - 1;

  Net net;
  final long[] positions = new long[SHARDS];

  void cluster(int regions, UnaryOperator<ReconcileConfig> settings) {
    net = new Net(regions, SHARDS, settings);
    ReconciliationEngineTest.defineEverywhere(net, ACME, "view");
    net.replicateCompacts();
  }

  /** An entity of the shard, the n-th from {@code from}. */
  long entityIn(int shard, long from) {
    long e = from;
    while (net.state(0).shardOf(e) != shard) {
      e++;
    }
    return e;
  }

  /** The shard's next log record, of the entity and epoch, applied by these regions. */
  void log(long entity, long epoch, int... regions) {
    long position = positions[net.state(0).shardOf(entity)]++;
    for (int r : regions) {
      net.state(r).applyLog(ACME, "view", entity, 1.0, epoch, position);
    }
  }

  int[] all() {
    return net.states.keySet().stream().mapToInt(RegionId::value).toArray();
  }

  /** Epochs 1 and 2 of the shard, 10 entities each, applied everywhere. */
  void closedEpochs(int shard) {
    for (long epoch = 1; epoch <= CUTOFF; epoch++) {
      long e = shard * 1_000L;
      for (int i = 0; i < 10; i++) {
        e = entityIn(shard, e + 1);
        log(e, epoch, all());
      }
    }
  }

  /** The leader's first record of epoch 3 in the shard, applied by these regions. */
  void openEpoch(int shard, int leader, int... regions) {
    net.state(leader).epochs.lead(shard, EPOCH);
    log(entityIn(shard, 50_000), EPOCH, regions);
  }

  ReconcileReport reconcile(int region) throws Exception {
    return net.await(net.engine(region).reconcileAll(), MS);
  }

  static CompactionReport compacted(int n) {
    return new CompactionReport(n, 0, 0, 0, 0);
  }

  @Test
  void shouldCompactOnceWhenEveryRegionHoldsTheSameClosedEntries() throws Exception {
    cluster(3, c -> c);
    closedEpochs(SHARD);
    openEpoch(SHARD, 0, all());
    closedEpochs(2);
    openEpoch(2, 1, all()); // region 1 leads shard 2: not region 0's to fold

    ReconcileReport report = reconcile(0);

    assertEquals(compacted(1), report.compaction(), report::toString);
    assertEquals(List.of(new Compact(SHARD, CUTOFF)), net.state(0).epochs.appended);
    assertEquals(List.of(), net.state(1).epochs.appended);
    assertEquals(2, net.sent[COMPACT_PROBE], "one probe per peer");
    assertEquals(2, net.sent[COMPACT_DIGEST]);
    ClosedDigest folded = net.state(0).closedDigest(SHARD, CUTOFF);
    assertEquals(0, folded.entries(), "the fold left no closed entries beside the base");
    for (int r = 0; r < 3; r++) {
      assertEquals(CUTOFF, net.state(r).epochs(SHARD).foldedThrough(), "region " + r);
      assertEquals(folded, net.state(r).closedDigest(SHARD, CUTOFF), "region " + r);
    }

    ReconcileReport again = reconcile(0);
    assertEquals(CompactionReport.NONE, again.compaction(), again::toString);
    assertEquals(2, net.sent[COMPACT_PROBE], "a folded cut-off is not probed again");
    assertEquals(1, net.state(0).epochs.appended.size());
    assertEquals(1, net.engine(0).shardsCompacted());
  }

  @Test
  void shouldNotCompactWhileARegionHoldsOtherClosedEntriesAndCompactOnceReconciled()
      throws Exception {
    cluster(3, c -> c);
    closedEpochs(SHARD);
    log(entityIn(SHARD, 3), CUTOFF, 2); // a deposed leader's record that only region 2 holds
    openEpoch(SHARD, 0, all());

    ReconcileReport first = reconcile(0); // region 0 gets it from region 2; region 1 lacks it

    assertEquals(new CompactionReport(0, 1, 0, 0, 0), first.compaction(), first::toString);
    assertTrue(first.statesMerged() > 0, first::toString);
    assertEquals(List.of(), net.state(0).epochs.appended);

    reconcile(1); // the difference reaches region 1
    ReconcileReport second = reconcile(0);

    assertEquals(compacted(1), second.compaction(), second::toString);
    assertEquals(List.of(new Compact(SHARD, CUTOFF)), net.state(0).epochs.appended);
  }

  @Test
  void shouldNotCompactWhileAPeerHasNotAppliedPastTheCutOff() throws Exception {
    cluster(3, c -> c);
    closedEpochs(SHARD);
    long position = positions[SHARD];
    openEpoch(SHARD, 0, 0, 2); // region 1 has not applied epoch 3 yet

    ReconcileReport report = reconcile(0);

    assertEquals(new CompactionReport(0, 0, 1, 0, 0), report.compaction(), report::toString);
    assertEquals(List.of(), net.state(0).epochs.appended);

    net.state(1).applyLog(ACME, "view", entityIn(SHARD, 50_000), 1.0, EPOCH, position);
    assertEquals(compacted(1), reconcile(0).compaction());
  }

  @Test
  void shouldNotCompactWhileTheLeaderItselfHasNotAppliedPastTheCutOff() throws Exception {
    cluster(3, c -> c);
    closedEpochs(SHARD);
    net.state(0).epochs.lead(SHARD, EPOCH); // elected, nothing appended in epoch 3 yet

    ReconcileReport report = reconcile(0);

    assertEquals(new CompactionReport(0, 0, 1, 0, 0), report.compaction(), report::toString);
    assertEquals(0, net.sent[COMPACT_PROBE]);
  }

  @Test
  void shouldNotCompactWithAnUnreachablePeerButReconcileWithTheOthers() throws Exception {
    cluster(3, c -> c);
    closedEpochs(SHARD);
    openEpoch(SHARD, 0, all());
    net.state(1).apply(ACME, "view", 7, 1.0); // a difference for the session to settle
    net.cut(0, 2);

    ReconcileReport report = reconcile(0);

    assertEquals(List.of(RegionId.of(1)), report.peers(), report::toString);
    assertEquals(List.of(RegionId.of(2)), report.failed(), report::toString);
    assertEquals(net.state(0).snapshot(), net.state(1).snapshot(), "reconciled with region 1");
    assertEquals(new CompactionReport(0, 0, 0, 1, 0), report.compaction(), report::toString);
    assertEquals(List.of(), net.state(0).epochs.appended);

    net.heal();
    net.run(600, 10 * MS); // the retried session reaches region 2
    assertEquals(compacted(1), reconcile(0).compaction());
  }

  @Test
  void shouldNotCompactWhenAPeerStaysSilentUntilTheDeadline() throws Exception {
    cluster(2, c -> c.withSessionTimeout(Duration.ofMillis(100)));
    closedEpochs(SHARD);
    openEpoch(SHARD, 0, all());
    net.tap = (to, bytes) -> bytes[ReconcileFrameDescriptor.TYPE_OFFSET] != COMPACT_DIGEST;

    ReconcileReport report = net.await(net.engine(0).reconcileAll(), 10 * MS);

    assertEquals(List.of(RegionId.of(1)), report.peers(), "the session itself completed");
    assertEquals(new CompactionReport(0, 0, 0, 1, 0), report.compaction(), report::toString);
    net.tap = (to, bytes) -> true;
    assertEquals(compacted(1), reconcile(0).compaction());
  }

  @Test
  void shouldNeitherCompactNorProbeAgainWhenNothingIsClosed() throws Exception {
    cluster(3, c -> c);
    openEpoch(SHARD, 0, all()); // only epoch 3 and local writes in the shard
    net.state(0).apply(ACME, "view", entityIn(SHARD, 9_000), 1.0);

    ReconcileReport first = reconcile(0);
    ReconcileReport second = reconcile(0);

    assertEquals(CompactionReport.NONE, first.compaction(), first::toString);
    assertEquals(CompactionReport.NONE, second.compaction(), second::toString);
    assertEquals(0, net.sent[COMPACT_PROBE]);
    assertEquals(1, net.state(0).epochs.digestCalls, "the empty cut-off is remembered");

    // a closed entry arrives by a merge (a deposed leader's record held by region 1): looked at
    // again
    net.state(1).applyLog(ACME, "view", entityIn(SHARD, 3), 1.0, CUTOFF, 0);
    reconcile(0);
    assertEquals(3, net.state(0).epochs.digestCalls, "a candidate again, and at the decision");
    assertEquals(2, net.sent[COMPACT_PROBE]);
    reconcile(0);
    assertEquals(List.of(new Compact(SHARD, CUTOFF)), net.state(0).epochs.appended);
  }

  @Test
  void shouldNotProbeShardsThisRegionDoesNotLead() throws Exception {
    cluster(3, c -> c);
    closedEpochs(SHARD);
    log(entityIn(SHARD, 50_000), EPOCH, all()); // epoch 3 everywhere, its leader elsewhere

    for (int r = 0; r < 3; r++) {
      assertEquals(CompactionReport.NONE, reconcile(r).compaction());
      assertEquals(0, net.state(r).epochs.digestCalls);
    }
    assertEquals(0, net.sent[COMPACT_PROBE]);
  }

  @Test
  void shouldProbeOnlyWhenOnButAnswerEitherWay() throws Exception {
    cluster(3, c -> c.region().equals(RegionId.of(0)) ? c.withCompaction(false) : c);
    closedEpochs(SHARD);
    openEpoch(SHARD, 0, all());
    closedEpochs(2);
    openEpoch(2, 1, all());

    assertEquals(CompactionReport.NONE, reconcile(0).compaction());
    assertEquals(0, net.sent[COMPACT_PROBE]);
    assertEquals(compacted(1), reconcile(1).compaction(), "region 0 answered region 1's probe");
    assertEquals(List.of(new Compact(2, CUTOFF)), net.state(1).epochs.appended);
  }

  @Test
  void shouldCompactOnThePeriodicTick() {
    cluster(2, c -> c.withInterval(Duration.ofMillis(50)));
    closedEpochs(SHARD);
    openEpoch(SHARD, 0, all());
    net.run(3, 10 * MS);
    assertEquals(List.of(), net.state(0).epochs.appended);
    net.run(5, 10 * MS);
    assertEquals(List.of(new Compact(SHARD, CUTOFF)), net.state(0).epochs.appended);
    assertEquals(1, net.engine(0).shardsCompacted());
  }

  @Test
  void shouldCountACompactTheStoreRefusesAsFailed() throws Exception {
    cluster(3, c -> c);
    closedEpochs(SHARD);
    openEpoch(SHARD, 0, all());
    net.tap = // region 0 steps down while its probe is out: the store refuses the COMPACT
        (to, bytes) -> {
          if (bytes[ReconcileFrameDescriptor.TYPE_OFFSET] == COMPACT_DIGEST) {
            net.state(0).epochs.lead(SHARD, -1);
          }
          return true;
        };

    ReconcileReport report = reconcile(0);

    assertEquals(new CompactionReport(0, 0, 0, 0, 1), report.compaction(), report::toString);
    assertEquals(List.of(), net.state(0).epochs.appended);
    assertEquals(0, net.engine(0).shardsCompacted());
  }

  @Test
  void shouldCompactAloneInAOneRegionCluster() throws Exception {
    cluster(1, c -> c);
    closedEpochs(SHARD);
    openEpoch(SHARD, 0, all());

    ReconcileReport report = reconcile(0);

    assertEquals(List.of(), report.peers());
    assertEquals(compacted(1), report.compaction(), report::toString);
    assertEquals(0, net.sent[COMPACT_PROBE]);
    assertEquals(List.of(new Compact(SHARD, CUTOFF)), net.state(0).epochs.appended);
  }

  @Test
  void shouldCountABadAnswerAsNoAnswerAndGoOnWithTheOthers() throws Exception {
    cluster(3, c -> c);
    closedEpochs(SHARD);
    openEpoch(SHARD, 0, all());
    int[] digests = new int[1];
    // the first answer claims another cut-off, the second one of the next round negative entries
    net.tap =
        (to, bytes) -> {
          if (bytes[ReconcileFrameDescriptor.TYPE_OFFSET] == COMPACT_DIGEST
              && digests[0]++ % 2 == 0) {
            int record = ReconcileFrameDescriptor.HEADER_LENGTH + 4;
            ByteBuffer b = ByteBuffer.wrap(bytes);
            if (digests[0] == 1) {
              b.putLong(record + 5, CUTOFF - 1);
            } else {
              b.putLong(record + 5 + 24, -1);
            }
          }
          return true;
        };
    ReconciliationEngine engine = net.engine(0);

    ReconcileReport first = reconcile(0);
    assertEquals(new CompactionReport(0, 0, 0, 1, 0), first.compaction(), first::toString);
    assertEquals(1, engine.badInput(BadInput.UNEXPECTED));
    assertEquals(2, first.peers().size(), "sessions with both completed");

    ReconcileReport second = reconcile(0);
    assertEquals(new CompactionReport(0, 0, 0, 1, 0), second.compaction(), second::toString);
    assertEquals(1, engine.badInput(BadInput.MALFORMED));
    assertEquals(List.of(), net.state(0).epochs.appended);

    net.tap = (to, bytes) -> true;
    assertEquals(compacted(1), reconcile(0).compaction());
  }
}
