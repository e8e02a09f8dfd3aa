package io.tidaldb.shell;

import io.tidaldb.api.RegionId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The words of a command other than {@code tidal:signal}: positional values, an optional {@code
 * --region <r>} and flags without a value (such as {@code --json}), in any order.
 *
 * @param positional the words that are not options, in order
 * @param region the {@code --region} value, or null
 * @param flags the flags given
 */
record CommandLine(List<String> positional, RegionId region, Set<String> flags) {

  /**
   * Parses the words.
   *
   * @param args the words after the command
   * @param regionOption true if the command takes {@code --region <r>}
   * @param allowedFlags the flags the command takes
   * @return the parsed line
   * @throws SignalArgs.UsageError for an unknown, repeated or value-less option
   * @throws TidalCommands.WrongArgumentType for a region that is not a region id
   */
  static CommandLine parse(String[] args, boolean regionOption, Set<String> allowedFlags) {
    List<String> positional = new ArrayList<>();
    RegionId region = null;
    Set<String> flags = new HashSet<>();
    for (int i = 0; i < args.length; i++) {
      String word = args[i];
      if (!word.startsWith("--")) {
        positional.add(word);
      } else if (regionOption && word.equals("--region")) {
        if (region != null) {
          throw new SignalArgs.UsageError("option --region given twice");
        }
        if (i + 1 == args.length) {
          throw new SignalArgs.UsageError("option --region needs a value");
        }
        region = ConsoleRegion.parseRegion(args[++i]);
      } else if (allowedFlags.contains(word)) {
        if (!flags.add(word)) {
          throw new SignalArgs.UsageError("option " + word + " given twice");
        }
      } else {
        throw new SignalArgs.UsageError("unknown option '" + word + "'");
      }
    }
    return new CommandLine(List.copyOf(positional), region, Set.copyOf(flags));
  }

  /**
   * Returns the positional values as an array.
   *
   * @return the values
   */
  String[] words() {
    return positional.toArray(String[]::new);
  }
}
