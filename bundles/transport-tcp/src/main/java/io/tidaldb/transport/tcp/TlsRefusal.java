package io.tidaldb.transport.tcp;

import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.Locale;

/**
 * Why a TLS connection was refused: each cause has its own counter ({@link TcpMetrics}) and its own
 * log line (once, then summaries; see {@link TcpTransport#linkError}).
 */
enum TlsRefusal {
  /** The peer's certificate (or one in its chain) is outside its validity period. */
  EXPIRED("TLS certificate expired"),
  /**
   * The peer presented no certificate, or one that the trust store's CA did not sign: the JDK
   * cannot tell these apart (its key manager offers no certificate that the peer's CA list does not
   * name).
   */
  UNTRUSTED("TLS certificate missing or untrusted"),
  /**
   * The peer's certificate names no region, another region than expected, or disagrees with HELLO.
   */
  WRONG_REGION("TLS wrong region"),
  /** Plaintext bytes arrived on a TLS connection. */
  PLAINTEXT_PEER("plaintext peer on a TLS link"),
  /** A TLS handshake arrived on a plaintext port. */
  TLS_ON_PLAINTEXT("TLS peer on a plaintext port"),
  /** The peer refused this transport's certificate (a TLS alert received after the handshake). */
  PEER_REFUSED("TLS refused by the peer"),
  /** Any other handshake failure: a timeout, a connection closed during the handshake, ... */
  FAILED("TLS handshake failed");

  private final String label;

  TlsRefusal(String label) {
    this.label = label;
  }

  /** Returns the cause's name, the key its log lines are counted under. */
  String label() {
    return label;
  }

  /**
   * Classifies a TLS failure from its exception chain.
   *
   * @param failure what Netty reported (a handshake failure or a decoder exception)
   * @return the cause
   */
  static TlsRefusal classify(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof NotSslRecordException) {
        return PLAINTEXT_PEER;
      }
      if (t instanceof CertificateExpiredException
          || t instanceof CertificateNotYetValidException
          || (t instanceof CertPathValidatorException v
              && (v.getReason() == CertPathValidatorException.BasicReason.EXPIRED
                  || v.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID))) {
        return EXPIRED;
      }
    }
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SslHandshakeTimeoutException) {
        return FAILED;
      }
      String message = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
      if (message.contains("received fatal alert")) {
        return PEER_REFUSED;
      }
      if (message.contains("validity check failed")) {
        return EXPIRED;
      }
      if (message.contains("empty client certificate chain")
          || message.contains("empty server certificate chain")
          || message.contains("pkix path building failed")
          || message.contains("unable to find valid certification path")
          || message.contains("pkix path validation failed")) {
        return UNTRUSTED;
      }
    }
    return FAILED;
  }

  /** Returns the innermost message of a failure, for log lines. */
  static String rootMessage(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String text = root.getClass().getSimpleName() + ": " + root.getMessage();
    if (root != failure && failure.getMessage() != null) {
      return failure.getMessage() + " (" + text + ")";
    }
    return text;
  }
}
