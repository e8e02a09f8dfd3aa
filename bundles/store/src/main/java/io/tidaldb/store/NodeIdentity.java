package io.tidaldb.store;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.StorageException;
import io.tidaldb.crdt.ReplicaIds;
import io.tidaldb.support.files.AtomicFile;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable identity of this node's local CRDT entry: (region, incarnation), kept in {@code
 * node.id}. Since issue 11 it names only this region's <em>local</em> entry ({@link
 * ReplicaIds#local}), fed by the region's own local stream (partition writes); shard-log records go
 * to the log entry of their epoch, whatever region accepted them, and the (region, incarnation)
 * pair stays in each WAL record as its origin, for provenance only.
 *
 * <p>Rule (see docs/ARCHITECTURE.md, "Replica identity"): a region ships only what its own WAL has
 * made durable, so after a crash it still holds everything any other replica may have seen from it,
 * and it keeps counting under the same replica id. The incarnation is bumped only when the region's
 * data is lost: {@code node.id} says data was written ({@code written=true}) but neither WAL
 * records nor snapshots are left, or the WAL lost records a snapshot proves were durable (a
 * snapshot retired because the WAL was truncated below it, see {@link SnapshotHistory}). Then
 * entries under the old id may exist elsewhere with higher counts than this node will ever reach
 * again, and a fresh id keeps entrywise max from swallowing new writes.
 */
final class NodeIdentity {
  private static final Logger LOG = LoggerFactory.getLogger(NodeIdentity.class);
  static final String FILE = "node.id";

  private final Path file;
  private final RegionId region;
  private final int incarnation;
  private volatile boolean written;

  private NodeIdentity(Path file, RegionId region, int incarnation, boolean written) {
    this.file = file;
    this.region = region;
    this.incarnation = incarnation;
    this.written = written;
  }

  /**
   * Loads or creates the identity.
   *
   * @param hasData whether any WAL record or snapshot survived
   * @param lost records the WAL lost although a snapshot proves they were durable (they may have
   *     been shipped), one line per retired snapshot; empty if none
   * @throws StorageException if the file is unreadable, names another region, or is missing while
   *     data exists
   */
  static NodeIdentity open(Path directory, RegionId region, boolean hasData, List<String> lost) {
    Path file = directory.resolve(FILE);
    if (!Files.exists(file)) {
      if (hasData) {
        throw new StorageException(
            file
                + " is missing but the WAL or snapshots hold data: refusing to guess the replica"
                + " incarnation (restore node.id, or move the data away to start empty)");
      }
      NodeIdentity fresh = new NodeIdentity(file, region, 0, false);
      fresh.store();
      return fresh;
    }
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (IOException e) {
      throw new StorageException("cannot read " + file + ": " + e, e);
    }
    int storedRegion = intValue(file, p, "region");
    int incarnation = intValue(file, p, "incarnation");
    boolean written = Boolean.parseBoolean(p.getProperty("written", "false"));
    if (storedRegion != region.value()) {
      throw new StorageException(
          file + " belongs to region " + storedRegion + " but this node is " + region);
    }
    if (written && (!hasData || !lost.isEmpty())) {
      NodeIdentity bumped = new NodeIdentity(file, region, incarnation + 1, hasData);
      LOG.warn(
          "{} says data was written but {}: data lost; replica incarnation bumped from {} to {}",
          file,
          hasData ? "the WAL lost durable records " + lost : "no WAL record or snapshot survives",
          incarnation,
          incarnation + 1);
      bumped.store();
      return bumped;
    }
    NodeIdentity id = new NodeIdentity(file, region, incarnation, written);
    if (hasData && !written) {
      id.markWritten();
    }
    return id;
  }

  /**
   * Returns the id of this region's local CRDT entry, {@link ReplicaIds#local}(region,
   * incarnation).
   */
  long replicaId() {
    return ReplicaIds.local(region.value(), incarnation);
  }

  /**
   * Returns the origin a WAL record of this node carries (provenance): region << 16 | incarnation.
   */
  int origin() {
    return (int) replicaId();
  }

  int incarnation() {
    return incarnation;
  }

  /** Records durably that this node has written data. Cheap after the first call. */
  void markWritten() {
    if (!written) {
      synchronized (this) {
        if (!written) {
          written = true;
          store();
        }
      }
    }
  }

  private void store() {
    Properties p = new Properties();
    p.setProperty("region", Integer.toString(region.value()));
    p.setProperty("incarnation", Integer.toString(incarnation));
    p.setProperty("written", Boolean.toString(written));
    StringWriter text = new StringWriter();
    try {
      p.store(text, "TidalDB node identity: do not edit or copy between nodes");
    } catch (IOException e) {
      throw new StorageException("cannot write " + file + ": " + e, e);
    }
    ByteBuffer bytes = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
    AtomicFile.write(
        file,
        ch -> {
          while (bytes.hasRemaining()) {
            ch.write(bytes);
          }
        });
  }

  private static int intValue(Path file, Properties p, String key) {
    String v = p.getProperty(key);
    try {
      return Integer.parseInt(v == null ? "" : v.trim());
    } catch (NumberFormatException e) {
      throw new StorageException(file + ": bad " + key + " value '" + v + "'", e);
    }
  }
}
