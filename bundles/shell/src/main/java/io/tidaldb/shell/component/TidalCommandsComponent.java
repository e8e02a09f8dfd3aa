package io.tidaldb.shell.component;

import io.tidaldb.api.SignalStore;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.reconcile.Reconciliation;
import io.tidaldb.shell.ReconcileCommand;
import io.tidaldb.shell.TidalCommands;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * Registers the {@link TidalCommands} as Gogo commands in scope {@code tidal}.
 *
 * <p>The store reference is optional and dynamic (a volatile field: DS constructor injection only
 * supports static references): the commands stay registered while the store or WAL bundle is
 * stopped and answer {@code error: store unavailable ...} instead of Gogo's "command not found".
 * The replication reference is multiple, optional and dynamic: {@code tidal:status} adds a table of
 * every region's replication when there are any (one per region configured in this framework). The
 * reconciliation reference is multiple, optional and dynamic too: {@code tidal:reconcile} runs
 * every region's and answers {@code error: reconciliation unavailable ...} when there is none.
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
      "osgi.command.function=transfer",
      "osgi.command.function=reconcile"
    })
public final class TidalCommandsComponent {
  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
  private volatile SignalStore store;

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

  private final ReconcileCommand reconcileCommand =
      new ReconcileCommand(
          () -> {
            List<Reconciliation> r = reconciliations;
            return r == null ? List.of() : r;
          });

  private final TidalCommands commands =
      new TidalCommands(() -> store, this::currentReplications, System::currentTimeMillis);

  /** Creates the component; DS injects the store whenever one is registered. */
  public TidalCommandsComponent() {}

  private List<Replication> currentReplications() {
    List<Replication> r = replications;
    return r == null ? List.of() : r;
  }

  /**
   * Stores a signal now (or at {@code --at}) and prints once it is durable; with {@code --session},
   * at most once per (tenant, session, seq).
   *
   * @param args tenant, type, entity, weight, then options
   * @return the line to print
   */
  @Descriptor(
      "store a signal now: tidal:signal <tenant> <type> <entity> <weight> [--at <ms>]"
          + " [--durability local|quorum|all] [--session <hex id>|new [--seq <n>] [--acked-below <n>]]; a session write retried"
          + " with the same values counts once")
  public String signal(String... args) {
    return commands.signal(args);
  }

  /**
   * Prints an entity's aggregate.
   *
   * @param args tenant, type, entity
   * @return the line to print
   */
  @Descriptor("read an entity: tidal:read <tenant> <type> <entity>")
  public String read(String... args) {
    return commands.read(args);
  }

  /**
   * Prints the top-k entities.
   *
   * @param args tenant, type, k
   * @return the lines to print
   */
  @Descriptor("highest decayed scores: tidal:top <tenant> <type> <k> [offset]")
  public String top(String... args) {
    return commands.top(args);
  }

  /**
   * Prints the store's status and, with replication, every region's leaders, HWMs and lag.
   *
   * @param args none
   * @return the lines to print
   */
  @Descriptor(
      "shards, WAL and snapshot positions, rates, and replication leaders, HWMs and lag:"
          + " tidal:status")
  public String status(String... args) {
    return commands.status(args);
  }

  /**
   * Hands a shard's leadership to a region and prints once it leads.
   *
   * @param args shard, region
   * @return the line to print
   */
  @Descriptor("hand a shard's leadership to a region: tidal:transfer <shard> <region>")
  public String transfer(String... args) {
    return commands.transfer(args);
  }

  /**
   * Reconciles every region of this framework with its peers now and prints what was exchanged.
   *
   * @param args none
   * @return the lines to print
   */
  @Descriptor("reconcile every region here with its peers now: tidal:reconcile")
  public String reconcile(String... args) {
    return reconcileCommand.reconcile(args);
  }
}
