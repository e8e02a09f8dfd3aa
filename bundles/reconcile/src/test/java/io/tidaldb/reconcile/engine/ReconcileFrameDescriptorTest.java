package io.tidaldb.reconcile.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
