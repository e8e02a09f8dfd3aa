package io.tidaldb.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void shouldWriteNestedValuesWithCommasAndEscapes() {
    String json =
        new Json()
            .beginObject()
            .name("a")
            .value("q\"b\\n\n\u0001")
            .name("n")
            .value(3)
            .name("x")
            .value(Double.NaN)
            .name("list")
            .beginArray()
            .beginObject()
            .name("k")
            .value(true)
            .endObject()
            .beginObject()
            .endObject()
            .value((String) null)
            .endArray()
            .name("d")
            .value(1.5)
            .endObject()
            .toString();
    assertEquals(
        "{\"a\":\"q\\\"b\\\\n\\n\\u0001\",\"n\":3,\"x\":null,\"list\":[{\"k\":true},{},null],"
            + "\"d\":1.5}",
        json);
  }
}
