package io.tidaldb.wal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pins the bytes of a shard's log start file ({@link LogStartDescriptor}) to a hex fixture whose
 * CRC32C was computed independently of this code, reads every field back at the descriptor's
 * offsets, and ties the javadoc diagram to the offset constants.
 */
class LogStartFormatTest {
  /** Shard 3 reset to position 1000 with last epoch 7, old segments deleted (STARTED). */
  private static final String STARTED_HEX =
      "54444c53" // magic "TDLS"
          + "0100" // version 1
          + "0200" // state STARTED
          + "03000000" // shard 3
          + "00000000" // reserved
          + "e803000000000000" // position 1000
          + "0700000000000000" // last epoch 7
          + "d7d83e81"; // crc32c of the 32 bytes above

  @Test
  void shouldWriteTheStartFileExactlyAsPinned(@TempDir Path dir) throws IOException {
    WalConfig config = WalConfig.builder(dir).shardCount(4).build();
    try (WalEngine wal = WalEngine.open(config)) {
      wal.shard(3).resetTo(1000, 7);
    }
    byte[] file = Files.readAllBytes(dir.resolve("shard-0003.start"));
    assertEquals(STARTED_HEX, HexFormat.of().formatHex(file));
    assertEquals(List.of(), WalTestSupport.segments(dir, 3));
    try (WalEngine wal = WalEngine.open(config)) {
      assertEquals(1000, wal.shard(3).nextPosition());
      assertEquals(7, wal.shard(3).lastEpoch());
    }
  }

  @Test
  void shouldReadEveryFieldAtItsDescriptorOffset() {
    ByteBuffer b = fixture();
    assertEquals(LogStartDescriptor.MAGIC, b.getInt(LogStartDescriptor.MAGIC_OFFSET));
    byte[] magic = new byte[4];
    b.get(0, magic);
    assertArrayEquals("TDLS".getBytes(StandardCharsets.US_ASCII), magic);
    assertEquals(1, b.getShort(LogStartDescriptor.VERSION_OFFSET));
    assertEquals(LogStartDescriptor.STARTED, b.getShort(LogStartDescriptor.STATE_OFFSET));
    assertEquals(3, b.getInt(LogStartDescriptor.SHARD_OFFSET));
    assertEquals(0, b.getInt(LogStartDescriptor.RESERVED_OFFSET));
    assertEquals(1000, b.getLong(LogStartDescriptor.POSITION_OFFSET));
    assertEquals(7, b.getLong(LogStartDescriptor.LAST_EPOCH_OFFSET));
    assertEquals(0x813ed8d7, b.getInt(LogStartDescriptor.CRC_OFFSET));
    assertEquals(b.getInt(LogStartDescriptor.CRC_OFFSET), LogStartDescriptor.crc(b));
    assertEquals(STARTED_HEX.length() / 2, LogStartDescriptor.LENGTH);
  }

  @Test
  void shouldEncodeTheFixtureThroughTheDescriptor() {
    ByteBuffer b = ByteBuffer.allocate(LogStartDescriptor.LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    LogStartDescriptor.write(b, 3, LogStartDescriptor.STARTED, 1000, 7);
    assertEquals(STARTED_HEX, HexFormat.of().formatHex(b.array()));
  }

  @Test
  void diagramShouldMatchOffsetConstants() throws IOException {
    Map<String, Integer> constants = new LinkedHashMap<>();
    constants.put("magic", LogStartDescriptor.MAGIC_OFFSET);
    constants.put("version", LogStartDescriptor.VERSION_OFFSET);
    constants.put("state", LogStartDescriptor.STATE_OFFSET);
    constants.put("shard", LogStartDescriptor.SHARD_OFFSET);
    constants.put("reserved", LogStartDescriptor.RESERVED_OFFSET);
    constants.put("position", LogStartDescriptor.POSITION_OFFSET);
    constants.put("last epoch", LogStartDescriptor.LAST_EPOCH_OFFSET);
    constants.put("crc32c", LogStartDescriptor.CRC_OFFSET);
    constants.put("end", LogStartDescriptor.LENGTH);
    assertEquals(constants, diagram());
  }

  /** Parses "| field | field | NN" rows of the diagram: cell i of n at NN + 4i/n. */
  private static Map<String, Integer> diagram() throws IOException {
    Path source = Path.of("src/main/java/io/tidaldb/wal/LogStartDescriptor.java");
    List<String> lines = Files.readAllLines(source);
    int start = lines.indexOf(" * <pre>");
    int end = lines.indexOf(" * </pre>");
    assertTrue(start >= 0 && end > start, "no <pre> diagram in " + source);
    Pattern row = Pattern.compile("^\\s*\\*\\s*\\|(.*)\\|\\s*(\\d+)\\s*$");
    Map<String, Integer> fields = new LinkedHashMap<>();
    for (String line : lines.subList(start + 1, end)) {
      Matcher m = row.matcher(line);
      if (!m.matches()) {
        continue;
      }
      String[] cells = m.group(1).split("\\|");
      int base = Integer.parseInt(m.group(2));
      for (int i = 0; i < cells.length; i++) {
        String name = cells[i].trim().toLowerCase().replaceAll("\\s*(=|0x|\\().*$", "").trim();
        fields.put(name, base + 4 * i / cells.length);
      }
    }
    return fields;
  }

  private static ByteBuffer fixture() {
    return ByteBuffer.wrap(HexFormat.of().parseHex(STARTED_HEX)).order(ByteOrder.LITTLE_ENDIAN);
  }
}
