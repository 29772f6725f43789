import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * DNS answer latency as a client sees it: N queries (type A) for NAME to SERVER:53, one at a time, each
 * timed from send to its answer; prints p50, p99, max in microseconds. Run in a container's network
 * namespace by scripts/bench/namespaces.sh: java DnsLatency.java SERVER NAME N
 */
public class DnsLatency {
    public static void main(String[] args) throws Exception {
        InetSocketAddress server = new InetSocketAddress(InetAddress.getByName(args[0]), 53);
        byte[] query = query(args[1]);
        int n = Integer.parseInt(args[2]);
        long[] micros = new long[n];
        byte[] buf = new byte[512];
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.connect(server);
            socket.setSoTimeout(2000);
            for (int i = -1000; i < n; i++) { // the first thousand warm up both ends
                query[0] = (byte) (i >> 8);
                query[1] = (byte) i;
                long start = System.nanoTime();
                socket.send(new DatagramPacket(query, query.length));
                DatagramPacket answer = new DatagramPacket(buf, buf.length);
                do {
                    socket.receive(answer);
                } while (buf[0] != query[0] || buf[1] != query[1]);
                long took = (System.nanoTime() - start) / 1000;
                if ((buf[3] & 0x0f) != 0 || buf[7] == 0) {
                    throw new IllegalStateException("no address for " + args[1] + " (rcode " + (buf[3] & 0x0f) + ")");
                }
                if (i >= 0) {
                    micros[i] = took;
                }
            }
        }
        Arrays.sort(micros);
        System.out.printf("%d %d %d%n", micros[n / 2], micros[(int) Math.ceil(n * 0.99) - 1], micros[n - 1]);
    }

    private static byte[] query(String name) {
        byte[] q = new byte[12 + name.length() + 2 + 4];
        q[2] = 1; // RD
        q[5] = 1; // one question
        int i = 12;
        for (String label : name.split("\\.")) {
            q[i++] = (byte) label.length();
            for (byte b : label.getBytes(StandardCharsets.US_ASCII)) {
                q[i++] = b;
            }
        }
        q[i++] = 0;
        q[i + 1] = 1; // type A
        q[i + 3] = 1; // class IN
        return q;
    }
}
