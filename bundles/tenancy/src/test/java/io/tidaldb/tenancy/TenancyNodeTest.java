package io.tidaldb.tenancy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.UnknownTenantException;
import io.tidaldb.api.tenancy.TenantQuotas;
import io.tidaldb.api.tenancy.TenantState;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.transport.inprocess.InProcessTransport;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TenancyNodeTest {
  private static final TenantId ACME = TenantId.of("acme");
  private static final TenantQuotas Q = new TenantQuotas(100, 10, 0);

  @TempDir Path dir;

  private final AtomicLong wall = new AtomicLong(1_000);
  private final List<TransportEndpoint> endpoints = new ArrayList<>();
  private InProcessTransport transport;

  @AfterEach
  void close() {
    endpoints.forEach(TransportEndpoint::close);
    if (transport != null) {
      transport.close();
    }
  }

  private TenancyNode alone(Path d) {
    return new TenancyNode(
        0, List.of(), new RegistryFile(d), wall::get, (t, f) -> null, 1 << 20, 0, 0);
  }

  @Test
  void shouldKeepTheRegistryAcrossARestart() {
    TenancyNode node = alone(dir);
    node.create(ACME, Q);
    node.create(TenantId.of("beta"), TenantQuotas.UNLIMITED);
    node.delete(TenantId.of("beta"));
    TenancyNode again = alone(dir);
    assertEquals(node.registry(), again.registry());
    assertEquals(TenantState.ACTIVE, again.state(ACME));
    assertEquals(TenantState.DELETED, again.state(TenantId.of("beta")));
    assertEquals(Q, again.quotas(ACME));
  }

  @Test
  void shouldRefuseACorruptFileNamingItsPath() throws Exception {
    alone(dir).create(ACME, Q);
    Path file = dir.resolve(RegistryFile.NAME);
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x40;
    Files.write(file, bytes);
    StorageException e = assertThrows(StorageException.class, () -> alone(dir));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
    Files.write(file, new byte[0]);
    e = assertThrows(StorageException.class, () -> alone(dir));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
  }

  @Test
  void shouldNeverCreateADeletedNameAgain() {
    TenancyNode node = alone(dir);
    node.create(ACME, Q);
    node.delete(ACME);
    InvalidArgumentException e =
        assertThrows(InvalidArgumentException.class, () -> node.create(ACME, Q));
    assertTrue(e.getMessage().contains("acme"), e.getMessage());
    assertTrue(e.getMessage().contains("names are not reused"), e.getMessage());
    assertThrows(UnknownTenantException.class, () -> node.setQuotas(ACME, Q));
    assertEquals(TenantState.DELETED, node.describe(ACME).orElseThrow().state());
  }

  @Test
  void shouldRefuseDuplicatesDefaultAndProtectedNames() {
    TenancyNode node = alone(dir);
    node.create(ACME, Q);
    assertThrows(InvalidArgumentException.class, () -> node.create(ACME, Q));
    assertThrows(InvalidArgumentException.class, () -> node.create(TenantId.DEFAULT, Q));
    assertThrows(InvalidArgumentException.class, () -> node.delete(TenantId.DEFAULT));
    assertThrows(UnknownTenantException.class, () -> node.delete(TenantId.of("nobody")));
    node.protect("store configuration key 'tenants'", Set.of(ACME));
    InvalidArgumentException e =
        assertThrows(InvalidArgumentException.class, () -> node.delete(ACME));
    assertTrue(e.getMessage().contains("store configuration key 'tenants'"), e.getMessage());
    assertEquals(TenantState.ACTIVE, node.state(ACME));
  }

  @Test
  void shouldTellListenersAfterTheChangeIsDurable() {
    TenancyNode node = alone(dir);
    AtomicInteger calls = new AtomicInteger();
    node.addListener(
        d -> {
          calls.incrementAndGet();
          assertEquals(d.active().size() + d.deleted().size(), alone(dir).registry().size());
        });
    node.create(ACME, Q);
    node.delete(ACME);
    assertEquals(3, calls.get());
  }

  @Test
  void shouldChunkTheStateToTheFrameLimit() {
    List<ByteBuffer> sent = new ArrayList<>();
    int max = 1024;
    TenancyNode node =
        new TenancyNode(
            0,
            List.of(RegionId.of(1)),
            new RegistryFile(dir),
            wall::get,
            (t, f) -> {
              sent.add(f);
              return io.tidaldb.api.transport.SendStatus.SENT;
            },
            max,
            0,
            0);
    for (int i = 0; i < 40; i++) {
      node.create(TenantId.of("t" + i), Q);
    }
    sent.clear();
    node.create(TenantId.of("last"), Q);
    int entries = 0;
    for (ByteBuffer f : sent) {
      assertTrue(f.remaining() <= max, "frame of " + f.remaining());
      entries += RegistryFormat.decodeEntries(f).size();
    }
    assertEquals(41, entries);
    assertTrue(sent.size() > 1);
  }

  /** Three regions over the in-process transport: create, delete and a partition converge. */
  @Test
  void shouldConvergeAcrossThreeRegionsThroughAPartition() {
    transport = new InProcessTransport();
    List<TenancyNode> nodes = new ArrayList<>();
    for (int r = 0; r < 3; r++) {
      List<RegionId> peers = new ArrayList<>();
      for (int p = 0; p < 3; p++) {
        if (p != r) {
          peers.add(RegionId.of(p));
        }
      }
      TransportEndpoint[] ep = new TransportEndpoint[1];
      TenancyNode node =
          new TenancyNode(
              r,
              peers,
              new RegistryFile(dir.resolve("r" + r)),
              wall::get,
              (to, f) -> ep[0].send(to, f),
              transport.maxFrameBytes(),
              Duration.ofMillis(20).toNanos(),
              System.nanoTime());
      ep[0] = transport.open(RegionId.of(r), Transport.TENANCY_CHANNEL, node::onFrame);
      endpoints.add(ep[0]);
      nodes.add(node);
    }
    nodes.get(0).create(ACME, Q);
    awaitAll(nodes, n -> n.state(ACME) == TenantState.ACTIVE);

    transport.cut(RegionId.of(0), RegionId.of(1));
    transport.cut(RegionId.of(0), RegionId.of(2));
    transport.cut(RegionId.of(1), RegionId.of(2));
    TenantId beta = TenantId.of("beta");
    nodes.get(0).create(beta, TenantQuotas.UNLIMITED);
    wall.addAndGet(10);
    nodes.get(1).delete(ACME);
    nodes.get(2).setQuotas(ACME, new TenantQuotas(1, 1, 1)); // concurrent with the deletion
    assertEquals(TenantState.ACTIVE, nodes.get(0).state(ACME));
    transport.healAll();
    awaitAll(
        nodes,
        n -> {
          n.doWork(System.nanoTime());
          return n.state(ACME) == TenantState.DELETED && n.state(beta) == TenantState.ACTIVE;
        });
    assertEquals(nodes.get(0).registry(), nodes.get(1).registry());
    assertEquals(nodes.get(0).registry(), nodes.get(2).registry());
    assertEquals(0, nodes.get(0).badFrames());
  }

  private static void awaitAll(
      List<TenancyNode> nodes, java.util.function.Predicate<TenancyNode> done) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              boolean all = true;
              for (TenancyNode n : nodes) {
                all &= done.test(n);
              }
              return all;
            });
  }

  @Test
  void shouldCountAndIgnoreMalformedFrames() {
    TenancyNode node = alone(dir);
    node.onFrame(RegionId.of(1), ByteBuffer.wrap(new byte[] {1, 2, 3}));
    ByteBuffer state =
        RegistryFormat.encode(
            RegistryFormat.KIND_STATE, new ArrayList<>(TenantRegistry.EMPTY.entries()));
    state.put(0, (byte) 0);
    node.onFrame(RegionId.of(1), state);
    assertEquals(2, node.badFrames());
    assertEquals(0, node.registry().size());
  }
}
