import java.net.*; import java.io.*;
public class Victim { public static void main(String[] a) throws Exception {
  int mb = Integer.parseInt(a[1]); byte[][] keep = new byte[mb][];
  for (int i = 0; i < mb; i++) { keep[i] = new byte[(1 << 20) - 64]; for (int j = 0; j < keep[i].length; j += 4096) keep[i][j] = 1; }
  Socket s = new Socket("127.0.0.1", Integer.parseInt(a[0])); s.getOutputStream().write(1); s.getOutputStream().flush();
  Thread.sleep(1_000_000); } }
