package io.tidaldb.store;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.tenancy.TenantQuotas;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tenant registry's last view this store took (its active tenants and their quotas), kept in
 * {@code <store directory>/registry-tenants} so that a restarted store admits them at once instead
 * of refusing them as unknown until the tenancy component binds again. A cache, not a source of
 * truth: the registry's next view replaces it, a tenant deleted meanwhile is purged then (the purge
 * drops what was accepted for it), and a file that cannot be read is logged and read as empty (the
 * tenants are then refused until the registry binds, as without the file).
 *
 * <pre>
 *  0               4               8
 * +---------------+---------------+------------------------------------------------+-------------+
 * | magic 'TREG'  | count (u32)   | count x (u8 length, ASCII name, 3 x i64 quotas) | crc32c (u32)|
 * +---------------+---------------+------------------------------------------------+-------------+
 * </pre>
 *
 * Quotas in {@link TenantQuotas} order: signals per second, entities, bytes (0: unlimited).
 */
final class RegistryTenants {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryTenants.class);
  static final String NAME = "registry-tenants";
  static final int MAGIC = 0x54524547;

  private RegistryTenants() {}

  /**
   * Reads the last view: tenant name → quotas; empty if there is none or it cannot be read
   * (logged).
   */
  static Map<String, TenantQuotas> load(Path directory) {
    Path file = directory.resolve(NAME);
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Map.of();
    } catch (IOException e) {
      LOG.warn(
          "cannot read {} ({}); registry tenants are refused until the registry binds", file, e);
      return Map.of();
    }
    try {
      ByteBuffer b = CheckedFile.body(bytes, MAGIC);
      int count = b.getInt();
      Map<String, TenantQuotas> tenants = new TreeMap<>();
      for (int i = 0; i < count; i++) {
        byte[] name = new byte[b.get() & 0xFF];
        b.get(name);
        tenants.put(
            TenantId.of(new String(name, StandardCharsets.US_ASCII)).name(),
            new TenantQuotas(b.getLong(), b.getLong(), b.getLong()));
      }
      if (b.hasRemaining()) {
        throw new StorageException(b.remaining() + " bytes after " + count + " tenants");
      }
      return Map.copyOf(tenants);
    } catch (StorageException | InvalidArgumentException | java.nio.BufferUnderflowException e) {
      LOG.warn(
          "{} is corrupt ({}); read as empty: registry tenants are refused until the registry"
              + " binds",
          file,
          e.getMessage());
      return Map.of();
    }
  }

  /** Writes the view crash-safely. */
  static void save(Path directory, Map<String, TenantQuotas> tenants) {
    int size = 4;
    for (String n : tenants.keySet()) {
      size += 1 + n.length() + 3 * Long.BYTES;
    }
    ByteBuffer b = CheckedFile.allocate(MAGIC, size).putInt(tenants.size());
    for (Map.Entry<String, TenantQuotas> e : new TreeMap<>(tenants).entrySet()) {
      byte[] bytes = e.getKey().getBytes(StandardCharsets.US_ASCII);
      TenantQuotas q = e.getValue();
      b.put((byte) bytes.length)
          .put(bytes)
          .putLong(q.signalsPerSecond())
          .putLong(q.maxEntities())
          .putLong(q.maxBytes());
    }
    CheckedFile.write(directory.resolve(NAME), b);
  }
}
