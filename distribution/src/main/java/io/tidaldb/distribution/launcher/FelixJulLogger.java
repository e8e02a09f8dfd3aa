package io.tidaldb.distribution.launcher;

import java.util.logging.Level;

/**
 * The Felix framework's logger (passed as {@code felix.log.logger}): hands the framework's own
 * messages (a bundle that does not resolve, an exception from a listener, a refused start) to
 * java.util.logging under the logger name {@code org.apache.felix.framework}, so they reach {@code
 * logs/tidaldb.log} instead of stdout.
 */
final class FelixJulLogger extends org.apache.felix.framework.Logger {
  static final String NAME = "org.apache.felix.framework";

  private final java.util.logging.Logger jul = java.util.logging.Logger.getLogger(NAME);

  /**
   * The Felix log level ({@code felix.log.level}: 1 error, 2 warning, 3 info, 4 debug) that lets
   * through what the java.util.logging logger of the framework would print.
   *
   * @return the level to configure
   */
  static int felixLevel() {
    java.util.logging.Logger logger = java.util.logging.Logger.getLogger(NAME);
    if (logger.isLoggable(Level.FINE)) {
      return LOG_DEBUG;
    }
    if (logger.isLoggable(Level.INFO)) {
      return LOG_INFO;
    }
    if (logger.isLoggable(Level.WARNING)) {
      return LOG_WARNING;
    }
    return LOG_ERROR;
  }

  @Override
  protected void doLog(int level, String msg, Throwable throwable) {
    Level julLevel =
        switch (level) {
          case LOG_ERROR -> Level.SEVERE;
          case LOG_WARNING -> Level.WARNING;
          case LOG_INFO -> Level.INFO;
          default -> Level.FINE;
        };
    jul.log(julLevel, msg, throwable);
  }
}
