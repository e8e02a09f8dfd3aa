package io.tidaldb.session.client;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.RankedEntity;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalAggregate;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.StoreStatus;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The base of the client tests' stores: every part of {@link SignalStore} a session client does not
 * use throws {@link UnsupportedOperationException}; a subclass implements the session writes.
 */
abstract class SessionOnlyStore implements SignalStore {
  @Override
  public long submit(TenantId t, SignalType type, long entity, double weight, long eventTime) {
    throw new UnsupportedOperationException("session writes only");
  }

  @Override
  public void awaitDurable(long ticket, Duration timeout) {
    throw new UnsupportedOperationException("session writes only");
  }

  @Override
  public SignalAck signal(Signal signal, Durability durability) {
    throw new UnsupportedOperationException("session writes only");
  }

  @Override
  public CompletableFuture<SignalAck> signalAsync(Signal signal, Durability durability) {
    throw new UnsupportedOperationException("session writes only");
  }

  @Override
  public SignalAggregate read(TenantId tenant, SignalType type, EntityId entity, Timestamp at) {
    throw new UnsupportedOperationException("session writes only");
  }

  @Override
  public List<RankedEntity> top(TenantId tenant, SignalType type, int k, Timestamp at) {
    throw new UnsupportedOperationException("session writes only");
  }

  @Override
  public StoreStatus status() {
    throw new UnsupportedOperationException("session writes only");
  }
}
