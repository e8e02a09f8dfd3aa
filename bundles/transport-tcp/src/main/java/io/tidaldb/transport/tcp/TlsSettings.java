package io.tidaldb.transport.tcp;

import io.tidaldb.api.InvalidArgumentException;
import java.nio.file.Path;

/**
 * Where a transport's TLS key and trust stores are and how to open them: the configuration of
 * {@code tls.mode = mutual}. {@link TlsContexts#load} reads and checks them. Every refusal is an
 * {@link InvalidArgumentException} whose argument is the configuration key.
 *
 * @param keyStore the PKCS12 key store holding this region's key and certificate chain (key {@code
 *     tls.key.store})
 * @param keyStorePassword its password, also the key's (key {@code tls.key.store.password})
 * @param trustStore the PKCS12 trust store holding the CA certificates that sign regions'
 *     certificates (key {@code tls.trust.store})
 * @param trustStorePassword its password (key {@code tls.trust.store.password})
 * @param handshakeTimeoutMs how long a TLS handshake may take, 1 ms or more (key {@code
 *     handshake.timeout.ms})
 */
public record TlsSettings(
    Path keyStore,
    String keyStorePassword,
    Path trustStore,
    String trustStorePassword,
    long handshakeTimeoutMs) {

  /** Configuration key of the key store. */
  public static final String KEY_STORE = "tls.key.store";

  /** Configuration key of the key store's password. */
  public static final String KEY_STORE_PASSWORD = "tls.key.store.password";

  /** Configuration key of the trust store. */
  public static final String TRUST_STORE = "tls.trust.store";

  /** Configuration key of the trust store's password. */
  public static final String TRUST_STORE_PASSWORD = "tls.trust.store.password";

  /** Configuration key of the handshake timeout. */
  public static final String HANDSHAKE_TIMEOUT = "handshake.timeout.ms";

  /** Default handshake timeout. */
  public static final long DEFAULT_HANDSHAKE_TIMEOUT_MS = 5_000;

  /** Validates the settings (not the files: {@link TlsContexts#load} reads those). */
  public TlsSettings {
    if (keyStore == null) {
      throw new InvalidArgumentException(
          KEY_STORE, null, "is required with tls.mode=mutual: this region's PKCS12 key store");
    }
    if (trustStore == null) {
      throw new InvalidArgumentException(
          TRUST_STORE, null, "is required with tls.mode=mutual: the PKCS12 store of the CA");
    }
    if (keyStorePassword == null) {
      throw new InvalidArgumentException(
          KEY_STORE_PASSWORD,
          null,
          "is required with tls.mode=mutual (the password of " + keyStore + ")");
    }
    if (trustStorePassword == null) {
      throw new InvalidArgumentException(
          TRUST_STORE_PASSWORD,
          null,
          "is required with tls.mode=mutual (the password of " + trustStore + ")");
    }
    if (handshakeTimeoutMs < 1) {
      throw new InvalidArgumentException(
          HANDSHAKE_TIMEOUT, handshakeTimeoutMs, "must be at least 1");
    }
  }

  @Override
  public String toString() {
    return "TlsSettings[keyStore="
        + keyStore
        + ", trustStore="
        + trustStore
        + ", handshakeTimeoutMs="
        + handshakeTimeoutMs
        + "]";
  }
}
