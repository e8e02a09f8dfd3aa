package io.tidaldb.replication.leadership;

import static io.tidaldb.replication.leadership.EpochFileDescriptor.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.StorageException;
import io.tidaldb.replication.leadership.EpochStore.PersistedEpoch;
import io.tidaldb.replication.leadership.SimCluster.MutableLog;
import io.tidaldb.support.files.AtomicFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The epoch file: round trip, restart, the pinned layout, every corruption, crash leftovers. */
class FileEpochStoreTest {
  private static final RegionId A = RegionId.of(1);
  private static final RegionId B = RegionId.of(2);
  private static final RegionId C = RegionId.of(3);

  @TempDir Path dir;

  @Test
  void shouldRoundTripEpochAndVote() {
    FileEpochStore store = new FileEpochStore(dir, 7);
    store.save(3, Optional.of(B));
    assertEquals(new PersistedEpoch(3, Optional.of(B)), store.load());
    store.save(4, Optional.empty());
    assertEquals(new PersistedEpoch(4, Optional.empty()), store.load());
    assertEquals(dir.resolve("epoch-0007.dat"), store.file());
  }

  @Test
  void shouldLoadWhatAnEarlierInstanceSavedAfterRestart() {
    new FileEpochStore(dir, 1).save(9, Optional.of(C));
    assertEquals(new PersistedEpoch(9, Optional.of(C)), new FileEpochStore(dir, 1).load());
  }

  @Test
  void shouldStartAtEpochZeroWithoutVoteWhenNoFileExistsAndCreateTheDirectory() {
    Path nested = dir.resolve("a/b");
    FileEpochStore store = new FileEpochStore(nested, 0);
    assertTrue(Files.isDirectory(nested));
    assertEquals(PersistedEpoch.INITIAL, store.load());
    assertFalse(Files.exists(store.file()));
  }

  @Test
  void shouldWriteTheDescribedLayout() throws IOException {
    FileEpochStore store = new FileEpochStore(dir, 12);
    store.save(0x0102030405L, Optional.of(RegionId.of(0xBEEF)));
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(store.file())).order(ByteOrder.LITTLE_ENDIAN);

    assertEquals(LENGTH, b.capacity());
    assertArrayEquals("TDEP".getBytes(java.nio.charset.StandardCharsets.US_ASCII), head(b, 4));
    assertEquals(MAGIC, b.getInt(MAGIC_OFFSET));
    assertEquals(VERSION, b.getShort(VERSION_OFFSET));
    assertEquals(0, b.getShort(FLAGS_OFFSET));
    assertEquals(12, b.getInt(SHARD_OFFSET));
    assertEquals(0xBEEF, b.getInt(VOTED_FOR_OFFSET));
    assertEquals(0x0102030405L, b.getLong(EPOCH_OFFSET));
    assertEquals(crcOf(b.array()), b.getInt(CRC_OFFSET));

    store.save(0x0102030406L, Optional.empty());
    b = ByteBuffer.wrap(Files.readAllBytes(store.file())).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(NO_VOTE, b.getInt(VOTED_FOR_OFFSET));
  }

  @Test
  void shouldNameFileAndOffsetOfBadMagic() throws IOException {
    assertCorrupt(b -> b.putInt(MAGIC_OFFSET, 0x12345678), false, MAGIC_OFFSET, "bad magic");
  }

  @Test
  void shouldNameFileAndOffsetOfUnknownVersion() throws IOException {
    assertCorrupt(b -> b.putShort(VERSION_OFFSET, (short) 2), true, VERSION_OFFSET, "version 2");
  }

  @Test
  void shouldNameFileAndOffsetOfCrcMismatch() throws IOException {
    assertCorrupt(b -> b.put(EPOCH_OFFSET, (byte) 0x7F), false, CRC_OFFSET, "CRC32C mismatch");
  }

  @Test
  void shouldNameFileAndOffsetOfUnknownFlags() throws IOException {
    assertCorrupt(b -> b.putShort(FLAGS_OFFSET, (short) 1), true, FLAGS_OFFSET, "flags 1");
  }

  @Test
  void shouldNameFileAndOffsetOfBadVoteAndNegativeEpoch() throws IOException {
    assertCorrupt(b -> b.putInt(VOTED_FOR_OFFSET, -2), true, VOTED_FOR_OFFSET, "region -2");
    assertCorrupt(b -> b.putLong(EPOCH_OFFSET, -1), true, EPOCH_OFFSET, "negative epoch -1");
  }

  @Test
  void shouldRefuseAnotherShardsFileNamingFileAndOffset() throws IOException {
    FileEpochStore other = new FileEpochStore(dir, 2);
    other.save(5, Optional.of(A));
    FileEpochStore mine = new FileEpochStore(dir, 3);
    Files.copy(other.file(), mine.file());

    StorageException e = assertThrows(StorageException.class, mine::load);
    assertMessage(e, mine.file(), SHARD_OFFSET, "belongs to shard 2, not shard 3");
  }

  @Test
  void shouldNameFileAndOffsetOfWrongLength() throws IOException {
    FileEpochStore store = new FileEpochStore(dir, 0);
    store.save(5, Optional.of(A));
    byte[] bytes = Files.readAllBytes(store.file());

    Files.write(store.file(), Arrays.copyOf(bytes, 10));
    assertMessage(assertThrows(StorageException.class, store::load), store.file(), 10, "10 bytes");
    Files.write(store.file(), Arrays.copyOf(bytes, LENGTH + 1));
    assertMessage(
        assertThrows(StorageException.class, store::load), store.file(), LENGTH, "29 bytes");
    Files.write(store.file(), new byte[0]);
    assertMessage(assertThrows(StorageException.class, store::load), store.file(), 0, "0 bytes");
  }

  @Test
  void shouldNotOverwriteACorruptFileOnSave() throws IOException {
    FileEpochStore store = new FileEpochStore(dir, 0);
    store.save(5, Optional.of(A));
    byte[] corrupt = Files.readAllBytes(store.file());
    corrupt[EPOCH_OFFSET] ^= 1;
    Files.write(store.file(), corrupt);

    FileEpochStore restarted = new FileEpochStore(dir, 0);
    assertThrows(StorageException.class, () -> restarted.save(9, Optional.empty()));
    assertArrayEquals(corrupt, Files.readAllBytes(store.file()));
  }

  @Test
  void shouldNameTheFileOnIoError() throws IOException {
    FileEpochStore store = new FileEpochStore(dir, 0);
    Files.createDirectory(store.file()); // reading a directory fails with an IOException

    StorageException read = assertThrows(StorageException.class, store::load);
    assertTrue(read.getMessage().contains("cannot read " + store.file()), read.getMessage());

    Files.delete(store.file());
    Files.createDirectory(AtomicFile.tmpOf(store.file()));
    StorageException write =
        assertThrows(StorageException.class, () -> store.save(1, Optional.empty()));
    assertTrue(write.getMessage().contains("cannot write " + store.file()), write.getMessage());
    assertFalse(Files.exists(store.file()));
    assertFalse(Files.exists(AtomicFile.tmpOf(store.file())), "a failed save deletes its tmp");
  }

  @Test
  void shouldIgnoreATmpFileLeftByACrashMidSave() throws IOException {
    FileEpochStore store = new FileEpochStore(dir, 4);
    store.save(6, Optional.of(B));
    Path tmp = AtomicFile.tmpOf(store.file());
    Files.write(tmp, new byte[] {1, 2, 3}); // torn: the crash hit before the rename

    FileEpochStore restarted = new FileEpochStore(dir, 4);
    assertEquals(new PersistedEpoch(6, Optional.of(B)), restarted.load());
    restarted.save(7, Optional.empty());
    assertEquals(new PersistedEpoch(7, Optional.empty()), new FileEpochStore(dir, 4).load());
    assertFalse(Files.exists(tmp));
  }

  @Test
  void shouldRefuseEpochBelowTheSavedOneNamingBoth() throws IOException {
    new FileEpochStore(dir, 0).save(5, Optional.of(A));
    byte[] before = Files.readAllBytes(dir.resolve(fileName(0)));

    FileEpochStore restarted = new FileEpochStore(dir, 0); // refuses even without a load first
    InvalidArgumentException e =
        assertThrows(InvalidArgumentException.class, () -> restarted.save(4, Optional.empty()));
    assertEquals("epoch", e.argument());
    assertTrue(e.getMessage().contains("invalid epoch: 4"), e.getMessage());
    assertTrue(e.getMessage().contains("saved epoch 5"), e.getMessage());
    assertArrayEquals(before, Files.readAllBytes(restarted.file()));

    restarted.save(5, Optional.of(A)); // the same value again is fine
    restarted.save(6, Optional.empty());
    assertEquals(6, restarted.load().epoch());
  }

  @Test
  void shouldRefuseToReplaceOrWithdrawTheVoteOfAnEpoch() {
    FileEpochStore store = new FileEpochStore(dir, 0);
    store.save(5, Optional.empty());
    store.save(5, Optional.of(A)); // the first vote of epoch 5

    assertThrows(InvalidArgumentException.class, () -> store.save(5, Optional.of(B)));
    assertThrows(InvalidArgumentException.class, () -> store.save(5, Optional.empty()));
    assertEquals(new PersistedEpoch(5, Optional.of(A)), new FileEpochStore(dir, 0).load());
  }

  @Test
  void shouldNotGrantASecondVoteInTheSameEpochAfterRestart() {
    List<String> votes = new ArrayList<>();
    MutableLog log = new MutableLog();
    machine(new FileEpochStore(dir, 0), log, votes).onVoteRequest(B, 5, 0, 0, 1);

    ShardLeadership restarted = machine(new FileEpochStore(dir, 0), log, votes);
    restarted.onVoteRequest(C, 5, 0, 0, 2);

    assertEquals(5, restarted.epoch());
    assertEquals(List.of("vote region-2 5 true", "vote region-3 5 false"), votes);
    assertEquals(1, restarted.counters().rejected(RejectCause.ALREADY_VOTED));
  }

  private static ShardLeadership machine(EpochStore store, ReplicaLog log, List<String> votes) {
    LeadershipOutbox outbox = new VoteRecorder(votes);
    LeadershipListener listener =
        new LeadershipListener() {
          @Override
          public void onBecomeLeader(long epoch) {}

          @Override
          public void onBecomeFollower(RegionId leader, long epoch) {}

          @Override
          public void onLeaderLost() {}
        };
    return new ShardLeadership(
        LeadershipConfig.withDefaults(List.of(A, B, C), A, 42), log, store, outbox, listener, 0);
  }

  /** Saves a valid file, mutates it (re-sealing the CRC if asked) and expects a named refusal. */
  private void assertCorrupt(Consumer<ByteBuffer> mutation, boolean fixCrc, int offset, String what)
      throws IOException {
    FileEpochStore store = new FileEpochStore(dir, 0);
    Files.deleteIfExists(store.file());
    store.save(5, Optional.of(A));
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(store.file())).order(ByteOrder.LITTLE_ENDIAN);
    mutation.accept(b);
    if (fixCrc) {
      b.putInt(CRC_OFFSET, crcOf(b.array()));
    }
    Files.write(store.file(), b.array());

    StorageException e = assertThrows(StorageException.class, new FileEpochStore(dir, 0)::load);
    assertMessage(e, store.file(), offset, what);
  }

  private static void assertMessage(StorageException e, Path file, long offset, String what) {
    String m = e.getMessage();
    assertTrue(m.startsWith(file + " at offset " + offset + ": "), m);
    assertTrue(m.contains(what), m);
  }

  private static int crcOf(byte[] bytes) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, CRC_OFFSET);
    return (int) crc.getValue();
  }

  private static byte[] head(ByteBuffer b, int n) {
    return Arrays.copyOf(b.array(), n);
  }
}
