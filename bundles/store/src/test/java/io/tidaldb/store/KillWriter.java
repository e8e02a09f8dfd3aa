package io.tidaldb.store;

import io.tidaldb.api.SignalTickets;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Child-JVM writer for {@link KillRecoveryTest}: writes signals for entities {@code first, first+1,
 * ...} in windows, and after each window is durable prints {@code ACK <from> <to>}. It never stops
 * on its own: the test kills it with SIGKILL.
 */
public final class KillWriter {
  private KillWriter() {}

  public static void main(String[] args) {
    Path dir = Path.of(args[0]);
    long entity = Long.parseLong(args[1]);
    int window = Integer.parseInt(args[2]);
    StoreFixture db =
        new StoreFixture(dir, b -> b.snapshotEveryRecords(20_000), b -> b.segmentBytes(256 * 1024));
    System.out.println("READY");
    System.out.flush();
    SignalType view = SignalType.of("view");
    long[] last = new long[StoreFixture.SHARDS];
    while (true) {
      long from = entity;
      java.util.Arrays.fill(last, -1);
      for (int i = 0; i < window; i++, entity++) {
        long ticket =
            db.store.submit(TenantId.DEFAULT, view, entity, 1.0, System.currentTimeMillis());
        last[SignalTickets.shard(ticket)] = ticket;
      }
      for (long ticket : last) {
        if (ticket >= 0) {
          db.store.awaitDurable(ticket, Duration.ofSeconds(30));
        }
      }
      System.out.println("ACK " + from + " " + entity);
      System.out.flush();
    }
  }
}
