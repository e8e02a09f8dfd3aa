package io.tidaldb.api;

/**
 * Bad input: a value that TidalDB refuses. The message names the argument, the value and the rule
 * it broke; nothing was stored and the service keeps serving. The three are also fields ({@link
 * #argument()}, {@link #value()}, {@link #rule()}), so that a refusal can cross the wire as they
 * are, never as message text parsed back.
 */
public class InvalidArgumentException extends TidalException {
  private static final long serialVersionUID = 1L;

  /** The name of the refused argument, such as {@code weight}. */
  private final String argument;

  /** The refused value as rendered in the message. */
  private final String value;

  /** The rule the value broke. */
  private final String rule;

  /**
   * Creates the exception.
   *
   * @param argument the argument's name, such as {@code weight}
   * @param value the refused value (rendered with {@link String#valueOf(Object)}, a character
   *     sequence in single quotes)
   * @param rule the rule it broke, such as {@code must be finite}
   */
  public InvalidArgumentException(String argument, Object value, String rule) {
    this(argument, render(value), rule, null);
  }

  private InvalidArgumentException(String argument, String rendered, String rule, Void rendering) {
    super("invalid " + argument + ": " + rendered + " (" + rule + ")");
    this.argument = argument;
    this.value = rendered;
    this.rule = rule;
  }

  /**
   * Creates the exception from a value already rendered, such as the {@link #value()} of a refusal
   * made elsewhere (a forwarded write's leader): the fields and the message are those of the
   * original.
   *
   * @param argument the argument's name
   * @param renderedValue the refused value as {@link #value()} renders it
   * @param rule the rule it broke
   * @return the exception
   * @since 1.2.0
   */
  public static InvalidArgumentException ofRendered(
      String argument, String renderedValue, String rule) {
    return new InvalidArgumentException(argument, renderedValue, rule, null);
  }

  /**
   * Returns the name of the refused argument.
   *
   * @return the argument's name, such as {@code weight}
   */
  public String argument() {
    return argument;
  }

  /**
   * Returns the refused value as the message renders it (a character sequence in single quotes).
   *
   * @return the rendered value, such as {@code NaN} or {@code 'Bad Name'}
   * @since 1.2.0
   */
  public String value() {
    return value;
  }

  /**
   * Returns the rule the value broke.
   *
   * @return the rule, such as {@code must be finite}
   * @since 1.2.0
   */
  public String rule() {
    return rule;
  }

  private static String render(Object value) {
    return value instanceof CharSequence ? "'" + value + "'" : String.valueOf(value);
  }
}
