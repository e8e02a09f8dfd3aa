package io.tidaldb.api;

/**
 * Bad input: a value that TidalDB refuses. The message names the argument, the value and the rule
 * it broke; nothing was stored and the service keeps serving.
 */
public class InvalidArgumentException extends TidalException {
  private static final long serialVersionUID = 1L;

  /** The name of the refused argument, such as {@code weight}. */
  private final String argument;

  /**
   * Creates the exception.
   *
   * @param argument the argument's name, such as {@code weight}
   * @param value the refused value (rendered with {@link String#valueOf(Object)})
   * @param rule the rule it broke, such as {@code must be finite}
   */
  public InvalidArgumentException(String argument, Object value, String rule) {
    super("invalid " + argument + ": " + render(value) + " (" + rule + ")");
    this.argument = argument;
  }

  /**
   * Returns the name of the refused argument.
   *
   * @return the argument's name, such as {@code weight}
   */
  public String argument() {
    return argument;
  }

  private static String render(Object value) {
    return value instanceof CharSequence ? "'" + value + "'" : String.valueOf(value);
  }
}
