package io.tidaldb.transport.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.tidaldb.transport.tcp.TcpFrames.Hello;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;

/**
 * A hand-written peer over a plain socket, to speak the protocol wrongly on purpose. Reads wait at
 * most {@link #TIMEOUT_MS}.
 */
final class RawPeer implements AutoCloseable {
  static final int TIMEOUT_MS = 10_000;

  private final Socket socket;
  private final DataInputStream in;

  RawPeer(Socket socket) throws IOException {
    this.socket = socket;
    socket.setSoTimeout(TIMEOUT_MS);
    this.in = new DataInputStream(socket.getInputStream());
  }

  static RawPeer connect(InetSocketAddress to) throws IOException {
    Socket s = new Socket();
    s.connect(to, TIMEOUT_MS);
    return new RawPeer(s);
  }

  void hello(int region, int target, int maxFrameBytes, int channels) throws IOException {
    ByteBuf buf = Unpooled.buffer();
    TcpFrames.writeHello(
        buf, new Hello(TcpFrames.VERSION, region, target, 77, maxFrameBytes, channels));
    write(buf);
  }

  void write(ByteBuf buf) throws IOException {
    byte[] bytes = new byte[buf.readableBytes()];
    buf.readBytes(bytes);
    write(bytes);
  }

  void write(byte[] bytes) throws IOException {
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
  }

  /** Reads one frame: its kind and body. */
  Frame read() throws IOException {
    int length = in.readInt();
    int kind = in.readUnsignedByte();
    int channel = in.readUnsignedByte();
    in.readUnsignedShort();
    byte[] body = new byte[length - TcpFrames.MIN_LENGTH];
    in.readFully(body);
    return new Frame(kind, channel, body);
  }

  /** Reads until the other side closes; true if it did within the timeout. */
  boolean closedByPeer() {
    try {
      while (in.read() >= 0) {
        // discard what comes before the close
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (EOFException | SocketException e) {
      return true;
    } catch (IOException e) {
      return true;
    }
  }

  Socket socket() {
    return socket;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  record Frame(int kind, int channel, byte[] body) {
    Hello hello() {
      return TcpFrames.readHello(Unpooled.wrappedBuffer(body));
    }
  }
}
