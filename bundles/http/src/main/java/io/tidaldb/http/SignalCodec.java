package io.tidaldb.http;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Parses the body of {@code POST /v1/tenants/{t}/signals}: one JSON object, or NDJSON (one object
 * per line) when the content type is {@code application/x-ndjson}. An object has the fields {@code
 * type} (string), {@code entity} (integer, or its decimal digits as a string), {@code weight}
 * (number), optional {@code time} (ms since the epoch; default now) and optional {@code session}
 * (hex string), {@code seq} and {@code ackedBelow} (integers; {@code ackedBelow} defaults to 1). A
 * session write (or an item of a session batch) needs its {@code time}. Anything else (malformed
 * JSON, another type, an unknown or repeated field, a value out of range) is refused whole with a
 * {@link ApiException} (400) naming the item, the field and the value; nothing is parsed lazily, so
 * a refusal comes before anything is stored. Stateless; thread-safe.
 */
public final class SignalCodec {
  /** The content type of an NDJSON batch. */
  public static final String NDJSON = "application/x-ndjson";

  private static final int MAX_VALUE_CHARS = 64;

  private final LongSupplier clock;

  /**
   * Creates the codec.
   *
   * @param clock the time a signal without {@code time} gets, ms since the epoch
   */
  public SignalCodec(LongSupplier clock) {
    this.clock = clock;
  }

  /**
   * Parses a body.
   *
   * @param tenant the tenant of every signal
   * @param contentType the request's content type, or null (a single JSON object)
   * @param body the body
   * @return the signals, at least one, in body order
   * @throws ApiException (400) naming the item, field and value of the first problem
   */
  public List<SignalInput> parse(TenantId tenant, String contentType, byte[] body) {
    return parse(tenant, contentType, body, false);
  }

  /**
   * Parses a body whose items are the signals of one session batch (sent under the session headers)
   * if {@code sessionBatch}: then every item must carry its {@code time}, as a session write's item
   * always must (a retry must send the same payload, and the event time is part of it: an item
   * without one would get each attempt's arrival time, a different payload, refused).
   *
   * @param tenant the tenant of every signal
   * @param contentType the request's content type, or null (a single JSON object)
   * @param body the body
   * @param sessionBatch whether the items are one session batch's
   * @return the signals, at least one, in body order
   * @throws ApiException (400) naming the item, field and value of the first problem
   */
  public List<SignalInput> parse(
      TenantId tenant, String contentType, byte[] body, boolean sessionBatch) {
    boolean ndjson = contentType != null && contentType.toLowerCase().startsWith(NDJSON);
    List<SignalInput> out = new ArrayList<>(ndjson ? Math.max(16, body.length / 64) : 1);
    Map<String, SignalType> types = new HashMap<>();
    long now = clock.getAsLong();
    try (JsonParser p = Json.parser(body)) {
      JsonToken t = p.nextToken();
      while (t != null) {
        int item = out.size();
        if (t != JsonToken.START_OBJECT) {
          throw bad(item, p, "malformed_json", "expected a JSON object, got " + describe(p, t));
        }
        out.add(readObject(p, item, tenant, types, now, sessionBatch));
        t = p.nextToken();
        if (!ndjson && t != null) {
          throw bad(
              item,
              p,
              "malformed_json",
              "content after the signal object ("
                  + describe(p, t)
                  + "); send a batch as "
                  + NDJSON);
        }
      }
    } catch (StreamConstraintsException e) {
      throw ApiException.badRequest(
          "malformed_json", "item " + out.size() + ": " + e.getOriginalMessage());
    } catch (JsonParseException e) {
      throw ApiException.badRequest(
          "malformed_json",
          "item "
              + out.size()
              + " (line "
              + e.getLocation().getLineNr()
              + ", column "
              + e.getLocation().getColumnNr()
              + "): malformed JSON: "
              + e.getOriginalMessage());
    } catch (IOException e) {
      throw ApiException.badRequest(
          "malformed_json", "item " + out.size() + ": unreadable body: " + e.getMessage());
    }
    if (out.isEmpty()) {
      throw ApiException.badRequest("empty_body", "the body holds no signal");
    }
    return out;
  }

  private SignalInput readObject(
      JsonParser p,
      int item,
      TenantId tenant,
      Map<String, SignalType> types,
      long now,
      boolean sessionBatch)
      throws IOException {
    String type = null;
    Long entity = null;
    Double weight = null;
    Long time = null;
    Long session = null;
    Long seq = null;
    Long ackedBelow = null;
    for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
      String field = p.currentName();
      JsonToken v = p.nextToken();
      switch (field) {
        case "type" -> type = text(p, v, item, field);
        case "entity" -> entity = entity(p, v, item);
        case "weight" -> weight = number(p, v, item, field);
        case "time" -> time = integer(p, v, item, field);
        case "session" -> session = session(p, v, item);
        case "seq" -> seq = integer(p, v, item, field);
        case "ackedBelow" -> ackedBelow = integer(p, v, item, field);
        default -> {
          p.skipChildren();
          throw bad(
              item,
              p,
              "unknown_field",
              "unknown field '"
                  + clip(field)
                  + "' (fields: type, entity, weight, time, session, seq, ackedBelow)");
        }
      }
    }
    require(item, p, "type", type);
    require(item, p, "entity", entity);
    require(item, p, "weight", weight);
    if (time == null && (session != null || sessionBatch)) {
      throw bad(
          item,
          p,
          "missing_field",
          "missing field 'time': a session write's retry must send the same payload, event time"
              + " included (without it each attempt would get its arrival time)");
    }
    try {
      SignalType signalType = types.get(type);
      if (signalType == null) {
        signalType = SignalType.of(type);
        types.put(type, signalType);
      }
      Signal signal =
          new Signal(
              tenant,
              signalType,
              EntityId.of(entity),
              weight,
              Timestamp.ofMillis(time == null ? now : time));
      return new SignalInput(signal, sessionOf(item, p, session, seq, ackedBelow));
    } catch (InvalidArgumentException e) {
      throw bad(item, p, "invalid_argument", e.getMessage());
    }
  }

  private static SessionSeq sessionOf(
      int item, JsonParser p, Long session, Long seq, Long ackedBelow) {
    if (session == null) {
      if (seq != null || ackedBelow != null) {
        throw bad(item, p, "invalid_argument", "seq and ackedBelow need a session");
      }
      return null;
    }
    if (seq == null) {
      throw bad(item, p, "invalid_argument", "a session write needs a seq");
    }
    return new SessionSeq(session, seq, ackedBelow == null ? 1 : ackedBelow);
  }

  private static void require(int item, JsonParser p, String field, Object value) {
    if (value == null) {
      throw bad(item, p, "missing_field", "missing field '" + field + "'");
    }
  }

  private static String text(JsonParser p, JsonToken v, int item, String field) throws IOException {
    if (v != JsonToken.VALUE_STRING) {
      throw wrongType(p, v, item, field, "a string");
    }
    return p.getText();
  }

  private static long entity(JsonParser p, JsonToken v, int item) throws IOException {
    if (v == JsonToken.VALUE_STRING) {
      String s = p.getText();
      try {
        return Long.parseLong(s);
      } catch (NumberFormatException e) {
        throw bad(
            item,
            p,
            "invalid_argument",
            "field 'entity' must be a 64-bit integer, got '" + clip(s) + "'");
      }
    }
    return integer(p, v, item, "entity");
  }

  private static long integer(JsonParser p, JsonToken v, int item, String field)
      throws IOException {
    if (v != JsonToken.VALUE_NUMBER_INT) {
      throw wrongType(p, v, item, field, "an integer");
    }
    if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
      throw bad(
          item,
          p,
          "invalid_argument",
          "field '" + field + "' is out of the 64-bit range: " + clip(p.getText()));
    }
    return p.getLongValue();
  }

  private static double number(JsonParser p, JsonToken v, int item, String field)
      throws IOException {
    if (v != JsonToken.VALUE_NUMBER_INT && v != JsonToken.VALUE_NUMBER_FLOAT) {
      throw wrongType(p, v, item, field, "a number");
    }
    double d = p.getDoubleValue();
    if (!Double.isFinite(d)) {
      throw bad(
          item,
          p,
          "invalid_argument",
          "invalid " + field + ": " + clip(p.getText()) + " (must be finite)");
    }
    return d;
  }

  private static long session(JsonParser p, JsonToken v, int item) throws IOException {
    String s = text(p, v, item, "session");
    if (s.isEmpty() || s.length() > 16) {
      throw bad(
          item,
          p,
          "invalid_argument",
          "field 'session' must be 1 to 16 hex digits, got '" + clip(s) + "'");
    }
    try {
      return Long.parseUnsignedLong(s, 16);
    } catch (NumberFormatException e) {
      throw bad(
          item,
          p,
          "invalid_argument",
          "field 'session' must be 1 to 16 hex digits, got '" + clip(s) + "'");
    }
  }

  private static ApiException wrongType(
      JsonParser p, JsonToken v, int item, String field, String expected) throws IOException {
    String got = describe(p, v);
    if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
      p.skipChildren();
    }
    return bad(item, p, "wrong_type", "field '" + field + "' must be " + expected + ", got " + got);
  }

  private static String describe(JsonParser p, JsonToken t) {
    try {
      return switch (t) {
        case START_OBJECT -> "an object";
        case START_ARRAY -> "an array";
        case VALUE_STRING -> "the string '" + clip(p.getText()) + "'";
        case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "the number " + clip(p.getText());
        case VALUE_TRUE, VALUE_FALSE -> "the boolean " + p.getText();
        case VALUE_NULL -> "null";
        default -> String.valueOf(t);
      };
    } catch (IOException e) {
      return String.valueOf(t);
    }
  }

  private static ApiException bad(int item, JsonParser p, String code, String message) {
    return ApiException.badRequest(
        code, "item " + item + " (line " + p.currentLocation().getLineNr() + "): " + message);
  }

  private static String clip(String s) {
    return s.length() <= MAX_VALUE_CHARS ? s : s.substring(0, MAX_VALUE_CHARS) + "...";
  }
}
