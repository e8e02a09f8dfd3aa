package io.tidaldb.session.table;

/** How a session id is written in messages: 16 lower-case hex digits. */
public final class SessionIds {
  private SessionIds() {}

  /**
   * Renders a session id.
   *
   * @param session the id
   * @return its 16 hex digits, such as {@code 7f3a00000000002a}
   */
  public static String render(long session) {
    String hex = Long.toHexString(session);
    return "0".repeat(16 - hex.length()) + hex;
  }
}
