package io.tidaldb.support.config;

import io.tidaldb.api.InvalidArgumentException;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * Reads a DS component's typed configuration one key at a time, so that a refused value is logged
 * at ERROR naming the PID, the key and the raw value before activation fails. (SCR alone logs only
 * the conversion error, such as {@code For input string: "abc"}, without the key.)
 */
public final class ConfigValues {
  private final String pid;
  private final Map<String, ?> raw;
  private final Logger log;

  /**
   * Creates a reader.
   *
   * @param pid the configuration PID, for messages
   * @param raw the component properties as configured
   * @param log where refusals go
   */
  public ConfigValues(String pid, Map<String, ?> raw, Logger log) {
    this.pid = pid;
    this.raw = raw;
    this.log = log;
  }

  /**
   * Creates a reader that refuses without logging: for a change to a running component, whose
   * refusal {@link LiveConfig} logs as one WARN line instead.
   *
   * @param pid the configuration PID, for messages
   * @param raw the component properties as configured
   * @return the reader
   */
  public static ConfigValues quiet(String pid, Map<String, ?> raw) {
    return new ConfigValues(pid, raw, null);
  }

  /**
   * Reads one typed value.
   *
   * @param <T> the value's type
   * @param key the property name
   * @param what what the value must be, such as {@code a whole number}
   * @param typed reads the value through the component's configuration annotation
   * @return the value
   * @throws InvalidArgumentException naming the key and the raw value, if it cannot be converted
   */
  public <T> T get(String key, String what, Supplier<T> typed) {
    try {
      return typed.get();
    } catch (RuntimeException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw refuse(key, raw.get(key), "must be " + what + ": " + cause.getMessage());
    }
  }

  /**
   * Runs a step that validates a value, such as an engine builder's setter.
   *
   * @param <T> the step's result type
   * @param key the property name the step validates
   * @param value the typed value the step validates, named if the key is not configured (default)
   * @param step the step
   * @return the step's result
   * @throws InvalidArgumentException naming the key and the raw value, if the step refuses it
   */
  public <T> T check(String key, Object value, Supplier<T> step) {
    try {
      return step.get();
    } catch (InvalidArgumentException e) {
      throw refuse(key, raw.containsKey(key) ? raw.get(key) : value, e.getMessage());
    }
  }

  /**
   * Logs a refused value at ERROR and returns the exception to throw.
   *
   * @param key the property name
   * @param value the raw value
   * @param rule why it is refused
   * @return an exception naming the key and the value
   */
  public InvalidArgumentException refuse(String key, Object value, String rule) {
    InvalidArgumentException e = InvalidArgumentException.ofRendered(key, render(value), rule);
    if (log == null) {
      return e;
    }
    log.error(
        "configuration {} refused: {}={} ({}); the component stays unavailable until it is fixed",
        pid,
        key,
        render(value),
        rule);
    return e;
  }

  static String render(Object value) {
    if (value instanceof String[] array) {
      return String.join(",", array);
    }
    return value instanceof CharSequence ? "'" + value + "'" : String.valueOf(value);
  }
}
