package io.tidaldb.shell;

import io.tidaldb.api.Durability;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.TidalException;

/**
 * The parsed arguments of {@code tidal:signal}: four positional values, then options, each {@code
 * --name value}, in any order after or between them. A negative weight ({@code -1.5}) is a value,
 * not an option: options start with two dashes.
 *
 * @param tenant the tenant's name, as typed
 * @param type the signal type's name, as typed
 * @param entity the entity id
 * @param weight the weight
 * @param at the event time in ms ({@code --at}), or null for now
 * @param session the session id ({@code --session <hex>}), or null
 * @param newSession true for {@code --session new}
 * @param seq the seq ({@code --seq}), or null
 * @param ackedBelow {@code --acked-below}, or null for the seq
 * @param durability {@code --durability local|quorum|all} (any case), {@link Durability#LOCAL} when
 *     not given
 */
record SignalArgs(
    String tenant,
    String type,
    long entity,
    double weight,
    Long at,
    Long session,
    boolean newSession,
    Long seq,
    Long ackedBelow,
    Durability durability) {

  /**
   * A malformed command line: the answer is the message (if any) and the usage line.
   *
   * <p>Its message is the whole error text, not the {@code invalid <argument>: ...} form.
   */
  static final class UsageError extends TidalException {
    private static final long serialVersionUID = 1L;

    UsageError(String message) {
      super(message);
    }
  }

  /**
   * Parses the arguments; changes nothing.
   *
   * @param args the words after {@code tidal:signal}
   * @return the arguments
   * @throws UsageError for a wrong count, an unknown, repeated or value-less option, or a missing
   *     companion option (an empty message for a wrong count: the usage line alone)
   * @throws InvalidArgumentException naming the value: a value of the wrong type (a {@code
   *     TidalCommands.WrongArgumentType}, answered with the usage line), a session id of 0, a seq
   *     below 1, an acked-below outside 1 to the seq
   */
  static SignalArgs parse(String... args) {
    String[] positional = new String[4];
    int count = 0;
    String at = null;
    String session = null;
    String seq = null;
    String ackedBelow = null;
    String durability = null;
    for (int i = 0; i < args.length; i++) {
      String word = args[i];
      if (!word.startsWith("--")) {
        if (count == positional.length) {
          throw new UsageError("");
        }
        positional[count++] = word;
        continue;
      }
      if (i + 1 == args.length) {
        throw new UsageError("option " + word + " needs a value");
      }
      String value = args[++i];
      switch (word) {
        case "--at" -> at = once(word, at, value);
        case "--session" -> session = once(word, session, value);
        case "--seq" -> seq = once(word, seq, value);
        case "--acked-below" -> ackedBelow = once(word, ackedBelow, value);
        case "--durability" -> durability = once(word, durability, value);
        default -> throw new UsageError("unknown option '" + word + "'");
      }
    }
    if (count != positional.length) {
      throw new UsageError("");
    }
    if (session == null && (seq != null || ackedBelow != null)) {
      throw new UsageError("--seq and --acked-below belong to a session write: add --session");
    }
    boolean newSession = "new".equals(session);
    if (session != null && !newSession && seq == null) {
      throw new UsageError(
          "--session " + session + " needs --seq <n> (the write's seq in the session, from 1)");
    }
    long entity = TidalCommands.parseEntity(positional[2]);
    double weight = TidalCommands.parseWeight(positional[3]);
    Long atMillis = at == null ? null : parseLong("at", at, "must be a time in ms since the epoch");
    Long id = session == null || newSession ? null : parseSessionId(session);
    Long seqValue = seq == null ? null : parseLong("seq", seq, "must be a whole number");
    Long below =
        ackedBelow == null ? null : parseLong("acked-below", ackedBelow, "must be a whole number");
    long effectiveSeq = seqValue == null ? 1 : seqValue;
    if (effectiveSeq < 1) {
      throw new InvalidArgumentException("seq", effectiveSeq, "must be at least 1");
    }
    if (below != null && (below < 1 || below > effectiveSeq)) {
      throw new InvalidArgumentException(
          "acked-below", below, "must be from 1 to the seq " + effectiveSeq);
    }
    return new SignalArgs(
        positional[0],
        positional[1],
        entity,
        weight,
        atMillis,
        id,
        newSession,
        seqValue,
        below,
        durability == null ? Durability.LOCAL : parseDurability(durability));
  }

  /** True if the write belongs to a session ({@code --session}). */
  boolean isSessionWrite() {
    return session != null || newSession;
  }

  private static String once(String option, String previous, String value) {
    if (previous != null) {
      throw new UsageError(
          "option " + option + " given twice ('" + previous + "', '" + value + "')");
    }
    return value;
  }

  private static Durability parseDurability(String text) {
    for (Durability d : Durability.values()) {
      if (d.name().equalsIgnoreCase(text)) {
        return d;
      }
    }
    throw new TidalCommands.WrongArgumentType("durability", text, "must be local, quorum or all");
  }

  private static long parseSessionId(String text) {
    if (text.isEmpty() || text.length() > 16 || !text.chars().allMatch(SignalArgs::isHexDigit)) {
      throw new TidalCommands.WrongArgumentType(
          "session", text, "must be a session id of 1 to 16 hex digits, or new");
    }
    long id = Long.parseUnsignedLong(text, 16);
    if (id == 0) {
      throw new InvalidArgumentException("session", text, "must not be 0 (0 means no session)");
    }
    return id;
  }

  private static boolean isHexDigit(int c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  private static long parseLong(String argument, String text, String rule) {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new TidalCommands.WrongArgumentType(argument, text, rule);
    }
  }
}
