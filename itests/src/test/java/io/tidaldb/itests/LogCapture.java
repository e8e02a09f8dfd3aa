package io.tidaldb.itests;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Collects the java.util.logging records of the whole JVM while open. The node feature's SLF4J
 * provider is slf4j-jdk14, so every bundle's SLF4J logging arrives here, as in the distribution.
 */
final class LogCapture extends Handler implements AutoCloseable {
  private final List<LogRecord> records = new CopyOnWriteArrayList<>();
  private final Logger root = Logger.getLogger("");

  /** Starts collecting. */
  LogCapture() {
    setLevel(Level.ALL);
    root.addHandler(this);
  }

  @Override
  public void publish(LogRecord record) {
    records.add(record);
  }

  /**
   * Returns the first record at {@code level} or above whose formatted message contains every
   * fragment.
   *
   * @param level the lowest level
   * @param fragments the texts to find
   * @return the message, or null if there is none yet
   */
  String find(Level level, String... fragments) {
    for (LogRecord r : records) {
      if (r.getLevel().intValue() < level.intValue()) {
        continue;
      }
      String message = format(r);
      boolean all = true;
      for (String f : fragments) {
        all &= message.contains(f);
      }
      if (all) {
        return message;
      }
    }
    return null;
  }

  /**
   * Returns every captured message at {@code level} or above, for assertion messages.
   *
   * @param level the lowest level
   * @return the messages
   */
  List<String> messages(Level level) {
    return records.stream()
        .filter(r -> r.getLevel().intValue() >= level.intValue())
        .map(r -> r.getLoggerName() + ": " + format(r))
        .toList();
  }

  private static String format(LogRecord r) {
    String message = r.getMessage();
    Object[] params = r.getParameters();
    if (params != null && message != null) {
      message = java.text.MessageFormat.format(message, params);
    }
    return message + (r.getThrown() == null ? "" : " " + r.getThrown());
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    root.removeHandler(this);
  }
}
