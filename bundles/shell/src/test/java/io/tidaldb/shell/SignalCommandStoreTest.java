package io.tidaldb.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.router.HashShardRouter;
import io.tidaldb.store.SignalStoreEngine;
import io.tidaldb.store.StoreConfig;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tidal:signal --session} against a real single-region store (WAL, router, store): a retry
 * typed with the same values prints the same acknowledgement and the signal counts once; bad values
 * store nothing.
 */
class SignalCommandStoreTest {
  @TempDir Path dir;

  private final AtomicLong clock = new AtomicLong(System.currentTimeMillis());
  private WalEngine wal;
  private SignalStoreEngine store;
  private TidalCommands console;

  @BeforeEach
  void open() {
    wal = WalEngine.open(WalConfig.builder(dir.resolve("wal")).shardCount(4).build());
    store =
        SignalStoreEngine.open(
            StoreConfig.builder(dir.resolve("store")).tenants("acme").build(),
            wal,
            new HashShardRouter(4));
    console = new TidalCommands(() -> store, List::of, clock::get, () -> 0x5E55_0000_0000_0042L);
  }

  @AfterEach
  void close() {
    store.close();
    wal.close();
  }

  @Test
  void shouldCountASessionWriteRetriedWithTheSameValuesOnce() {
    String first = console.signal("acme", "view", "42", "1.5", "--session", "7f3a9c", "--seq", "1");
    assertTrue(first.startsWith("ok: durable at LOCAL, stored by region-0: shard-"), first);
    clock.addAndGet(3_000);
    assertEquals(
        first, console.signal("acme", "view", "42", "1.5", "--session", "7f3a9c", "--seq", "1"));
    assertTrue(console.read("acme", "view", "42").startsWith("count=1 sum=1.50000 "));

    String second =
        console.signal("acme", "view", "42", "1.5", "--session", "7f3a9c", "--seq", "2");
    assertTrue(second.startsWith("ok: ") && !second.equals(first), second);
    assertTrue(console.read("acme", "view", "42").startsWith("count=2 sum=3.00000 "));
  }

  @Test
  void shouldAnswerARetryFromANewConsoleGivenTheEventTime() {
    String first = console.signal("acme", "view", "7", "1", "--session", "new");
    String at = first.substring(first.lastIndexOf("at ") + 3, first.length() - 1);
    TidalCommands restarted =
        new TidalCommands(() -> store, List::of, () -> clock.get() + 60_000, () -> 1);
    String refused =
        restarted.signal("acme", "view", "7", "1", "--session", "5e55000000000042", "--seq", "1");
    assertTrue(refused.contains("payload differs"), refused);
    assertEquals(
        first,
        restarted.signal(
            "acme", "view", "7", "1", "--session", "5e55000000000042", "--seq", "1", "--at", at));
    assertTrue(console.read("acme", "view", "7").startsWith("count=1 "));
  }

  @Test
  void shouldStoreNothingForBadSessionValues() {
    for (String[] bad :
        List.of(
            new String[] {"--session", "zz", "--seq", "1"},
            new String[] {"--session", "0", "--seq", "1"},
            new String[] {"--session", "7f", "--seq", "0"},
            new String[] {"--session", "7f", "--seq", "2", "--acked-below", "3"},
            new String[] {"--session", "7f"})) {
      String[] args = new String[4 + bad.length];
      System.arraycopy(new String[] {"acme", "view", "9", "1"}, 0, args, 0, 4);
      System.arraycopy(bad, 0, args, 4, bad.length);
      assertTrue(console.signal(args).startsWith("error: "), String.join(" ", bad));
    }
    assertEquals(0, store.status().signalsAccepted());
    assertTrue(console.read("acme", "view", "9").startsWith("count=0 "));
  }
}
