package io.tidaldb.store;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.TenantId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

/**
 * The tenants this store has purged, durable in {@code <store directory>/purged-tenants} (written
 * through {@link AtomicFile} before any state is dropped). The store owns it: the registry says a
 * tenant is deleted, the store records the purge here, and from then on every record and merge of
 * the tenant is a no-op, also in the WAL replay after a restart.
 *
 * <pre>
 *  0               4               8
 * +---------------+---------------+------------------------------+---------------+
 * | magic 'TPRG'  | count (u32)   | count x (u8 length, ASCII)   | crc32c (u32)  |
 * +---------------+---------------+------------------------------+---------------+
 * </pre>
 */
final class PurgedTenants {
  static final String NAME = "purged-tenants";
  static final int MAGIC = 0x54505247;

  private PurgedTenants() {}

  /** Reads the set; empty if the file does not exist; a corrupt file names its path. */
  static Set<String> load(Path directory) {
    Path file = directory.resolve(NAME);
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Set.of();
    } catch (IOException e) {
      throw new StorageException("cannot read the purged tenants " + file + ": " + e, e);
    }
    try {
      ByteBuffer b = CheckedFile.body(bytes, MAGIC);
      int count = b.getInt();
      Set<String> names = new TreeSet<>();
      for (int i = 0; i < count; i++) {
        byte[] name = new byte[b.get() & 0xFF];
        b.get(name);
        names.add(TenantId.of(new String(name, StandardCharsets.US_ASCII)).name());
      }
      if (b.hasRemaining()) {
        throw new StorageException(b.remaining() + " bytes after " + count + " names");
      }
      return Set.copyOf(names);
    } catch (StorageException | InvalidArgumentException | java.nio.BufferUnderflowException e) {
      throw new StorageException(
          "the purged tenants file "
              + file
              + " is corrupt ("
              + e.getMessage()
              + "); it is never read as empty, which would let a deleted tenant's records apply"
              + " again",
          e);
    }
  }

  /** Writes the set crash-safely. */
  static void save(Path directory, Set<String> names) {
    int size = 4;
    for (String n : names) {
      size += 1 + n.length();
    }
    ByteBuffer b = CheckedFile.allocate(MAGIC, size).putInt(names.size());
    for (String n : new TreeSet<>(names)) {
      byte[] bytes = n.getBytes(StandardCharsets.US_ASCII);
      b.put((byte) bytes.length).put(bytes);
    }
    CheckedFile.write(directory.resolve(NAME), b);
  }
}
