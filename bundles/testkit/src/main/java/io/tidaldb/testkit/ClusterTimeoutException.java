package io.tidaldb.testkit;

/**
 * A {@link SimulatedCluster} wait did not reach its condition before its deadline. The message
 * names the region, the shard and the positions or leaders last seen.
 */
public class ClusterTimeoutException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was awaited and what was last seen
   */
  public ClusterTimeoutException(String message) {
    super(message);
  }
}
