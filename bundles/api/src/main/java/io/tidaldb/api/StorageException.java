package io.tidaldb.api;

/**
 * A storage failure: an I/O error, or a corrupt log segment or snapshot. The message names the file
 * and the byte offset where the problem was found.
 */
public class StorageException extends TidalException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message the file, the offset and what was wrong
   */
  public StorageException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message the file, the offset and what was wrong
   * @param cause the underlying failure
   */
  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }
}
