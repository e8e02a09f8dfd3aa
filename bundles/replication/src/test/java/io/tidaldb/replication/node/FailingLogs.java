package io.tidaldb.replication.node;

import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WriteAheadLog;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * A {@link WriteAheadLog} whose shard logs throw an injected failure from {@link
 * ShardLog#failure()} (which the replication thread calls first in every shard's round) when the
 * caller is a thread whose name starts with a given prefix and a failure is armed; everything else
 * goes to the real log.
 */
final class FailingLogs {
  final AtomicReference<Supplier<Throwable>> armed = new AtomicReference<>();
  final AtomicLong thrown = new AtomicLong();
  private final String threadPrefix;

  FailingLogs(String threadPrefix) {
    this.threadPrefix = threadPrefix;
  }

  WriteAheadLog wrap(WriteAheadLog real) {
    InvocationHandler wal =
        (proxy, method, args) -> {
          Object result = call(real, method, args);
          return result instanceof ShardLog log ? shard(log) : result;
        };
    return (WriteAheadLog)
        Proxy.newProxyInstance(
            WriteAheadLog.class.getClassLoader(), new Class<?>[] {WriteAheadLog.class}, wal);
  }

  private ShardLog shard(ShardLog real) {
    InvocationHandler log =
        (proxy, method, args) -> {
          Supplier<Throwable> failure = armed.get();
          if (failure != null
              && method.getName().equals("failure")
              && Thread.currentThread().getName().startsWith(threadPrefix)) {
            thrown.incrementAndGet();
            Throwable t = failure.get();
            if (t instanceof Error e) {
              throw e;
            }
            throw (RuntimeException) t;
          }
          return call(real, method, args);
        };
    return (ShardLog)
        Proxy.newProxyInstance(
            ShardLog.class.getClassLoader(), new Class<?>[] {ShardLog.class}, log);
  }

  private static Object call(Object target, java.lang.reflect.Method method, Object[] args)
      throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
