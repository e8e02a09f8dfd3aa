package io.tidaldb.transport.inprocess.component;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.LinkFaults;
import io.tidaldb.api.transport.LinkShaping;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.transport.inprocess.InProcessConfig;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The DS shell builds the engine from its configuration, delegates to it and closes it. */
class InProcessTransportComponentTest {
  private static final RegionId R1 = RegionId.of(1);
  private static final RegionId R2 = RegionId.of(2);

  @Test
  void shouldBuildTheEngineFromConfigurationAndCloseItOnDeactivate() throws InterruptedException {
    InProcessTransportComponent component =
        new InProcessTransportComponent(config(2048, 16, 1 << 20), Map.of());
    assertEquals(new InProcessConfig(2048, 16, 1 << 20), component.engine().config());
    assertEquals("inprocess", component.name());
    assertEquals(2048, component.maxFrameBytes());

    CountDownLatch received = new CountDownLatch(1);
    TransportEndpoint e1 = component.open(R1, (from, f) -> {});
    component.open(R2, (from, f) -> received.countDown());
    component.cut(R1, R2);
    assertFalse(component.connected(R1, R2));
    assertEquals(SendStatus.UNREACHABLE, e1.send(R2, ByteBuffer.allocate(8)));
    component.healAll();
    assertEquals(SendStatus.SENT, e1.send(R2, ByteBuffer.allocate(8)));
    assertTrue(received.await(5, TimeUnit.SECONDS));

    component.deactivate();
    assertEquals(SendStatus.CLOSED, e1.send(R2, ByteBuffer.allocate(8)));
  }

  @Test
  void shouldOpenEveryChannelOnTheEngine() throws InterruptedException {
    InProcessTransportComponent component =
        new InProcessTransportComponent(config(2048, 16, 1 << 20), Map.of());
    CountDownLatch received = new CountDownLatch(1);
    TransportEndpoint e1 = component.open(R1, Transport.RECONCILE_CHANNEL, (from, f) -> {});
    component.open(R2, Transport.RECONCILE_CHANNEL, (from, f) -> received.countDown());
    assertEquals(SendStatus.SENT, e1.send(R2, ByteBuffer.allocate(8)));
    assertTrue(received.await(5, TimeUnit.SECONDS));
    assertEquals(1, component.engine().metrics().delivered());
    component.deactivate();
  }

  @Test
  void shouldDescribeAServiceOfAllThreeInterfacesNamedInprocess() throws IOException {
    // bnd writes the DS descriptor into target/classes before the tests run
    Path descriptor =
        Path.of("target/classes/OSGI-INF/" + InProcessTransportComponent.class.getName() + ".xml");
    String xml = Files.readString(descriptor);
    assertTrue(xml.contains("<provide interface=\"" + Transport.class.getName() + "\"/>"), xml);
    assertTrue(xml.contains("<provide interface=\"" + LinkFaults.class.getName() + "\"/>"), xml);
    assertTrue(xml.contains("<provide interface=\"" + LinkShaping.class.getName() + "\"/>"), xml);
    assertTrue(
        xml.contains(
            "name=\"" + Transport.NAME_PROPERTY + "\" type=\"String\" value=\"inprocess\""),
        xml);
    assertTrue(xml.contains("configuration-pid=\"io.tidaldb.transport.inprocess\""), xml);
    assertTrue(xml.contains("deactivate=\"deactivate\""), xml);
  }

  @Test
  void shouldRefuseAnOutOfRangeValueNamingTheKey() {
    InvalidArgumentException e =
        assertThrows(
            InvalidArgumentException.class,
            () -> new InProcessTransportComponent(config(0, 16, 1024), Map.of()));
    assertEquals("maxFrameBytes", e.argument());
    e =
        assertThrows(
            InvalidArgumentException.class,
            () ->
                new InProcessTransportComponent(
                    config(4096, 16, 100), Map.of("queueBytes", "100")));
    assertEquals("queueBytes", e.argument());
    assertTrue(e.getMessage().contains("'100'"), e.getMessage());
  }

  @Test
  void shouldNameKeyAndRawValueWhenAValueCannotBeConverted() {
    // SCR's configuration proxy throws when a method's value cannot be converted
    InProcessTransportComponent.Config valid = config(2048, 16, 1 << 20);
    InProcessTransportComponent.Config unconvertible =
        (InProcessTransportComponent.Config)
            Proxy.newProxyInstance(
                InProcessTransportComponent.Config.class.getClassLoader(),
                new Class<?>[] {InProcessTransportComponent.Config.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("queueFrames")) {
                    throw new IllegalStateException(
                        new NumberFormatException("For input string: \"lots\""));
                  }
                  return method.invoke(valid, args);
                });
    InvalidArgumentException e =
        assertThrows(
            InvalidArgumentException.class,
            () -> new InProcessTransportComponent(unconvertible, Map.of("queueFrames", "lots")));
    assertEquals("queueFrames", e.argument());
    assertTrue(e.getMessage().contains("'lots'"), e.getMessage());
  }

  static InProcessTransportComponent.Config config(
      int maxFrameBytes, int queueFrames, long queueBytes) {
    return new InProcessTransportComponent.Config() {
      @Override
      public Class<? extends Annotation> annotationType() {
        return InProcessTransportComponent.Config.class;
      }

      @Override
      public int maxFrameBytes() {
        return maxFrameBytes;
      }

      @Override
      public int queueFrames() {
        return queueFrames;
      }

      @Override
      public long queueBytes() {
        return queueBytes;
      }
    };
  }
}
