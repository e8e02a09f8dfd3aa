package io.tidaldb.tenancy;

import io.tidaldb.api.StorageException;
import io.tidaldb.support.files.AtomicFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;

/**
 * The registry file of a region, {@code <directory>/tenants.reg}: written crash-safely ({@link
 * AtomicFile}: a temporary file, fsync, atomic rename, directory fsync) before an admin call
 * returns; read at start. A missing file is an empty registry; a corrupt one is an error naming the
 * path, never an empty registry.
 */
public final class RegistryFile {
  /** The file's name in the directory. */
  public static final String NAME = "tenants.reg";

  private final Path file;

  /**
   * Creates the file's handle, creating the directory if needed.
   *
   * @param directory the region's tenancy directory
   * @throws StorageException if the directory cannot be created
   */
  public RegistryFile(Path directory) {
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new StorageException("cannot create the tenancy directory " + directory + ": " + e, e);
    }
    this.file = directory.resolve(NAME);
  }

  /** Returns the file's path. */
  public Path path() {
    return file;
  }

  /**
   * Reads the registry.
   *
   * @return the registry; empty if the file does not exist
   * @throws StorageException naming the path if it cannot be read or is corrupt
   */
  public TenantRegistry load() {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return TenantRegistry.EMPTY;
    } catch (IOException e) {
      throw new StorageException("cannot read the tenant registry " + file + ": " + e, e);
    }
    try {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      if (RegistryFormat.check(b) != RegistryFormat.KIND_FILE) {
        throw new StorageException("not a registry file (kind " + b.get(5) + ")");
      }
      return TenantRegistry.of(RegistryFormat.decodeEntries(b));
    } catch (StorageException e) {
      throw new StorageException(
          "the tenant registry "
              + file
              + " is corrupt: "
              + e.getMessage()
              + " (restore it from a backup or from another region's copy; it is never read as"
              + " empty)",
          e);
    }
  }

  /**
   * Writes the registry crash-safely.
   *
   * @param registry the registry
   * @throws StorageException naming the path if it cannot be written (the old file is kept)
   */
  public void save(TenantRegistry registry) {
    ByteBuffer b =
        RegistryFormat.encode(RegistryFormat.KIND_FILE, new ArrayList<>(registry.entries()));
    AtomicFile.write(
        file,
        ch -> {
          while (b.hasRemaining()) {
            ch.write(b);
          }
        });
  }
}
