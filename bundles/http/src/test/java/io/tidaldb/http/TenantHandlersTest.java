package io.tidaldb.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.UnknownTenantException;
import io.tidaldb.api.tenancy.TenantAdmin;
import io.tidaldb.api.tenancy.TenantInfo;
import io.tidaldb.api.tenancy.TenantQuotas;
import io.tidaldb.api.tenancy.TenantState;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class TenantHandlersTest {

  /** A registry of one region, as the tenancy bundle's answers it (exists, deleted, unknown). */
  static final class Registry implements TenantAdmin {
    final Map<String, TenantInfo> tenants = new TreeMap<>();

    @Override
    public int region() {
      return 0;
    }

    @Override
    public TenantInfo create(TenantId tenant, TenantQuotas quotas) {
      TenantInfo e = tenants.get(tenant.name());
      if (e != null) {
        throw new InvalidArgumentException(
            "tenant", tenant.name(), e.state() == TenantState.DELETED ? "was deleted" : "exists");
      }
      TenantInfo t = new TenantInfo(tenant, quotas, TenantState.ACTIVE, 1000, 0, 0);
      tenants.put(tenant.name(), t);
      return t;
    }

    @Override
    public TenantInfo setQuotas(TenantId tenant, TenantQuotas quotas) {
      TenantInfo t = describe(tenant).orElseThrow(() -> new UnknownTenantException(tenant));
      TenantInfo next = new TenantInfo(tenant, quotas, t.state(), t.createdMillis(), 0, 0);
      tenants.put(tenant.name(), next);
      return next;
    }

    @Override
    public TenantInfo delete(TenantId tenant) {
      TenantInfo t = describe(tenant).orElseThrow(() -> new UnknownTenantException(tenant));
      TenantInfo next =
          new TenantInfo(tenant, t.quotas(), TenantState.DELETED, t.createdMillis(), 0, 2000);
      tenants.put(tenant.name(), next);
      return next;
    }

    @Override
    public List<TenantInfo> list() {
      return new ArrayList<>(tenants.values());
    }

    @Override
    public Optional<TenantInfo> describe(TenantId tenant) {
      return Optional.ofNullable(tenants.get(tenant.name()));
    }
  }

  private final Registry registry = new Registry();
  private final HttpApi api =
      new HttpApi(
          HttpApiConfig.DEFAULTS,
          List::<SignalStore>of,
          List::of,
          () -> null,
          () -> List.<TenantAdmin>of(registry),
          () -> 0L);

  private Response call(String method, String path, String body) {
    return api.handle(
        new Request(
            method,
            path,
            Map.of(),
            "application/json",
            null,
            body == null ? null : body.getBytes(StandardCharsets.UTF_8)));
  }

  private static void assertError(Response r, int status, String code, String needle) {
    assertEquals(status, r.status(), r.text());
    assertTrue(r.text().contains("\"code\":\"" + code + "\""), r.text());
    assertTrue(r.text().contains(needle), r.text());
  }

  @Test
  void createsListsDescribesChangesQuotasAndDeletes() {
    Response created =
        call("POST", "/v1/tenants", "{\"name\":\"acme\",\"quotas\":{\"signalsPerSecond\":500}}");
    assertEquals(201, created.status(), created.text());
    assertTrue(created.text().contains("\"name\":\"acme\""), created.text());
    assertTrue(created.text().contains("\"signalsPerSecond\":500"), created.text());
    assertTrue(call("GET", "/v1/tenants", null).text().contains("\"acme\""));
    Response quotas = call("PUT", "/v1/tenants/acme/quotas", "{\"maxEntities\":10}");
    assertEquals(200, quotas.status(), quotas.text());
    assertTrue(
        quotas.text().contains("\"signalsPerSecond\":500,\"maxEntities\":10"), quotas.text());
    Response deleted = call("DELETE", "/v1/tenants/acme", null);
    assertEquals(200, deleted.status(), deleted.text());
    assertTrue(deleted.text().contains("\"state\":\"deleted\""), deleted.text());
    assertError(call("POST", "/v1/tenants", "{\"name\":\"acme\"}"), 409, "tenant_conflict", "acme");
  }

  @Test
  void refusesBadInputNamingTheValue() {
    call("POST", "/v1/tenants", "{\"name\":\"acme\"}");
    assertError(
        call("POST", "/v1/tenants", "{\"name\":\"acme\"}"), 409, "tenant_conflict", "exists");
    assertError(
        call("POST", "/v1/tenants", "{\"name\":\"Bad Name\"}"),
        400,
        "invalid_argument",
        "Bad Name");
    assertError(call("POST", "/v1/tenants", "{\"name\":7}"), 400, "wrong_type", "7");
    assertError(call("POST", "/v1/tenants", "{}"), 400, "missing_field", "name");
    assertError(call("POST", "/v1/tenants", "{\"name\":"), 400, "malformed_json", "malformed");
    assertError(
        call("POST", "/v1/tenants", "{\"name\":\"b\",\"quotas\":{\"maxBytes\":-1}}"),
        400,
        "invalid_argument",
        "-1");
    assertError(
        call("PUT", "/v1/tenants/acme/quotas", "{\"nope\":1}"), 400, "invalid_argument", "nope");
    assertError(
        call("PUT", "/v1/tenants/acme/quotas", "{\"maxEntities\":\"x\"}"), 400, "wrong_type", "x");
    assertError(call("GET", "/v1/tenants/ghost", null), 404, "unknown_tenant", "ghost");
    assertError(call("DELETE", "/v1/tenants/ghost", null), 404, "unknown_tenant", "ghost");
    assertEquals(1, registry.tenants.size()); // nothing refused was created
  }

  @Test
  void answers503WithoutARegistry() {
    HttpApi none =
        new HttpApi(HttpApiConfig.DEFAULTS, List::of, List::of, () -> null, List::of, () -> 0L);
    Response r = none.handle(new Request("GET", "/v1/tenants", Map.of(), null, null, null));
    assertError(r, 503, "tenancy_unavailable", "tidal-tenancy");
  }
}
