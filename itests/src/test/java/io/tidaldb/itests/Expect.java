package io.tidaldb.itests;

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
}
