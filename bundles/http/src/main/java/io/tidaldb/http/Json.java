package io.tidaldb.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The one Jackson factory of the bundle (strict: duplicate keys refused) and a body writer. */
final class Json {
  /** Thread-safe; parsers refuse duplicate keys and non-numeric numbers (NaN, Infinity). */
  static final JsonFactory FACTORY =
      JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  /** Writes one JSON value. */
  @FunctionalInterface
  interface Body {
    /**
     * Writes the value.
     *
     * @param g the generator
     * @throws IOException never for the in-memory buffer
     */
    void write(JsonGenerator g) throws IOException;
  }

  private Json() {}

  /**
   * Renders a body.
   *
   * @param body what to write
   * @return the UTF-8 bytes
   */
  static byte[] render(Body body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      body.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * Opens a parser over a body.
   *
   * @param body the bytes
   * @return the parser
   * @throws IOException never for a byte array
   */
  static JsonParser parser(byte[] body) throws IOException {
    return FACTORY.createParser(body);
  }
}
