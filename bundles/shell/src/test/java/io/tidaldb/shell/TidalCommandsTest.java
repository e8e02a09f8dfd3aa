package io.tidaldb.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RankedEntity;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.ShardStatus;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalAggregate;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.StoreStatus;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class TidalCommandsTest {
  static final long NOW = 1_700_000_000_000L;

  /**
   * A store that records calls; weights are validated by the {@link Signal}, as for the real one.
   */
  static class RecordingStore implements SignalStore {
    final List<String> calls = new ArrayList<>();

    @Override
    public long submit(TenantId t, SignalType type, long e, double w, long time) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void awaitDurable(long ticket, Duration timeout) {
      throw new UnsupportedOperationException();
    }

    @Override
    public SignalAck signal(Signal s, Durability d) {
      calls.add(
          s.tenant()
              + "/"
              + s.type()
              + "/"
              + s.entity()
              + "/"
              + s.weight()
              + "@"
              + s.eventTime().epochMillis());
      return new SignalAck(ShardId.of(2), 17, new HlcStamp(HlcStamp.pack(NOW, 3)), d);
    }

    @Override
    public CompletableFuture<SignalAck> signalAsync(Signal s, Durability d) {
      throw new UnsupportedOperationException();
    }

    @Override
    public SignalAggregate read(TenantId t, SignalType type, EntityId e, Timestamp at) {
      return e.value() == 42
          ? new SignalAggregate(3, 4.5, 2.25, Optional.of(Timestamp.ofMillis(NOW)), at)
          : SignalAggregate.empty(at);
    }

    @Override
    public List<RankedEntity> top(TenantId t, SignalType type, int k, Timestamp at) {
      if (k < 0) {
        throw new InvalidArgumentException("k", k, "must be >= 0");
      }
      return List.of(new RankedEntity(EntityId.of(42), 2.25), new RankedEntity(EntityId.of(7), 1))
          .subList(0, Math.min(k, 2));
    }

    @Override
    public StoreStatus status() {
      return new StoreStatus(
          RegionId.of(0),
          0,
          Timestamp.ofMillis(NOW - 2000),
          500,
          List.of(new ShardStatus(ShardId.of(0), 0, 501, 501, 501, 0, 40)));
    }
  }

  final RecordingStore store = new RecordingStore();
  final TidalCommands commands = new TidalCommands(() -> store, () -> NOW);

  @Test
  void shouldSignalAndPrintOnceDurable() {
    assertEquals(
        "ok: durable at LOCAL, stored by region-0: shard-2 position 17 stamp " + NOW + ".3",
        commands.signal("default", "view", "42", "1.5"));
    assertEquals(List.of("default/view/42/1.5@" + NOW), store.calls);
  }

  @Test
  void shouldReadOneLine() {
    assertEquals(
        "count=3 sum=4.50000 score=2.25000 lastSeen=2023-11-14T22:13:20Z",
        commands.read("default", "view", "42"));
    assertEquals(
        "count=0 sum=0.00000 score=0.00000 lastSeen=-", commands.read("default", "view", "1"));
  }

  @Test
  void shouldListTop() {
    assertEquals(
        "1. entity=42 score=2.25000\n2. entity=7 score=1.00000",
        commands.top("default", "view", "5"));
    assertEquals("(no entities)", commands.top("default", "view", "0"));
    assertEquals("2. entity=7 score=1.00000", commands.top("default", "view", "1", "1"));
    assertEquals("(no entities)", commands.top("default", "view", "5", "9"));
  }

  @Test
  void shouldPrintStatusWithRates() {
    String first = commands.status();
    assertTrue(first.startsWith("region-0 incarnation 0"), first);
    assertTrue(first.contains("500 signals accepted, 250.0 signals/s since open"), first);
    assertTrue(
        first.endsWith("shard-0: wal 0..501 durable 501 applied 501 snapshot 0 entities 40"),
        first);
  }

  @Test
  void shouldPrintTheLocalLogsDurablePositionWhenItIsNotZero() {
    RecordingStore withLocal =
        new RecordingStore() {
          @Override
          public StoreStatus status() {
            return new StoreStatus(
                RegionId.of(0),
                0,
                Timestamp.ofMillis(NOW - 2000),
                500,
                List.of(
                    new ShardStatus(ShardId.of(0), 0, 501, 501, 501, 0, 40),
                    new ShardStatus(ShardId.of(1), 0, 7, 7, 7, 0, 3, 12)));
          }
        };
    String status = new TidalCommands(() -> withLocal, () -> NOW).status();
    assertTrue(
        status.contains("shard-0: wal 0..501 durable 501 applied 501 snapshot 0 entities 40\n"),
        status);
    assertTrue(
        status.endsWith("shard-1: wal 0..7 durable 7 applied 7 snapshot 0 entities 3 local 12"),
        status);
  }

  @Test
  void shouldPrintUsageForWrongArgumentCount() {
    assertEquals(TidalCommands.SIGNAL_USAGE, commands.signal("default", "view", "42"));
    assertEquals(TidalCommands.READ_USAGE, commands.read());
    assertEquals(TidalCommands.TOP_USAGE, commands.top("a", "b", "c", "d", "e"));
    assertEquals(TidalCommands.STATUS_USAGE, commands.status("x"));
  }

  @Test
  void shouldPrintErrorsNamingTheValue() {
    assertEquals(
        "error: invalid entity: 'forty-two' (must be a whole number in the 64-bit range)\n"
            + TidalCommands.SIGNAL_USAGE,
        commands.signal("default", "view", "forty-two", "1"));
    assertEquals(
        "error: invalid weight: 'heavy' (must be a number)\n" + TidalCommands.SIGNAL_USAGE,
        commands.signal("default", "view", "1", "heavy"));
    assertEquals(
        "error: invalid k: 'x' (must be a whole number)\n" + TidalCommands.TOP_USAGE,
        commands.top("default", "view", "x"));
    assertEquals(
        "error: invalid weight: NaN (must be finite)",
        commands.signal("default", "view", "1", "NaN"));
    assertEquals("error: invalid k: -1 (must be >= 0)", commands.top("default", "view", "-1"));
    assertTrue(
        commands.read("Bad Tenant", "view", "1").startsWith("error: invalid tenant: 'Bad Tenant'"));
    assertTrue(store.calls.isEmpty());
  }

  @Test
  void shouldSayUnavailableWithoutStore() {
    TidalCommands none = new TidalCommands(() -> null, () -> NOW);
    assertTrue(none.signal("default", "view", "1", "1").startsWith("error: store unavailable"));
    assertTrue(none.status().startsWith("error: store unavailable"));
  }
}
