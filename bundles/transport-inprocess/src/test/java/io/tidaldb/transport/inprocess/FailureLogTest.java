package io.tidaldb.transport.inprocess;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.RegionId;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A handler failing on every frame is logged once per cause, not once per frame. */
class FailureLogTest {
  private static final RegionId LOCAL = RegionId.of(7);
  private static final RegionId FROM = RegionId.of(8);

  @Test
  void shouldLogEachCauseOnce() {
    FailureLog log = new FailureLog(LoggerFactory.getLogger(FailureLogTest.class), LOCAL);
    assertTrue(log.record(FROM, failAt(1)), "the first failure of a cause is logged");
    assertFalse(log.record(FROM, failAt(1)), "the same cause again is only counted");
    assertTrue(log.record(FROM, failAt(2)), "thrown elsewhere: another cause");
    assertTrue(log.record(FROM, new IllegalArgumentException()), "another class: another cause");
  }

  @Test
  void shouldStopLoggingNewCausesBeyondTheBound() {
    FailureLog log = new FailureLog(LoggerFactory.getLogger(FailureLogTest.class), LOCAL);
    for (int i = 0; i < FailureLog.MAX_CAUSES; i++) {
      RuntimeException e = new RuntimeException();
      e.setStackTrace(new StackTraceElement[] {new StackTraceElement("C", "m", "F", i)});
      assertTrue(log.record(FROM, e));
    }
    assertFalse(log.record(FROM, new IllegalStateException()), "bounded memory of causes");
  }

  /** Returns a failure thrown at the given line of a fixed place. */
  private static RuntimeException failAt(int line) {
    RuntimeException e = new IllegalStateException("failure at line " + line);
    e.setStackTrace(new StackTraceElement[] {new StackTraceElement("Handler", "on", "H", line)});
    return e;
  }
}
