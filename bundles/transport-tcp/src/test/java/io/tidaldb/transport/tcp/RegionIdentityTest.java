package io.tidaldb.transport.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.tidaldb.api.RegionId;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The region a certificate names: exactly one {@code tidal://region/<n>} SAN URI. */
class RegionIdentityTest {
  private static X509Bundle ca;

  @BeforeAll
  static void makeCa() {
    ca = TlsFixtures.newCa("identity test CA");
  }

  @Test
  void shouldReadTheRegionFromTheSanUri() {
    assertEquals(RegionId.of(7), RegionIdentity.of(cert("tidal://region/7")));
    assertEquals(RegionId.of(0), RegionIdentity.of(cert("tidal://region/0")));
    assertEquals(RegionId.of(65535), RegionIdentity.of(cert("tidal://region/65535")));
  }

  @Test
  void shouldRefuseCertificatesWithoutOneValidRegion() {
    refuses(cert(), "no tidal://region/");
    refuses(cert("tidal://region/007"), "leading zeros");
    refuses(cert("tidal://region/65536"), "above 65535");
    refuses(cert("tidal://region/x"), "tidal://region/x");
    refuses(cert("tidal://region/"), "tidal://region/");
    refuses(cert("tidal://region/1", "tidal://region/2"), "two regions");
  }

  private static void refuses(java.security.cert.X509Certificate c, String mentions) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> RegionIdentity.of(c));
    assertTrue(e.getMessage().contains(mentions), e.getMessage());
  }

  private static java.security.cert.X509Certificate cert(String... uris) {
    try {
      CertificateBuilder b =
          new CertificateBuilder().subject("CN=region-1").ecp256().addSanDnsName("localhost");
      for (String uri : uris) {
        if (uri != null) {
          b.addSanUriName(uri);
        }
      }
      return b.buildIssuedBy(ca).getCertificate();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
