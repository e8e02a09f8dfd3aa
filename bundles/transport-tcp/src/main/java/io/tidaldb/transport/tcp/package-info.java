/**
 * The TCP transport engine: the Transport SPI over Netty, one TCP connection per region pair. Plain
 * Java, no OSGi: {@link io.tidaldb.transport.tcp.TcpTransport} is the engine, {@link
 * io.tidaldb.transport.tcp.TcpFrames} the wire format, and the DS component in {@code component} a
 * thin shell around them. Private to the bundle (not exported).
 */
package io.tidaldb.transport.tcp;
