package io.tidaldb.support.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
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
  void shouldCreateAMissingTarget() throws IOException {
    Path fresh = dir.resolve("epoch-0003.dat");
    AtomicFile.write(fresh, ch -> ch.write(bytes("first")));
    assertEquals("first", Files.readString(fresh));
    assertFalse(Files.exists(AtomicFile.tmpOf(fresh)));
  }

  @Test
  void shouldOverwriteATemporaryFileACrashLeft() throws IOException {
    Files.writeString(tmp, "torn and longer than the new content");
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
    assertTrue(e.getMessage().contains("cannot write " + target), e.getMessage());
    assertTrue(e.getMessage().contains("(via " + tmp + ")"), e.getMessage());
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
  void shouldPassAStorageExceptionOfTheContentUnchangedAndDeleteTheTemporaryFile()
      throws IOException {
    StorageException thrown = new StorageException("encoder refused the value");
    StorageException e =
        assertThrows(
            StorageException.class,
            () ->
                AtomicFile.write(
                    target,
                    ch -> {
                      ch.write(bytes("half"));
                      throw thrown;
                    }));
    assertSame(thrown, e);
    assertFalse(Files.exists(tmp), "temporary file deleted");
    assertEquals("old", Files.readString(target));
  }

  @Test
  void shouldNameTheTargetWhenTheTemporaryFileCannotBeOpened() throws IOException {
    Files.createDirectory(tmp); // opening a directory for writing fails with an IOException
    StorageException e =
        assertThrows(StorageException.class, () -> AtomicFile.write(target, ch -> {}));
    assertTrue(e.getMessage().contains("cannot write " + target), e.getMessage());
    assertFalse(Files.exists(tmp), "the empty directory in the way is deleted");
    assertEquals("old", Files.readString(target));
  }

  @Test
  void shouldFsyncADirectory() throws IOException {
    Fsync.directory(dir);
    IOException e = assertThrows(IOException.class, () -> Fsync.directory(dir.resolve("missing")));
    assertTrue(e.getMessage().contains("missing"), e.getMessage());
  }
}
