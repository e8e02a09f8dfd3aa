package io.tidaldb.itests;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code assertThrows} for the probe: inside Felix the suite runs on Pax Exam's JUnit 4.12 bundle,
 * which has none.
 */
final class Expect {
  private Expect() {}

  /** A call that may throw. */
  @FunctionalInterface
  interface Call {
    /**
     * Makes the call.
     *
     * @throws Exception anything
     */
    void run() throws Exception;
  }

  /**
   * Asserts that a call throws an exception of a type.
   *
   * @param <T> the expected type
   * @param type the expected type
   * @param call the call
   * @return the exception thrown
   * @throws AssertionError if the call returns or throws something else
   */
  static <T extends Throwable> T thrown(Class<T> type, Call call) {
    try {
      call.run();
    } catch (Throwable t) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
      throw new AssertionError("expected " + type.getName() + " but got " + t, t);
    }
    throw new AssertionError("expected " + type.getName() + " but nothing was thrown");
  }

  /**
   * Makes a call on another thread and waits for it at most {@code millis}, rethrowing what it
   * threw.
   *
   * @param millis the bound
   * @param call the call
   * @throws Exception what the call threw
   * @throws AssertionError if the call did not return in time
   */
  static void within(long millis, Call call) throws Exception {
    FutureTask<Void> task =
        new FutureTask<>(
            () -> {
              call.run();
              return null;
            });
    Thread thread = new Thread(task, "it-bounded-call");
    thread.start();
    try {
      task.get(millis, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw new AssertionError("call failed", e.getCause());
    } catch (TimeoutException e) {
      thread.interrupt();
      throw new AssertionError("call did not return within " + millis + " ms", e);
    }
  }
}
