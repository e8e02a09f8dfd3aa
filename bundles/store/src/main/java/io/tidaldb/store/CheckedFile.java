package io.tidaldb.store;

import io.tidaldb.api.StorageException;
import io.tidaldb.support.files.AtomicFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The frame of the store's small tenant files ({@link PurgedTenants}, {@link RegistryTenants}): a
 * magic, the body, a CRC32C of both; written through {@link AtomicFile}.
 */
final class CheckedFile {
  private CheckedFile() {}

  /**
   * Checks {@code bytes}' magic and CRC; returns them positioned after the magic, limited before
   * the CRC.
   *
   * @throws StorageException naming what is wrong (the caller adds the path)
   */
  static ByteBuffer body(byte[] bytes, int magic) {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    if (bytes.length < 12 || b.getInt(0) != magic) {
      throw new StorageException("bad header");
    }
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, bytes.length - 4);
    if ((int) crc.getValue() != b.getInt(bytes.length - 4)) {
      throw new StorageException("CRC mismatch");
    }
    b.position(4).limit(bytes.length - 4);
    return b;
  }

  /** A buffer for a body of {@code bodyBytes}, the magic written, room left for the CRC. */
  static ByteBuffer allocate(int magic, int bodyBytes) {
    return ByteBuffer.allocate(4 + bodyBytes + 4).putInt(magic);
  }

  /** Appends the CRC to {@code b} (filled from {@link #allocate}) and writes it crash-safely. */
  static void write(Path file, ByteBuffer b) {
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue()).flip();
    AtomicFile.write(
        file,
        ch -> {
          while (b.hasRemaining()) {
            ch.write(b);
          }
        });
  }
}
