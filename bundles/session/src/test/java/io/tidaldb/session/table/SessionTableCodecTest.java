package io.tidaldb.session.table;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.TenantId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/**
 * Pins the bytes of the session table's encoding ({@link SessionTableCodec}) to a hand-written
 * fixture, ties the javadoc diagram to the offset constants, round-trips random tables and refuses
 * malformed encodings naming offset and value.
 */
class SessionTableCodecTest {
  private static final SessionConfig CONFIG = SessionConfig.DEFAULTS.withTtlMillis(1_000);

  /**
   * x/7 expired (a tombstone, entry 0), acme/2a live with seqs 4 and 3 in its window (pooled, entry
   * 1), acme/2b live with seq 9 alone (inline, its HLC one below the last HLC that a second copy
   * raised, entry 2).
   */
  private static final String FIXTURE =
      "54445354" // magic "TDST"
          + "0200" // version 2
          + "0000" // flags
          + "02000000" // tenant count 2
          + "02000000" // live count 2
          + "01000000" // tombstone count 1
          + "03000000" // window entry count 3
          + "0200d10700000000" // clock: hlc (2001 ms, 2)
          + "0a00000000000000" // applied below 10
          + "01000000" // sweep cursor 1 (it moved at the records of 1000 ms and 2001 ms only)
          + "0178" // tenant 0: "x"
          + "0461636d65" // tenant 1: "acme"
          + "00000000" // tombstone at 51: tenant 0
          + "0700000000000000" // session 7
          + "0100000000000000" // highest seq 1
          + "0000e80300000000" // last hlc (1000 ms, 0)
          + "0100000000000000" // acked below 1
          + "ffffffff" // window count -1: a tombstone
          + "01000000" // live session at 91: tenant 1
          + "2a00000000000000" // session 0x2a
          + "0400000000000000" // highest seq 4
          + "0000d10700000000" // last hlc (2001 ms, 0)
          + "0200000000000000" // acked below 2
          + "02000000" // window count 2
          + "0400000000000000" // entry at 131: seq 4
          + "0700000000000000" // position 7
          + "0000d10700000000" // hlc (2001 ms, 0)
          + "55000000" // hash 0x55
          + "0300000000000000" // entry at 159: seq 3
          + "0600000000000000" // position 6
          + "0000e80300000000" // hlc (1000 ms, 0)
          + "44332211" // hash 0x11223344
          + "01000000" // live session at 187: tenant 1
          + "2b00000000000000" // session 0x2b
          + "0900000000000000" // highest seq 9
          + "0200d10700000000" // last hlc (2001 ms, 2)
          + "0900000000000000" // acked below 9
          + "01000000" // window count 1
          + "0900000000000000" // entry at 227: seq 9
          + "0800000000000000" // position 8
          + "0100d10700000000" // hlc (2001 ms, 1)
          + "66000000"; // hash 0x66

  static SessionTable fixtureTable() {
    SessionTable t = new SessionTable(CONFIG);
    TenantId acme = TenantId.of("acme");
    t.apply(TenantId.of("x"), 7, 1, 1, 1, 5, HlcStamp.pack(1000, 0));
    t.apply(acme, 0x2a, 3, 2, 0x11223344, 6, HlcStamp.pack(1000, 0));
    t.apply(acme, 0x2a, 4, 2, 0x55, 7, HlcStamp.pack(2001, 0));
    t.apply(acme, 0x2b, 9, 9, 0x66, 8, HlcStamp.pack(2001, 1));
    t.apply(acme, 0x2b, 9, 9, 0x66, 9, HlcStamp.pack(2001, 2)); // a second copy: not recorded
    return t;
  }

  @Test
  void shouldEncodeTheFixtureExactlyAsPinned() {
    SessionTable t = fixtureTable();
    assertEquals(1, t.tombstones(), "x expired at the record of position 7");
    assertEquals(1, t.windows.inlineEntries(), "acme/2b's seq 9 is inline");
    ByteBuffer b = ByteBuffer.allocate(t.encodedLength()).order(ByteOrder.BIG_ENDIAN);
    t.writeTo(b);
    assertEquals(b.capacity(), b.position());
    assertEquals(FIXTURE, HexFormat.of().formatHex(b.array()));
    assertEquals(255, FIXTURE.length() / 2);
  }

  @Test
  void shouldReadEveryHeaderFieldAtItsDescriptorOffset() {
    ByteBuffer b = fixture();
    assertEquals(SessionTableCodec.MAGIC, b.getInt(SessionTableCodec.MAGIC_OFFSET));
    assertEquals(SessionTableCodec.VERSION, b.getShort(SessionTableCodec.VERSION_OFFSET));
    assertEquals(0, b.getShort(SessionTableCodec.FLAGS_OFFSET));
    assertEquals(2, b.getInt(SessionTableCodec.TENANT_COUNT_OFFSET));
    assertEquals(2, b.getInt(SessionTableCodec.LIVE_COUNT_OFFSET));
    assertEquals(1, b.getInt(SessionTableCodec.TOMBSTONE_COUNT_OFFSET));
    assertEquals(3, b.getInt(SessionTableCodec.WINDOW_COUNT_OFFSET));
    assertEquals(HlcStamp.pack(2001, 2), b.getLong(SessionTableCodec.CLOCK_OFFSET));
    assertEquals(10, b.getLong(SessionTableCodec.APPLIED_BELOW_OFFSET));
    assertEquals(1, b.getInt(SessionTableCodec.CURSOR_OFFSET));
    assertEquals(
        51 + 3 * SessionTableCodec.SESSION_LENGTH + 3 * SessionTableCodec.ENTRY_LENGTH,
        b.capacity());
  }

  @Test
  void shouldReadTheFixtureBackToTheSameTable() {
    ByteBuffer b = fixture();
    SessionTable t = SessionTable.readFrom(b, CONFIG);
    assertEquals(b.capacity(), b.position());
    assertTrue(t.sameContentAs(fixtureTable()));
    assertEquals(ModelTable.dump(fixtureTable()), ModelTable.dump(t));
    assertEquals(1, t.windows.inlineEntries(), "read back inline");
    Decision d = t.check(TenantId.of("acme"), 0x2a, 4, 2, 0x55);
    assertEquals(7, d.position());
    assertEquals(HlcStamp.pack(2001, 0), d.hlc());
    d = t.check(TenantId.of("acme"), 0x2b, 9, 9, 0x66);
    assertEquals(8, d.position());
    assertEquals(HlcStamp.pack(2001, 1), d.hlc(), "the first copy's HLC, inline");
    assertEquals(Refusal.EXPIRED, t.check(TenantId.of("x"), 7, 2, 1, 1).refusal());
  }

  @Test
  void diagramShouldMatchOffsetConstants() throws IOException {
    Map<String, Integer> constants = new LinkedHashMap<>();
    constants.put("magic", SessionTableCodec.MAGIC_OFFSET);
    constants.put("version", SessionTableCodec.VERSION_OFFSET);
    constants.put("flags", SessionTableCodec.FLAGS_OFFSET);
    constants.put("tenant count", SessionTableCodec.TENANT_COUNT_OFFSET);
    constants.put("live count", SessionTableCodec.LIVE_COUNT_OFFSET);
    constants.put("tombstone count", SessionTableCodec.TOMBSTONE_COUNT_OFFSET);
    constants.put("window entry count", SessionTableCodec.WINDOW_COUNT_OFFSET);
    constants.put("clock", SessionTableCodec.CLOCK_OFFSET);
    constants.put("applied below", SessionTableCodec.APPLIED_BELOW_OFFSET);
    constants.put("sweep cursor", SessionTableCodec.CURSOR_OFFSET);
    constants.put("body", SessionTableCodec.HEADER_LENGTH);
    assertEquals(constants, diagram());
  }

  @Property(tries = 100, seed = "12003")
  void randomTablesShouldRoundTripByteForByte(@ForAll long seed) {
    System.out.println("SessionTableCodecTest seed " + seed);
    SessionTable t = new SessionTable(CONFIG);
    Workload.feedAll(t, new Workload(seed, CONFIG.ttlMillis()).log(400));
    ByteBuffer b = ByteBuffer.allocate(t.encodedLength() + 3);
    b.position(3);
    t.writeTo(b);
    b.flip().position(3);
    SessionTable back = SessionTable.readFrom(b, CONFIG);
    assertEquals(b.limit(), b.position(), "seed " + seed);
    assertEquals(ModelTable.dump(t), ModelTable.dump(back), "seed " + seed);
    assertEquals(t.digest(), back.digest(), "seed " + seed);
  }

  @Test
  void shouldRefuseMalformedEncodingsNamingOffsetAndValue() {
    refused(b -> b.limit(43), "session table header length at offset 0: 43 (must be >= 44 bytes)");
    refused(
        b -> b.putInt(0, 0x54534455),
        "session table magic at offset 0: 1414743125" + " (must be 0x54534454 (\"TDST\"))");
    refused(b -> b.putShort(4, (short) 1), "session table version at offset 4: 1 (must be 2)");
    refused(b -> b.putShort(6, (short) 1), "session table flags at offset 6: 1 (must be 0)");
    refused(
        b -> b.putInt(12, -1),
        "session table live count at offset 12: 4294967295"
            + " (must fit the bytes after the header)");
    refused(b -> b.putLong(24, -5), "session table clock at offset 24: -5 (must be >= 0)");
    refused(
        b -> b.putInt(40, 4),
        "session table sweep cursor at offset 40: 4 (must be 0 to the session count 3)");
    refused(
        b -> b.put(44, (byte) 0),
        "session table tenant name length at offset 44: 0" + " (must be 1 to 64)");
    refused(
        b -> b.put(45, (byte) 'X'),
        "session table tenant name at offset 45: 'X'"
            + " (must be lower-case letters, digits, '_' and '-')");
    refused(
        b -> b.putInt(51, 5),
        "session table tenant index at offset 51: 5" + " (must be < the tenant count 2)");
    refused(
        b -> b.putLong(111, HlcStamp.pack(2002, 0)),
        "session table last hlc at offset 111: "
            + HlcStamp.pack(2002, 0)
            + " (must be 0 to the clock "
            + HlcStamp.pack(2001, 2)
            + ")");
    refused(
        b -> b.putLong(119, 5),
        "session table acked below at offset 119: 5" + " (must be 1 to the highest seq 4)");
    refused(
        b -> b.putLong(159, 4),
        "session table window seq at offset 159: 4" + " (must be 2 to 3, descending)");
    refused(
        b -> b.putLong(139, 10),
        "session table window position at offset 139: 10" + " (must be below applied below 10)");
    refused(
        b -> b.putLong(147, HlcStamp.pack(2001, 1)),
        "session table window hlc at offset 147: "
            + HlcStamp.pack(2001, 1)
            + " (must be 0 to the session's last hlc "
            + HlcStamp.pack(2001, 0)
            + ")");
    refused(
        b -> b.putInt(87, -2),
        "session table window count at offset 87: -2"
            + " (must be -1 (a tombstone) or 0 to the highest seq 1)");
    refused(
        b -> b.putInt(87, 0),
        "session table tombstone count at offset 16: 1"
            + " (must equal the 0 tombstones among the sessions)");
    refused(
        b -> b.putInt(51, 1).putLong(55, 0x2a),
        "session table session at offset 95:" + " '000000000000002a' (must not repeat)");
    refused(
        b -> b.putInt(20, 4),
        "session table window entry count at offset 20: 4"
            + " (must equal the 3 entries the sessions hold)");
    refused(
        b -> b.limit(220),
        "session table session length at offset 187: 33" + " (must be >= 40 bytes)");
    refused(
        b -> b.limit(254),
        "session table window entry length at offset 227: 27" + " (must be >= 28 bytes)");
  }

  /** Corrupts the fixture, expects the message (null: any refusal) and an unchanged position. */
  private static void refused(Consumer<ByteBuffer> corrupt, String message) {
    ByteBuffer b = fixture();
    corrupt.accept(b);
    b.order(ByteOrder.BIG_ENDIAN);
    InvalidArgumentException e =
        assertThrows(InvalidArgumentException.class, () -> SessionTable.readFrom(b, CONFIG));
    if (message != null) {
      assertEquals("invalid " + message, e.getMessage());
    }
    assertEquals(0, b.position());
  }

  private static ByteBuffer fixture() {
    return ByteBuffer.wrap(HexFormat.of().parseHex(FIXTURE)).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Parses "| field | field | NN" rows of the diagram: cell i of n at NN + 4i/n. */
  private static Map<String, Integer> diagram() throws IOException {
    Path source = Path.of("src/main/java/io/tidaldb/session/table/SessionTableCodec.java");
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

  @Test
  void fixtureBytesShouldBeTheDescriptorsOwn() {
    assertArrayEquals(
        new byte[] {'T', 'D', 'S', 'T'}, java.util.Arrays.copyOf(fixture().array(), 4));
  }
}
