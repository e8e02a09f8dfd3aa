package io.tidaldb.transport.tcp;

import io.tidaldb.api.transport.SendStatus;
import java.util.concurrent.atomic.LongAdder;

/** The transport's live counters; {@link #snapshot()} reads them into a {@link TcpMetrics}. */
final class TcpCounters {
  final LongAdder sent = new LongAdder();
  final LongAdder backPressured = new LongAdder();
  final LongAdder unreachable = new LongAdder();
  final LongAdder closed = new LongAdder();
  final LongAdder delivered = new LongAdder();
  final LongAdder droppedNoEndpoint = new LongAdder();
  final LongAdder droppedOnDisconnect = new LongAdder();
  final LongAdder handlerFailures = new LongAdder();
  final LongAdder malformed = new LongAdder();
  final LongAdder refused = new LongAdder();
  final LongAdder helloTimeouts = new LongAdder();
  final LongAdder idleClosed = new LongAdder();
  final LongAdder slowPeer = new LongAdder();
  final LongAdder stallClosed = new LongAdder();
  final LongAdder connectFailures = new LongAdder();
  final LongAdder connectionsRefused = new LongAdder();
  final LongAdder linksUp = new LongAdder();
  final LongAdder linksDown = new LongAdder();
  final LongAdder tlsExpired = new LongAdder();
  final LongAdder tlsUntrusted = new LongAdder();
  final LongAdder tlsWrongRegion = new LongAdder();
  final LongAdder tlsPlaintextPeer = new LongAdder();
  final LongAdder tlsOnPlaintext = new LongAdder();
  final LongAdder tlsPeerRefused = new LongAdder();
  final LongAdder tlsFailed = new LongAdder();

  /** Counts a refused TLS connection under its cause. */
  void count(TlsRefusal refusal) {
    switch (refusal) {
      case EXPIRED -> tlsExpired.increment();
      case UNTRUSTED -> tlsUntrusted.increment();
      case WRONG_REGION -> tlsWrongRegion.increment();
      case PLAINTEXT_PEER -> tlsPlaintextPeer.increment();
      case TLS_ON_PLAINTEXT -> tlsOnPlaintext.increment();
      case PEER_REFUSED -> tlsPeerRefused.increment();
      case FAILED -> tlsFailed.increment();
    }
  }

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

  TcpMetrics snapshot() {
    return new TcpMetrics(
        sent.sum(),
        backPressured.sum(),
        unreachable.sum(),
        closed.sum(),
        delivered.sum(),
        droppedNoEndpoint.sum(),
        droppedOnDisconnect.sum(),
        handlerFailures.sum(),
        malformed.sum(),
        refused.sum(),
        helloTimeouts.sum(),
        idleClosed.sum(),
        slowPeer.sum(),
        stallClosed.sum(),
        connectFailures.sum(),
        connectionsRefused.sum(),
        linksUp.sum(),
        linksDown.sum(),
        tlsExpired.sum(),
        tlsUntrusted.sum(),
        tlsWrongRegion.sum(),
        tlsPlaintextPeer.sum(),
        tlsOnPlaintext.sum(),
        tlsPeerRefused.sum(),
        tlsFailed.sum());
  }
}
