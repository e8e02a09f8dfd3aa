package io.tidaldb.api;

import java.util.regex.Pattern;

/**
 * A signal type such as {@code view}, {@code like} or {@code purchase}.
 *
 * <p>A name is 1 to 64 characters of ASCII letters, digits, {@code _}, {@code .}, {@code :} and
 * {@code -}, starting with a letter. Hold on to instances: stores intern them to small ids.
 *
 * @param name the type's name
 */
public record SignalType(String name) {
  /** Longest accepted name, in characters. */
  public static final int MAX_LENGTH = 64;

  private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.:-]*");

  /**
   * Validates the name.
   *
   * @throws InvalidArgumentException if the name is null, empty, too long or malformed
   */
  public SignalType {
    Names.check("signal type", name, MAX_LENGTH, NAME, "a letter, then letters, digits, _ . : -");
  }

  /**
   * Returns the signal type of this name.
   *
   * @param name the type's name
   * @return the signal type
   * @throws InvalidArgumentException if the name is malformed
   */
  public static SignalType of(String name) {
    return new SignalType(name);
  }

  @Override
  public String toString() {
    return name;
  }
}
