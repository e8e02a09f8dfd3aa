package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The crash-safe write leaves the old file or the new one, and never a temporary file. */
class AtomicFileTest {
  @TempDir Path dir;
  Path target;
  Path tmp;

  @BeforeEach
  void oldContent() throws IOException {
    target = dir.resolve("snapshot-0000-00000000000000000007.snap");
    tmp = dir.resolve(target.getFileName() + AtomicFile.TMP_SUFFIX);
    Files.writeString(target, "old");
  }

  static ByteBuffer bytes(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
  }

  @Test
  void shouldReplaceTheTarget() throws IOException {
    AtomicFile.write(target, ch -> ch.write(bytes("new")));
    assertEquals("new", Files.readString(target));
    assertFalse(Files.exists(tmp));
  }

  @Test
  void shouldDeleteTheTemporaryFileWhenAWriteFails() throws IOException {
    StorageException e =
        assertThrows(
            StorageException.class,
            () ->
                AtomicFile.write(
                    target,
                    ch -> {
                      ch.write(bytes("half"));
                      throw new IOException("No space left on device");
                    }));
    assertTrue(e.getMessage().contains(target.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
    assertFalse(Files.exists(tmp), "temporary file deleted");
    assertEquals("old", Files.readString(target));
  }

  @Test
  void shouldDeleteTheTemporaryFileWhenTheFsyncFails() throws IOException {
    // closing the channel under the helper makes its force() fail, as a failing fsync would
    StorageException e =
        assertThrows(
            StorageException.class,
            () ->
                AtomicFile.write(
                    target,
                    ch -> {
                      ch.write(bytes("new"));
                      ch.close();
                    }));
    assertTrue(e.getMessage().contains("ClosedChannelException"), e.getMessage());
    assertFalse(Files.exists(tmp), "temporary file deleted");
    assertEquals("old", Files.readString(target));
  }

  @Test
  void shouldDeleteTemporarySnapshotsACrashLeftWhenTheStoreOpens() throws IOException {
    Path store = Files.createDirectories(dir.resolve("db").resolve("store"));
    Path left = store.resolve("snapshot-0002-00000000000000000040.snap.tmp");
    Files.writeString(left, "torn");
    try (StoreFixture db = new StoreFixture(dir.resolve("db"))) {
      assertFalse(Files.exists(left));
      assertEquals(0, db.store.snapshotPosition(2));
    }
  }
}
