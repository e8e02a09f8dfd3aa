package io.tidaldb.crdt;

import io.tidaldb.api.InvalidArgumentException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The CRDT state of one (tenant, signal type, entity): count, weight sum, forward-decayed score and
 * last-seen time, as a join-semilattice over per-stream grow-only entries.
 *
 * <p>Layout, kept small because a store holds millions: one flat {@code long[]} with an entry of
 * {@value #STRIDE} longs per replica id (a record stream, see {@link ReplicaIds}), sorted by
 * unsigned replica id,
 *
 * <pre>
 * [ replica | end | posCount | negCount | posSum | negSum | posDecay | negDecay ]  (sums: double bits)
 * </pre>
 *
 * plus the half-life the decayed sums are kept under (bound by the first {@link #applyAt}), their
 * common landmark, and the last-seen register (HLC stamp, replica, event time). {@code end} is the
 * exclusive end position of the prefix of the entry's stream that the entry holds for this entity:
 * {@link #applyAt} skips a record below it (already counted) and moves it past the record it
 * applies. A signal of weight {@code w >= 0} adds 1, {@code w} and its decayed term to the positive
 * columns of its entry; a retraction ({@code w < 0}) adds 1, {@code |w|} and its term to the
 * negative ones. Every column only grows, so {@link #merge} is the entry-wise maximum once both
 * sides are rebased (exactly, see {@link DecayModel}) to the later landmark: commutative,
 * associative and idempotent bit for bit. It is the exact join of two copies of an entry because
 * each copy is a prefix of one stream's history (see the package documentation): the longer prefix
 * is column-wise at least the shorter, so the maximum is the longer prefix.
 *
 * <p>The landmark is the greatest {@link DecayModel#landmarkFor(long)} of any applied signal (0
 * when empty), so two states with the same signals have the same landmark and the same bits,
 * whatever order and grouping the signals and merges came in (barring sums that straddle the
 * subnormal range, where flushing to zero may differ in the last bits).
 *
 * <p>Mutable and not thread-safe: callers synchronise. {@link #applyAt} allocates only when a
 * replica gets its first entry.
 */
public final class CrdtSignalState {
  /** Longs per replica entry. */
  public static final int STRIDE = 8;

  static final int REPLICA = 0;
  static final int END = 1;
  static final int POS_COUNT = 2;
  static final int NEG_COUNT = 3;
  static final int POS_SUM = 4;
  static final int NEG_SUM = 5;
  static final int POS_DECAY = 6;
  static final int NEG_DECAY = 7;

  /** The stamp of a state with no signals. */
  static final long NO_HLC = LwwRegister.NO_STAMP;

  long[] entries = ReplicaEntries.EMPTY;
  long halfLifeMillis;
  long landmark;
  long lastSeenHlc = NO_HLC;
  long lastSeenEventTime = -1;
  long lastSeenReplica;

  /** Creates an empty state. */
  public CrdtSignalState() {}

  /**
   * Applies the record at {@code position} of the stream {@code replica}, unless the entry of that
   * stream already holds it: a record below the entry's end was counted (through this state or a
   * state merged in), and is skipped; so is a record of a log entry {@code log(e)} with {@code e}
   * at or below the cut-off of this state's base entry (see {@link #fold}).
   *
   * @param replica the stream's replica id ({@link ReplicaIds#log} or {@link ReplicaIds#local})
   * @param position the record's position in that stream, >= 0
   * @param weight the signal's weight; negative for a retraction; finite
   * @param eventTimeMillis the signal's event time, >= 0 ms since the epoch
   * @param hlc the HLC stamp the signal was accepted with, >= 0
   * @param decay the signal type's decay model; the same for every signal of a state
   * @return true if applied, false if the entry already held the record (nothing changed)
   * @throws InvalidArgumentException if an argument is out of range or the decay model's half-life
   *     differs from the one this state's sums are kept under; the state is then unchanged
   * @since 2.0.0
   */
  public boolean applyAt(
      long replica,
      long position,
      double weight,
      long eventTimeMillis,
      long hlc,
      DecayModel decay) {
    if (!Double.isFinite(weight)) {
      throw new InvalidArgumentException("weight", weight, "must be finite");
    }
    if (eventTimeMillis < 0) {
      throw new InvalidArgumentException("eventTimeMillis", eventTimeMillis, "must be >= 0");
    }
    if (hlc < 0) {
      throw new InvalidArgumentException("hlc", hlc, "must be >= 0");
    }
    if (position < 0 || position == Long.MAX_VALUE) {
      throw new InvalidArgumentException(
          "position", position, "must be 0.." + (Long.MAX_VALUE - 1));
    }
    if (!ReplicaIds.isValid(replica) || ReplicaIds.isBase(replica)) {
      throw new InvalidArgumentException(
          "replica", Long.toHexString(replica), "must be a log or local replica id");
    }
    int i = ReplicaEntries.find(entries, STRIDE, replica);
    if (i >= 0 && position < entries[i * STRIDE + END]) {
      return false;
    }
    if (i < 0 && ReplicaIds.isLog(replica) && replica <= ClosedEntries.cutOff(entries)) {
      return false; // folded into the base entry: a replay or a late copy
    }
    if (halfLifeMillis != decay.halfLifeMillis()) {
      if (halfLifeMillis != 0) {
        throw halfLifeMismatch(decay.halfLifeMillis());
      }
      halfLifeMillis = decay.halfLifeMillis();
    }
    long signalLandmark = decay.landmarkFor(eventTimeMillis);
    if (signalLandmark > landmark) {
      rebase(signalLandmark);
    }
    if (i < 0) {
      i = -i - 1;
      entries = ReplicaEntries.insert(entries, STRIDE, i, replica);
    }
    int base = i * STRIDE;
    entries[base + END] = position + 1;
    int e = base + (weight < 0 ? NEG_COUNT - POS_COUNT : 0);
    double abs = Math.abs(weight);
    entries[e + POS_COUNT]++;
    entries[e + POS_SUM] = add(entries[e + POS_SUM], abs);
    entries[e + POS_DECAY] =
        add(entries[e + POS_DECAY], decay.contribution(abs, eventTimeMillis, landmark));
    if (LwwRegister.wins(
        hlc, replica, eventTimeMillis, lastSeenHlc, lastSeenReplica, lastSeenEventTime)) {
      lastSeenHlc = hlc;
      lastSeenReplica = replica;
      lastSeenEventTime = eventTimeMillis;
    }
    return true;
  }

  /**
   * Merges another state into this one (the join): per replica the maximum of every column, after
   * rebasing both to the later landmark; the last-seen write that wins. Of two base entries the one
   * of the higher cut-off wins whole (equal cut-offs join by maximum), and every log entry at or
   * below the winning cut-off is dropped from both sides (the base holds it). Commutative,
   * associative and idempotent, bit for bit.
   *
   * @param other the state to merge; unchanged
   * @throws InvalidArgumentException if both hold signals under different half-lives; this state is
   *     then unchanged
   */
  public void merge(CrdtSignalState other) {
    if (other == this || other.isEmpty()) {
      return;
    }
    if (isEmpty()) {
      copyFrom(other);
      return;
    }
    if (other.halfLifeMillis != halfLifeMillis) {
      throw halfLifeMismatch(other.halfLifeMillis);
    }
    if (other.landmark > landmark) {
      rebase(other.landmark);
    }
    long otherExponent = DecayModel.exponentBetween(halfLifeMillis, other.landmark, landmark);
    long cutOff = ClosedEntries.cutOff(entries);
    long otherCutOff = ClosedEntries.cutOff(other.entries);
    long[] theirs = other.entries;
    if (otherCutOff > cutOff) { // the higher cut-off's base wins whole
      entries = ClosedEntries.dropThrough(entries, otherCutOff);
    } else if (cutOff > otherCutOff) {
      theirs = ClosedEntries.dropThrough(theirs, cutOff);
    }
    entries = ReplicaEntries.join(entries, theirs, STRIDE, POS_DECAY, otherExponent);
    if (LwwRegister.wins(
        other.lastSeenHlc,
        other.lastSeenReplica,
        other.lastSeenEventTime,
        lastSeenHlc,
        lastSeenReplica,
        lastSeenEventTime)) {
      lastSeenHlc = other.lastSeenHlc;
      lastSeenReplica = other.lastSeenReplica;
      lastSeenEventTime = other.lastSeenEventTime;
    }
  }

  /**
   * Folds the log entries of every epoch at or below {@code cutOff} (and the base entry, if any)
   * into one base entry {@link ReplicaIds#base base(cutOff)}: column-wise sums, added in replica-id
   * order at this state's landmark, end 0. A function of the state and the cut-off only, so regions
   * that hold the same closed entries make the same bits. Exact only where every region holds the
   * same, final entries of those epochs (the agreement before a COMPACT record; see
   * docs/design/replication.md, "Compaction of closed epochs"). Count, sums and score are unchanged
   * (the decayed sums up to rounding of the re-association).
   *
   * @param cutOff the cut-off epoch, 0 to {@link ReplicaIds#MAX_EPOCH}
   * @return true if the state changed, false if it holds no log entry at or below the cut-off
   * @throws InvalidArgumentException if the cut-off is out of range
   * @since 2.1.0
   */
  public boolean fold(long cutOff) {
    ReplicaIds.base(cutOff);
    long[] folded = ClosedEntries.fold(entries, cutOff);
    if (folded == entries) {
      return false;
    }
    entries = folded;
    return true;
  }

  /**
   * Returns the cut-off epoch of this state's base entry.
   *
   * @return the cut-off, -1 if the state holds no base entry
   * @since 2.1.0
   */
  public long foldedThrough() {
    return ClosedEntries.cutOff(entries);
  }

  /**
   * Returns how many log entries of epochs at or below a cut-off this state holds (what {@link
   * #fold} would fold).
   *
   * @param cutOff the cut-off epoch
   * @return the number of such entries
   * @since 2.1.0
   */
  public int closedEntries(long cutOff) {
    return ClosedEntries.closedLogEntries(entries, cutOff);
  }

  /**
   * Returns the epoch of this state's lowest log entry (log entries sort first, by epoch): a fold
   * through any cut-off below it folds nothing. Allocation-free.
   *
   * @return the epoch, {@link Long#MAX_VALUE} if the state holds no log entry
   * @since 2.2.0
   */
  public long lowestLogEpoch() {
    return entries.length > 0 && ReplicaIds.isLog(entries[0]) ? entries[0] : Long.MAX_VALUE;
  }

  /**
   * Returns a 64-bit hash of this state's closed entries through a cut-off: the half-life, the
   * landmark, the base entry and every log entry of an epoch at or below {@code cutOff}, computed
   * alike in every JVM; 0 if the state holds no such entry. Allocation-free. Two regions whose
   * states hash equal hold (barring collisions) the same closed entries, the precondition of a
   * fold.
   *
   * @param cutOff the cut-off epoch
   * @return the hash, 0 if the state holds neither a base entry nor such a log entry
   * @since 2.1.0
   */
  public long closedHash(long cutOff) {
    return ClosedEntries.closedHash(entries, halfLifeMillis, landmark, cutOff);
  }

  /**
   * Returns the count.
   *
   * @return signals minus retractions
   */
  public long count() {
    return ReplicaEntries.sumLong(entries, STRIDE, POS_COUNT)
        - ReplicaEntries.sumLong(entries, STRIDE, NEG_COUNT);
  }

  /**
   * Returns the weight sum.
   *
   * @return the sum of positive weights minus the sum of retracted weights
   */
  public double weightSum() {
    return ReplicaEntries.sumDouble(entries, STRIDE, POS_SUM)
        - ReplicaEntries.sumDouble(entries, STRIDE, NEG_SUM);
  }

  /**
   * Returns the decayed score at a time: every weight decayed by its age at {@code atMillis}.
   *
   * @param atMillis the time of the read
   * @param decay the signal type's decay model
   * @return the score, 0.0 if empty
   * @throws InvalidArgumentException if the model's half-life differs from this state's, or if
   *     {@code atMillis} lies so far before the state's landmark that the score overflows a double
   *     (forward decay multiplies by {@code 2^((L − at)/h)}: about 1,000 half-lives before the
   *     landmark); the message names the time and the earliest one this state can be scored at
   */
  public double score(long atMillis, DecayModel decay) {
    if (isEmpty()) {
      return 0.0;
    }
    if (decay.halfLifeMillis() != halfLifeMillis) {
      throw halfLifeMismatch(decay.halfLifeMillis());
    }
    double sum = decayedSum();
    double score = sum * decay.decayFactor(landmark, atMillis);
    if (Double.isFinite(score)) {
      return score;
    }
    if (sum == 0.0) {
      return sum; // 0 · ∞: a sum of nothing is nothing at any time
    }
    throw scoreOverflow(atMillis, sum);
  }

  private InvalidArgumentException scoreOverflow(long atMillis, double sum) {
    // the score stays finite while (L − at)/h < 1023 − log2|sum|; one half-life of margin
    long halfLives = Math.max(0, Double.MAX_EXPONENT - Math.getExponent(sum) - 1);
    long earliest = landmark - halfLives * halfLifeMillis;
    return new InvalidArgumentException(
        "at",
        atMillis,
        String.format(
            "is %,d half-lives of %d ms before the landmark %d of the state it scores: its decayed"
                + " score overflows a double there; the earliest time it can be scored at is %d"
                + " (ms since the epoch)",
            (landmark - atMillis) / halfLifeMillis, halfLifeMillis, landmark, earliest));
  }

  /**
   * Returns the event time of the last-seen signal (latest by HLC stamp, then unsigned replica id).
   *
   * @return the event time in ms since the epoch, -1 if empty
   */
  public long lastSeenMillis() {
    return lastSeenEventTime;
  }

  /**
   * Returns the HLC stamp of the last-seen signal.
   *
   * @return the stamp, -1 if empty
   */
  public long lastSeenHlc() {
    return lastSeenHlc;
  }

  /**
   * Returns the replica that accepted the last-seen signal.
   *
   * @return the replica id, 0 if empty
   */
  public long lastSeenReplica() {
    return lastSeenReplica;
  }

  /**
   * Returns the decayed sum at {@link #landmark()}: the positive columns' less the negative ones',
   * the value {@link #score} multiplies by the decay factor. A top-K index orders entities by it
   * (rebased to one landmark, an exact power of two), which passing time does not reorder.
   *
   * @return the decayed sum, 0.0 if empty
   */
  public double decayedSum() {
    return ReplicaEntries.sumDouble(entries, STRIDE, POS_DECAY)
        - ReplicaEntries.sumDouble(entries, STRIDE, NEG_DECAY);
  }

  /**
   * Returns the landmark the decayed sums are kept at.
   *
   * @return the landmark in ms since the epoch, 0 if empty
   */
  public long landmark() {
    return landmark;
  }

  /**
   * Returns the half-life the decayed sums are kept under.
   *
   * @return the half-life in ms, 0 if empty
   */
  public long halfLifeMillis() {
    return halfLifeMillis;
  }

  /**
   * Returns the number of replicas with an entry.
   *
   * @return the replica count
   */
  public int replicaCount() {
    return entries.length / STRIDE;
  }

  /**
   * Whether no signal was ever applied or merged in.
   *
   * @return true if empty
   */
  public boolean isEmpty() {
    return entries.length == 0;
  }

  /**
   * Returns the length of the canonical encoding.
   *
   * @return bytes {@link #writeTo} writes
   */
  public int encodedLength() {
    return SignalStateCodec.encodedLength(replicaCount());
  }

  /**
   * Writes the canonical encoding (little-endian, entries in replica order; layout in {@code
   * SignalStateCodec}) at the buffer's position and advances it. Equal states write equal bytes.
   *
   * @param buffer the target, with at least {@link #encodedLength()} bytes remaining; its byte
   *     order is ignored and unchanged
   * @throws InvalidArgumentException if too few bytes remain; nothing is written then
   */
  public void writeTo(ByteBuffer buffer) {
    SignalStateCodec.write(this, buffer);
  }

  /**
   * Reads a state written by {@link #writeTo} at the buffer's position and advances past it.
   *
   * @param buffer the source; its byte order is ignored and unchanged
   * @return the state
   * @throws InvalidArgumentException naming the field and value if the bytes are not a valid
   *     canonical state; the position is then unchanged
   */
  public static CrdtSignalState readFrom(ByteBuffer buffer) {
    return SignalStateCodec.read(buffer);
  }

  /**
   * Returns the end of the entry of {@code replica}: the exclusive end position of the prefix of
   * its stream that this state holds (0 without an entry).
   *
   * @param replica a replica id
   * @return the end position
   * @since 2.3.0
   */
  public long entryEnd(long replica) {
    int i = ReplicaEntries.find(entries, STRIDE, replica);
    return i < 0 ? 0 : entries[i * STRIDE + END];
  }

  /**
   * Replaces this state's entry of the log stream {@code replica} with {@code source}'s (removes it
   * if {@code source} has none), rebased to the later of the two landmarks; the other entries and
   * the last-seen register stay. For a store that removes records' effect from one log entry (a cut
   * dropping never-acknowledged records): {@code source} holds the entry rebuilt without them, from
   * the same stream's records. A state left without entries becomes empty (as new).
   *
   * @param replica a log replica id ({@link ReplicaIds#log})
   * @param source the state holding the entry to take; unchanged
   * @return true if this state changed
   * @throws InvalidArgumentException if {@code replica} is no log id, or both states hold signals
   *     under different half-lives; this state is then unchanged
   * @since 2.3.0
   */
  public boolean replaceEntry(long replica, CrdtSignalState source) {
    if (!ReplicaIds.isValid(replica) || !ReplicaIds.isLog(replica)) {
      throw new InvalidArgumentException(
          "replica", Long.toHexString(replica), "must be a log replica id");
    }
    int j = ReplicaEntries.find(source.entries, STRIDE, replica);
    if (j >= 0 && halfLifeMillis != 0 && source.halfLifeMillis != halfLifeMillis) {
      throw halfLifeMismatch(source.halfLifeMillis);
    }
    int i = ReplicaEntries.find(entries, STRIDE, replica);
    if (j < 0) {
      if (i < 0) {
        return false;
      }
      long[] shrunk = new long[entries.length - STRIDE];
      System.arraycopy(entries, 0, shrunk, 0, i * STRIDE);
      System.arraycopy(
          entries, (i + 1) * STRIDE, shrunk, i * STRIDE, entries.length - (i + 1) * STRIDE);
      if (shrunk.length == 0) {
        copyFrom(new CrdtSignalState());
      } else {
        entries = shrunk;
      }
      return true;
    }
    if (halfLifeMillis == 0) {
      halfLifeMillis = source.halfLifeMillis;
      landmark = source.landmark;
    } else if (source.landmark > landmark) {
      rebase(source.landmark);
    }
    long[] row = new long[STRIDE];
    System.arraycopy(source.entries, j * STRIDE, row, 0, STRIDE);
    ReplicaEntries.scale(
        row,
        STRIDE,
        POS_DECAY,
        DecayModel.exponentBetween(halfLifeMillis, source.landmark, landmark));
    if (i < 0) {
      i = -i - 1;
      entries = ReplicaEntries.insert(entries, STRIDE, i, replica);
    } else if (Arrays.equals(entries, i * STRIDE, (i + 1) * STRIDE, row, 0, STRIDE)) {
      return false;
    }
    System.arraycopy(row, 0, entries, i * STRIDE, STRIDE);
    return true;
  }

  /**
   * Takes one applied signal's effect back out of the entry of {@code replica} without removing it:
   * a signal of weight {@code w >= 0} added 1, {@code w} and its decayed term to the entry's
   * positive columns, so its compensation adds them to the negative ones (and the other way round
   * for a retraction). The entry's end and the last-seen register stay. Columns only grow, so the
   * join stays the column-wise maximum; the result is the join of the copies exactly when the
   * compensated records of an entry at any region are a subset of those at the region holding its
   * longest prefix (a store compensates only records of its own kept log entries, see the store's
   * cut of LOCAL session records). A log entry folded into the base entry ({@link #fold}) is
   * compensated in the base entry. Count and weight sum go back exactly; the score up to the
   * rounding of the two decayed terms.
   *
   * @param replica the stream's replica id ({@link ReplicaIds#log} or {@link ReplicaIds#local})
   * @param weight the compensated signal's weight; finite
   * @param eventTimeMillis the compensated signal's event time, >= 0
   * @param decay the signal type's decay model; the same as this state's
   * @return true if compensated, false if this state holds no entry of {@code replica} (nothing
   *     changed)
   * @throws InvalidArgumentException if an argument is out of range or the decay model's half-life
   *     differs from this state's; the state is then unchanged
   * @since 2.4.0
   */
  public boolean compensate(long replica, double weight, long eventTimeMillis, DecayModel decay) {
    if (!Double.isFinite(weight)) {
      throw new InvalidArgumentException("weight", weight, "must be finite");
    }
    if (eventTimeMillis < 0) {
      throw new InvalidArgumentException("eventTimeMillis", eventTimeMillis, "must be >= 0");
    }
    if (!ReplicaIds.isValid(replica) || ReplicaIds.isBase(replica)) {
      throw new InvalidArgumentException(
          "replica", Long.toHexString(replica), "must be a log or local replica id");
    }
    int i = ReplicaEntries.find(entries, STRIDE, replica);
    if (i < 0 && ReplicaIds.isLog(replica) && replica <= ClosedEntries.cutOff(entries)) {
      i = ClosedEntries.baseIndex(entries);
    }
    if (i < 0) {
      return false;
    }
    if (decay.halfLifeMillis() != halfLifeMillis) {
      throw halfLifeMismatch(decay.halfLifeMillis());
    }
    long signalLandmark = decay.landmarkFor(eventTimeMillis);
    if (signalLandmark > landmark) {
      rebase(signalLandmark);
    }
    int e = i * STRIDE + (weight < 0 ? 0 : NEG_COUNT - POS_COUNT);
    double abs = Math.abs(weight);
    entries[e + POS_COUNT]++;
    entries[e + POS_SUM] = add(entries[e + POS_SUM], abs);
    entries[e + POS_DECAY] =
        add(entries[e + POS_DECAY], decay.contribution(abs, eventTimeMillis, landmark));
    return true;
  }

  /**
   * Returns an independent copy.
   *
   * @return the copy
   */
  public CrdtSignalState copy() {
    CrdtSignalState copy = new CrdtSignalState();
    copy.copyFrom(this);
    return copy;
  }

  private void copyFrom(CrdtSignalState other) {
    entries = other.entries.length == 0 ? ReplicaEntries.EMPTY : other.entries.clone();
    halfLifeMillis = other.halfLifeMillis;
    landmark = other.landmark;
    lastSeenHlc = other.lastSeenHlc;
    lastSeenReplica = other.lastSeenReplica;
    lastSeenEventTime = other.lastSeenEventTime;
  }

  private void rebase(long newLandmark) {
    long exponent = DecayModel.exponentBetween(halfLifeMillis, landmark, newLandmark);
    ReplicaEntries.scale(entries, STRIDE, POS_DECAY, exponent);
    landmark = newLandmark;
  }

  private static long add(long bits, double value) {
    return Double.doubleToRawLongBits(Double.longBitsToDouble(bits) + value);
  }

  private InvalidArgumentException halfLifeMismatch(long otherHalfLife) {
    return new InvalidArgumentException(
        "decay half-life",
        otherHalfLife,
        "must equal the half-life " + halfLifeMillis + " ms this state's sums are kept under");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CrdtSignalState other
        && other.halfLifeMillis == halfLifeMillis
        && other.landmark == landmark
        && other.lastSeenHlc == lastSeenHlc
        && other.lastSeenReplica == lastSeenReplica
        && other.lastSeenEventTime == lastSeenEventTime
        && Arrays.equals(other.entries, entries);
  }

  @Override
  public int hashCode() {
    int h = Arrays.hashCode(entries);
    h = h * 31 + Long.hashCode(halfLifeMillis);
    h = h * 31 + Long.hashCode(landmark);
    h = h * 31 + Long.hashCode(lastSeenHlc);
    h = h * 31 + Long.hashCode(lastSeenReplica);
    return h * 31 + Long.hashCode(lastSeenEventTime);
  }

  @Override
  public String toString() {
    if (isEmpty()) {
      return "CrdtSignalState[empty]";
    }
    StringBuilder sb =
        new StringBuilder("CrdtSignalState[halfLife=")
            .append(halfLifeMillis)
            .append("ms, landmark=")
            .append(landmark)
            .append(", lastSeen=")
            .append(lastSeenEventTime)
            .append(" @")
            .append(lastSeenHlc)
            .append(" by ")
            .append(ReplicaIds.toString(lastSeenReplica));
    for (int e = 0; e < entries.length; e += STRIDE) {
      sb.append(", ")
          .append(ReplicaIds.toString(entries[e]))
          .append("{<")
          .append(entries[e + END])
          .append(" +")
          .append(entries[e + POS_COUNT])
          .append('/')
          .append(Double.longBitsToDouble(entries[e + POS_SUM]))
          .append('/')
          .append(Double.longBitsToDouble(entries[e + POS_DECAY]))
          .append(" -")
          .append(entries[e + NEG_COUNT])
          .append('/')
          .append(Double.longBitsToDouble(entries[e + NEG_SUM]))
          .append('/')
          .append(Double.longBitsToDouble(entries[e + NEG_DECAY]))
          .append('}');
    }
    return sb.append(']').toString();
  }

  /**
   * Returns a 64-bit hash of exactly the fields the canonical encoding holds (the entries, the
   * half-life, the landmark and the last-seen HLC, replica and event time), computed alike in every
   * JVM: equal states have equal hashes, and two regions compare states by it without encoding
   * them. Allocation-free, and cheap enough for the commit thread to call twice per signal: each
   * field is multiplied by its own odd constant (independent multiplications, one addition chain)
   * and the sum finalised with MurmurHash3's fmix64; a change of any one field always changes the
   * sum.
   *
   * @return the hash
   * @since 2.0.0
   */
  public long contentHash() {
    long h =
        entries.length * 0x9E3779B97F4A7C15L
            + halfLifeMillis * 0xC2B2AE3D27D4EB4FL
            + landmark * 0x165667B19E3779F9L
            + lastSeenHlc * 0x85EBCA77C2B2AE63L
            + lastSeenEventTime * 0x27D4EB2F165667C5L
            + lastSeenReplica * 0xFF51AFD7ED558CCDL;
    long k = 0x94D049BB133111EBL; // odd; stays odd (the step is even)
    for (long v : entries) {
      h += v * k;
      k += 0x9E3779B97F4A7C16L;
    }
    return ClosedEntries.fmix(h);
  }
}
