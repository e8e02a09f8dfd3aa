package io.tidaldb.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.TenantId;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The signal body codec: what it accepts, and a 400 naming the value for what it refuses. */
class SignalCodecTest {
  private static final TenantId ACME = TenantId.of("acme");
  private final SignalCodec codec = new SignalCodec(() -> 1_000L);

  private List<SignalInput> json(String body) {
    return codec.parse(ACME, "application/json", body.getBytes(StandardCharsets.UTF_8));
  }

  private List<SignalInput> ndjson(String body) {
    return codec.parse(ACME, SignalCodec.NDJSON, body.getBytes(StandardCharsets.UTF_8));
  }

  private ApiException refusedJson(String body) {
    ApiException e = assertThrows(ApiException.class, () -> json(body));
    assertEquals(400, e.status(), e.getMessage());
    assertEquals(Stored.NOT_STORED, e.stored());
    return e;
  }

  @Test
  void shouldParseOneSignalWithDefaultTime() {
    SignalInput in = json("{\"type\":\"view\",\"entity\":42,\"weight\":1.5}").get(0);
    assertEquals("view", in.signal().type().name());
    assertEquals(42, in.signal().entity().value());
    assertEquals(1.5, in.signal().weight());
    assertEquals(1_000L, in.signal().eventTime().epochMillis());
    assertEquals(ACME, in.signal().tenant());
    assertNull(in.session());
  }

  @Test
  void shouldParseAnNdjsonBatchWithBlankLinesAndStringEntities() {
    List<SignalInput> in =
        ndjson(
            "{\"type\":\"view\",\"entity\":1,\"weight\":1,\"time\":5}\n\n"
                + "{\"type\":\"like\",\"entity\":\"9223372036854775807\",\"weight\":-2.0}\n");
    assertEquals(2, in.size());
    assertEquals(5, in.get(0).signal().eventTime().epochMillis());
    assertEquals(Long.MAX_VALUE, in.get(1).signal().entity().value());
    assertEquals(-2.0, in.get(1).signal().weight());
  }

  @Test
  void shouldParseASessionWrite() {
    SignalInput in =
        json("{\"type\":\"v\",\"entity\":1,\"weight\":1,\"time\":5,\"session\":\"7f3a\",\"seq\":3,\"ackedBelow\":2}")
            .get(0);
    assertEquals(0x7f3aL, in.session().session());
    assertEquals(3, in.session().seq());
    assertEquals(2, in.session().ackedBelow());
  }

  @Test
  void shouldRefuseMalformedJsonNamingWhere() {
    ApiException e = refusedJson("{\"type\":\"view\",\"entity\":42,\"weight\":1.5");
    assertEquals("malformed_json", e.code());
    assertTrue(e.getMessage().contains("item 0"), e.getMessage());
  }

  @Test
  void shouldRefuseWrongTypesNamingFieldAndValue() {
    ApiException e = refusedJson("{\"type\":\"view\",\"entity\":42,\"weight\":\"heavy\"}");
    assertEquals("wrong_type", e.code());
    assertTrue(
        e.getMessage().contains("'weight'") && e.getMessage().contains("heavy"), e.getMessage());
    e = refusedJson("{\"type\":7,\"entity\":42,\"weight\":1}");
    assertTrue(e.getMessage().contains("'type'") && e.getMessage().contains("7"), e.getMessage());
    e = refusedJson("{\"type\":\"v\",\"entity\":1.5,\"weight\":1}");
    assertTrue(
        e.getMessage().contains("'entity'") && e.getMessage().contains("1.5"), e.getMessage());
    e = refusedJson("{\"type\":\"v\",\"entity\":[1],\"weight\":1}");
    assertTrue(e.getMessage().contains("an array"), e.getMessage());
  }

  @Test
  void shouldRefuseNonFiniteAndOverflowingWeights() {
    ApiException e = refusedJson("{\"type\":\"v\",\"entity\":1,\"weight\":NaN}");
    assertEquals("malformed_json", e.code());
    assertTrue(e.getMessage().contains("NaN"), e.getMessage());
    e = refusedJson("{\"type\":\"v\",\"entity\":1,\"weight\":1e400}");
    assertEquals("invalid_argument", e.code());
    assertTrue(e.getMessage().contains("1e400"), e.getMessage());
  }

  @Test
  void shouldRefuseOutOfRangeIntegers() {
    ApiException e = refusedJson("{\"type\":\"v\",\"entity\":92233720368547758070,\"weight\":1}");
    assertTrue(e.getMessage().contains("92233720368547758070"), e.getMessage());
    e = refusedJson("{\"type\":\"v\",\"entity\":1,\"weight\":1,\"time\":-5}");
    assertTrue(e.getMessage().contains("-5"), e.getMessage());
  }

  @Test
  void shouldRefuseUnknownMissingAndRepeatedFields() {
    assertEquals(
        "unknown_field",
        refusedJson("{\"type\":\"v\",\"entity\":1,\"weight\":1,\"wieght\":2}").code());
    ApiException e = refusedJson("{\"type\":\"v\",\"entity\":1}");
    assertEquals("missing_field", e.code());
    assertTrue(e.getMessage().contains("'weight'"), e.getMessage());
    e = refusedJson("{\"type\":\"v\",\"entity\":1,\"weight\":1,\"weight\":2}");
    assertTrue(e.getMessage().contains("weight"), e.getMessage());
  }

  @Test
  void shouldRefuseBadNamesWithTheApisRule() {
    ApiException e = refusedJson("{\"type\":\"9lives\",\"entity\":1,\"weight\":1}");
    assertEquals("invalid_argument", e.code());
    assertTrue(e.getMessage().contains("'9lives'"), e.getMessage());
  }

  @Test
  void shouldRefuseABatchSentAsJsonAndAnEmptyBody() {
    ApiException e =
        refusedJson(
            "{\"type\":\"v\",\"entity\":1,\"weight\":1}\n{\"type\":\"v\",\"entity\":2,\"weight\":1}");
    assertTrue(e.getMessage().contains(SignalCodec.NDJSON), e.getMessage());
    assertEquals("empty_body", refusedJson("  ").code());
  }

  @Test
  void shouldNameTheItemAndLineOfABadBatchLine() {
    ApiException e =
        assertThrows(
            ApiException.class,
            () ->
                ndjson(
                    "{\"type\":\"v\",\"entity\":1,\"weight\":1}\n"
                        + "{\"type\":\"v\",\"entity\":2,\"weight\":1}\n"
                        + "{\"type\":\"v\",\"entity\":3,\"weight\":true}\n"));
    assertTrue(e.getMessage().startsWith("item 2 (line 3)"), e.getMessage());
  }

  @Test
  void shouldRefuseASessionlessSeqAndASessionWithoutSeq() {
    assertTrue(
        refusedJson("{\"type\":\"v\",\"entity\":1,\"weight\":1,\"seq\":1}")
            .getMessage()
            .contains("need a session"));
    assertTrue(
        refusedJson("{\"type\":\"v\",\"entity\":1,\"weight\":1,\"session\":\"zz\",\"seq\":1}")
            .getMessage()
            .contains("'zz'"));
    assertTrue(
        refusedJson("{\"type\":\"v\",\"entity\":1,\"weight\":1,\"session\":\"0\",\"seq\":1}")
            .getMessage()
            .contains("session"));
  }
}
