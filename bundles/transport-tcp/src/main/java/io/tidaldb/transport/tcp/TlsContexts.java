package io.tidaldb.transport.tcp;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS side of a transport in {@code tls.mode = mutual}: TLS 1.3 only, Netty's JDK provider (no
 * tcnative), both ends present a certificate ({@link ClientAuth#REQUIRE}), the chain checked by the
 * JDK's PKIX trust manager against the trust store, no host name check (the region in the
 * certificate's {@code tidal://region/<n>} URI is checked instead, see {@link RegionIdentity}).
 *
 * <p>{@link #load} reads and checks the stores once, at start: a missing file, a wrong password, a
 * key store without exactly one key, a trust store without a certificate, or an own certificate
 * without the configured region is refused naming the configuration key, the file and what is
 * wrong. Immutable and thread-safe; the stores are read again only when the transport restarts.
 */
public final class TlsContexts {
  /** The one protocol spoken. */
  static final String PROTOCOL = "TLSv1.3";

  private final SslContext server;
  private final SslContext client;
  private final long handshakeTimeoutMs;
  private final RegionId region;

  private TlsContexts(
      SslContext server, SslContext client, long handshakeTimeoutMs, RegionId region) {
    this.server = server;
    this.client = client;
    this.handshakeTimeoutMs = handshakeTimeoutMs;
    this.region = region;
  }

  /**
   * Reads the stores and builds the contexts, checking that the key store's certificate names the
   * given region.
   *
   * @param settings where the stores are
   * @param region the region this transport speaks for
   * @return the contexts
   * @throws InvalidArgumentException naming the key, the file and what is wrong
   */
  public static TlsContexts load(TlsSettings settings, RegionId region) {
    return load(settings, region, true);
  }

  /**
   * Reads the stores and builds the contexts; for tests, the region check can be skipped so that a
   * transport presents another region's certificate.
   */
  static TlsContexts load(TlsSettings settings, RegionId region, boolean checkRegion) {
    KeyStore keys =
        open(
            TlsSettings.KEY_STORE,
            settings.keyStore(),
            TlsSettings.KEY_STORE_PASSWORD,
            settings.keyStorePassword());
    RegionId own = checkKeys(settings.keyStore(), keys, region, checkRegion);
    KeyStore trust =
        open(
            TlsSettings.TRUST_STORE,
            settings.trustStore(),
            TlsSettings.TRUST_STORE_PASSWORD,
            settings.trustStorePassword());
    checkTrust(settings.trustStore(), trust);
    try {
      KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
      kmf.init(keys, settings.keyStorePassword().toCharArray());
      TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
      tmf.init(trust);
      SslContext server =
          SslContextBuilder.forServer(kmf)
              .sslProvider(SslProvider.JDK)
              .protocols(PROTOCOL)
              .trustManager(tmf)
              .clientAuth(ClientAuth.REQUIRE)
              .build();
      SslContext client =
          SslContextBuilder.forClient()
              .sslProvider(SslProvider.JDK)
              .protocols(PROTOCOL)
              .keyManager(kmf)
              .trustManager(tmf)
              .endpointIdentificationAlgorithm(null)
              .build();
      return new TlsContexts(server, client, settings.handshakeTimeoutMs(), own);
    } catch (UnrecoverableKeyException e) {
      throw new InvalidArgumentException(
          TlsSettings.KEY_STORE,
          settings.keyStore().toString(),
          "the key in "
              + settings.keyStore()
              + " cannot be read with "
              + TlsSettings.KEY_STORE_PASSWORD
              + " (the key's password must be the store's): "
              + e.getMessage());
    } catch (GeneralSecurityException | SSLException e) {
      throw new InvalidArgumentException(
          TlsSettings.KEY_STORE,
          settings.keyStore().toString(),
          "TLS 1.3 cannot be set up with "
              + settings.keyStore()
              + " and "
              + settings.trustStore()
              + ": "
              + e);
    }
  }

  private static KeyStore open(String key, Path file, String passwordKey, String password) {
    if (!Files.isRegularFile(file)) {
      throw new InvalidArgumentException(
          key, file.toString(), "the file " + file.toAbsolutePath() + " does not exist");
    }
    try (InputStream in = Files.newInputStream(file)) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(in, password.toCharArray());
      return store;
    } catch (IOException e) {
      if (e.getCause() instanceof UnrecoverableKeyException) {
        throw new InvalidArgumentException(
            key, file.toString(), "wrong password (" + passwordKey + ") for " + file);
      }
      throw new InvalidArgumentException(
          key, file.toString(), file + " cannot be read as a PKCS12 store: " + e);
    } catch (GeneralSecurityException e) {
      throw new InvalidArgumentException(
          key, file.toString(), file + " cannot be read as a PKCS12 store: " + e);
    }
  }

  private static RegionId checkKeys(Path file, KeyStore keys, RegionId region, boolean check) {
    String key = TlsSettings.KEY_STORE;
    try {
      List<String> aliases = new ArrayList<>();
      for (String alias : Collections.list(keys.aliases())) {
        if (keys.isKeyEntry(alias)) {
          aliases.add(alias);
        }
      }
      if (aliases.isEmpty()) {
        throw new InvalidArgumentException(
            key,
            file.toString(),
            file
                + " holds no private key (only certificates: is it the trust store?); it must"
                + " hold this region's key and certificate");
      }
      if (aliases.size() > 1) {
        throw new InvalidArgumentException(
            key,
            file.toString(),
            file + " holds " + aliases.size() + " keys " + aliases + "; it must hold exactly one");
      }
      Certificate cert = keys.getCertificate(aliases.get(0));
      if (!(cert instanceof X509Certificate x509)) {
        throw new InvalidArgumentException(
            key, file.toString(), file + ": the key '" + aliases.get(0) + "' has no X.509 chain");
      }
      RegionId named;
      try {
        named = RegionIdentity.of(x509);
      } catch (IllegalArgumentException e) {
        throw new InvalidArgumentException(
            key,
            file.toString(),
            "the certificate in " + file + " names no region: " + e.getMessage());
      }
      if (check && !named.equals(region)) {
        throw new InvalidArgumentException(
            key,
            file.toString(),
            "the certificate in "
                + file
                + " is for "
                + named
                + " ("
                + RegionIdentity.PREFIX
                + named.value()
                + "), but this transport is "
                + region);
      }
      return named;
    } catch (java.security.KeyStoreException e) {
      throw new InvalidArgumentException(key, file.toString(), file + ": " + e);
    }
  }

  private static void checkTrust(Path file, KeyStore trust) {
    try {
      for (String alias : Collections.list(trust.aliases())) {
        if (trust.isCertificateEntry(alias)) {
          return;
        }
      }
    } catch (java.security.KeyStoreException e) {
      throw new InvalidArgumentException(TlsSettings.TRUST_STORE, file.toString(), file + ": " + e);
    }
    throw new InvalidArgumentException(
        TlsSettings.TRUST_STORE,
        file.toString(),
        file + " holds no trusted certificate; it must hold the CA that signs the regions' ones");
  }

  /**
   * Returns a new TLS handler for one connection, with the handshake timeout set.
   *
   * @param alloc the connection's allocator
   * @param accepting true on the accepting (server) side
   * @return the handler, to go first in the pipeline
   */
  SslHandler newHandler(ByteBufAllocator alloc, boolean accepting) {
    SslHandler handler = (accepting ? server : client).newHandler(alloc);
    handler.setHandshakeTimeoutMillis(handshakeTimeoutMs);
    return handler;
  }

  /** Returns the region the own certificate names. */
  RegionId region() {
    return region;
  }

  /** Returns the handshake timeout. */
  long handshakeTimeoutMs() {
    return handshakeTimeoutMs;
  }

  @Override
  public String toString() {
    return "TLS 1.3 mutual (JDK provider, certificate of " + region + ")";
  }
}
