package io.tidaldb.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Defaults and validation of {@link WalConfig}. */
class WalConfigTest {
  private final WalConfig.Builder builder = WalConfig.builder(Path.of("wal"));

  @Test
  void shouldUseDocumentedDefaults() {
    WalConfig c = builder.build();
    assertEquals(Path.of("wal"), c.directory());
    assertEquals(4, c.shardCount());
    assertEquals(64L << 20, c.segmentBytes());
    assertEquals(4 << 20, c.maxBatchBytes());
    assertEquals(0, c.groupCommitDelayNanos());
    assertEquals(5000, c.appendTimeoutMillis());
  }

  @Test
  void shouldFitTheLargestRecordInTheSmallestBatch() {
    // why maxBatchBytes needs no check against record sizes: its floor holds any record
    assertTrue(WalConfig.MIN_BYTES >= RecordDescriptor.MAX_RECORD_LENGTH);
    assertTrue(WalConfig.MIN_BYTES >= RecordDescriptor.SIGNAL_LENGTH);
  }

  @Test
  void shouldRejectEveryOutOfRangeValueNamingIt() {
    rejects("shardCount", b -> b.shardCount(0));
    rejects("shardCount", b -> b.shardCount(10_000));
    rejects("segmentBytes", b -> b.segmentBytes(1023));
    rejects("maxBatchBytes", b -> b.maxBatchBytes(100));
    rejects("maxBatchBytes", b -> b.maxBatchBytes(Integer.MAX_VALUE));
    rejects("groupCommitDelayNanos", b -> b.groupCommitDelayNanos(-1));
    rejects("appendTimeoutMillis", b -> b.appendTimeoutMillis(-5));
    InvalidArgumentException e =
        assertThrows(InvalidArgumentException.class, () -> WalConfig.builder(null));
    assertEquals("directory", e.argument());
  }

  private void rejects(String name, Consumer<WalConfig.Builder> setter) {
    InvalidArgumentException e =
        assertThrows(InvalidArgumentException.class, () -> setter.accept(builder));
    assertEquals(name, e.argument());
    assertTrue(e.getMessage().contains(name), e.getMessage());
  }
}
