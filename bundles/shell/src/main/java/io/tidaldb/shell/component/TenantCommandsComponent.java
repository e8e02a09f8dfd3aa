package io.tidaldb.shell.component;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.TenantUsage;
import io.tidaldb.api.tenancy.TenantAdmin;
import io.tidaldb.shell.TenantCommand;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * Registers {@link TenantCommand} as {@code tidal:tenant} and {@code tidal:tenants}. The tenant
 * admins (one per region configured in this framework) are a multiple, optional, dynamic reference:
 * the commands stay registered while the tenancy bundle is stopped and say so. The stores
 * (likewise) give {@code describe} the tenant's usage in the registry's region.
 */
@Component(
    service = TenantCommandsComponent.class,
    immediate = true,
    property = {
      "osgi.command.scope=tidal",
      "osgi.command.function=tenant",
      "osgi.command.function=tenants"
    })
public final class TenantCommandsComponent {
  @Reference(
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC,
      service = TenantAdmin.class)
  private volatile List<TenantAdmin> admins;

  @Reference(
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC,
      service = SignalStore.class)
  private volatile List<Map.Entry<Map<String, Object>, SignalStore>> stores;

  private final TenantCommand command =
      new TenantCommand(
          () -> {
            List<TenantAdmin> a = admins;
            return a == null ? List.of() : a;
          },
          this::usage);

  /** The tenant's usage in the store of {@code region}, empty if none is registered here. */
  private Optional<TenantUsage> usage(int region, TenantId tenant) {
    List<Map.Entry<Map<String, Object>, SignalStore>> all = stores;
    for (Map.Entry<Map<String, Object>, SignalStore> e :
        all == null ? List.<Map.Entry<Map<String, Object>, SignalStore>>of() : all) {
      RegionId r = Regions.of(e.getKey());
      if (r == null) {
        r = e.getValue().status().region();
      }
      if (r.value() == region) {
        return e.getValue().usage(tenant);
      }
    }
    return Optional.empty();
  }

  /** Creates the component. */
  public TenantCommandsComponent() {}

  /**
   * Administers tenants at run time.
   *
   * @param args verb and arguments
   * @return the text to print
   */
  @Descriptor(
      "tenants at run time, replicated to every region: tidal:tenant list | describe <name> |"
          + " create <name> [signalsPerSecond] [maxEntities] [maxBytes] | quota <name>"
          + " <signalsPerSecond|maxEntities|maxBytes> <value> | delete <name> [--region <n>];"
          + " e.g. tidal:tenant create acme 1000 100000")
  public String tenant(String... args) {
    return command.tenant(args);
  }

  /**
   * Lists every tenant the registry knows.
   *
   * @param args optionally --region n
   * @return the text to print
   */
  @Descriptor(
      "every tenant the registry knows, deleted ones included: tidal:tenants [--region <n>]")
  public String tenants(String... args) {
    return command.tenants(args);
  }
}
