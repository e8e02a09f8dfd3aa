package io.tidaldb.replication.node;

import java.util.ArrayList;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.function.Consumer;

/**
 * A bounded handoff from any number of producer threads to the one thread that owns the state the
 * events are about (the region's replication thread). Producers never wait: {@link #offer} returns
 * false when the inbox is full, and the producer counts the drop. The owner drains a batch at a
 * time under one lock acquisition ({@link ArrayBlockingQueue#drainTo}) and handles the events
 * outside it. Each producer's events are drained in the order it offered them.
 *
 * <p>Thread-safety: {@link #offer} and {@link #size} from any thread; {@link #drain} from the owner
 * only.
 *
 * @param <E> the event type
 */
final class Inbox<E> {
  private final ArrayBlockingQueue<E> queue;
  private final ArrayList<E> batch; // the owner's

  /**
   * Creates an inbox.
   *
   * @param capacity how many events it holds at most
   */
  Inbox(int capacity) {
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.batch = new ArrayList<>(Math.min(capacity, 1024));
  }

  /**
   * Adds an event unless the inbox is full; never waits.
   *
   * @param event the event
   * @return whether it was added
   */
  boolean offer(E event) {
    return queue.offer(event);
  }

  /**
   * Hands up to {@code limit} events to {@code handler}, oldest first (owner only). The handler
   * must not throw: an exception ends the drain, and the events drained with it are lost.
   *
   * @param handler what handles each event
   * @param limit the most events handed over in this call
   * @return how many were handed over
   */
  int drain(Consumer<? super E> handler, int limit) {
    int n = queue.drainTo(batch, limit);
    try {
      for (int i = 0; i < n; i++) {
        handler.accept(batch.get(i));
      }
    } finally {
      batch.clear();
    }
    return n;
  }

  /**
   * Returns how many events wait.
   *
   * @return the count
   */
  int size() {
    return queue.size();
  }
}
