package io.tidaldb.transport.tcp;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.tidaldb.api.RegionId;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * TLS stores for tests: the committed ones made by {@code bin/make-certs} (src/test/resources/tls,
 * valid until 2126), and bad ones made in-process with Netty's {@code netty-pkitesting}.
 */
final class TlsFixtures {
  /** The committed stores. */
  static final Path STORES = Path.of("src/test/resources/tls");

  /** The password of every store, committed or made here. */
  static final String PASSWORD = "changeit";

  private TlsFixtures() {}

  /** The committed settings of region 0, 1 or 2 (signed by the committed CA). */
  static TlsSettings committed(int region) {
    return new TlsSettings(
        STORES.resolve("region-" + region + ".p12"),
        PASSWORD,
        STORES.resolve("truststore.p12"),
        PASSWORD,
        TlsSettings.DEFAULT_HANDSHAKE_TIMEOUT_MS);
  }

  /** The committed contexts of a region. */
  static TlsContexts contexts(RegionId region) {
    return TlsContexts.load(committed(region.value()), region);
  }

  /** A certificate authority made in-process. */
  static X509Bundle newCa(String name) {
    try {
      return new CertificateBuilder()
          .subject("CN=" + name)
          .ecp256()
          .setIsCertificateAuthority(true)
          .setKeyUsage(
              true, CertificateBuilder.KeyUsage.keyCertSign, CertificateBuilder.KeyUsage.cRLSign)
          .buildSelfSigned();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A region certificate made in-process.
   *
   * @param issuer the CA that signs it
   * @param sanUri its SAN URI ({@code tidal://region/n}), or null for none
   * @param notBefore start of validity
   * @param notAfter end of validity
   */
  static X509Bundle regionCert(
      X509Bundle issuer, String sanUri, Instant notBefore, Instant notAfter) {
    try {
      CertificateBuilder b =
          new CertificateBuilder()
              .subject("CN=test-region, O=TidalDB")
              .ecp256()
              .notBefore(notBefore)
              .notAfter(notAfter)
              .addSanDnsName("localhost")
              .addExtendedKeyUsageServerAuth()
              .addExtendedKeyUsageClientAuth()
              .setKeyUsage(true, CertificateBuilder.KeyUsage.digitalSignature);
      if (sanUri != null) {
        b.addSanUriName(sanUri);
      }
      return b.buildIssuedBy(issuer);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A valid region certificate (a day ago to a year on). */
  static X509Bundle regionCert(X509Bundle issuer, String sanUri) {
    Instant now = Instant.now();
    return regionCert(
        issuer, sanUri, now.minus(1, ChronoUnit.DAYS), now.plus(365, ChronoUnit.DAYS));
  }

  /** An expired region certificate (valid for a day, ten days ago). */
  static X509Bundle expiredCert(X509Bundle issuer, int region) {
    Instant now = Instant.now();
    return regionCert(
        issuer,
        RegionIdentity.PREFIX + region,
        now.minus(10, ChronoUnit.DAYS),
        now.minus(9, ChronoUnit.DAYS));
  }

  /** Writes a PKCS12 key store holding the bundle's key and chain, as make-certs does. */
  static Path keyStore(Path dir, String name, X509Bundle cert) {
    try {
      KeyStore ks = cert.toKeyStore(PASSWORD.toCharArray());
      return write(dir.resolve(name + ".p12"), ks);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes a PKCS12 trust store holding the given certificates. */
  static Path trustStore(Path dir, String name, X509Certificate... cas) {
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      for (int i = 0; i < cas.length; i++) {
        ks.setCertificateEntry("ca-" + i, cas[i]);
      }
      return write(dir.resolve(name + ".p12"), ks);
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Settings of a key store and trust store with the default handshake timeout. */
  static TlsSettings settings(Path keyStore, Path trustStore) {
    return new TlsSettings(
        keyStore, PASSWORD, trustStore, PASSWORD, TlsSettings.DEFAULT_HANDSHAKE_TIMEOUT_MS);
  }

  private static Path write(Path file, KeyStore ks) {
    try (OutputStream out = Files.newOutputStream(file)) {
      ks.store(out, PASSWORD.toCharArray());
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
