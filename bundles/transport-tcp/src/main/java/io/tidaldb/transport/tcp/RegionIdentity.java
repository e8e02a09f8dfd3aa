package io.tidaldb.transport.tcp;

import io.tidaldb.api.RegionId;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;

/**
 * A region's identity in its certificate: exactly one subject alternative name of type URI, {@code
 * tidal://region/<n>}, n a region id 0..65535 in decimal without leading zeros. The CN ({@code
 * region-<n>}) is for people and is not trusted. Pure functions.
 */
final class RegionIdentity {
  /** The prefix of the SAN URI that names a region. */
  static final String PREFIX = "tidal://region/";

  private static final int SAN_URI = 6;

  private RegionIdentity() {}

  /**
   * Reads the region a certificate names.
   *
   * @param certificate the certificate
   * @return the region
   * @throws IllegalArgumentException saying what is wrong: no {@code tidal://region/} URI, several,
   *     or one that is not a region id
   */
  static RegionId of(X509Certificate certificate) {
    Collection<List<?>> names;
    try {
      names = certificate.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      throw new IllegalArgumentException("its subject alternative names cannot be read: " + e, e);
    }
    String found = null;
    if (names != null) {
      for (List<?> name : names) {
        if (name.size() >= 2
            && name.get(0) instanceof Integer type
            && type == SAN_URI
            && name.get(1) instanceof String uri
            && uri.startsWith(PREFIX)) {
          if (found != null) {
            throw new IllegalArgumentException(
                "it names two regions (" + found + " and " + uri + "), not one");
          }
          found = uri;
        }
      }
    }
    if (found == null) {
      throw new IllegalArgumentException(
          "it has no " + PREFIX + "<n> subject alternative name (" + subject(certificate) + ")");
    }
    return RegionId.of(parse(found));
  }

  private static int parse(String uri) {
    String digits = uri.substring(PREFIX.length());
    boolean decimal =
        !digits.isEmpty()
            && digits.length() <= 5
            && digits.chars().allMatch(c -> c >= '0' && c <= '9');
    if (!decimal || (digits.length() > 1 && digits.charAt(0) == '0')) {
      throw new IllegalArgumentException(
          "its region URI " + uri + " does not end in a region id 0..65535 without leading zeros");
    }
    int id = Integer.parseInt(digits);
    if (id > RegionId.MAX_VALUE) {
      throw new IllegalArgumentException("its region URI " + uri + " names a region above 65535");
    }
    return id;
  }

  /** Returns the certificate's subject, for messages. */
  static String subject(X509Certificate certificate) {
    return "subject " + certificate.getSubjectX500Principal().getName();
  }
}
