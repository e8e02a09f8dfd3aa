package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.SignalType;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.TenantId;
import io.tidaldb.crdt.CrdtSignalState;
import io.tidaldb.crdt.DecayModel;
import io.tidaldb.crdt.ReplicaIds;
import io.tidaldb.session.table.SessionConfig;
import io.tidaldb.session.table.SessionTable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotFormatTest {
  static final DecayModel DECAY = DecayModel.ofHalfLife(3_600_000);
  @TempDir Path dir;

  static final long LOG_ENTRY = ReplicaIds.log(4);

  /** The session table the fixture holds: one session of the default tenant, seq 3 at 98. */
  static SessionTable table() {
    SessionTable t = new SessionTable(SessionConfig.DEFAULTS);
    t.advance(97, 6L << 16);
    t.apply(TenantId.DEFAULT, 0x7f3a000000000001L, 3, 2, 0x1234abcd, 98, 7L << 16);
    return t;
  }

  static final int TABLE_LENGTH = table().encodedLength();

  /** This region in the fixture: region 2, incarnation 1. */
  static final long OWNER = ReplicaIds.local(2, 1);

  /** The copy the fixture holds: region 1, incarnation 0's local table. */
  static final long COPY = ReplicaIds.local(1, 0);

  /** The local table the fixture holds: seq 5 of a session at local position 16. */
  static SessionTable localTable() {
    SessionTable t = new SessionTable(SessionConfig.DEFAULTS);
    t.advance(15, 8L << 16);
    t.apply(TenantId.DEFAULT, 0x7f3a000000000002L, 5, 5, 0x0badcafe, 16, 9L << 16);
    return t;
  }

  /** The copy: seq 1 of a session at region 1's local position 3. */
  static SessionTable copyTable() {
    SessionTable t = new SessionTable(SessionConfig.DEFAULTS);
    t.apply(TenantId.DEFAULT, 0x7f3a000000000003L, 1, 1, 0x00c0ffee, 3, 10L << 16);
    return t;
  }

  /** The fixture's sessions: the shard table, this region's local table and one copy. */
  static ShardSessions sessions() {
    ShardSessions s = new ShardSessions(SessionConfig.DEFAULTS, OWNER);
    s.replaceWith(table());
    LocalSessions local = new LocalSessions(SessionConfig.DEFAULTS, OWNER);
    ByteBuffer b = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(OWNER);
    localTable().writeTo(b);
    b.putInt(0).flip();
    local = LocalSessions.readFrom(b, SessionConfig.DEFAULTS, OWNER);
    assertTrue(local.join(COPY, copyTable()));
    s.replaceLocal(local);
    return s;
  }

  /** The length of the local streams' tables in the fixture (version 9). */
  static final int LOCAL_LENGTH =
      8 + localTable().encodedLength() + 4 + 8 + copyTable().encodedLength();

  /**
   * The fixture's kept cut LOCAL session records: two of one session (seq 8 matched to a retry at
   * 120 of epoch 5), one of another (the last signal of a part of three).
   */
  static CutLocalSessions cut() {
    CutLocalSessions c = new CutLocalSessions(SessionConfig.DEFAULTS.ttlMillis());
    c.add(
        new CutLocalEntry(0x5e55L, 7, 0, 42, 4, 98, 2.0, 1_700_000_000_000L, 0xabcd, 7L << 16), 3);
    c.add(
        new CutLocalEntry(
            0x5e55L,
            8,
            0,
            43,
            4,
            99,
            -1.5,
            1_700_000_000_001L,
            0x1234,
            8L << 16,
            5,
            120,
            10L << 16,
            0,
            1,
            8L << 16),
        3);
    c.add(
        new CutLocalEntry(
            0x1000L,
            1,
            0,
            44,
            3,
            90,
            1.0,
            1_700_000_000_002L,
            0x77,
            9L << 16,
            -1,
            -1,
            -1,
            2,
            3,
            9L << 16),
        3); // the last signal of a session batch's part of three
    return c;
  }

  /** The length of the kept cut LOCAL session records in the fixture (version 10). */
  static final int CUT_LENGTH = CutLocalSessionsCodec.encodedLength(cut());

  Path writeOne() {
    SeriesRegistry registry = new SeriesRegistry(t -> DECAY);
    registry.bind(0, "default", "view", "test");
    EntityStateMap states = new EntityStateMap();
    states.getOrCreate(0, 42).applyAt(LOG_ENTRY, 98, 2.0, 1_700_000_000_000L, 7L << 16, DECAY);
    return new SnapshotWriter(4096)
        .write(
            dir,
            3,
            99,
            registry.snapshot(),
            states,
            5,
            new LogAnchor(90, 4, 0x1234abcd),
            17,
            3,
            CutLocalSessionsCodec.append(sessions().encode(), cut()));
  }

  /** Rewrites a version 10 file as version 9: the body without the cut LOCAL session records. */
  static void toVersion9(Path file) throws IOException {
    cut(file, CUT_LENGTH);
    setVersion(file, 9);
  }

  /** Rewrites a version 10 file as version 8: the body without the local streams' tables. */
  static void toVersion8(Path file) throws IOException {
    cut(file, LOCAL_LENGTH + CUT_LENGTH);
    setVersion(file, 8);
  }

  /** Cuts {@code bytes} off the body's end (body length and CRC32C again). */
  static void cut(Path file, int bytes) throws IOException {
    byte[] v = Files.readAllBytes(file);
    ByteBuffer b = ByteBuffer.allocate(v.length - bytes).order(ByteOrder.LITTLE_ENDIAN);
    b.put(v, 0, v.length - bytes);
    int body = b.capacity() - SnapshotDescriptor.HEADER_LENGTH;
    b.putLong(SnapshotDescriptor.BODY_LENGTH_OFFSET, body);
    CRC32C bodyCrc = new CRC32C();
    bodyCrc.update(b.array(), SnapshotDescriptor.HEADER_LENGTH, body);
    b.putInt(SnapshotDescriptor.BODY_CRC_OFFSET, (int) bodyCrc.getValue());
    Files.write(file, b.array());
  }

  /** Rewrites a version 9 file as version 7: the body without the session tables. */
  static void toVersion7(Path file) throws IOException {
    cut(file, TABLE_LENGTH + LOCAL_LENGTH + CUT_LENGTH);
    setVersion(file, 7);
  }

  /** Rewrites the file's version field (and the header CRC32C over it). */
  static void setVersion(Path file, int version) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    b.putShort(SnapshotDescriptor.VERSION_OFFSET, (short) version);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, SnapshotDescriptor.HEADER_CRC_OFFSET);
    b.putInt(SnapshotDescriptor.HEADER_CRC_OFFSET, (int) crc.getValue());
    Files.write(file, b.array());
  }

  @Test
  void shouldPinTheHeaderLayoutToTheDescriptor() throws IOException {
    Path file = writeOne();
    assertEquals("snapshot-0003-00000000000000000099.snap", file.getFileName().toString());
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(92, SnapshotDescriptor.HEADER_LENGTH);
    assertEquals("54445353", HexFormat.of().formatHex(b.array(), 0, 4)); // "TDSS" little-endian
    assertEquals(11, b.getShort(SnapshotDescriptor.VERSION_OFFSET));
    assertEquals(0, b.getShort(SnapshotDescriptor.FLAGS_OFFSET));
    assertEquals(3, b.getInt(SnapshotDescriptor.SHARD_OFFSET));
    assertEquals(1, b.getInt(SnapshotDescriptor.SERIES_COUNT_OFFSET));
    assertEquals(99, b.getLong(SnapshotDescriptor.POSITION_OFFSET));
    assertEquals(1, b.getLong(SnapshotDescriptor.ENTRY_COUNT_OFFSET));
    assertEquals(b.capacity() - 92, b.getLong(SnapshotDescriptor.BODY_LENGTH_OFFSET));
    assertEquals(44, SnapshotDescriptor.FENCE_EPOCH_OFFSET);
    assertEquals(5, b.getLong(SnapshotDescriptor.FENCE_EPOCH_OFFSET));
    assertEquals(52, SnapshotDescriptor.ANCHOR_FIRST_POSITION_OFFSET);
    assertEquals(90, b.getLong(52));
    assertEquals(60, SnapshotDescriptor.ANCHOR_EPOCH_OFFSET);
    assertEquals(4, b.getLong(60));
    assertEquals(68, SnapshotDescriptor.ANCHOR_CRC_OFFSET);
    assertEquals(0x1234abcd, b.getInt(68));
    assertEquals(72, SnapshotDescriptor.LOCAL_POSITION_OFFSET);
    assertEquals(17, b.getLong(72), "the local log's applied position");
    assertEquals(80, SnapshotDescriptor.FOLDED_THROUGH_OFFSET);
    assertEquals(3, b.getLong(80), "the folded-through epoch");
    assertEquals(88, SnapshotDescriptor.HEADER_CRC_OFFSET);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, 88);
    assertEquals((int) crc.getValue(), b.getInt(88));
    // body: series 0 = ("default", "view")
    int series = 4 + 1 + 7 + 1 + 4;
    assertEquals(
        "00000000"
            + "07"
            + HexFormat.of().formatHex("default".getBytes())
            + "04"
            + HexFormat.of().formatHex("view".getBytes()),
        HexFormat.of().formatHex(b.array(), 92, 92 + series));
    // then the entry: series id, entity, state length, the canonical state (entry scheme), and
    // nothing after it (no counted ranges since version 5)
    int entry = 92 + series;
    assertEquals(16, SnapshotDescriptor.ENTRY_PREFIX_LENGTH);
    assertEquals(0, b.getInt(entry));
    assertEquals(42, b.getLong(entry + 4));
    int length = b.getInt(entry + 12);
    assertEquals(48 + 64, length, "header and one entry of 8 longs");
    // then the session table's canonical encoding (version 8)
    int table = entry + 16 + length;
    assertEquals(0x54534454, b.getInt(table), "the table's magic \"TDST\"");
    ByteBuffer expected = ShardSessions.encode(table());
    assertEquals(expected, ByteBuffer.wrap(b.array(), table, TABLE_LENGTH).slice());
    // then the local streams' tables (version 9): the owner, its table, the copy count, then each
    // copy's replica id and table
    int local = table + TABLE_LENGTH;
    assertEquals(b.capacity(), local + LOCAL_LENGTH + CUT_LENGTH);
    assertEquals(OWNER, b.getLong(local), "this region's replica id, r2.i1");
    int localLength = localTable().encodedLength();
    assertEquals(
        ShardSessions.encode(localTable()),
        ByteBuffer.wrap(b.array(), local + 8, localLength).slice());
    int copies = local + 8 + localLength;
    assertEquals(1, b.getInt(copies), "one copy");
    assertEquals(COPY, b.getLong(copies + 4), "of r1.i0");
    assertEquals(
        ShardSessions.encode(copyTable()),
        ByteBuffer.wrap(b.array(), copies + 12, copyTable().encodedLength()).slice());
    // then the kept cut LOCAL session records, to the end of the body (version 10): the session
    // count, then per session in id order its id, last HLC, entry count and entries in seq order
    int cut = local + LOCAL_LENGTH;
    assertEquals(20, CutLocalSessionsCodec.GROUP_LENGTH);
    assertEquals(104, CutLocalSessionsCodec.ENTRY_LENGTH);
    assertEquals(4 + 2 * 20 + 3 * 104, CUT_LENGTH);
    assertEquals(2, b.getInt(cut), "two sessions");
    assertEquals(0x1000L, b.getLong(cut + 4), "the lower session id first");
    assertEquals(9L << 16, b.getLong(cut + 12), "its last HLC");
    assertEquals(1, b.getInt(cut + 20));
    int e = cut + 24;
    assertEquals(1, b.getLong(e), "seq");
    assertEquals(0, b.getInt(e + 8), "series");
    assertEquals(44, b.getLong(e + 12), "entity");
    assertEquals(3, b.getLong(e + 20), "epoch");
    assertEquals(90, b.getLong(e + 28), "position");
    assertEquals(1.0, b.getDouble(e + 36), "weight");
    assertEquals(1_700_000_000_002L, b.getLong(e + 44), "event time");
    assertEquals(0x77, b.getInt(e + 52), "payload hash");
    assertEquals(9L << 16, b.getLong(e + 56), "HLC");
    assertEquals(-1, b.getLong(e + 64), "held: no retry epoch");
    assertEquals(-1, b.getLong(e + 72), "no retry position");
    assertEquals(-1, b.getLong(e + 80), "no retry HLC");
    assertEquals(2, b.getInt(e + 88), "part index (version 11)");
    assertEquals(3, b.getInt(e + 92), "part size");
    assertEquals(9L << 16, b.getLong(e + 96), "part HLC: its last signal's");
    int second = e + 104;
    assertEquals(0x5e55L, b.getLong(second));
    assertEquals(8L << 16, b.getLong(second + 8), "the newest HLC of its records");
    assertEquals(2, b.getInt(second + 16));
    assertEquals(7, b.getLong(second + 20), "seq 7 before seq 8");
    int matched = second + 20 + 104;
    assertEquals(8, b.getLong(matched));
    assertEquals(5, b.getLong(matched + 64), "matched: the retry's epoch");
    assertEquals(120, b.getLong(matched + 72), "its position");
    assertEquals(10L << 16, b.getLong(matched + 80), "its HLC");
    assertEquals(0, b.getInt(matched + 88), "a SIGNAL_S: index 0");
    assertEquals(1, b.getInt(matched + 92), "of 1");
    assertEquals(b.capacity(), second + 20 + 2 * 104);
    int state = entry + 16;
    assertEquals(2, b.getInt(state), "crdt state encoding version");
    assertEquals(LOG_ENTRY, b.getLong(state + 48), "the log entry of epoch 4");
    assertEquals(99, b.getLong(state + 56), "its end: the record at 98 applied");
  }

  @Test
  void shouldRefuseVersions1To4NamingTheFileAndTheVersion() throws IOException {
    for (int version = 1; version <= 4; version++) {
      Path file = writeOne();
      setVersion(file, version);
      StorageException e =
          assertThrows(
              StorageException.class,
              () ->
                  SnapshotReader.load(
                      file, 3, new SeriesRegistry(t -> DECAY), new EntityStateMap(), 4096));
      assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
      assertTrue(e.getMessage().contains("version " + version), e.getMessage());
      assertTrue(
          e.getMessage().contains("written before the issue-11 entry scheme"), e.getMessage());
      assertThrows(StorageException.class, () -> SnapshotReader.header(file, 3));
    }
    Path file = writeOne();
    setVersion(file, 12);
    StorageException e = assertThrows(StorageException.class, () -> SnapshotReader.header(file, 3));
    assertTrue(e.getMessage().contains("unsupported version 12"), e.getMessage());
  }

  /** Rewrites a version 9 file as version 6: the header without the folded-through epoch. */
  static void toVersion6(Path file) throws IOException {
    toVersion7(file);
    byte[] v7 = Files.readAllBytes(file);
    ByteBuffer b = ByteBuffer.allocate(v7.length - 8).order(ByteOrder.LITTLE_ENDIAN);
    b.put(v7, 0, SnapshotDescriptor.FOLDED_THROUGH_OFFSET);
    b.put(
        v7, SnapshotDescriptor.HEADER_LENGTH - 4, v7.length - SnapshotDescriptor.HEADER_LENGTH + 4);
    b.putShort(SnapshotDescriptor.VERSION_OFFSET, (short) 6);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, SnapshotDescriptor.V6_HEADER_CRC_OFFSET);
    b.putInt(SnapshotDescriptor.V6_HEADER_CRC_OFFSET, (int) crc.getValue());
    Files.write(file, b.array());
  }

  /** Rewrites a version 8 file as version 5: the header without the local position either. */
  static void toVersion5(Path file) throws IOException {
    toVersion6(file);
    byte[] v6 = Files.readAllBytes(file);
    ByteBuffer b =
        ByteBuffer.allocate(v6.length - 8).order(ByteOrder.LITTLE_ENDIAN); // no local position
    b.put(v6, 0, SnapshotDescriptor.LOCAL_POSITION_OFFSET);
    b.put(
        v6,
        SnapshotDescriptor.V6_HEADER_LENGTH - 4,
        v6.length - SnapshotDescriptor.V6_HEADER_LENGTH + 4);
    b.putShort(SnapshotDescriptor.VERSION_OFFSET, (short) 5);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, SnapshotDescriptor.V5_HEADER_CRC_OFFSET);
    b.putInt(SnapshotDescriptor.V5_HEADER_CRC_OFFSET, (int) crc.getValue());
    Files.write(file, b.array());
  }

  @Test
  void shouldReadVersion6WithFoldedThroughMinus1() throws IOException {
    Path file = writeOne();
    toVersion6(file);
    assertEquals(84, SnapshotDescriptor.V6_HEADER_LENGTH);
    assertEquals(Files.size(file), 84 + 17 + 16 + 48 + 64);
    SeriesRegistry registry = new SeriesRegistry(t -> DECAY);
    EntityStateMap states = new EntityStateMap();
    assertEquals(
        new SnapshotReader.Loaded(99, 5, 17, -1),
        SnapshotReader.load(file, 3, registry, states, 4096));
    assertEquals(-1, SnapshotReader.header(file, 3).foldedThrough());
    assertEquals(1, states.get(0, 42).count());
  }

  @Test
  void shouldReadVersion5WithLocalPosition0() throws IOException {
    Path file = writeOne();
    toVersion5(file);
    assertEquals(76, SnapshotDescriptor.V5_HEADER_LENGTH);
    assertEquals(Files.size(file), 76 + 17 + 16 + 48 + 64);
    SeriesRegistry registry = new SeriesRegistry(t -> DECAY);
    EntityStateMap states = new EntityStateMap();
    assertEquals(
        new SnapshotReader.Loaded(99, 5, 0), SnapshotReader.load(file, 3, registry, states, 4096));
    assertEquals(0, SnapshotReader.header(file, 3).localPosition());
    assertEquals(new LogAnchor(90, 4, 0x1234abcd), SnapshotReader.header(file, 3).anchor());
    assertEquals(1, states.get(0, 42).count());
  }

  @Test
  void shouldReadVersions5To7WithAnEmptySessionTable() throws IOException {
    for (int version = 5; version <= 7; version++) {
      Path file = writeOne();
      if (version == 7) {
        toVersion7(file);
      } else if (version == 6) {
        toVersion6(file);
      } else {
        toVersion5(file);
      }
      ShardSessions sessions = new ShardSessions(SessionConfig.DEFAULTS);
      sessions.replaceWith(table()); // a table held before the load: replaced by an empty one
      SnapshotReader.load(
          file, 3, new SeriesRegistry(t -> DECAY), new EntityStateMap(), sessions, 4096);
      assertTrue(
          sessions.table().sameContentAs(new SessionTable(SessionConfig.DEFAULTS)),
          "version " + version);
      assertEquals(
          0,
          SnapshotReader.loadSessions(file, 3, SessionConfig.DEFAULTS, 4096)
              .table()
              .liveSessions());
    }
  }

  @Test
  void shouldReadVersion8WithEmptyLocalSessionTables() throws IOException {
    Path file = writeOne();
    toVersion8(file);
    ShardSessions sessions = sessions(); // held before the load: replaced by empty ones
    SnapshotReader.load(
        file, 3, new SeriesRegistry(t -> DECAY), new EntityStateMap(), sessions, 4096);
    assertTrue(sessions.table().sameContentAs(table()), "the shard's table");
    assertTrue(
        sessions.local().table().sameContentAs(new SessionTable(SessionConfig.DEFAULTS)),
        "an empty local table");
    assertTrue(sessions.local().copies().isEmpty(), "no copies");
    assertTrue(
        SnapshotReader.loadSessions(file, 3, SessionConfig.DEFAULTS, 4096)
            .table()
            .sameContentAs(table()));
  }

  @Test
  void shouldRoundTripTheLocalSessionTables() {
    Path file = writeOne();
    ShardSessions sessions = new ShardSessions(SessionConfig.DEFAULTS, OWNER);
    SnapshotReader.load(
        file, 3, new SeriesRegistry(t -> DECAY), new EntityStateMap(), sessions, 4096);
    assertTrue(sessions.local().table().sameContentAs(localTable()));
    assertEquals(17, sessions.local().version(OWNER), "the local table's applied position");
    assertEquals(4, sessions.local().version(COPY));
    assertTrue(sessions.local().copy(COPY).sameContentAs(copyTable()));
    assertEquals(sessions().encode(), sessions.encode(), "encodes to the same bytes");

    ShardSessions later = new ShardSessions(SessionConfig.DEFAULTS, ReplicaIds.local(2, 2));
    SnapshotReader.load(file, 3, new SeriesRegistry(t -> DECAY), new EntityStateMap(), later, 4096);
    assertTrue(
        later.local().table().sameContentAs(localTable()),
        "a later incarnation keeps the local log's table as its own");
    assertEquals(ReplicaIds.local(2, 1), later.local().writtenBy());
  }

  @Test
  void shouldRefuseMalformedLocalSessionTablesAsACorruptSnapshotNamingFileAndOffset()
      throws IOException {
    Path file = writeOne();
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    int count = b.capacity() - LOCAL_LENGTH - CUT_LENGTH + 8 + localTable().encodedLength();
    b.putInt(count, -1); // the copy count
    int body = b.capacity() - SnapshotDescriptor.HEADER_LENGTH;
    CRC32C crc = new CRC32C();
    crc.update(b.array(), SnapshotDescriptor.HEADER_LENGTH, body);
    b.putInt(SnapshotDescriptor.BODY_CRC_OFFSET, (int) crc.getValue());
    Files.write(file, b.array());
    setVersion(file, 11); // the header CRC again
    StorageException e =
        assertThrows(
            StorageException.class,
            () ->
                SnapshotReader.load(
                    file,
                    3,
                    new SeriesRegistry(t -> DECAY),
                    new EntityStateMap(),
                    new ShardSessions(SessionConfig.DEFAULTS, OWNER),
                    4096));
    String m = e.getMessage();
    assertTrue(m.contains("corrupt snapshot " + file), m);
    assertTrue(m.contains("malformed local session tables"), m);
    assertTrue(m.contains("offset " + (count - (b.capacity() - LOCAL_LENGTH - CUT_LENGTH))), m);
    assertTrue(m.contains("copy count") && m.contains("-1"), m);
  }

  @Test
  void shouldRoundTripTheCutLocalSessionRecords() {
    Path file = writeOne();
    CutLocalSessions loaded = loadCutLocal(file);
    assertEquals(3, loaded.size());
    assertEquals(cut().get(0x5e55L, 8), loaded.get(0x5e55L, 8));
    assertEquals(8L << 16, loaded.group(0x5e55L).lastHlc);
    assertTrue(loaded.get(0x5e55L, 8).matched(), "the matched entry stays matched");
    assertEquals(120, loaded.lowestRetry());
    ByteBuffer a = ByteBuffer.allocate(CUT_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer b = ByteBuffer.allocate(CUT_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    CutLocalSessionsCodec.writeTo(cut(), a);
    CutLocalSessionsCodec.writeTo(loaded, b);
    assertEquals(a.flip(), b.flip(), "encodes to the same bytes");
  }

  @Test
  void shouldReadVersion10CutLocalSessionRecordsAsRecordsOfOneSignal() throws IOException {
    Path file = writeOne();
    ByteBuffer v11 = ByteBuffer.allocate(CUT_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    CutLocalSessionsCodec.writeTo(cut(), v11);
    ByteBuffer v10 = ByteBuffer.allocate(CUT_LENGTH - 3 * 16).order(ByteOrder.LITTLE_ENDIAN);
    v11.flip();
    v10.putInt(v11.getInt()); // groups
    for (int g = 0; g < 2; g++) {
      v10.putLong(v11.getLong()).putLong(v11.getLong());
      int entries = v11.getInt();
      v10.putInt(entries);
      for (int k = 0; k < entries; k++) {
        v10.put(v11.slice(v11.position(), CutLocalSessionsCodec.ENTRY_LENGTH_V10));
        v11.position(v11.position() + CutLocalSessionsCodec.ENTRY_LENGTH);
      }
    }
    cut(file, CUT_LENGTH);
    byte[] head = Files.readAllBytes(file);
    ByteBuffer b =
        ByteBuffer.allocate(head.length + v10.capacity())
            .order(ByteOrder.LITTLE_ENDIAN)
            .put(head)
            .put(v10.array());
    Files.write(file, b.array());
    cut(file, 0); // the body's length and CRC32C again
    setVersion(file, 10);
    CutLocalSessions loaded = loadCutLocal(file);
    assertEquals(3, loaded.size());
    CutLocalEntry e = loaded.get(0x1000L, 1);
    assertEquals(0, e.partIndex(), "a version 10 entry is a SIGNAL_S's");
    assertEquals(1, e.partSize());
    assertEquals(e.hlc(), e.partHlc());
    assertEquals(90, e.partPosition());
    assertEquals(cut().get(0x5e55L, 8), loaded.get(0x5e55L, 8));
  }

  /** The kept cut LOCAL session records a snapshot file loads. */
  private static CutLocalSessions loadCutLocal(Path file) {
    return SnapshotReader.load(
            file,
            3,
            new SeriesRegistry(t -> DECAY),
            new EntityStateMap(),
            new ShardSessions(SessionConfig.DEFAULTS, OWNER),
            4096)
        .cutLocal();
  }

  @Test
  void shouldReadVersion9WithNoCutLocalSessionRecords() throws IOException {
    Path file = writeOne();
    toVersion9(file);
    ShardSessions sessions = new ShardSessions(SessionConfig.DEFAULTS, OWNER);
    SnapshotReader.Loaded loaded =
        SnapshotReader.load(
            file, 3, new SeriesRegistry(t -> DECAY), new EntityStateMap(), sessions, 4096);
    assertSame(null, loaded.cutLocal(), "none held");
    assertTrue(sessions.local().table().sameContentAs(localTable()), "the local tables as before");
    assertTrue(sessions.local().copy(COPY).sameContentAs(copyTable()));
  }

  @Test
  void shouldRefuseMalformedCutLocalSessionRecordsAsACorruptSnapshotNamingFileAndOffset()
      throws IOException {
    Path file = writeOne();
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    int cut = b.capacity() - CUT_LENGTH;
    b.putInt(cut + 20, 0); // the first session's entry count
    int body = b.capacity() - SnapshotDescriptor.HEADER_LENGTH;
    CRC32C crc = new CRC32C();
    crc.update(b.array(), SnapshotDescriptor.HEADER_LENGTH, body);
    b.putInt(SnapshotDescriptor.BODY_CRC_OFFSET, (int) crc.getValue());
    Files.write(file, b.array());
    setVersion(file, 10); // the header CRC again
    StorageException e =
        assertThrows(
            StorageException.class,
            () ->
                SnapshotReader.load(
                    file,
                    3,
                    new SeriesRegistry(t -> DECAY),
                    new EntityStateMap(),
                    new ShardSessions(SessionConfig.DEFAULTS, OWNER),
                    4096));
    String m = e.getMessage();
    assertTrue(m.contains("corrupt snapshot " + file), m);
    assertTrue(m.contains("malformed cut LOCAL session records"), m);
    assertTrue(m.contains("cut LOCAL entry count") && m.contains("0"), m);
  }

  @Test
  void shouldRoundTripTheSessionTable() {
    Path file = writeOne();
    ShardSessions sessions = new ShardSessions(SessionConfig.DEFAULTS);
    SnapshotReader.load(
        file, 3, new SeriesRegistry(t -> DECAY), new EntityStateMap(), sessions, 4096);
    assertTrue(sessions.table().sameContentAs(table()));
    assertEquals(99, sessions.table().appliedBelow());
    SnapshotReader.SessionsAt only =
        SnapshotReader.loadSessions(file, 3, SessionConfig.DEFAULTS, 64);
    assertEquals(99, only.position());
    assertTrue(only.table().sameContentAs(table()), "read past the entries alone");
  }

  @Test
  void shouldRefuseAMalformedSessionTableAsACorruptSnapshotNamingFileAndOffset()
      throws IOException {
    Path file = writeOne();
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    int table = b.capacity() - TABLE_LENGTH - LOCAL_LENGTH - CUT_LENGTH;
    b.putShort(table + 4, (short) 9); // the table's version
    int body = b.capacity() - SnapshotDescriptor.HEADER_LENGTH;
    CRC32C crc = new CRC32C();
    crc.update(b.array(), SnapshotDescriptor.HEADER_LENGTH, body);
    b.putInt(SnapshotDescriptor.BODY_CRC_OFFSET, (int) crc.getValue());
    Files.write(file, b.array());
    setVersion(file, 10); // the header CRC again
    StorageException e =
        assertThrows(
            StorageException.class,
            () ->
                SnapshotReader.load(
                    file,
                    3,
                    new SeriesRegistry(t -> DECAY),
                    new EntityStateMap(),
                    new ShardSessions(SessionConfig.DEFAULTS),
                    4096));
    assertTrue(e.getMessage().contains("corrupt snapshot " + file), e.getMessage());
    assertTrue(e.getMessage().contains("at offset " + table), e.getMessage());
    assertTrue(e.getMessage().contains("malformed session table"), e.getMessage());
    assertThrows(
        StorageException.class,
        () -> SnapshotReader.loadSessions(file, 3, SessionConfig.DEFAULTS, 4096));
  }

  @Test
  void shouldRoundTripSeriesAndStates() {
    Path file = writeOne();
    SeriesRegistry registry = new SeriesRegistry(t -> DECAY);
    EntityStateMap states = new EntityStateMap();
    SnapshotReader.Loaded loaded = SnapshotReader.load(file, 3, registry, states, 4096);
    assertEquals(
        new SnapshotReader.Loaded(99, 5, 17, 3),
        new SnapshotReader.Loaded(
            loaded.position(),
            loaded.fenceEpoch(),
            loaded.localPosition(),
            loaded.foldedThrough()));
    assertEquals(TenantId.DEFAULT, registry.get(0).tenant());
    assertEquals(SignalType.of("view"), registry.get(0).type());
    CrdtSignalState s = states.get(0, 42);
    assertEquals(1, s.count());
    assertEquals(2.0, s.weightSum());
    assertSame(null, states.get(0, 43));
  }

  @Test
  void shouldNameFileAndOffsetOfCorruption() throws IOException {
    Path file = writeOne();
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 1] ^= 1;
    Files.write(file, bytes);
    StorageException e =
        assertThrows(
            StorageException.class,
            () ->
                SnapshotReader.load(
                    file, 3, new SeriesRegistry(t -> DECAY), new EntityStateMap(), 4096));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("at offset 92"), e.getMessage());
    assertThrows(
        StorageException.class,
        () ->
            SnapshotReader.load(
                writeOne(), 4, new SeriesRegistry(t -> DECAY), new EntityStateMap(), 4096));
  }
}
