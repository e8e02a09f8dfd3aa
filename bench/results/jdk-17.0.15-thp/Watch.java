import java.net.*; import java.io.*;
public class Watch { public static void main(String[] a) throws Exception {
  int mb = Integer.parseInt(a[0]);
  try (ServerSocket ss = new ServerSocket(0)) {
    Process p = new ProcessBuilder("java", "-Xmx" + (2 * mb + 256) + "m", "-Xms" + (2 * mb + 256) + "m", "-XX:+UseSerialGC", System.getProperty("thp", "-Dx=1"), "-cp", "/tmp/killtest", "Victim", "" + ss.getLocalPort(), "" + mb).inheritIO().start();
    Socket s = ss.accept(); InputStream in = s.getInputStream(); in.read();
    Thread.sleep(500);
    long t0 = System.nanoTime(); p.destroyForcibly();
    int r = in.read(); long t1 = System.nanoTime(); p.waitFor(); long t2 = System.nanoTime();
    System.out.printf("heap %d MB touched: SIGKILL -> EOF %.1f ms (read %d), -> exit seen %.1f ms%n", mb, (t1 - t0) / 1e6, r, (t2 - t0) / 1e6);
  } } }
