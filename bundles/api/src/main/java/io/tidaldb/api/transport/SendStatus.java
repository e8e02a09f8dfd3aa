package io.tidaldb.api.transport;

/** The outcome of {@link TransportEndpoint#send}. */
public enum SendStatus {
  /** Queued for delivery (delivery itself is not confirmed: the protocol acknowledges). */
  SENT,
  /** The queue towards that region is full: retry later, the frame was not queued. */
  BACK_PRESSURED,
  /** No route to that region now (not open, partitioned, disconnected): the frame was dropped. */
  UNREACHABLE,
  /** This endpoint is closed. */
  CLOSED
}
