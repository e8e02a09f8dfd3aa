package io.tidaldb.replication.leadership;

import static io.tidaldb.replication.leadership.EpochFileDescriptor.*;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.StorageException;
import io.tidaldb.support.files.AtomicFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * An {@link EpochStore} that keeps one shard's epoch and vote in a small file, {@code epoch-<shard
 * 4>.dat} (layout in {@link EpochFileDescriptor}).
 *
 * <p>Every {@link #save} writes the whole file crash-safely through {@link AtomicFile}: a temporary
 * file is written and fsynced, atomically renamed over the old one and the directory is fsynced, so
 * a crash at any instant leaves either the previous value or the new one; a failed save deletes its
 * temporary file, and one left by a crash is never read and is overwritten by the next save. A
 * missing file means nothing was saved yet (epoch 0, no vote). A file that is corrupt or belongs to
 * another shard is refused with a {@link StorageException} naming the file and the byte offset,
 * never silently reset: an empty vote there could let this region vote twice in one epoch.
 *
 * <p>Rules kept here (besides those of {@link EpochState}): the saved epoch never goes down, and a
 * vote once saved in an epoch is never replaced or withdrawn in that epoch.
 *
 * <p>Not thread-safe: the shard's owner thread calls every method.
 */
public final class FileEpochStore implements EpochStore {
  private final Path file;
  private final int shard;
  private final ByteBuffer out = ByteBuffer.allocate(LENGTH).order(ByteOrder.LITTLE_ENDIAN);
  private final ByteBuffer readBuffer =
      ByteBuffer.allocate(LENGTH + 1).order(ByteOrder.LITTLE_ENDIAN);
  private final CRC32C crc = new CRC32C();
  private PersistedEpoch stored; // what the file holds, null until first read or written

  /**
   * Creates the store of {@code shard} in {@code directory}, creating the directory if missing.
   *
   * @param directory where the epoch file lives
   * @param shard the shard index, {@code >= 0}
   * @throws InvalidArgumentException if the shard is negative
   * @throws StorageException if the directory cannot be created
   */
  public FileEpochStore(Path directory, int shard) {
    Objects.requireNonNull(directory, "directory");
    if (shard < 0) {
      throw new InvalidArgumentException("shard", shard, "must be >= 0");
    }
    this.shard = shard;
    this.file = directory.resolve(fileName(shard));
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new StorageException("cannot create directory " + directory + ": " + e, e);
    }
  }

  /**
   * Returns the epoch file.
   *
   * @return the path of {@code epoch-<shard>.dat}
   */
  public Path file() {
    return file;
  }

  /**
   * Reads the file.
   *
   * @return the saved epoch and vote, {@link PersistedEpoch#INITIAL} when the file does not exist
   * @throws StorageException if the file cannot be read, or is corrupt or another shard's, naming
   *     the file and (for a bad file) the byte offset
   */
  @Override
  public PersistedEpoch load() {
    stored = read();
    return stored;
  }

  /**
   * Writes the epoch and vote crash-safely; returns once they are durable.
   *
   * @param epoch the epoch, at least the saved one
   * @param votedFor the vote of {@code epoch}, empty when none
   * @throws InvalidArgumentException if the epoch is below the saved one, or the vote saved for
   *     this epoch would be replaced or withdrawn; the file is unchanged
   * @throws StorageException if the file cannot be written, naming it
   */
  @Override
  public void save(long epoch, Optional<RegionId> votedFor) {
    PersistedEpoch next = new PersistedEpoch(epoch, votedFor);
    PersistedEpoch current = stored != null ? stored : load();
    if (epoch < current.epoch()) {
      throw new InvalidArgumentException(
          "epoch",
          epoch,
          "below the saved epoch " + current.epoch() + " in " + file + ": epochs only grow");
    }
    if (epoch == current.epoch()
        && current.votedFor().isPresent()
        && !current.votedFor().equals(votedFor)) {
      throw new InvalidArgumentException(
          "votedFor",
          votedFor.map(RegionId::toString).orElse("none"),
          "epoch "
              + epoch
              + " already has a saved vote for "
              + current.votedFor().get()
              + " in "
              + file);
    }
    stored = null; // re-read before the next save if this one fails half-way (renamed, not synced)
    write(next);
    stored = next;
  }

  private PersistedEpoch read() {
    ByteBuffer in = readBuffer.clear();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      while (in.hasRemaining()) { // at most one byte past LENGTH: enough to see a long file
        if (ch.read(in) < 0) {
          break;
        }
      }
      if (in.position() != LENGTH) {
        throw corrupt(
            Math.min(in.position(), LENGTH), "file is " + ch.size() + " bytes, expected " + LENGTH);
      }
    } catch (NoSuchFileException e) {
      return PersistedEpoch.INITIAL;
    } catch (IOException e) {
      throw new StorageException("cannot read " + file + ": " + e, e);
    }
    return decode(in);
  }

  private PersistedEpoch decode(ByteBuffer in) {
    int magic = in.getInt(MAGIC_OFFSET);
    if (magic != MAGIC) {
      throw corrupt(MAGIC_OFFSET, String.format("bad magic 0x%08x, expected 0x%08x", magic, MAGIC));
    }
    short version = in.getShort(VERSION_OFFSET);
    if (version != VERSION) {
      throw corrupt(VERSION_OFFSET, "unsupported version " + version + ", expected " + VERSION);
    }
    int expectedCrc = in.getInt(CRC_OFFSET);
    int actualCrc = crc(in);
    if (expectedCrc != actualCrc) {
      throw corrupt(
          CRC_OFFSET,
          String.format("CRC32C mismatch: stored 0x%08x, computed 0x%08x", expectedCrc, actualCrc));
    }
    short flags = in.getShort(FLAGS_OFFSET);
    if (flags != 0) {
      throw corrupt(FLAGS_OFFSET, "unknown flags " + flags);
    }
    int fileShard = in.getInt(SHARD_OFFSET);
    if (fileShard != shard) {
      throw corrupt(SHARD_OFFSET, "belongs to shard " + fileShard + ", not shard " + shard);
    }
    int voted = in.getInt(VOTED_FOR_OFFSET);
    if (voted != NO_VOTE && (voted < 0 || voted > RegionId.MAX_VALUE)) {
      throw corrupt(VOTED_FOR_OFFSET, "bad voted-for region " + voted);
    }
    long epoch = in.getLong(EPOCH_OFFSET);
    if (epoch < 0) {
      throw corrupt(EPOCH_OFFSET, "negative epoch " + epoch);
    }
    return new PersistedEpoch(
        epoch, voted == NO_VOTE ? Optional.empty() : Optional.of(RegionId.of(voted)));
  }

  private void write(PersistedEpoch value) {
    encode(value);
    AtomicFile.write(
        file,
        ch -> {
          while (out.hasRemaining()) {
            ch.write(out);
          }
        });
  }

  private void encode(PersistedEpoch value) {
    out.clear();
    out.putInt(MAGIC_OFFSET, MAGIC)
        .putShort(VERSION_OFFSET, VERSION)
        .putShort(FLAGS_OFFSET, (short) 0)
        .putInt(SHARD_OFFSET, shard)
        .putInt(VOTED_FOR_OFFSET, value.votedFor().map(RegionId::value).orElse(NO_VOTE))
        .putLong(EPOCH_OFFSET, value.epoch());
    out.putInt(CRC_OFFSET, crc(out));
  }

  private int crc(ByteBuffer bytes) {
    crc.reset();
    crc.update(bytes.array(), 0, CRC_OFFSET);
    return (int) crc.getValue();
  }

  private StorageException corrupt(long offset, String what) {
    return new StorageException(
        file + " at offset " + offset + ": corrupt epoch file (" + what + ")");
  }
}
