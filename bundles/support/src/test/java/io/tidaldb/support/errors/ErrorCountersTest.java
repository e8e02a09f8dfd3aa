package io.tidaldb.support.errors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/** A loop failing on every round logs each cause once, then summaries at most once an interval. */
class ErrorCountersTest {
  private static final long SECOND = 1_000_000_000L;

  private final ErrorCounters errors =
      new ErrorCounters(
          LoggerFactory.getLogger(ErrorCountersTest.class), "test loop", Level.ERROR, 10 * SECOND);

  @Test
  void shouldLogTheFirstFailureOfEachCauseAndCountTheRest() {
    assertTrue(errors.record("disk", null, 0, "write failed"));
    for (int i = 1; i <= 1_000; i++) {
      assertFalse(errors.record("disk", null, i, "write failed"), "round " + i);
    }
    assertTrue(errors.record("net", null, 1_001, "send failed"), "another cause");
    assertEquals(1_001, errors.count("disk"));
    assertEquals(1, errors.count("net"));
    assertEquals(1_002, errors.total());
    assertEquals(2, errors.linesLogged());
  }

  @Test
  void shouldSummariseACauseAtMostOncePerInterval() {
    errors.record("disk", null, 0, "first");
    assertFalse(errors.record("disk", null, 10 * SECOND - 1, "early"));
    assertTrue(errors.record("disk", null, 10 * SECOND, "due"));
    assertFalse(errors.record("disk", null, 15 * SECOND, "early again"));
    assertTrue(errors.record("disk", null, 20 * SECOND, "due again"));
    assertEquals(3, errors.linesLogged());
  }

  @Test
  void shouldKeepCausesApartByClassAndPlace() {
    assertNotEquals(ErrorCounters.causeOf(failAt(1)), ErrorCounters.causeOf(failAt(2)));
    assertEquals(ErrorCounters.causeOf(failAt(1)), ErrorCounters.causeOf(failAt(1)));
    assertTrue(errors.record(failAt(1), 0, "a"));
    assertFalse(errors.record(failAt(1), 0, "a"));
    assertTrue(errors.record(new IllegalArgumentException(), 0, "b"));
  }

  @Test
  void shouldBoundTheCausesItKeepsApart() {
    for (int i = 0; i < ErrorCounters.MAX_CAUSES; i++) {
      assertTrue(errors.record("cause " + i, null, 0, "x"));
    }
    assertTrue(errors.record("one more", null, 0, "x"), "logged once as other causes");
    assertFalse(errors.record("yet another", null, 0, "x"));
    assertEquals(2, errors.count(ErrorCounters.OTHER));
    assertEquals(0, errors.count("one more"));
  }

  private static RuntimeException failAt(int line) {
    RuntimeException e = new IllegalStateException("failure at line " + line);
    e.setStackTrace(new StackTraceElement[] {new StackTraceElement("Loop", "run", "L", line)});
    return e;
  }
}
