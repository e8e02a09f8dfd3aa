package io.tidaldb.store;

/** Entity states a snapshot is written from: a live {@link EntityStateMap} or a frozen copy. */
interface StateEntries {
  /** Returns the number of entries. */
  int size();

  /** Visits every entry. */
  void forEach(EntityStateMap.EntryVisitor visitor);
}
