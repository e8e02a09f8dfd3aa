package io.tidaldb.store;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.StorageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Verifies a snapshot received from the leader before it is installed ({@link SnapshotInstall}):
 * its length against the announced size, its header (magic, version, CRC32C, shard, position, no
 * fence) and its anchor's epoch against the announced last epoch, then its whole body, by loading
 * it into a fresh registry and map that the live state never sees. Every defect is an {@link
 * InvalidArgumentException} naming the file and what does not match.
 */
final class SnapshotVerifier {
  private SnapshotVerifier() {}

  /**
   * A verified snapshot, loaded aside.
   *
   * @param sessions the leader's session table at the snapshot's position
   * @param anchor the log batch the leader's snapshot covers ({@link LogAnchor#NONE} at its start)
   * @param localPosition the leader's local position the file names (not this region's)
   * @param foldedThrough the leader's folded-through epoch the file names
   */
  record Verified(
      SeriesRegistry registry,
      EntityStateMap states,
      ShardSessions sessions,
      LogAnchor anchor,
      long localPosition,
      long foldedThrough) {}

  static Verified verify(ShardState s, Path file, long position, long lastEpoch, long size) {
    long actual;
    try {
      actual = Files.size(file);
    } catch (IOException e) {
      throw new StorageException("cannot read " + file + ": " + e, e);
    }
    if (actual != size) {
      throw invalid(file, "size", actual, "the leader announced " + size + " bytes");
    }
    SnapshotReader.Header header;
    try {
      header = SnapshotReader.header(file, s.shard);
    } catch (StorageException e) {
      throw invalid(file, "snapshot", file.getFileName(), e.getMessage());
    }
    if (header.position() != position) {
      throw invalid(
          file, "position", header.position(), "the leader announced position " + position);
    }
    if (header.fenceEpoch() != 0) {
      throw invalid(file, "fence epoch", header.fenceEpoch(), "a shipped snapshot has no fence");
    }
    LogAnchor anchor = header.anchor();
    if (anchor.firstPosition() >= 0 && anchor.epoch() != lastEpoch) {
      throw invalid(
          file,
          "last epoch",
          lastEpoch,
          "the snapshot covers a batch of epoch " + anchor.epoch() + " ending at " + position);
    }
    SeriesRegistry registry = s.registry.emptyCopy();
    EntityStateMap states = new EntityStateMap();
    ShardSessions sessions = new ShardSessions(s.sessions.config(), 0); // the leader's, as written
    SnapshotReader.Loaded loaded;
    try {
      loaded = s.snapshots.load(file, registry, states, sessions);
    } catch (StorageException e) {
      throw invalid(file, "snapshot", file.getFileName(), e.getMessage());
    }
    if (loaded.position() != position) {
      throw invalid(file, "position", loaded.position(), "announced " + position);
    }
    return new Verified(
        registry, states, sessions, anchor, loaded.localPosition(), loaded.foldedThrough());
  }

  private static InvalidArgumentException invalid(
      Path file, String what, Object value, String rule) {
    return new InvalidArgumentException(
        what, value, "received snapshot " + file.getFileName() + ": " + rule);
  }
}
