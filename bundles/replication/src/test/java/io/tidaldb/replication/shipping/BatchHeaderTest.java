package io.tidaldb.replication.shipping;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tidaldb.wal.BatchDescriptor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pins the follower's header offsets to the WAL's batch descriptor. */
class BatchHeaderTest {
  @Test
  void shouldReadTheSameOffsetsAsTheWalDescriptor() {
    assertEquals(
        List.of(
            BatchDescriptor.MAGIC,
            (int) BatchDescriptor.VERSION,
            BatchDescriptor.MAGIC_OFFSET,
            BatchDescriptor.VERSION_OFFSET,
            BatchDescriptor.SHARD_OFFSET,
            BatchDescriptor.RECORD_COUNT_OFFSET,
            BatchDescriptor.EPOCH_OFFSET,
            BatchDescriptor.FIRST_POSITION_OFFSET,
            BatchDescriptor.HEADER_LENGTH),
        List.of(
            BatchHeader.MAGIC,
            (int) BatchHeader.VERSION,
            BatchHeader.MAGIC_OFFSET,
            BatchHeader.VERSION_OFFSET,
            BatchHeader.SHARD_OFFSET,
            BatchHeader.RECORD_COUNT_OFFSET,
            BatchHeader.EPOCH_OFFSET,
            BatchHeader.FIRST_POSITION_OFFSET,
            BatchHeader.LENGTH));
  }
}
