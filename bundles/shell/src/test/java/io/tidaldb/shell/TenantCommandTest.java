package io.tidaldb.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.TenantUsage;
import io.tidaldb.api.UnknownTenantException;
import io.tidaldb.api.tenancy.TenantAdmin;
import io.tidaldb.api.tenancy.TenantInfo;
import io.tidaldb.api.tenancy.TenantQuotas;
import io.tidaldb.api.tenancy.TenantState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class TenantCommandTest {
  /** An in-memory admin of one region. */
  private static final class MemoryAdmin implements TenantAdmin {
    final int region;
    final TreeMap<String, TenantInfo> tenants = new TreeMap<>();

    MemoryAdmin(int region) {
      this.region = region;
    }

    @Override
    public int region() {
      return region;
    }

    @Override
    public TenantInfo create(TenantId tenant, TenantQuotas quotas) {
      TenantInfo old = tenants.get(tenant.name());
      if (old != null) {
        throw new InvalidArgumentException(
            "tenant",
            tenant.name(),
            old.state() == TenantState.DELETED ? "deleted at 1" : "exists");
      }
      TenantInfo i = new TenantInfo(tenant, quotas, TenantState.ACTIVE, 1000, region, -1);
      tenants.put(tenant.name(), i);
      return i;
    }

    @Override
    public TenantInfo setQuotas(TenantId tenant, TenantQuotas quotas) {
      TenantInfo old = describe(tenant).orElseThrow(() -> new UnknownTenantException(tenant));
      TenantInfo i = new TenantInfo(tenant, quotas, old.state(), 1000, region, -1);
      tenants.put(tenant.name(), i);
      return i;
    }

    @Override
    public TenantInfo delete(TenantId tenant) {
      TenantInfo old = describe(tenant).orElseThrow(() -> new UnknownTenantException(tenant));
      TenantInfo i = new TenantInfo(tenant, old.quotas(), TenantState.DELETED, 1000, region, 2000);
      tenants.put(tenant.name(), i);
      return i;
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

  @Test
  void shouldCreateListSetQuotasAndDelete() {
    MemoryAdmin r0 = new MemoryAdmin(0);
    MemoryAdmin r1 = new MemoryAdmin(1);
    TenantCommand c = new TenantCommand(() -> List.of(r1, r0));
    String created = c.tenant("create", "acme", "1000", "50");
    assertTrue(created.startsWith("created in region 0: acme ACTIVE"), created);
    assertTrue(created.contains("signalsPerSecond=1000 maxEntities=50 maxBytes=0"), created);
    assertTrue(c.tenants().contains("acme ACTIVE"), c.tenants());
    String quota = c.tenant("quota", "acme", "maxEntities", "7");
    assertTrue(quota.contains("signalsPerSecond=1000 maxEntities=7"), quota);
    assertTrue(c.tenant("delete", "acme").contains("acme DELETED"));
    assertTrue(c.tenant("create", "acme").startsWith("error: invalid tenant: 'acme' (deleted"));
    assertTrue(c.tenant("create", "beta", "--region", "1").startsWith("created in region 1"));
    assertTrue(r1.describe(TenantId.of("beta")).isPresent());
  }

  @Test
  void shouldAnswerBadInputWithAnErrorLine() {
    TenantCommand c = new TenantCommand(() -> List.of(new MemoryAdmin(0)));
    assertEquals(TenantCommand.USAGE, c.tenant());
    assertTrue(c.tenant("create", "Bad Name").startsWith("error: invalid tenant"));
    assertTrue(c.tenant("create", "acme", "-1").startsWith("error: invalid signalsPerSecond: -1"));
    assertTrue(c.tenant("create", "acme", "lots").startsWith("error: not a whole number"));
    assertTrue(c.tenant("quota", "nobody", "maxBytes", "1").startsWith("error: invalid tenant"));
    assertTrue(c.tenant("frobnicate").startsWith("error: unknown verb 'frobnicate'"));
    assertTrue(
        c.tenant("list", "--region", "9").startsWith("error: tenancy unavailable for region 9"));
    assertTrue(new TenantCommand(List::of).tenant("list").startsWith("error: tenancy unavailable"));
  }

  @Test
  void shouldDescribeTheTenantsUsageInTheRegionsStore() {
    MemoryAdmin r0 = new MemoryAdmin(0);
    TenantCommand c =
        new TenantCommand(
            () -> List.of(r0),
            (region, t) ->
                region == 0 && t.name().equals("acme")
                    ? Optional.of(new TenantUsage(t, 12, 1536))
                    : Optional.empty());
    c.tenant("create", "acme", "0", "0", "2048");
    String d = c.tenant("describe", "acme");
    assertTrue(d.startsWith("acme ACTIVE"), d);
    assertTrue(d.endsWith("\nusage in region 0: entities=12 bytes=1536 (75% of maxBytes=2048)"), d);
    c.tenant("create", "beta");
    assertTrue(!c.tenant("describe", "beta").contains("usage"), c.tenant("describe", "beta"));
  }
}
