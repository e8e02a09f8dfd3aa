package io.tidaldb.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * {@link EpochHistory} against a model that keeps every held batch: after any sequence of committed
 * batches (epochs never going down, also across cuts), {@code truncateBefore} at a held batch
 * boundary and {@code truncateFrom} at one, {@code endOfEpoch} and {@code lastEpoch} answer as a
 * scan of the held batches does. jqwik prints the seed of a failing run.
 */
class EpochHistoryPropertiesTest {
  /** One operation: kind 0..5 (0-3 commit a batch, 4 truncateBefore, 5 truncateFrom), a, b. */
  record Op(int kind, int a, int b) {}

  /** A held batch of the model. */
  private record Batch(long epoch, long first, long count) {}

  @Provide
  Arbitrary<List<Op>> ops() {
    Arbitrary<Op> op =
        net.jqwik.api.Combinators.combine(
                Arbitraries.integers().between(0, 5),
                Arbitraries.integers().between(0, 1000),
                Arbitraries.integers().between(0, 1000))
            .as(Op::new);
    return op.list().ofMaxSize(40);
  }

  @Property(tries = 500)
  void shouldAnswerLikeAScanOfTheHeldBatches(@ForAll("ops") List<Op> ops) {
    EpochHistory history = new EpochHistory();
    List<Batch> held = new ArrayList<>();
    long start = 0;
    long next = 0;
    long epoch = 0;
    long trimmedEpoch = 0;
    for (Op op : ops) {
      if (op.kind() < 4) {
        epoch += op.a() % 3 == 0 ? 1 + op.b() % 2 : 0;
        long count = 1 + op.b() % 5;
        history.batch(epoch, next);
        held.add(new Batch(epoch, next, count));
        next += count;
      } else if (!held.isEmpty()) {
        int at = op.a() % (held.size() + 1);
        long boundary = at == held.size() ? next : held.get(at).first();
        if (op.kind() == 4) {
          // truncateBefore deletes whole segments: some held batches at the front go
          if (at > 0) {
            trimmedEpoch = held.get(at - 1).epoch(); // the record below the new start
          }
          held.subList(0, at).clear();
          start = boundary;
          history.dropBelow(start);
        } else {
          held.subList(at, held.size()).clear();
          next = boundary;
          history.cutFrom(boundary);
        }
      }
      check(history, held, start, next, epoch + 2, trimmedEpoch);
    }
  }

  private static void check(
      EpochHistory history,
      List<Batch> held,
      long start,
      long durable,
      long maxEpoch,
      long trimmedEpoch) {
    String state = history + " holding " + held + " from " + start;
    for (long e = 0; e <= maxEpoch; e++) {
      long expected = durable;
      for (Batch b : held) {
        if (b.epoch() > e) {
          expected = b.first();
          break;
        }
      }
      assertEquals(
          expected,
          Math.max(start, history.endOfEpoch(e, durable)),
          "endOfEpoch(" + e + ") " + state);
    }
    // trimmed up to its end, a log still knows the epoch of the record below its start
    long last = held.isEmpty() ? trimmedEpoch : held.get(held.size() - 1).epoch();
    assertEquals(last, history.lastEpoch(durable), "lastEpoch " + state);
  }
}
