package io.tidaldb.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The group commit triggers, driven with explicit clock values instead of waiting. */
class GroupCommitPolicyTest {
  private static final int CAPACITY = 1024;
  private static final long DELAY = 500_000;
  private final GroupCommitPolicy delayed = new GroupCommitPolicy(CAPACITY, DELAY);
  private final GroupCommitPolicy natural = new GroupCommitPolicy(CAPACITY, 0);

  @Test
  void shouldWaitWhenNothingIsPending() {
    assertEquals(CommitTrigger.NONE, natural.decide(0, 0, false, false, 0, 0));
    assertEquals(CommitTrigger.NONE, delayed.decide(0, 0, false, true, 0, 0));
  }

  @Test
  void shouldCommitAtOnceWithoutDelay() {
    assertEquals(CommitTrigger.IMMEDIATE, natural.decide(1, 41, false, false, 0, 0));
  }

  @Test
  void shouldHoldBatchUntilDelayPassedSinceFirstRecord() {
    long first = 1_000_000;
    assertEquals(
        CommitTrigger.NONE, delayed.decide(3, 123, false, false, first, first + DELAY - 1));
    assertEquals(1, delayed.nanosUntilDue(first, first + DELAY - 1));
    assertEquals(DELAY, delayed.nanosUntilDue(first, first));
    assertEquals(CommitTrigger.DELAY, delayed.decide(3, 123, false, false, first, first + DELAY));
  }

  @Test
  void shouldCloseOnSizeWhenNoFurtherSignalFits() {
    int full = CAPACITY - RecordDescriptor.SIGNAL_LENGTH + 1;
    assertEquals(CommitTrigger.SIZE, delayed.decide(20, full, false, false, 0, 0));
    assertEquals(CommitTrigger.NONE, delayed.decide(20, full - 1, false, false, 0, 0));
    assertEquals(CommitTrigger.SIZE, natural.decide(20, full, false, false, 0, 0));
  }

  @Test
  void shouldCloseOnSizeWhenAppendersWaitForRoom() {
    assertEquals(CommitTrigger.SIZE, delayed.decide(1, 600, true, false, 0, 0));
  }

  @Test
  void shouldCommitAtOnceWhenClosing() {
    assertEquals(CommitTrigger.IMMEDIATE, delayed.decide(1, 41, false, true, 0, 0));
  }
}
