package io.tidaldb.support.errors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Retries of a failing step wait twice as long each time, up to a cap; a success resets. */
class BackoffTest {
  @Test
  void shouldDoubleTheWaitUpToTheCap() {
    Backoff b = new Backoff(10, 100);
    assertTrue(b.ready(0));
    assertEquals(10, b.failed(0));
    assertFalse(b.ready(9));
    assertTrue(b.ready(10));
    assertEquals(20, b.failed(10));
    assertEquals(40, b.failed(30));
    assertEquals(80, b.failed(70));
    assertEquals(100, b.failed(150));
    assertEquals(100, b.failed(250));
    assertEquals(6, b.failures());
    assertFalse(b.ready(349));
    assertTrue(b.ready(350));
  }

  @Test
  void shouldStartOverAfterASuccess() {
    Backoff b = new Backoff(10, 100);
    b.failed(0);
    b.failed(10);
    b.succeeded();
    assertTrue(b.ready(11), "no wait after a success");
    assertEquals(0, b.failures());
    assertEquals(10, b.failed(11));
  }

  @Test
  void shouldNotOverflowWithAHugeCap() {
    Backoff b = new Backoff(1, Long.MAX_VALUE);
    long wait = 0;
    for (int i = 0; i < 100; i++) {
      wait = b.failed(0);
    }
    assertEquals(Long.MAX_VALUE, wait);
  }

  @Test
  void shouldRefuseAnEmptyRange() {
    assertThrows(IllegalArgumentException.class, () -> new Backoff(0, 10));
    assertThrows(IllegalArgumentException.class, () -> new Backoff(10, 9));
  }
}
