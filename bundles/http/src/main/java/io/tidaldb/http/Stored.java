package io.tidaldb.http;

/** What an answer says about the write it refused or failed: never hides a stored write. */
public enum Stored {
  /** The write is stored (durable at the level asked for). */
  STORED("stored"),
  /** Nothing of the write was stored anywhere: safe to retry as is. */
  NOT_STORED("not_stored"),
  /** The write may or may not be stored: retry only with the same session and seq. */
  UNKNOWN("unknown");

  private final String json;

  Stored(String json) {
    this.json = json;
  }

  /**
   * Returns the value's JSON form.
   *
   * @return {@code stored}, {@code not_stored} or {@code unknown}
   */
  public String json() {
    return json;
  }
}
