package io.tidaldb.wal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.wal.RecordCursor;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WalRecordKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pins the on-disk bytes of a batch header and of both record kinds to a hex fixture (computed
 * independently of this code), reads every field back at the descriptor's offset constants, and
 * ties the descriptors' javadoc diagrams to those constants.
 */
class BatchFormatTest {
  private static final long HLC = 0x0102030405060708L;

  private static final String DEFINE_HEX =
      "02" + "01000000" + "04" + "61636d65" + "04" + "76696577";

  private static final String SIGNAL_HEX =
      "01"
          + "01000000"
          + "2a00000000000000"
          + "000000000000f83f"
          + "0068e5cf8b010000"
          + "0807060504030201"
          + "02000000";

  /** Shard 3, epoch 7: DEFINE(1, acme, view) at position 0, SIGNAL(1, 42, 1.5, ...) at 1. */
  private static final String BATCH_HEX =
      "57444c54"
          + "0200"
          + "0000"
          + "03000000"
          + "02000000" // magic, version, flags, shard, count
          + "0700000000000000" // epoch
          + "0000000000000000" // first position
          + "0807060504030201" // hlc min
          + "0807060504030201" // hlc max
          + "38000000" // payload length 56
          + "e9a51dc5" // crc32c
          + DEFINE_HEX
          + SIGNAL_HEX;

  @Test
  void shouldWriteBatchHeaderAndRecordsExactlyAsPinned(@TempDir Path dir) throws IOException {
    WalConfig config =
        WalConfig.builder(dir)
            .shardCount(4)
            .groupCommitDelayNanos(WalConfig.MAX_DELAY_NANOS)
            .build();
    try (WalEngine wal = WalEngine.open(config)) {
      ShardLog log = wal.shard(3);
      log.advanceEpoch(7);
      assertEquals(0, log.appendDefine(1, "acme", "view"));
      assertEquals(1, log.appendSignal(1, 42, 1.5, 1_700_000_000_000L, HLC, 2));
    } // close commits the pending batch: one batch holding both records
    byte[] file = Files.readAllBytes(dir.resolve("shard-0003-00000000000000000000.wal"));
    assertEquals(BATCH_HEX, HexFormat.of().formatHex(file));
  }

  @Test
  void shouldReadEveryHeaderFieldAtItsDescriptorOffset() {
    ByteBuffer b = fixture();
    assertEquals(BatchDescriptor.MAGIC, b.getInt(BatchDescriptor.MAGIC_OFFSET));
    assertArrayEquals("WDLT".getBytes(StandardCharsets.US_ASCII), slice(b, 0, 4));
    assertEquals(2, b.getShort(BatchDescriptor.VERSION_OFFSET));
    assertEquals(0, b.getShort(BatchDescriptor.FLAGS_OFFSET));
    assertEquals(3, b.getInt(BatchDescriptor.SHARD_OFFSET));
    assertEquals(2, b.getInt(BatchDescriptor.RECORD_COUNT_OFFSET));
    assertEquals(7, b.getLong(BatchDescriptor.EPOCH_OFFSET));
    assertEquals(0, b.getLong(BatchDescriptor.FIRST_POSITION_OFFSET));
    assertEquals(HLC, b.getLong(BatchDescriptor.HLC_MIN_OFFSET));
    assertEquals(HLC, b.getLong(BatchDescriptor.HLC_MAX_OFFSET));
    assertEquals(56, b.getInt(BatchDescriptor.PAYLOAD_LENGTH_OFFSET));
    assertEquals(0xc51da5e9, b.getInt(BatchDescriptor.CRC_OFFSET));
    assertEquals(
        b.getInt(BatchDescriptor.CRC_OFFSET),
        BatchDescriptor.computeCrc(new java.util.zip.CRC32C(), b.duplicate(), 0, 56));
    assertEquals(BATCH_HEX.length() / 2, BatchDescriptor.HEADER_LENGTH + 56);
  }

  @Test
  void shouldReadEveryRecordFieldAtItsDescriptorOffset() {
    ByteBuffer b = fixture();
    int define = BatchDescriptor.HEADER_LENGTH;
    assertEquals(WalRecordKind.DEFINE, b.get(define + RecordDescriptor.KIND_OFFSET));
    assertEquals(1, b.getInt(define + RecordDescriptor.SERIES_ID_OFFSET));
    assertEquals(4, b.get(define + RecordDescriptor.DEFINE_TENANT_LENGTH_OFFSET));
    assertArrayEquals(
        "acme".getBytes(StandardCharsets.US_ASCII),
        slice(b, define + RecordDescriptor.DEFINE_TENANT_OFFSET, 4));
    assertEquals(DEFINE_HEX.length() / 2, RecordDescriptor.DEFINE_FIXED_LENGTH + 8);
    int signal = define + DEFINE_HEX.length() / 2;
    assertEquals(WalRecordKind.SIGNAL, b.get(signal + RecordDescriptor.KIND_OFFSET));
    assertEquals(1, b.getInt(signal + RecordDescriptor.SERIES_ID_OFFSET));
    assertEquals(42, b.getLong(signal + RecordDescriptor.SIGNAL_ENTITY_OFFSET));
    assertEquals(1.5, b.getDouble(signal + RecordDescriptor.SIGNAL_WEIGHT_OFFSET));
    assertEquals(1_700_000_000_000L, b.getLong(signal + RecordDescriptor.SIGNAL_EVENT_TIME_OFFSET));
    assertEquals(HLC, b.getLong(signal + RecordDescriptor.SIGNAL_HLC_OFFSET));
    assertEquals(2, b.getInt(signal + RecordDescriptor.SIGNAL_ORIGIN_OFFSET));
    assertEquals(SIGNAL_HEX.length() / 2, RecordDescriptor.SIGNAL_LENGTH);
  }

  @Test
  void shouldDecodeFixtureThroughBatchView() {
    BatchView view = new BatchView().wrap(fixture(), 0, Path.of("fixture"), 0);
    assertEquals(3, view.shard());
    assertEquals(7, view.epoch());
    assertEquals(2, view.recordCount());
    assertEquals(HLC, view.hlcMin());
    assertEquals(BATCH_HEX, HexFormat.of().formatHex(slice(view.bytes(), 0, view.length())));
    RecordCursor c = view.records();
    assertTrue(c.next());
    assertEquals(0, c.position());
    assertEquals("acme", c.tenantName());
    assertEquals("view", c.typeName());
    assertTrue(c.next());
    assertEquals(1, c.position());
    assertEquals(42, c.entity());
    assertEquals(2, c.origin());
    assertEquals(false, c.next());
  }

  @Test
  void headerDiagramShouldMatchOffsetConstants() throws IOException {
    Map<String, Integer> diagram = headerDiagram();
    Map<String, Integer> constants = new LinkedHashMap<>();
    constants.put("magic", BatchDescriptor.MAGIC_OFFSET);
    constants.put("version", BatchDescriptor.VERSION_OFFSET);
    constants.put("flags", BatchDescriptor.FLAGS_OFFSET);
    constants.put("shard", BatchDescriptor.SHARD_OFFSET);
    constants.put("record count", BatchDescriptor.RECORD_COUNT_OFFSET);
    constants.put("epoch", BatchDescriptor.EPOCH_OFFSET);
    constants.put("first position", BatchDescriptor.FIRST_POSITION_OFFSET);
    constants.put("hlc min", BatchDescriptor.HLC_MIN_OFFSET);
    constants.put("hlc max", BatchDescriptor.HLC_MAX_OFFSET);
    constants.put("payload length", BatchDescriptor.PAYLOAD_LENGTH_OFFSET);
    constants.put("crc32c", BatchDescriptor.CRC_OFFSET);
    constants.put("payload", BatchDescriptor.HEADER_LENGTH);
    assertEquals(constants, diagram);
  }

  @Test
  void recordDiagramsShouldMatchOffsetConstants() throws IOException {
    List<List<Integer>> rows = recordDiagramOffsetRows();
    assertEquals(
        List.of(
            RecordDescriptor.KIND_OFFSET,
            RecordDescriptor.SERIES_ID_OFFSET,
            RecordDescriptor.SIGNAL_ENTITY_OFFSET,
            RecordDescriptor.SIGNAL_WEIGHT_OFFSET,
            RecordDescriptor.SIGNAL_EVENT_TIME_OFFSET,
            RecordDescriptor.SIGNAL_HLC_OFFSET,
            RecordDescriptor.SIGNAL_ORIGIN_OFFSET,
            RecordDescriptor.SIGNAL_LENGTH),
        rows.get(0));
    assertEquals(
        List.of(
            RecordDescriptor.KIND_OFFSET,
            RecordDescriptor.SERIES_ID_OFFSET,
            RecordDescriptor.DEFINE_TENANT_LENGTH_OFFSET,
            RecordDescriptor.DEFINE_TENANT_OFFSET),
        rows.get(1));
    assertEquals(
        List.of(
            RecordDescriptor.KIND_OFFSET,
            RecordDescriptor.SERIES_ID_OFFSET,
            RecordDescriptor.COMPACT_CUT_OFF_OFFSET,
            RecordDescriptor.COMPACT_DIGEST_OFFSET,
            RecordDescriptor.COMPACT_LENGTH),
        rows.get(2));
    assertEquals(
        List.of(
            RecordDescriptor.KIND_OFFSET,
            RecordDescriptor.SIGNAL_S_SESSION_OFFSET,
            RecordDescriptor.SIGNAL_S_SEQ_OFFSET,
            RecordDescriptor.SIGNAL_S_ACKED_BELOW_OFFSET,
            RecordDescriptor.SIGNAL_S_PAYLOAD_HASH_OFFSET,
            RecordDescriptor.SIGNAL_S_DURABILITY_OFFSET,
            RecordDescriptor.SIGNAL_S_LENGTH),
        rows.get(3));
    assertEquals(
        List.of(
            RecordDescriptor.KIND_OFFSET,
            RecordDescriptor.SIGNAL_SC_SESSION_OFFSET,
            RecordDescriptor.SIGNAL_SC_PAYLOAD_HASH_OFFSET,
            RecordDescriptor.SIGNAL_SC_FORM_OFFSET,
            RecordDescriptor.SIGNAL_SC_SEQ_OFFSET),
        rows.get(4));
    assertEquals(5, rows.size(), "one diagram per record kind");
  }

  /** COMPACT(cut-off 5, digest 0x1122334455667788), appended by the leader of epoch 7. */
  private static final String COMPACT_HEX =
      "03" + "00000000" + "0500000000000000" + "8877665544332211";

  @Test
  void shouldWriteACompactRecordExactlyAsPinnedAndReadItBack(@TempDir Path dir) throws IOException {
    WalConfig config =
        WalConfig.builder(dir)
            .shardCount(4)
            .groupCommitDelayNanos(WalConfig.MAX_DELAY_NANOS)
            .build();
    try (WalEngine wal = WalEngine.open(config)) {
      ShardLog log = wal.shard(3);
      log.startLeading(7);
      assertEquals(0, log.appendCompact(7, 5, 0x1122334455667788L));
    }
    byte[] file = Files.readAllBytes(dir.resolve("shard-0003-00000000000000000000.wal"));
    assertEquals(BatchDescriptor.HEADER_LENGTH + COMPACT_HEX.length() / 2, file.length);
    assertEquals(
        COMPACT_HEX, HexFormat.of().formatHex(file, BatchDescriptor.HEADER_LENGTH, file.length));
    assertEquals(COMPACT_HEX.length() / 2, RecordDescriptor.COMPACT_LENGTH);
    BatchView view =
        new BatchView()
            .wrap(ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN), 0, Path.of("f"), 0);
    RecordCursor c = view.records();
    assertTrue(c.next());
    assertEquals(WalRecordKind.COMPACT, c.kind());
    assertEquals(5, c.cutOffEpoch());
    assertEquals(0x1122334455667788L, c.closedDigest());
    assertEquals(false, c.next());
  }

  /** Parses "| field | field | NN" rows of the header diagram: cell i of n at NN + 4i/n. */
  private static Map<String, Integer> headerDiagram() throws IOException {
    Pattern row = Pattern.compile("^\\s*\\*\\s*\\|(.*)\\|\\s*(\\d+)\\s*$");
    Map<String, Integer> fields = new LinkedHashMap<>();
    for (String line : javadoc("BatchDescriptor")) {
      Matcher m = row.matcher(line);
      if (!m.matches()) {
        continue;
      }
      String[] cells = m.group(1).split("\\|");
      int base = Integer.parseInt(m.group(2));
      for (int i = 0; i < cells.length; i++) {
        String name = cells[i].trim().toLowerCase();
        name = name.replaceAll("\\s*(=|0x|\\().*$", "").trim();
        fields.put(name, base + 4 * i / cells.length);
      }
    }
    return fields;
  }

  /** Returns the leading numeric offsets of each record diagram's offset row (numbers only). */
  private static List<List<Integer>> recordDiagramOffsetRows() throws IOException {
    Pattern offsets = Pattern.compile("^\\s*\\*\\s+(\\d+(?:\\s+[0-9a-z+]+)+)\\s*$");
    List<List<Integer>> rows = new ArrayList<>();
    for (String line : javadoc("RecordDescriptor")) {
      Matcher m = offsets.matcher(line);
      if (m.matches()) {
        List<Integer> row = new ArrayList<>();
        for (String token : m.group(1).trim().split("\\s+")) {
          if (!token.matches("\\d+")) {
            break;
          }
          row.add(Integer.parseInt(token));
        }
        rows.add(row);
      }
    }
    return rows;
  }

  private static List<String> javadoc(String className) throws IOException {
    Path source = Path.of("src/main/java/io/tidaldb/wal/" + className + ".java");
    List<String> lines = Files.readAllLines(source);
    int start = lines.indexOf(" * <pre>");
    int end = lines.indexOf(" * </pre>");
    assertTrue(start >= 0 && end > start, "no <pre> diagram in " + source);
    return lines.subList(start + 1, end);
  }

  private static ByteBuffer fixture() {
    return ByteBuffer.wrap(HexFormat.of().parseHex(BATCH_HEX)).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static byte[] slice(ByteBuffer b, int offset, int length) {
    byte[] out = new byte[length];
    b.get(offset, out);
    return out;
  }
}
