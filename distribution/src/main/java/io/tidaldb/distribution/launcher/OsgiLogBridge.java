package io.tidaldb.distribution.launcher;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.logging.Level;
import org.osgi.framework.Bundle;
import org.osgi.service.log.FormatterLogger;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerConsumer;
import org.osgi.service.log.LoggerFactory;

/**
 * The node's OSGi Log Service ({@link LoggerFactory}, registered by the launcher on the system
 * bundle): every OSGi {@link Logger} it hands out writes to java.util.logging, so Declarative
 * Services (which logs through the Log Service when there is one, and otherwise to stdout) reports
 * a component that fails to activate in {@code logs/tidaldb.log}.
 *
 * <p>Levels: error → SEVERE, warn and audit → WARNING, info → INFO, debug → FINE, trace → FINER; a
 * logger's {@code is*Enabled} asks java.util.logging, so {@code conf/logging.properties} decides
 * what is logged. The java.util.logging logger is named after the OSGi logger (DS: the component's
 * class, or {@code org.apache.felix.scr} for its own messages).
 */
final class OsgiLogBridge implements LoggerFactory {
  private volatile String lastError;

  /**
   * The last error logged with an exception by a TidalDB component's logger (DS logs a component
   * that fails to activate so): its logger's name and the innermost cause, or null if none. A
   * component that failed because another one it references failed names only the reference; this
   * names what went wrong.
   *
   * @return e.g. {@code io.tidaldb.wal.component.WalComponent: StorageException: data/wal/...}
   */
  String lastError() {
    return lastError;
  }

  private void error(String logger, Throwable thrown) {
    if (logger.startsWith("io.tidaldb")) {
      Throwable cause = thrown;
      while (cause.getCause() != null && cause.getCause() != cause) {
        cause = cause.getCause();
      }
      lastError = logger + ": " + cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }
  }

  @Override
  public Logger getLogger(String name) {
    return getLogger(null, name, Logger.class);
  }

  @Override
  public Logger getLogger(Class<?> clazz) {
    return getLogger(null, clazz.getName(), Logger.class);
  }

  @Override
  public <L extends Logger> L getLogger(String name, Class<L> loggerType) {
    return getLogger(null, name, loggerType);
  }

  @Override
  public <L extends Logger> L getLogger(Class<?> clazz, Class<L> loggerType) {
    return getLogger(null, clazz.getName(), loggerType);
  }

  @Override
  public <L extends Logger> L getLogger(Bundle bundle, String name, Class<L> loggerType) {
    if (loggerType != Logger.class && loggerType != FormatterLogger.class) {
      throw new IllegalArgumentException(
          "logger type " + loggerType.getName() + " is neither Logger nor FormatterLogger");
    }
    String julName = julName(bundle, name);
    Object logger =
        Proxy.newProxyInstance(
            OsgiLogBridge.class.getClassLoader(),
            new Class<?>[] {loggerType},
            new Handler(name, java.util.logging.Logger.getLogger(julName), loggerType));
    return loggerType.cast(logger);
  }

  /**
   * The java.util.logging logger's name: the OSGi logger's name (DS names a component's logger
   * after its class), else the bundle's symbolic name.
   */
  static String julName(Bundle bundle, String name) {
    if (name != null && !name.isEmpty() && !"ROOT".equals(name)) {
      return name;
    }
    String symbolicName = bundle == null ? null : bundle.getSymbolicName();
    return symbolicName == null ? "osgi" : symbolicName;
  }

  /** Maps an OSGi log method name ({@code error}, {@code isErrorEnabled}, ...) to its level. */
  static Level level(String method) {
    String base = method.startsWith("is") ? method.substring(2, method.length() - 7) : method;
    return switch (base.toLowerCase(java.util.Locale.ROOT)) {
      case "error" -> Level.SEVERE;
      case "warn", "audit" -> Level.WARNING;
      case "info" -> Level.INFO;
      case "debug" -> Level.FINE;
      case "trace" -> Level.FINER;
      default -> null;
    };
  }

  /**
   * Renders an OSGi log message: each {@code {}} (or each {@code %} conversion of a {@link
   * FormatterLogger}) takes the next argument; a last argument that is a {@link Throwable} is the
   * exception, not a value.
   *
   * @param format the message
   * @param args its arguments, possibly ending with the exception
   * @param formatter whether the format is a {@link String#format} pattern
   * @return the message and the exception (or null)
   */
  static Rendered render(String format, Object[] args, boolean formatter) {
    if (format == null) {
      format = "null";
    }
    int n = args == null ? 0 : args.length;
    Throwable thrown = null;
    if (n > 0 && args[n - 1] instanceof Throwable t) {
      thrown = t;
      n--;
    }
    if (formatter) {
      Object[] values = new Object[n];
      System.arraycopy(args == null ? new Object[0] : args, 0, values, 0, n);
      try {
        return new Rendered(String.format(format, values), thrown);
      } catch (java.util.IllegalFormatException e) {
        return new Rendered(format + " " + java.util.Arrays.toString(values), thrown);
      }
    }
    StringBuilder out = new StringBuilder(format.length() + 16 * n);
    int next = 0;
    for (int i = 0; i < format.length(); i++) {
      char c = format.charAt(i);
      if (c == '\\' && i + 2 < format.length() && format.startsWith("{}", i + 1)) {
        out.append("{}");
        i += 2;
      } else if (c == '{' && i + 1 < format.length() && format.charAt(i + 1) == '}' && next < n) {
        out.append(args[next++]);
        i++;
      } else {
        out.append(c);
      }
    }
    return new Rendered(out.toString(), thrown);
  }

  /** A rendered message and its exception. */
  record Rendered(String message, Throwable thrown) {}

  /** One OSGi logger: a proxy of {@link Logger} or {@link FormatterLogger}. */
  private final class Handler implements InvocationHandler {
    private final String name;
    private final java.util.logging.Logger jul;
    private final boolean formatter;

    Handler(String name, java.util.logging.Logger jul, Class<?> loggerType) {
      this.name = name;
      this.jul = jul;
      this.formatter = loggerType == FormatterLogger.class;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      String m = method.getName();
      switch (m) {
        case "getName":
          return name;
        case "toString":
          return "OSGi logger " + name + " → java.util.logging " + jul.getName();
        case "hashCode":
          return System.identityHashCode(proxy);
        case "equals":
          return proxy == args[0];
        default:
          break;
      }
      Level level = level(m);
      if (level == null) {
        throw new UnsupportedOperationException(m);
      }
      if (m.startsWith("is")) {
        return jul.isLoggable(level);
      }
      if (args.length == 1 && args[0] instanceof LoggerConsumer<?> consumer) {
        if (jul.isLoggable(level)) {
          accept(consumer, (Logger) proxy);
        }
        return null;
      }
      if (!jul.isLoggable(level)) {
        return null;
      }
      Object[] values;
      if (args.length == 2 && args[1] instanceof Object[] varargs) {
        values = varargs;
      } else {
        values = new Object[args.length - 1];
        System.arraycopy(args, 1, values, 0, values.length);
      }
      Rendered r = render((String) args[0], values, formatter);
      jul.log(level, r.message(), r.thrown());
      if (level == Level.SEVERE && r.thrown() != null) {
        error(jul.getName(), r.thrown());
      }
      return null;
    }

    private <E extends Exception> void accept(LoggerConsumer<E> consumer, Logger logger) throws E {
      consumer.accept(logger);
    }
  }
}
