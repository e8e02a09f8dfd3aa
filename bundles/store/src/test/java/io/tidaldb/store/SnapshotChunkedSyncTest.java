package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.StorageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The snapshot body is forced every {@code syncChunkBytes} while it is written (so no single flush
 * is large): the chunked write produces the same bytes as one final force, and a failure between
 * chunks leaves no temporary file and the previous snapshot as it was.
 */
class SnapshotChunkedSyncTest {
  private static final int BUFFER = 4096;
  @TempDir Path dir;

  private Path write(Path into, SnapshotWriter writer, long position, StateEntries states) {
    return writer.write(
        into,
        2,
        position,
        SnapshotStreamingTest.registry().snapshot(),
        states,
        0,
        new LogAnchor(position - 10, 3, 0x5EED),
        0);
  }

  @Test
  void shouldWriteTheSameBytesWhenTheBodyIsForcedInManyChunks() throws IOException {
    EntityStateMap states = SnapshotStreamingTest.states(42);
    SnapshotWriter unchunked = new SnapshotWriter(BUFFER, Long.MAX_VALUE);
    byte[] expected = Files.readAllBytes(write(dir, unchunked, 3_001, states));
    assertEquals(0, unchunked.forces(), "one final force only");
    long body = expected.length - SnapshotDescriptor.HEADER_LENGTH;
    for (long chunk :
        new long[] {BUFFER / 3, BUFFER, 3 * BUFFER + 17, SnapshotWriter.SYNC_CHUNK_BYTES}) {
      Path into = Files.createDirectory(dir.resolve("chunk-" + chunk));
      SnapshotWriter writer = new SnapshotWriter(BUFFER, chunk);
      assertArrayEquals(
          expected, Files.readAllBytes(write(into, writer, 3_001, states)), "chunk " + chunk);
      // the buffer is written in pieces up to each force point: a force every chunk exactly
      assertEquals(
          body / chunk,
          writer.forces(),
          "chunk " + chunk + ": " + writer.forces() + " forces of a " + body + " B body");
    }
    assertTrue(body > 40 * BUFFER, "a body of many chunks: " + body);
  }

  @Test
  void shouldLeaveNoTmpAndThePreviousSnapshotWhenAWriteFailsBetweenChunks() throws IOException {
    EntityStateMap states = SnapshotStreamingTest.states(7);
    SnapshotWriter writer = new SnapshotWriter(BUFFER, BUFFER);
    Path previous = write(dir, writer, 1_000, states);
    byte[] before = Files.readAllBytes(previous);
    int failAfter = states.size() / 2;
    StateEntries failing =
        new StateEntries() {
          @Override
          public int size() {
            return states.size();
          }

          @Override
          public void forEach(EntityStateMap.EntryVisitor visitor) {
            int[] seen = {0};
            states.forEach(
                (series, entity, state) -> {
                  if (seen[0]++ == failAfter) {
                    throw new IllegalStateException("injected failure after " + failAfter);
                  }
                  visitor.visit(series, entity, state);
                });
          }
        };
    StorageException e =
        assertThrows(StorageException.class, () -> write(dir, writer, 2_000, failing));
    assertTrue(e.getMessage().contains("injected failure after " + failAfter), e.getMessage());
    assertTrue(writer.forces() >= 2, "failed after chunks were forced: " + writer.forces());
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(previous), files.toList(), "no temporary file, no new snapshot");
    }
    assertArrayEquals(before, Files.readAllBytes(previous));
    SeriesRegistry registry = new SeriesRegistry(t -> SnapshotStreamingTest.DECAY);
    EntityStateMap read = new EntityStateMap();
    assertEquals(
        new SnapshotReader.Loaded(1_000, 0),
        SnapshotReader.load(previous, 2, registry, read, BUFFER));
    assertEquals(states.size(), read.size());
  }
}
