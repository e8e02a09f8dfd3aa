package io.tidaldb.api.reconcile;

import java.util.List;

/**
 * What {@link ReconcileState#merge} did with a list of states.
 *
 * @param changed states whose join changed this region's state
 * @param unchanged states this region already held (the join left it as it was)
 * @param rejected one line per state that was not merged, naming the type, entity and why (it
 *     failed validation, or its series is not defined in this shard here yet); the others were
 *     merged
 */
public record MergeReport(int changed, int unchanged, List<String> rejected) {
  /** Copies the list. */
  public MergeReport {
    rejected = List.copyOf(rejected);
  }
}
