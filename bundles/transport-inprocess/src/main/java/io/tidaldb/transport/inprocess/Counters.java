package io.tidaldb.transport.inprocess;

import io.tidaldb.api.transport.SendStatus;
import java.util.concurrent.atomic.LongAdder;

/**
 * The transport's live counters; {@link #snapshot()} reads them into a {@link TransportMetrics}.
 */
final class Counters {
  final LongAdder sent = new LongAdder();
  final LongAdder delivered = new LongAdder();
  final LongAdder backPressured = new LongAdder();
  final LongAdder unreachable = new LongAdder();
  final LongAdder closed = new LongAdder();
  final LongAdder droppedByCut = new LongAdder();
  final LongAdder droppedOnClose = new LongAdder();
  final LongAdder droppedNoEndpoint = new LongAdder();
  final LongAdder handlerFailures = new LongAdder();
  final LongAdder lost = new LongAdder();
  final LongAdder duplicated = new LongAdder();
  final LongAdder reordered = new LongAdder();
  final LongAdder delayed = new LongAdder();

  /**
   * Counts the outcome of one send and returns it.
   *
   * @param status the outcome
   * @return {@code status}
   */
  SendStatus count(SendStatus status) {
    switch (status) {
      case SENT -> sent.increment();
      case BACK_PRESSURED -> backPressured.increment();
      case UNREACHABLE -> unreachable.increment();
      case CLOSED -> closed.increment();
    }
    return status;
  }

  TransportMetrics snapshot() {
    return new TransportMetrics(
        sent.sum(),
        delivered.sum(),
        backPressured.sum(),
        unreachable.sum(),
        closed.sum(),
        droppedByCut.sum(),
        droppedOnClose.sum(),
        droppedNoEndpoint.sum(),
        handlerFailures.sum(),
        lost.sum(),
        duplicated.sum(),
        reordered.sum(),
        delayed.sum());
  }
}
