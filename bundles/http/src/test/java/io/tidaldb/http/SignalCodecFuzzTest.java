package io.tidaldb.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.TenantId;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Mutated and garbage bodies never crash the codec: it answers signals or a 400 that names the item
 * and carries a message, and never throws anything else (jqwik prints the seed of a failure and
 * reruns it first).
 */
class SignalCodecFuzzTest {
  private static final String VALID =
      "{\"type\":\"view\",\"entity\":42,\"weight\":1.5,\"time\":1700000000000}\n"
          + "{\"type\":\"like\",\"entity\":\"7\",\"weight\":-1,\"time\":1,\"session\":\"7f\",\"seq\":2}\n";

  private final SignalCodec codec = new SignalCodec(() -> 1_000L);

  @Property(tries = 3000)
  void mutatedBodiesAreParsedOrRefusedWith400(
      @ForAll("mutations") byte[] body, @ForAll boolean nd) {
    check(body, nd);
  }

  @Property(tries = 1000)
  void garbageBodiesAreRefusedWith400(@ForAll byte[] body, @ForAll boolean nd) {
    check(body, nd);
  }

  private void check(byte[] body, boolean nd) {
    try {
      List<SignalInput> in = codec.parse(TenantId.DEFAULT, nd ? SignalCodec.NDJSON : null, body);
      assertFalse(in.isEmpty());
    } catch (ApiException e) {
      assertEquals(400, e.status());
      assertEquals(Stored.NOT_STORED, e.stored());
      assertTrue(
          e.getMessage() != null
              && (e.getMessage().startsWith("item ") || e.code().equals("empty_body")),
          e.getMessage());
    }
  }

  @Provide
  Arbitrary<byte[]> mutations() {
    byte[] valid = VALID.getBytes(StandardCharsets.UTF_8);
    Arbitrary<Tuple.Tuple3<Integer, Integer, Byte>> edit =
        Arbitraries.integers()
            .between(0, 2)
            .flatMap(
                kind ->
                    Arbitraries.integers()
                        .between(0, valid.length - 1)
                        .flatMap(
                            at ->
                                Arbitraries.of(
                                        (byte) '{',
                                        (byte) '}',
                                        (byte) '"',
                                        (byte) ',',
                                        (byte) ':',
                                        (byte) '[',
                                        (byte) '9',
                                        (byte) '-',
                                        (byte) 'e',
                                        (byte) '.',
                                        (byte) '\n',
                                        (byte) 0,
                                        (byte) 0xC3,
                                        (byte) 'N')
                                    .map(b -> Tuple.of(kind, at, b))));
    return edit.list()
        .ofMinSize(1)
        .ofMaxSize(6)
        .map(
            edits -> {
              byte[] b = valid.clone();
              for (Tuple.Tuple3<Integer, Integer, Byte> e : edits) {
                int at = Math.min(e.get2(), b.length - 1);
                if (b.length == 0) {
                  break;
                }
                switch (e.get1()) {
                  case 0 -> b[at] = e.get3();
                  case 1 -> {
                    byte[] n = new byte[b.length + 1];
                    System.arraycopy(b, 0, n, 0, at);
                    n[at] = e.get3();
                    System.arraycopy(b, at, n, at + 1, b.length - at);
                    b = n;
                  }
                  default -> {
                    byte[] n = new byte[b.length - 1];
                    System.arraycopy(b, 0, n, 0, at);
                    System.arraycopy(b, at + 1, n, at, b.length - at - 1);
                    b = n;
                  }
                }
              }
              return b;
            });
  }
}
