package io.tidaldb.shell;

import io.tidaldb.api.TenantId;
import io.tidaldb.api.TenantUsage;
import io.tidaldb.api.TidalException;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.tenancy.TenantAdmin;
import io.tidaldb.api.tenancy.TenantInfo;
import io.tidaldb.api.tenancy.TenantQuotas;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * {@code tidal:tenant <verb>} and {@code tidal:tenants}: tenants at run time through the region's
 * {@link TenantAdmin}. Plain Java; returns the text to print, never throws to the console.
 */
public final class TenantCommand {
  /** The usage line. */
  public static final String USAGE =
      "usage: tidal:tenant list | describe <name> | create <name> [signalsPerSecond] [maxEntities]"
          + " [maxBytes] | quota <name> <signalsPerSecond|maxEntities|maxBytes> <value> | delete"
          + " <name> [--region <n>]";

  private final Supplier<List<TenantAdmin>> admins;
  private final BiFunction<Integer, TenantId, Optional<TenantUsage>> usage;

  /**
   * Creates the command without usage in descriptions.
   *
   * @param admins supplies the registered tenant admins (one per region in this framework)
   */
  public TenantCommand(Supplier<List<TenantAdmin>> admins) {
    this(admins, (region, tenant) -> Optional.empty());
  }

  /**
   * Creates the command.
   *
   * @param admins supplies the registered tenant admins (one per region in this framework)
   * @param usage a tenant's usage in a region's store ({@code SignalStore.usage}), empty if that
   *     region has no store here
   */
  public TenantCommand(
      Supplier<List<TenantAdmin>> admins,
      BiFunction<Integer, TenantId, Optional<TenantUsage>> usage) {
    this.admins = admins;
    this.usage = usage;
  }

  /**
   * Runs {@code tidal:tenant}.
   *
   * @param args verb and arguments, optionally {@code --region <n>}
   * @return the text to print
   */
  public String tenant(String... args) {
    List<String> rest = new ArrayList<>(List.of(args));
    Integer region = null;
    int at = rest.indexOf("--region");
    if (at >= 0) {
      if (at + 1 >= rest.size()) {
        return "error: --region needs a region id\n" + USAGE;
      }
      try {
        region = Integer.parseInt(rest.get(at + 1));
      } catch (NumberFormatException e) {
        return "error: invalid region: '" + rest.get(at + 1) + "'\n" + USAGE;
      }
      rest.remove(at + 1);
      rest.remove(at);
    }
    if (rest.isEmpty()) {
      return USAGE;
    }
    TenantAdmin admin = pick(region);
    if (admin == null) {
      return "error: tenancy unavailable"
          + (region == null ? "" : " for region " + region)
          + " (is the tenancy bundle started and configured?)";
    }
    try {
      return run(admin, rest);
    } catch (NumberFormatException e) {
      return "error: not a whole number: " + e.getMessage() + "\n" + USAGE;
    } catch (TidalException e) {
      return "error: " + e.getMessage();
    }
  }

  private String run(TenantAdmin admin, List<String> a) {
    String verb = a.get(0);
    switch (verb) {
      case "list":
        return list(admin);
      case "describe":
        return a.size() == 2 ? describe(admin, TenantId.of(a.get(1))) : USAGE;
      case "create":
        if (a.size() < 2 || a.size() > 5) {
          return USAGE;
        }
        TenantQuotas q = new TenantQuotas(number(a, 2), number(a, 3), number(a, 4));
        return "created in region "
            + admin.region()
            + ": "
            + line(admin.create(TenantId.of(a.get(1)), q));
      case "quota":
        if (a.size() != 4) {
          return USAGE;
        }
        TenantId t = TenantId.of(a.get(1));
        TenantInfo now =
            admin.describe(t).orElseThrow(() -> new io.tidaldb.api.UnknownTenantException(t));
        return "quotas set in region "
            + admin.region()
            + ": "
            + line(admin.setQuotas(t, now.quotas().with(a.get(2), Long.parseLong(a.get(3)))));
      case "delete":
        return a.size() == 2
            ? "deleted in region "
                + admin.region()
                + " (its state is purged in every region): "
                + line(admin.delete(TenantId.of(a.get(1))))
            : USAGE;
      default:
        return "error: unknown verb '" + verb + "'\n" + USAGE;
    }
  }

  /**
   * Runs {@code tidal:tenants}: every tenant the registry knows.
   *
   * @param args optionally {@code --region <n>}
   * @return the text to print
   */
  public String tenants(String... args) {
    List<String> a = new ArrayList<>(List.of(args));
    a.add(0, "list");
    return tenant(a.toArray(String[]::new));
  }

  private static String list(TenantAdmin admin) {
    List<TenantInfo> all = admin.list();
    if (all.isEmpty()) {
      return "no tenants in the registry of region "
          + admin.region()
          + " (the store's configured tenants and 'default' always exist)";
    }
    StringBuilder b = new StringBuilder();
    for (TenantInfo i : all) {
      b.append(line(i)).append('\n');
    }
    return b.toString().stripTrailing();
  }

  private String describe(TenantAdmin admin, TenantId tenant) {
    Optional<TenantInfo> info = admin.describe(tenant);
    if (info.isEmpty()) {
      return "error: tenant '" + tenant + "' is unknown to the registry";
    }
    Optional<TenantUsage> used;
    try {
      used = usage.apply(admin.region(), tenant);
    } catch (TidalException e) {
      used = Optional.empty(); // the store is closed: the registry's view alone
    }
    return line(info.get())
        + used.map(
                u ->
                    "\nusage in region "
                        + admin.region()
                        + ": entities="
                        + u.entities()
                        + " bytes="
                        + u.bytes()
                        + quotaShare(u.bytes(), info.get().quotas().maxBytes()))
            .orElse("");
  }

  private static String quotaShare(long value, long limit) {
    return limit == 0 ? "" : " (" + (value * 100 / limit) + "% of maxBytes=" + limit + ")";
  }

  private static long number(List<String> a, int i) {
    return i < a.size() ? Long.parseLong(a.get(i)) : 0;
  }

  static String line(TenantInfo i) {
    return i.tenant()
        + " "
        + i.state()
        + " "
        + i.quotas()
        + " created "
        + Timestamp.ofMillis(Math.max(0, i.createdMillis()))
        + " by region "
        + i.createdRegion()
        + (i.deletedMillis() >= 0 ? " deleted " + Timestamp.ofMillis(i.deletedMillis()) : "");
  }

  private TenantAdmin pick(Integer region) {
    List<TenantAdmin> all = admins.get();
    if (all == null || all.isEmpty()) {
      return null;
    }
    if (region != null) {
      for (TenantAdmin a : all) {
        if (a.region() == region) {
          return a;
        }
      }
      return null;
    }
    return all.stream().min(Comparator.comparingInt(TenantAdmin::region)).orElse(null);
  }
}
