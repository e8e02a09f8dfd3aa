package io.tidaldb.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.shell.component.TidalCommandsComponent;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.felix.service.command.Descriptor;
import org.junit.jupiter.api.Test;

/**
 * Every {@code tidal:} command has Gogo help: a {@link Descriptor} on the method (what it does) and
 * on its parameter (the arguments and an example), which {@code help tidal:<name>} prints.
 */
class CommandHelpTest {
  @Test
  void shouldDescribeEveryCommandWithItsArgumentsAndAnExample() {
    // the DS annotation is not retained at run time: the commands are the public varargs methods
    Set<String> functions = new TreeSet<>();
    for (Method m : TidalCommandsComponent.class.getDeclaredMethods()) {
      if (Modifier.isPublic(m.getModifiers()) && m.isVarArgs()) {
        functions.add(m.getName());
      }
    }
    for (String name : functions) {
      List<Method> methods =
          Arrays.stream(TidalCommandsComponent.class.getMethods())
              .filter(m -> m.getName().equals(name))
              .toList();
      assertEquals(1, methods.size(), name);
      Method m = methods.get(0);
      Descriptor what = m.getAnnotation(Descriptor.class);
      assertNotNull(what, "tidal:" + name + " has no @Descriptor");
      for (Parameter p : m.getParameters()) {
        Descriptor args = p.getAnnotation(Descriptor.class);
        assertNotNull(args, "tidal:" + name + "'s parameter has no @Descriptor");
        assertTrue(
            args.value().contains("Example: tidal:" + name),
            "tidal:" + name + "'s help has no example: " + args.value());
      }
    }
  }
}
