package io.tidaldb.replication.node;

/**
 * Catches, in every test run with assertions enabled, a call into owned replication state from a
 * thread other than its owner: {@code assert owner.check()} at every entry point. The first thread
 * to call becomes the owner (a node's replication thread; a test that drives a shard directly); the
 * owner passes to the calling thread only once the previous one has terminated, which {@link
 * Thread#isAlive} makes safe to observe. Once the owner has ended for good ({@link #retire}: the
 * node's replication thread died or stopped), any thread may call: nothing changes the state any
 * more except the node's own close.
 */
final class OwnerCheck {
  private final String what;
  private volatile Thread owner;
  private volatile boolean retired;

  OwnerCheck(String what) {
    this.what = what;
  }

  /**
   * Returns true if the calling thread owns the state (or becomes its owner).
   *
   * @throws IllegalStateException naming both threads otherwise
   */
  boolean check() {
    Thread self = Thread.currentThread();
    Thread current = owner;
    if (current == self || retired) {
      return true;
    }
    if (current == null || !current.isAlive()) {
      owner = self;
      return true;
    }
    throw new IllegalStateException(
        what + " is owned by thread " + current.getName() + ", called from " + self.getName());
  }

  /** The owner has ended for good: any thread may call from now on. */
  void retire() {
    retired = true;
  }
}
