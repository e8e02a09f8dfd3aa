package io.tidaldb.shell.component;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.TidalException;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.api.wal.WriteAheadLog;
import io.tidaldb.reconcile.Reconciliation;
import io.tidaldb.shell.ReconcileCommand;
import io.tidaldb.shell.TidalCommands;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * Registers the {@link TidalCommands} as Gogo commands in scope {@code tidal}.
 *
 * <p>The store reference is multiple, optional and dynamic (a volatile field: DS constructor
 * injection only supports static references), with each store's service properties: the commands
 * use the store of the console's region (the service property {@code region}, else the store's own
 * status), chosen once and changed only by {@code tidal:use}. A store that goes away (its bundle
 * stopped, its configuration being changed) makes the commands answer {@code error: store
 * unavailable: the store of region-N ...}; they never move to another region's store. (Before, the
 * reference was a single optional dynamic one: DS bound an arbitrary region's store and rebound to
 * another one whenever the bound store was re-registered, e.g. after a {@code .cfg} edit.)
 *
 * <p>The replication reference is multiple, optional and dynamic: {@code tidal:status} adds a table
 * of every region's replication when there are any (one per region configured in this framework),
 * {@code tidal:regions} asks them when they last heard from each region. The reconciliation
 * reference is multiple, optional and dynamic too: {@code tidal:reconcile} runs every region's and
 * answers {@code error: reconciliation unavailable ...} when there is none. The WAL reference only
 * serves the banner ({@code tidal:about}: each region's WAL directory).
 */
@Component(
    service = TidalCommandsComponent.class,
    immediate = true,
    property = {
      "osgi.command.scope=tidal",
      "osgi.command.function=signal",
      "osgi.command.function=read",
      "osgi.command.function=top",
      "osgi.command.function=status",
      "osgi.command.function=use",
      "osgi.command.function=regions",
      "osgi.command.function=transfer",
      "osgi.command.function=reconcile",
      "osgi.command.function=about"
    })
public final class TidalCommandsComponent {
  @Reference(
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC,
      service = SignalStore.class)
  private volatile List<Map.Entry<Map<String, Object>, SignalStore>> stores;

  @Reference(
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC,
      service = Replication.class)
  private volatile List<Replication> replications;

  @Reference(
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC,
      service = Reconciliation.class)
  private volatile List<Reconciliation> reconciliations;

  @Reference(
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC,
      service = WriteAheadLog.class)
  private volatile List<Map<String, Object>> wals;

  private final ReconcileCommand reconcileCommand =
      new ReconcileCommand(
          () -> {
            List<Reconciliation> r = reconciliations;
            return r == null ? List.of() : r;
          });

  private final TidalCommands commands =
      TidalCommands.forRegions(
          this::currentStores, this::currentReplications, System::currentTimeMillis);

  private final BundleContext context;

  /**
   * Creates the component; DS injects the stores, replications and reconciliations as they come and
   * go.
   *
   * @param context this bundle's context (the banner's version and configuration directory)
   */
  @Activate
  public TidalCommandsComponent(BundleContext context) {
    this.context = context;
  }

  private List<Replication> currentReplications() {
    List<Replication> r = replications;
    return r == null ? List.of() : r;
  }

  private Map<RegionId, SignalStore> currentStores() {
    List<Map.Entry<Map<String, Object>, SignalStore>> all = stores;
    Map<RegionId, SignalStore> byRegion = new HashMap<>();
    if (all == null) {
      return byRegion;
    }
    for (Map.Entry<Map<String, Object>, SignalStore> e : all) {
      RegionId region = Regions.of(e.getKey());
      if (region == null) {
        try {
          region = e.getValue().status().region();
        } catch (TidalException | UnsupportedOperationException ex) {
          continue; // a store that cannot say its region yet is not offered
        }
      }
      byRegion.putIfAbsent(region, e.getValue());
    }
    return byRegion;
  }

  /**
   * Stores a signal in the console's region and prints once it is durable.
   *
   * @param args tenant, type, entity, weight, then options
   * @return the line to print
   */
  @Descriptor(
      "store a signal in the console's region; the answer names the durability reached and who"
          + " stored it (at LOCAL: the shard leader's WAL alone)")
  public String signal(
      @Descriptor(
              "<tenant> <type> <entity> <weight> [--at <ms>] [--durability local|quorum|all]"
                  + " [--session <hex id>|new [--seq <n>] [--acked-below <n>]]; --durability"
                  + " (default local) waits for the shard leader's WAL, a majority or every"
                  + " region; a session write retried with the same values counts once."
                  + " Example: tidal:signal default view 42 1.5 --durability quorum")
          String... args) {
    return commands.signal(args);
  }

  /**
   * Prints an entity's aggregate.
   *
   * @param args tenant, type, entity, then options
   * @return the line to print
   */
  @Descriptor("read an entity's count, weight sum, decayed score and last-seen time")
  public String read(
      @Descriptor(
              "<tenant> <type> <entity> [--region <region>]; --region reads another region's"
                  + " copy (this command only). Example: tidal:read default view 42 --region 2")
          String... args) {
    return commands.read(args);
  }

  /**
   * Prints the top-k entities.
   *
   * @param args tenant, type, k, optionally offset, then options
   * @return the lines to print
   */
  @Descriptor("list the entities with the highest decayed scores")
  public String top(
      @Descriptor(
              "<tenant> <type> <k> [offset] [--region <region>]; k from 1 to 1000, offset for the"
                  + " next page. Example: tidal:top default view 10")
          String... args) {
    return commands.top(args);
  }

  /**
   * Prints the store's status and, with replication, every region's leaders, HWMs and lag.
   *
   * @param args options
   * @return the lines to print
   */
  @Descriptor(
      "show the console region's shards (WAL, applied and snapshot positions, rates) and every"
          + " region's replication: leaders, epochs, HWMs, lag")
  public String status(
      @Descriptor(
              "[--region <region>] [--json]; --json prints one JSON object. Example: tidal:status"
                  + " --json")
          String... args) {
    return commands.status(args);
  }

  /**
   * Shows or changes the console's region.
   *
   * @param args nothing, or the region
   * @return the line to print
   */
  @Descriptor(
      "show or choose the console's region: the store tidal:signal, read, top and status use;"
          + " it changes only by this command")
  public String use(
      @Descriptor(
              "[<region>]: its id or name, a region with a store in this node. Example: tidal:use"
                  + " region-1")
          String... args) {
    return commands.use(args);
  }

  /**
   * Lists the regions: up or down, last heard, shards led.
   *
   * @param args none
   * @return the table
   */
  @Descriptor(
      "list every region: up or down, when this node last heard from it, the shards it leads")
  public String regions(@Descriptor("none. Example: tidal:regions") String... args) {
    return commands.regions(args);
  }

  /**
   * Hands a shard's leadership to a region and prints once it leads.
   *
   * @param args shard, region
   * @return the line to print
   */
  @Descriptor("hand a shard's leadership to a region and wait until it leads")
  public String transfer(
      @Descriptor("<shard> <region>. Example: tidal:transfer 2 region-1") String... args) {
    return commands.transfer(args);
  }

  /**
   * Reconciles every region of this framework with its peers now and prints what was exchanged.
   *
   * @param args none
   * @return the lines to print
   */
  @Descriptor("reconcile every region of this node with its peers now and print what was exchanged")
  public String reconcile(@Descriptor("none. Example: tidal:reconcile") String... args) {
    return reconcileCommand.reconcile(args);
  }

  /**
   * Prints the banner: version, home, configuration and data directories, the console's region.
   *
   * @param args none
   * @return the lines to print
   */
  @Descriptor("show the version, the configuration and data directories and the console's region")
  public String about(@Descriptor("none. Example: tidal:about") String... args) {
    return Regions.banner(
        context, stores, wals, commands.consoleRegion(), System.getProperty("user.dir", "."));
  }
}
