package io.tidaldb.session.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.TidalException;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.session.client.FakeSessionStore.Fault;
import io.tidaldb.session.client.FakeSessionStore.Step;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The client on real threads: its own retry thread, several writers, close. */
class SessionClientThreadsTest {
  private final FakeSessions sessions = new FakeSessions();
  private final ManualScheduler unusedForDelays = new ManualScheduler(); // every reply is at once
  private final Session session = Session.of(SessionClientTest.TENANT, SessionClientTest.ID, 1);

  private SessionClient client(int stores, RetryPolicy policy, Supplier<Step> steps) {
    SessionClient.Builder b = SessionClient.builder(session).policy(policy);
    for (int r = 0; r < stores; r++) {
      b.store(RegionId.of(r), new FakeSessionStore(r, sessions, unusedForDelays, steps));
    }
    return b.build();
  }

  /**
   * Four threads write 300 signals each through one client whose stores fail at random (seeded per
   * call, printed on failure): every outcome is checked as in the simulation.
   */
  @Test
  void shouldKeepItsPromisesWithSeveralWritersOnOneSession() throws Exception {
    long seed = 12_001;
    SplittableRandom random = new SplittableRandom(seed);
    Fault[] faults = {
      Fault.LOST_REPLY,
      Fault.NOT_STORED,
      Fault.LOST_REQUEST,
      Fault.REFUSAL,
      Fault.THROWS,
      Fault.SILENT_BEFORE_STORE,
      Fault.SILENT_AFTER_STORE
    };
    Supplier<Step> steps =
        () -> {
          synchronized (random) {
            int r = random.nextInt(30);
            return r < faults.length ? new Step(faults[r], 0) : Step.OK;
          }
        };
    RetryPolicy policy =
        new RetryPolicy(
            4,
            Duration.ofMillis(1),
            Duration.ofMillis(4),
            Duration.ofMillis(20),
            Duration.ofSeconds(5));
    ConcurrentLinkedQueue<ClientHarness.Write> writes = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    int threads = 4;
    CountDownLatch done = new CountDownLatch(threads);
    try (SessionClient c = client(3, policy, steps)) {
      for (int t = 0; t < threads; t++) {
        int thread = t;
        new Thread(
                () -> {
                  try {
                    for (int i = 0; i < 300; i++) {
                      Signal s = SessionClientTest.signal(thread * 1_000_000L + i);
                      CompletableFuture<SignalAck> f = c.signalAsync(s, Durability.QUORUM);
                      f.handle((a, e) -> null).join(); // one write at a time per thread
                      writes.add(new ClientHarness.Write(sessions.seqOf(s), s, f));
                    }
                  } catch (Throwable e) {
                    errors.add(e);
                  } finally {
                    done.countDown();
                  }
                },
                "client-writer-" + t)
            .start();
      }
      assertTrue(done.await(120, TimeUnit.SECONDS), "writers did not finish (seed " + seed + ")");
    }
    assertEquals(List.of(), List.copyOf(errors), "seed " + seed);
    Map<String, Integer> outcomes =
        ClientHarness.checkWrites(writes, sessions, session, "seed " + seed + " seq");
    System.out.println("SessionClientThreadsTest outcomes: " + outcomes);
    assertEquals(1_200, writes.size());
    assertEquals(1_201, session.nextSeq());
  }

  @Test
  void shouldEndAWriteThatWouldBeRetriedOnceTheClientIsClosed() {
    SessionClient c = client(2, RetryPolicy.DEFAULTS, () -> new Step(Fault.LOST_REPLY, 0));
    c.close();
    CompletableFuture<SignalAck> f = c.signalAsync(SessionClientTest.signal(1), Durability.QUORUM);
    assertTrue(f.isDone(), "no retry can be scheduled after close");
    Throwable e = f.handle((a, x) -> x).join();
    UnavailableException u = assertInstanceOf(UnavailableException.class, e);
    assertTrue(u.mayBeStored(), u.getMessage());
    assertInstanceOf(RejectedExecutionException.class, u.getSuppressed()[0]);
    assertEquals(2, session.ackedBelow());
    assertInstanceOf(TidalException.class, u);
  }
}
