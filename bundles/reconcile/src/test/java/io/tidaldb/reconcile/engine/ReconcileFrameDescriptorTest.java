package io.tidaldb.reconcile.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pins the bytes of the reconciliation frame and ties the layout diagram's offsets to them. */
class ReconcileFrameDescriptorTest {
  @Test
  void shouldPinTheBytesOfAHashesFrame() {
    List<byte[]> frames =
        BadInputTest.frames(
            ReconcileFrameDescriptor.HASHES,
            0x0102030405060708L,
            4,
            4096,
            e -> {
              java.util.BitSet b = new java.util.BitSet();
              b.set(9);
              e.range(3, "acme", b);
              e.fingerprint(ReconcileFrameDescriptor.FPS_RECORD, 3, "acme", 42);
              e.fingerprint(ReconcileFrameDescriptor.FPS_RECORD, 3, "acme", 0x1122334455667788L);
            });
    assertEquals(1, frames.size());
    ByteBuffer f = ByteBuffer.wrap(frames.get(0));
    assertEquals(ReconcileFrameDescriptor.MAGIC, f.getInt(ReconcileFrameDescriptor.MAGIC_OFFSET));
    assertEquals(1, f.get(ReconcileFrameDescriptor.VERSION_OFFSET));
    assertEquals(ReconcileFrameDescriptor.HASHES, f.get(ReconcileFrameDescriptor.TYPE_OFFSET));
    assertEquals(ReconcileFrameDescriptor.FLAG_LAST, f.get(ReconcileFrameDescriptor.FLAGS_OFFSET));
    assertEquals(4, f.getShort(ReconcileFrameDescriptor.SHARDS_OFFSET));
    assertEquals(0x0102030405060708L, f.getLong(ReconcileFrameDescriptor.SESSION_OFFSET));
    assertEquals(0, f.getInt(ReconcileFrameDescriptor.INDEX_OFFSET));
    int body =
        2
            + 5
            + 2
            + ReconcileFrameDescriptor.RANGE_RECORD_LENGTH
            + ReconcileFrameDescriptor.FPS_RECORD_FIXED_LENGTH
            + 2 * Long.BYTES;
    assertEquals(body, f.getInt(ReconcileFrameDescriptor.BODY_LENGTH_OFFSET));
    assertEquals(ReconcileFrameDescriptor.HEADER_LENGTH + body, frames.get(0).length);
    String hex = HexFormat.of().formatHex(frames.get(0));
    assertEquals(
        "54445243"
            + "01"
            + "03"
            + "01"
            + "00"
            + "0004"
            + "0000"
            + "0102030405060708"
            + "00000000"
            + String.format("%08x", body)
            + "0001"
            + "04"
            + "61636d65" // tenants: acme
            + "0000" // types: none
            + "03"
            + "0003"
            + "0000"
            + "0002"
            + "00".repeat(126) // RANGE, bucket 9 = byte 1 bit 1
            + "04"
            + "0003"
            + "0000"
            + "0002"
            + "000000000000002a"
            + "1122334455667788", // FPS: two fingerprints in one record
        hex);
  }

  @Test
  void shouldPinTheBytesOfTheSegmentRecords() {
    int[] salted = new int[ReconcileFrameDescriptor.BUCKET_SEGMENTS];
    StringBuilder digests = new StringBuilder();
    for (int i = 0; i < salted.length; i++) {
      salted[i] = 0x01000000 + i;
      digests.append(String.format("%08x", salted[i]));
    }
    byte[] hashes =
        BadInputTest.frames(
                ReconcileFrameDescriptor.HASHES,
                0x21L,
                4,
                4096,
                e -> e.segments(3, "acme", 9, salted))
            .get(0);
    int hashesBody = 2 + 5 + 2 + ReconcileFrameDescriptor.SEGMENTS_RECORD_LENGTH;
    assertEquals(263, ReconcileFrameDescriptor.SEGMENTS_RECORD_LENGTH);
    assertEquals(ReconcileFrameDescriptor.HEADER_LENGTH + hashesBody, hashes.length);
    assertEquals(
        "54445243"
            + "01"
            + "03" // HASHES
            + "01"
            + "00"
            + "0004"
            + "0000"
            + "0000000000000021"
            + "00000000"
            + String.format("%08x", hashesBody)
            + "0001"
            + "04"
            + "61636d65" // tenants: acme
            + "0000" // types: none
            + "0a" // SEGMENTS
            + "0003" // shard 3
            + "0000" // tenant acme
            + "0009" // bucket 9: segments 576..639
            + digests,
        HexFormat.of().formatHex(hashes));

    byte[] fin =
        BadInputTest.frames(
                ReconcileFrameDescriptor.FINAL,
                0x21L,
                4,
                4096,
                e -> {
                  e.segmentMask(3, "acme", 1023, 0x8000000000000005L);
                  e.fingerprint(ReconcileFrameDescriptor.WANTED_RECORD, 3, "acme", 42);
                })
            .get(0);
    int finBody =
        2
            + 5
            + 2
            + ReconcileFrameDescriptor.SEGMENT_MASK_RECORD_LENGTH
            + ReconcileFrameDescriptor.FPS_RECORD_FIXED_LENGTH
            + Long.BYTES;
    assertEquals(15, ReconcileFrameDescriptor.SEGMENT_MASK_RECORD_LENGTH);
    assertEquals(
        "54445243"
            + "01"
            + "05" // FINAL
            + "01"
            + "00"
            + "0004"
            + "0000"
            + "0000000000000021"
            + "00000000"
            + String.format("%08x", finBody)
            + "0001"
            + "04"
            + "61636d65"
            + "0000"
            + "0b" // SEGMENT_MASK
            + "0003"
            + "0000"
            + "03ff" // bucket 1023
            + "8000000000000005" // segments 65472, 65474 and 65535
            + "06" // WANTED, after the mask of its (shard, tenant)
            + "0003"
            + "0000"
            + "0001"
            + "000000000000002a",
        HexFormat.of().formatHex(fin));
  }

  @Test
  void shouldDecodeTheSegmentRecordsAndRefuseBadOnes() throws Exception {
    int[] salted = new int[ReconcileFrameDescriptor.BUCKET_SEGMENTS];
    salted[63] = -5;
    byte hashes = ReconcileFrameDescriptor.HASHES;
    byte states = ReconcileFrameDescriptor.STATES;
    byte fin = ReconcileFrameDescriptor.FINAL;
    byte done = ReconcileFrameDescriptor.DONE;
    Assembly h = decode(hashes, e -> e.segments(1, "acme", 1023, salted), 4);
    assertEquals(-5, h.segments.values().iterator().next().digests.get(1023)[63]);
    Assembly st =
        decode(
            states,
            e -> {
              e.segmentMask(1, "acme", 2, 0x8000000000000001L);
              e.fingerprint(ReconcileFrameDescriptor.FPS_RECORD, 1, "acme", 7);
            },
            4);
    Assembly.Segments part = st.segments.values().iterator().next();
    assertEquals(java.util.Map.of(2, 0x8000000000000001L), part.masks);
    assertEquals(7, part.fingerprints.get(0));
    java.util.BitSet expected = new java.util.BitSet();
    expected.set(128);
    expected.set(191);
    assertEquals(expected, part.segments());
    assertEquals(
        List.of(7L),
        List.of(
            decode(
                    fin,
                    e -> {
                      e.segmentMask(1, "acme", 2, 1);
                      e.fingerprint(ReconcileFrameDescriptor.WANTED_RECORD, 1, "acme", 7);
                    },
                    4)
                .segments
                .values()
                .iterator()
                .next()
                .fingerprints
                .get(0)));
    Assembly d =
        decode(
            done,
            e -> {
              e.done(1, 2, 3);
              e.state(1, "acme", "view", 5, new byte[] {1});
            },
            4);
    assertEquals(1, d.states.size());

    // a bucket out of range, a mask of 0
    assertRefused(BadInput.MALFORMED, hashes, e -> e.segments(1, "acme", 1024, salted));
    assertRefused(BadInput.MALFORMED, states, e -> e.segmentMask(1, "acme", 1024, 1));
    assertRefused(BadInput.MALFORMED, fin, e -> e.segmentMask(1, "acme", 3, 0));
    // a bucket twice in one message (per (shard, tenant))
    assertRefused(
        BadInput.MALFORMED,
        hashes,
        e -> {
          e.segments(1, "acme", 7, salted);
          e.segments(1, "acme", 7, salted);
        });
    assertRefused(
        BadInput.MALFORMED,
        fin,
        e -> {
          e.segmentMask(1, "acme", 7, 1);
          e.segmentMask(1, "acme", 7, 2);
        });
    Assembly twoTenants =
        decode(
            states,
            e -> {
              e.segmentMask(1, "acme", 7, 1);
              e.segmentMask(1, "globex", 7, 1);
              e.segmentMask(2, "acme", 7, 1);
            },
            4);
    assertEquals(3, twoTenants.segments.size());
    // segment records in frame types that do not carry them
    assertRefused(BadInput.MALFORMED, states, e -> e.segments(1, "acme", 7, salted));
    assertRefused(BadInput.MALFORMED, fin, e -> e.segments(1, "acme", 7, salted));
    assertRefused(BadInput.MALFORMED, hashes, e -> e.segmentMask(1, "acme", 7, 1));
    assertRefused(BadInput.MALFORMED, done, e -> e.segmentMask(1, "acme", 7, 1));
    assertRefused(
        BadInput.MALFORMED,
        ReconcileFrameDescriptor.SUMMARY,
        e -> e.segments(1, "acme", 7, salted));
    // fingerprints of the segment path before any mask of their (shard, tenant)
    assertRefused(
        BadInput.MALFORMED,
        states,
        e -> {
          e.segmentMask(1, "globex", 7, 1);
          e.fingerprint(ReconcileFrameDescriptor.FPS_RECORD, 1, "acme", 7);
        });
    assertRefused(
        BadInput.MALFORMED,
        fin,
        e -> e.fingerprint(ReconcileFrameDescriptor.WANTED_RECORD, 1, "acme", 7));
    // both paths for one (shard, tenant) in a HASHES
    java.util.BitSet range = new java.util.BitSet();
    range.set(7);
    assertRefused(
        BadInput.MALFORMED,
        hashes,
        e -> {
          e.range(1, "acme", range);
          e.segments(1, "acme", 8, salted);
        });
    assertRefused(
        BadInput.MALFORMED,
        hashes,
        e -> {
          e.segments(1, "acme", 8, salted);
          e.fingerprint(ReconcileFrameDescriptor.FPS_RECORD, 1, "acme", 7);
        });
    assertRefused(BadInput.UNKNOWN_SHARD, hashes, e -> e.segments(4, "acme", 7, salted));
  }

  @Test
  void shouldPinTheBytesOfTheCompactionFrames() {
    byte[] probe =
        BadInputTest.frames(
                ReconcileFrameDescriptor.COMPACT_PROBE,
                0x11L,
                4,
                4096,
                e -> {
                  e.probe(1, 2);
                  e.probe(3, 0x0102030405060708L);
                })
            .get(0);
    int probeBody = 4 + 2 * ReconcileFrameDescriptor.PROBE_RECORD_LENGTH;
    assertEquals(
        "54445243"
            + "01"
            + "07" // COMPACT_PROBE
            + "01"
            + "00"
            + "0004"
            + "0000"
            + "0000000000000011"
            + "00000000"
            + String.format("%08x", probeBody)
            + "0000" // tenants: none
            + "0000" // types: none
            + "08" // PROBE
            + "0001" // shard 1
            + "0000" // tenant index 0
            + "0000000000000002" // cut-off 2
            + "08"
            + "0003"
            + "0000"
            + "0102030405060708",
        HexFormat.of().formatHex(probe));
    byte[] digest =
        BadInputTest.frames(
                ReconcileFrameDescriptor.COMPACT_DIGEST,
                0x11L,
                4,
                4096,
                e -> {
                  e.closed(1, 2, 3, 0x1122334455667788L, 10);
                  e.closed(3, 2, 2, 0, 0);
                })
            .get(0);
    int digestBody = 4 + 2 * ReconcileFrameDescriptor.CLOSED_RECORD_LENGTH;
    assertEquals(ReconcileFrameDescriptor.HEADER_LENGTH + digestBody, digest.length);
    assertEquals(
        "54445243"
            + "01"
            + "08" // COMPACT_DIGEST
            + "01"
            + "00"
            + "0004"
            + "0000"
            + "0000000000000011"
            + "00000000"
            + String.format("%08x", digestBody)
            + "0000"
            + "0000"
            + "09" // CLOSED
            + "0001"
            + "0000"
            + "0000000000000002" // cut-off
            + "0000000000000003" // applied epoch
            + "1122334455667788" // closed digest
            + "000000000000000a" // entries
            + "09"
            + "0003"
            + "0000"
            + "0000000000000002"
            + "0000000000000002" // applied 2: not past the cut-off, digest and entries 0
            + "0000000000000000"
            + "0000000000000000",
        HexFormat.of().formatHex(digest));
  }

  @Test
  void shouldPinTheBytesOfTheSessionTableRecords() {
    long r2i1 = 0x8000_0000_0002_0001L; // ReplicaIds.local(2, 1)
    byte[] frame =
        BadInputTest.frames(
                ReconcileFrameDescriptor.LEAVES,
                0x11L,
                4,
                4096,
                e -> {
                  e.tableVersion(1, r2i1, 9);
                  e.table(3, r2i1, 7, new byte[] {0x54, 0x44, 0x53});
                })
            .get(0);
    int body =
        4
            + ReconcileFrameDescriptor.TABLE_VERSION_RECORD_LENGTH
            + ReconcileFrameDescriptor.TABLE_RECORD_FIXED_LENGTH
            + 3;
    assertEquals(
        "54445243"
            + "01"
            + "02" // LEAVES
            + "01"
            + "00"
            + "0004"
            + "0000"
            + "0000000000000011"
            + "00000000"
            + String.format("%08x", body)
            + "0000" // tenants: none
            + "0000" // types: none
            + "0c" // TABLE_VERSION
            + "0001" // shard 1
            + "0000" // tenant index 0
            + "8000000000020001" // replica r2.i1
            + "0000000000000009" // version 9
            + "0d" // TABLE
            + "0003"
            + "0000"
            + "8000000000020001"
            + "0000000000000007" // version 7
            + "00000003" // total length
            + "00000000" // offset
            + "00000003" // chunk length
            + "544453",
        HexFormat.of().formatHex(frame));
  }

  @Test
  void shouldDecodeTheSessionTableRecordsAndRefuseBadOnes() throws Exception {
    long r1 = 0x8000_0000_0001_0000L;
    byte leaves = ReconcileFrameDescriptor.LEAVES;
    Assembly a =
        decode(
            leaves,
            e -> {
              e.tableVersion(2, r1, -1);
              e.table(2, r1, 5, new byte[] {1, 2, 3});
            },
            4);
    assertEquals(java.util.Map.of(new Assembly.ShardReplica(2, r1), -1L), a.tableVersions);
    Assembly.Table t = a.tables.get(new Assembly.ShardReplica(2, r1));
    assertTrue(t.complete());
    assertEquals(5, t.version);
    assertEquals("010203", HexFormat.of().formatHex(t.bytes));

    assertRefused(BadInput.MALFORMED, leaves, e -> e.tableVersion(0, 7, 1)); // a log replica id
    assertRefused(BadInput.MALFORMED, leaves, e -> e.tableVersion(0, r1 | 1L << 40, 1));
    assertRefused(BadInput.MALFORMED, leaves, e -> e.tableVersion(0, r1, -2));
    assertRefused(BadInput.MALFORMED, leaves, e -> e.table(0, r1, 0, new byte[] {1})); // v 0
    assertRefused(BadInput.UNKNOWN_SHARD, leaves, e -> e.tableVersion(4, r1, 1));
    assertRefused(
        BadInput.MALFORMED, ReconcileFrameDescriptor.STATES, e -> e.tableVersion(0, r1, 1));
    assertRefused(
        BadInput.MALFORMED,
        leaves,
        e -> {
          e.tableVersion(1, r1, 1);
          e.tableVersion(1, r1, 2);
        });
    assertRefused(
        BadInput.MALFORMED,
        leaves,
        e -> {
          e.table(1, r1, 3, new byte[] {1});
          e.table(1, r1, 3, new byte[] {1}); // offset 0 again: does not continue
        });
  }

  @Test
  void shouldDecodeTheCompactionFramesAndRefuseBadRecords() throws Exception {
    Assembly probe = decode(ReconcileFrameDescriptor.COMPACT_PROBE, e -> e.probe(2, 5), 4);
    assertEquals(java.util.Map.of(2, 5L), probe.probes);
    Assembly answer =
        decode(ReconcileFrameDescriptor.COMPACT_DIGEST, e -> e.closed(2, 5, 6, -7, 8), 4);
    assertEquals(java.util.Map.of(2, new Assembly.Closed(5, 6, -7, 8)), answer.closed);

    byte digest = ReconcileFrameDescriptor.COMPACT_DIGEST;
    assertRefused(BadInput.MALFORMED, digest, e -> e.closed(0, -1, 3, 0, 0)); // cut-off < 0
    assertRefused(BadInput.MALFORMED, digest, e -> e.closed(0, 2, -2, 0, 0)); // applied < -1
    assertRefused(BadInput.MALFORMED, digest, e -> e.closed(0, 2, 3, 7, -1)); // entries < 0
    assertRefused(BadInput.MALFORMED, digest, e -> e.closed(0, 2, 2, 7, 1)); // not past, digest
    assertRefused(BadInput.UNKNOWN_SHARD, digest, e -> e.closed(4, 2, 3, 7, 1));
    assertRefused(BadInput.MALFORMED, digest, e -> e.probe(0, 2)); // the probe's record kind
    assertRefused(
        BadInput.MALFORMED,
        digest,
        e -> {
          e.closed(1, 2, 3, 7, 1);
          e.closed(1, 2, 3, 7, 1);
        });
  }

  private static Assembly decode(
      byte type, java.util.function.Consumer<FrameEncoder> body, int shards)
      throws FrameDecoder.BadFrame {
    ByteBuffer f = ByteBuffer.wrap(BadInputTest.frames(type, 9, 4, 4096, body).get(0));
    FrameDecoder.Header h = FrameDecoder.header(f, shards);
    Assembly a = new Assembly(h.type(), h.session());
    FrameDecoder.records(f, h, shards, a);
    return a;
  }

  private static void assertRefused(
      BadInput cause, byte type, java.util.function.Consumer<FrameEncoder> body) {
    FrameDecoder.BadFrame e =
        org.junit.jupiter.api.Assertions.assertThrows(
            FrameDecoder.BadFrame.class, () -> decode(type, body, 4));
    assertEquals(cause, e.cause, e.getMessage());
  }

  @Test
  void shouldDecodeWhatItEncodes() throws Exception {
    List<byte[]> frames =
        BadInputTest.frames(
            ReconcileFrameDescriptor.STATES,
            5,
            4,
            4096,
            e -> {
              e.state(1, "acme", "view", 7, new byte[] {9, 8, 7});
              e.fingerprint(ReconcileFrameDescriptor.WANTED_RECORD, 2, "globex", -3);
            });
    ByteBuffer f = ByteBuffer.wrap(frames.get(0));
    FrameDecoder.Header h = FrameDecoder.header(f, 4);
    Assembly a = new Assembly(h.type(), h.session());
    FrameDecoder.records(f, h, 4, a);
    assertEquals(2, a.states.size());
    assertEquals(-3, a.states.values().stream().skip(1).findFirst().orElseThrow().wanted.get(0));
    assertEquals(3, a.states.values().iterator().next().states.get(0).state().length);
  }
}
