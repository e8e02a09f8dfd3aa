/**
 * Per-shard leadership: election, failure detection and the leader lease, as plain state machines
 * driven by {@code doWork(nowNanos)}.
 *
 * <p>Each region runs one {@link io.tidaldb.replication.leadership.ShardLeadership} per shard. It
 * composes small pure parts: {@link io.tidaldb.replication.leadership.EpochState} (the epoch and
 * the vote cast in it, persisted through {@link io.tidaldb.replication.leadership.EpochStore}),
 * {@link io.tidaldb.replication.leadership.FailureDetector} (timeout plus seeded per-region
 * jitter), {@link io.tidaldb.replication.leadership.VoteCounter}, {@code PreVoteRound} (PreVote: a
 * majority must be willing to vote before a region raises its epoch), {@code LeaderTransfer}
 * (leadership transfer with TIMEOUT_NOW, and the return to the preferred region) and {@link
 * io.tidaldb.replication.leadership.LeaderLease}. Messages leave through a {@link
 * io.tidaldb.replication.leadership.LeadershipOutbox} and arrive through the {@code on*} methods;
 * decisions are reported to a {@link io.tidaldb.replication.leadership.LeadershipListener}. In
 * production the epoch and vote live in a crash-safe file ({@link
 * io.tidaldb.replication.leadership.FileEpochStore}) and the election facts come from the shard's
 * WAL ({@link io.tidaldb.replication.leadership.ShardLogReplicaLog}).
 *
 * <p>Invariants kept here: the epoch only grows and is saved before a vote is granted or a
 * candidacy (and so leadership) is taken; a region votes at most once per epoch, also across a
 * restart; at most one region becomes leader of an epoch (a majority of the configured regions
 * elects); a leader that has not heard a majority for the election timeout stops being leader
 * (CheckQuorum); a region raises its epoch only after a majority granted it a pre-vote, and
 * answering a pre-vote changes no state.
 *
 * <p>Thread-safety: none. One thread (the shard's owner) calls every method of one instance. No
 * method reads a clock or starts a thread; time is always passed in.
 */
package io.tidaldb.replication.leadership;
