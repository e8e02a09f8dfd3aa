package io.tidaldb.store;

/**
 * Layout of a shard snapshot file, {@code snapshot-<shard 4>-<position 20>.snap}: the state of one
 * shard after applying every log record below {@code position}. Little-endian. Version 11 (issue
 * 12, session batches): version 10 with each kept cut LOCAL session record's part fields (index,
 * size, the part's last HLC; {@link CutLocalSessionsCodec}); version 10 files are read as records
 * of one signal. Version 10 (issue 12, wp-lcut): version 9 plus, after the local streams' tables,
 * the LOCAL session records that cuts kept until their retry shows ({@link CutLocalSessionsCodec});
 * version 9 files are read with none. Version 9 (issue 12, partition writes): version 8 plus, after
 * the session table, the shard's local streams' session tables ({@link LocalSessions#writeTo}: this
 * region's replica id and local table, the number of copies, then per copy its replica id and
 * table); version 8 files are read with empty ones. Version 8 (issue 12): version 7 plus, after the
 * entries, the shard's session table in its canonical encoding ({@code SessionTable.writeTo},
 * layout in {@code SessionTableCodec}): the rest of the body, covered by the body length and
 * CRC32C. Version 7 files (the same without it) are read with an empty table, as are versions 6 and
 * 5. Version 7 (issue 11): the header of version 6 plus the shard's folded-through epoch (the
 * highest cut-off of a COMPACT record applied, -1 if none; it only steers compaction). Version 6
 * files (the same without it: header CRC32C at 80, body at 84) are read with folded-through epoch
 * -1. Version 6 added to version 5's header the local position (every record of the shard's local
 * log below it is applied), a body of series definitions and entries whose states use the canonical
 * encoding of the entry scheme (per-epoch log entries and local entries, each with its end
 * position; {@code SignalStateCodec} version 2), no counted ranges. Version 5 files (the same
 * without the local position: header CRC32C at 72, body at 76) are read with local position 0.
 * Versions 1 to 4 hold entries keyed by origin region that cannot be mapped onto log entries
 * exactly: they are not usable ({@link SnapshotReader} names the file and version), and recovery
 * falls back as for any unusable snapshot.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------------------------------------------------------+
 * |                       magic "TDSS" (0x53534454)               |  0
 * +-------------------------------+-------------------------------+
 * |          version (11)         |           flags (0)           |  4
 * +-------------------------------+-------------------------------+
 * |                             shard                             |  8
 * +---------------------------------------------------------------+
 * |                         series count                          | 12
 * +---------------------------------------------------------------+
 * |                    position (8 bytes, the WAL                 | 16
 * |                    position the snapshot covers)              |
 * +---------------------------------------------------------------+
 * |                      entry count (8 bytes)                    | 24
 * +---------------------------------------------------------------+
 * |                      body length (8 bytes)                    | 32
 * +---------------------------------------------------------------+
 * |                      body CRC32C                              | 40
 * +---------------------------------------------------------------+
 * |                 fence epoch (8 bytes; 0 = none): the          | 44
 * |     log was cut at position for the leader of this epoch      |
 * +---------------------------------------------------------------+
 * |        anchor first position (8 bytes; -1 = no anchor):       | 52
 * |  first position of the log batch that ends at position        |
 * +---------------------------------------------------------------+
 * |                 anchor epoch (8 bytes): its epoch             | 60
 * +---------------------------------------------------------------+
 * |       anchor CRC32C: over that batch's bytes, header included | 68
 * +---------------------------------------------------------------+
 * |        local position (8 bytes): every record of the          | 72
 * |        shard's local log below it is applied                  |
 * +---------------------------------------------------------------+
 * |      folded-through epoch (8 bytes; -1 = none): the highest   | 80
 * |      cut-off epoch of a COMPACT record applied to the state   |
 * +---------------------------------------------------------------+
 * |                      header CRC32C (bytes 0..87)              | 88
 * +---------------------------------------------------------------+
 * | body: series count x (id int, tenant len byte, tenant ASCII,  | 92
 * |   type len byte, type ASCII), then entry count x (series id   |
 * |   int, entity long, state length int, CrdtSignalState bytes)  |
 * +---------------------------------------------------------------+
 * | then the session table: SessionTable.writeTo's canonical      |
 * |   encoding ("TDST", format 2, ...)                            |
 * +---------------------------------------------------------------+
 * | then the local streams' tables (version 9): owner replica id  |
 * |   long, its table ("TDST"), copy count int, copy count x      |
 * |   (replica id long, table "TDST")                             |
 * +---------------------------------------------------------------+
 * | then the kept cut LOCAL session records (version 10; 11 with  |
 * |   part fields,                                                |
 * |   CutLocalSessionsCodec), to the end of the body              |
 * +---------------------------------------------------------------+
 * </pre>
 *
 * <p>A snapshot with fence epoch {@code E} at position {@code P} is written by {@link
 * ShardTruncation} before it cuts the log at {@code P}: recovery that finds a batch of an epoch
 * below {@code E} at {@code P} finishes the interrupted cut.
 */
final class SnapshotDescriptor {
  static final int MAGIC = 0x53534454;
  static final short VERSION = 11;

  /** The version before session batches: kept cut LOCAL records without part fields. */
  static final short VERSION_10 = 10;

  /** The version before the kept cut LOCAL session records: read with none. */
  static final short VERSION_9 = 9;

  /** The version before the local streams' tables: read with empty ones. */
  static final short VERSION_8 = 8;

  /** The version before the session table: the same header, read with an empty table. */
  static final short VERSION_7 = 7;

  /** The version before the folded-through epoch: read with folded-through epoch -1. */
  static final short VERSION_6 = 6;

  /** The version before the local position: read with local position 0. */
  static final short VERSION_5 = 5;

  /** The first version; versions from it up to {@link #VERSION_5} - 1 predate the entry scheme. */
  static final short VERSION_1 = 1;

  static final int MAGIC_OFFSET = 0;
  static final int VERSION_OFFSET = 4;
  static final int FLAGS_OFFSET = 6;
  static final int SHARD_OFFSET = 8;
  static final int SERIES_COUNT_OFFSET = 12;
  static final int POSITION_OFFSET = 16;
  static final int ENTRY_COUNT_OFFSET = 24;
  static final int BODY_LENGTH_OFFSET = 32;
  static final int BODY_CRC_OFFSET = 40;
  static final int FENCE_EPOCH_OFFSET = 44;
  static final int ANCHOR_FIRST_POSITION_OFFSET = 52;
  static final int ANCHOR_EPOCH_OFFSET = 60;
  static final int ANCHOR_CRC_OFFSET = 68;
  static final int LOCAL_POSITION_OFFSET = 72;
  static final int FOLDED_THROUGH_OFFSET = 80;
  static final int HEADER_CRC_OFFSET = 88;
  static final int HEADER_LENGTH = 92;

  /** Where version 6's header CRC32C lies (over bytes 0..79), and its length. */
  static final int V6_HEADER_CRC_OFFSET = 80;

  static final int V6_HEADER_LENGTH = 84;

  /** Where version 5's header CRC32C lies (over bytes 0..71), and its length. */
  static final int V5_HEADER_CRC_OFFSET = 72;

  static final int V5_HEADER_LENGTH = 76;

  /** Bytes needed to tell the version: magic, version, flags. */
  static final int MIN_HEADER_LENGTH = 8;

  /** Bytes of an entry before its state: series id, entity, state length. */
  static final int ENTRY_PREFIX_LENGTH = 4 + 8 + 4;

  static final String SUFFIX = ".snap";

  private SnapshotDescriptor() {}

  /** Returns the file name of a shard's snapshot at a position. */
  static String fileName(int shard, long position) {
    return String.format("snapshot-%04d-%020d%s", shard, position, SUFFIX);
  }

  /**
   * The suffix of a received snapshot that {@link SnapshotInstall} verified and is installing: it
   * becomes {@link #fileName} once the log was reset to its position (see "Snapshots" in
   * docs/ARCHITECTURE.md for the recovery rule).
   */
  static final String INSTALL_SUFFIX = ".install";

  /**
   * Returns the name of a snapshot being received from the leader ({@link SnapshotReceiver}): it
   * ends like {@link io.tidaldb.support.files.AtomicFile}'s temporary files, so a crash leaves
   * nothing that the store's startup cleanup does not delete.
   */
  static String receivedName(int shard, long position) {
    return String.format(
        "snapshot-%04d-%020d.received%s%s",
        shard, position, SUFFIX, io.tidaldb.support.files.AtomicFile.TMP_SUFFIX);
  }

  /** Returns the name of a verified snapshot being installed at {@code position}. */
  static String installName(int shard, long position) {
    return fileName(shard, position) + INSTALL_SUFFIX;
  }

  /** Returns the prefix every snapshot file of a shard starts with. */
  static String prefix(int shard) {
    return String.format("snapshot-%04d-", shard);
  }
}
