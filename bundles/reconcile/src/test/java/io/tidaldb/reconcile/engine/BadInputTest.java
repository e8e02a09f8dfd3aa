package io.tidaldb.reconcile.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.TenantId;
import io.tidaldb.crdt.CrdtSignalState;
import io.tidaldb.reconcile.ReconcileReport;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bad input of every kind reaches region 0 from region 1 (or from a region that does not exist)
 * while region 0 reconciles with region 2: each is counted under its cause, nothing of it is
 * merged, and the session with region 2 completes.
 */
class BadInputTest {
  static final TenantId ACME = TenantId.of("acme");
  static final RegionId R1 = RegionId.of(1);

  Net net;
  Map<MemoryReconcileState.Key, CrdtSignalState> before;
  ReconciliationEngine engine;

  @BeforeEach
  void setUp() {
    net = new Net(3, 4, c -> c);
    ReconciliationEngineTest.defineEverywhere(net, ACME, "view");
    net.state(0).apply(ACME, "view", 1, 1.0);
    net.state(1).apply(ACME, "view", 2, 1.0);
    net.state(2).apply(ACME, "view", 3, 1.0);
    net.cut(0, 1); // region 0 never reaches region 1 itself: only the injected frames arrive
    before = net.state(0).snapshot();
    engine = net.engine(0);
  }

  static List<byte[]> frames(
      byte type, long session, int shards, int max, Consumer<FrameEncoder> body) {
    List<byte[]> out = new ArrayList<>();
    FrameEncoder e =
        new FrameEncoder(
            max,
            shards,
            session,
            type,
            f -> {
              byte[] b = new byte[f.remaining()];
              f.get(b);
              out.add(b);
            });
    body.accept(e);
    e.finish();
    return out;
  }

  static byte[] state(long entity, double weight) {
    MemoryReconcileState s = new MemoryReconcileState(4, 1);
    s.apply(ACME, "view", entity, weight);
    CrdtSignalState c = s.snapshot().values().iterator().next();
    ByteBuffer b = ByteBuffer.allocate(c.encodedLength());
    c.writeTo(b);
    return b.array();
  }

  /** Injects the frames, then reconciles region 0 with region 2 and checks the counter. */
  void expect(BadInput cause, List<byte[]> frames) throws Exception {
    long was = engine.badInput(cause);
    for (byte[] f : frames) {
      net.inject(R1, 0, f);
    }
    CompletableFuture<ReconcileReport> demand = engine.reconcileAll();
    ReconcileReport report = net.await(demand, ReconciliationEngineTest.MS);
    assertEquals(List.of(RegionId.of(2)), report.peers(), report::toString);
    assertEquals(was + 1, engine.badInput(cause), cause + " after " + report);
    Map<MemoryReconcileState.Key, CrdtSignalState> now = net.state(0).snapshot();
    now.keySet().removeIf(k -> k.entity() == 3); // region 2's entity, reconciled
    assertEquals(before, now, "nothing of the bad input merged");
  }

  static List<byte[]> one(byte[] frame) {
    return List.of(frame);
  }

  static byte[] summary() {
    return frames(
            ReconcileFrameDescriptor.SUMMARY, 77, 4, 4096, e -> e.groups(0, "acme", new long[32]))
        .get(0);
  }

  @Test
  void shouldCountMalformedFrames() throws Exception {
    expect(BadInput.MALFORMED, one(new byte[] {1, 2, 3}));
    byte[] magic = summary();
    magic[0] = 'X';
    expect(BadInput.MALFORMED, one(magic));
    byte[] version = summary();
    version[ReconcileFrameDescriptor.VERSION_OFFSET] = 9;
    expect(BadInput.MALFORMED, one(version));
    byte[] type = summary();
    type[ReconcileFrameDescriptor.TYPE_OFFSET] = 42;
    expect(BadInput.MALFORMED, one(type));
    byte[] flags = summary();
    flags[ReconcileFrameDescriptor.FLAGS_OFFSET] = 4;
    expect(BadInput.MALFORMED, one(flags));
    byte[] longer = java.util.Arrays.copyOf(summary(), summary().length + 1);
    expect(BadInput.MALFORMED, one(longer));
    byte[] shortBody = summary();
    ByteBuffer.wrap(shortBody)
        .putInt(ReconcileFrameDescriptor.BODY_LENGTH_OFFSET, shortBody.length);
    expect(BadInput.MALFORMED, one(shortBody));
    expect(
        BadInput.MALFORMED,
        one(frames(ReconcileFrameDescriptor.SUMMARY, 78, 8, 4096, e -> {}).get(0)));
    byte[] cutRecord = summary();
    byte[] truncated = java.util.Arrays.copyOf(cutRecord, cutRecord.length - 3);
    ByteBuffer.wrap(truncated)
        .putInt(
            ReconcileFrameDescriptor.BODY_LENGTH_OFFSET,
            truncated.length - ReconcileFrameDescriptor.HEADER_LENGTH);
    expect(BadInput.MALFORMED, one(truncated));
    expect(
        BadInput.MALFORMED,
        frames(
            ReconcileFrameDescriptor.FINAL,
            79,
            4,
            4096,
            e -> e.state(0, "acme", "1nvalid type", 5, state(5, 1.0))));
    // a record kind the frame type does not carry: an FPS record in a SUMMARY
    byte[] hashes =
        frames(
                ReconcileFrameDescriptor.HASHES,
                80,
                4,
                4096,
                e -> e.fingerprint(ReconcileFrameDescriptor.FPS_RECORD, 0, "acme", 5))
            .get(0);
    hashes[ReconcileFrameDescriptor.TYPE_OFFSET] = ReconcileFrameDescriptor.SUMMARY;
    expect(BadInput.MALFORMED, one(hashes));
  }

  @Test
  void shouldCountFramesOfUnknownRegionsShardsAndTenants() throws Exception {
    long was = engine.badInput(BadInput.UNKNOWN_REGION);
    net.inject(RegionId.of(9), 0, summary());
    net.pump();
    assertEquals(was + 1, engine.badInput(BadInput.UNKNOWN_REGION));
    expect(
        BadInput.UNKNOWN_SHARD,
        frames(
            ReconcileFrameDescriptor.SUMMARY, 81, 4, 4096, e -> e.groups(4, "acme", new long[32])));
    expect(
        BadInput.UNKNOWN_TENANT,
        frames(
            ReconcileFrameDescriptor.SUMMARY,
            82,
            4,
            4096,
            e -> e.groups(0, "Not A Tenant", new long[32])));
  }

  @Test
  void shouldCountBadCompactionFrames() throws Exception {
    byte probe = ReconcileFrameDescriptor.COMPACT_PROBE;
    byte digest = ReconcileFrameDescriptor.COMPACT_DIGEST;
    expect(BadInput.MALFORMED, frames(probe, 90, 4, 4096, e -> e.probe(0, -1)));
    expect(
        BadInput.MALFORMED,
        frames(
            probe,
            91,
            4,
            4096,
            e -> {
              e.probe(1, 2);
              e.probe(1, 3);
            }));
    expect(BadInput.UNKNOWN_SHARD, frames(probe, 92, 4, 4096, e -> e.probe(4, 2)));
    byte[] tenantIndex = frames(probe, 93, 4, 4096, e -> e.probe(0, 2)).get(0);
    ByteBuffer.wrap(tenantIndex)
        .putShort(ReconcileFrameDescriptor.HEADER_LENGTH + 4 + 3, (short) 1);
    expect(BadInput.MALFORMED, one(tenantIndex));
    byte[] cutShort = frames(probe, 94, 4, 4096, e -> e.probe(0, 2)).get(0);
    byte[] truncated = java.util.Arrays.copyOf(cutShort, cutShort.length - 1);
    ByteBuffer.wrap(truncated)
        .putInt(
            ReconcileFrameDescriptor.BODY_LENGTH_OFFSET,
            truncated.length - ReconcileFrameDescriptor.HEADER_LENGTH);
    expect(BadInput.MALFORMED, one(truncated));
    // a CLOSED record in a probe
    expect(BadInput.MALFORMED, frames(probe, 95, 4, 4096, e -> e.closed(0, 2, 3, 7, 1)));
    // an answer when this region runs no probe (the records of answers are checked in
    // ReconcileFrameDescriptorTest, and in a running round in CompactionTest)
    expect(BadInput.UNEXPECTED, frames(digest, 97, 4, 4096, e -> e.closed(0, 2, 3, 7, 1)));
    // a valid probe from region 1 is answered (the answer cannot reach it): nothing counted
    long malformed = engine.badInput(BadInput.MALFORMED);
    net.inject(R1, 0, frames(probe, 102, 4, 4096, e -> e.probe(0, 2)).get(0));
    net.pump();
    assertEquals(malformed, engine.badInput(BadInput.MALFORMED));
  }

  @Test
  void shouldCountBadSegmentRecordsAndMergeNoneOfTheirMessages() throws Exception {
    byte hashes = ReconcileFrameDescriptor.HASHES;
    byte fin = ReconcileFrameDescriptor.FINAL;
    int[] salted = new int[ReconcileFrameDescriptor.BUCKET_SEGMENTS];
    expect(
        BadInput.MALFORMED, frames(hashes, 110, 4, 4096, e -> e.segments(0, "acme", 1024, salted)));
    expect(BadInput.MALFORMED, frames(fin, 111, 4, 4096, e -> e.segmentMask(0, "acme", 5, 0)));
    expect(
        BadInput.MALFORMED,
        frames(
            hashes,
            112,
            4,
            4096,
            e -> {
              e.segments(0, "acme", 5, salted);
              e.segments(0, "acme", 5, salted);
            }));
    expect(BadInput.MALFORMED, frames(fin, 113, 4, 4096, e -> e.segments(0, "acme", 5, salted)));
    expect(
        BadInput.MALFORMED,
        frames(
            fin,
            114,
            4,
            4096,
            e -> e.fingerprint(ReconcileFrameDescriptor.WANTED_RECORD, 0, "acme", 9)));
    // a FINAL with states, masks and WANTED whose last frame repeats a mask: nothing is merged
    List<byte[]> bad =
        frames(
            fin,
            115,
            4,
            4096,
            e -> {
              for (long x = 0; x < 40; x++) {
                e.state(
                    net.state(0).shardOf(3000 + x), "acme", "view", 3000 + x, state(3000 + x, 1.0));
              }
              e.segmentMask(0, "acme", 5, 1);
              e.fingerprint(ReconcileFrameDescriptor.WANTED_RECORD, 0, "acme", 9);
              for (int b = 0; b < 300; b++) {
                e.segmentMask(1, "acme", b, 1);
              }
              e.segmentMask(1, "acme", 0, 2);
            });
    assertTrue(bad.size() >= 2, "frames: " + bad.size());
    expect(BadInput.MALFORMED, bad);
    // a segment answer of a session region 0 does not run
    expect(
        BadInput.UNEXPECTED,
        frames(ReconcileFrameDescriptor.STATES, 116, 4, 4096, e -> e.segmentMask(0, "acme", 5, 1)));
    // a valid HASHES of the segment path from region 1 is answered (the answer cannot reach it)
    long malformed = engine.badInput(BadInput.MALFORMED);
    net.inject(R1, 0, frames(hashes, 117, 4, 4096, e -> e.segments(0, "acme", 5, salted)).get(0));
    net.pump();
    assertEquals(malformed, engine.badInput(BadInput.MALFORMED));
  }

  @Test
  void shouldRejectStatesThatFailValidationAndMergeNoneOfABadMessage() throws Exception {
    int shard = net.state(0).shardOf(500);
    // a state for a series region 0 has not defined: rejected by the store, counted
    expect(
        BadInput.REJECTED_STATE,
        frames(
            ReconcileFrameDescriptor.FINAL,
            83,
            4,
            4096,
            e -> e.state(shard, "acme", "like", 500, state(500, 1.0))));
    // not a canonical state
    expect(
        BadInput.REJECTED_STATE,
        frames(
            ReconcileFrameDescriptor.FINAL,
            84,
            4,
            4096,
            e -> e.state(shard, "acme", "view", 500, new byte[] {1, 2, 3, 4})));
    // a FINAL whose first frame is good and whose second is malformed: nothing is merged
    List<byte[]> two =
        frames(
            ReconcileFrameDescriptor.FINAL,
            85,
            4,
            4096,
            e -> {
              for (long x = 0; x < 40; x++) {
                e.state(
                    net.state(0).shardOf(1000 + x), "acme", "view", 1000 + x, state(1000 + x, 1.0));
              }
            });
    assertTrue(two.size() >= 2, "frames: " + two.size());
    two.get(1)[0] = 0;
    expect(BadInput.MALFORMED, two);
    // frames out of order: the second frame of a message whose first never came
    List<byte[]> good =
        frames(
            ReconcileFrameDescriptor.FINAL,
            87,
            4,
            4096,
            e -> {
              for (long x = 0; x < 40; x++) {
                e.state(
                    net.state(0).shardOf(2000 + x), "acme", "view", 2000 + x, state(2000 + x, 1.0));
              }
            });
    expect(BadInput.UNEXPECTED, good.subList(1, good.size()));
    // answers of a session region 0 does not run
    expect(
        BadInput.UNEXPECTED,
        frames(
            ReconcileFrameDescriptor.STATES,
            86,
            4,
            4096,
            e -> e.fingerprint(ReconcileFrameDescriptor.WANTED_RECORD, 0, "acme", 1)));
  }
}
