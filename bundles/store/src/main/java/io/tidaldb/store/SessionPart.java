package io.tidaldb.store;

import io.tidaldb.api.Signal;
import io.tidaldb.api.wal.SignalPart;

/**
 * One shard's part of a session batch as the store appends it ({@link
 * io.tidaldb.api.wal.ShardLog#appendSessionPart}): the validated signals of one shard in the
 * batch's order, each with its series id in the shard and a fresh HLC stamp (increasing with the
 * index, so the part's last stamp is its acknowledgement's).
 */
final class SessionPart implements SignalPart {
  private final int[] series;
  private final long[] entities;
  private final double[] weights;
  private final long[] times;
  private final long[] stamps;

  SessionPart(int size) {
    series = new int[size];
    entities = new long[size];
    weights = new double[size];
    times = new long[size];
    stamps = new long[size];
  }

  /** Sets signal {@code i}: {@code signal}'s fields, its series id and stamp. */
  void set(int i, Signal signal, int seriesId, long hlc) {
    series[i] = seriesId;
    entities[i] = signal.entity().value();
    weights[i] = signal.weight();
    times[i] = signal.eventTime().epochMillis();
    stamps[i] = hlc;
  }

  @Override
  public int size() {
    return series.length;
  }

  @Override
  public int seriesId(int i) {
    return series[i];
  }

  @Override
  public long entity(int i) {
    return entities[i];
  }

  @Override
  public double weight(int i) {
    return weights[i];
  }

  @Override
  public long eventTimeMillis(int i) {
    return times[i];
  }

  @Override
  public long hlc(int i) {
    return stamps[i];
  }

  /** The stamp of the last signal: the part's acknowledgement carries it. */
  long lastStamp() {
    return stamps[stamps.length - 1];
  }
}
