package io.karakuri.it;

import static io.karakuri.it.HitohaFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Namespaces end to end, as root, with the installed karakuri and hitoha: two namespaces (blue, green) with
 * two containers each and a module in system-mod; a "client host", a network namespace of the test's own
 * wired to the host by a veth pair (198.18.0.1 on the host, 198.18.0.2 in it), which also serves as the
 * outside world for outbound NAT; and a name server of the test's own on 127.0.0.1 as the host's resolver.
 * No traffic leaves the host and that namespace.
 *
 * <p>Debian's static busybox resolves names only in nslookup (its own resolver; wget and nc go through static
 * glibc's getaddrinfo, which cannot load NSS and crashes), so "reach by name" is nslookup's answer then nc to
 * it. busybox's nc has no UDP: a small UDP echo program, compiled here, is mounted into the containers.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NamespacesIT {
    private static final String CLIENT_NS = "kr-it-client";
    private static final String HOST_SIDE = "198.18.0.1";
    private static final String CLIENT_SIDE = "198.18.0.2";
    private static final String OUTSIDE_NAME = "outside.test";
    private static final String OUTSIDE_ADDRESS = "198.18.0.99";

    @TempDir
    static Path dir;

    private static HitohaFixture hitoha;
    private static FakeUpstream upstream;
    private static Process outsideServer;

    @BeforeAll
    static void setUp() throws Exception {
        upstream = new FakeUpstream();
        hitoha = HitohaFixture.start(dir, Map.of("KARAKURI_DNS_UPSTREAMS", "127.0.0.1:" + upstream.port()));
        Path tools = Files.createDirectories(dir.resolve("tools"));
        Files.writeString(tools.resolve("udp-echo.c"), UDP_ECHO);
        Launcher.runShell("gcc -static -O2 -o '" + tools + "/udp-echo' '" + tools + "/udp-echo.c'").ok();
        Launcher.runShell("set -e; ip netns del " + CLIENT_NS + " 2>/dev/null || true; ip link del kritc0 2>/dev/null || true;"
                + " ip netns add " + CLIENT_NS + "; ip link add kritc0 type veth peer name kritc1 netns " + CLIENT_NS + ";"
                + " ip addr add " + HOST_SIDE + "/30 dev kritc0; ip link set kritc0 up;"
                + " ip -n " + CLIENT_NS + " addr add " + CLIENT_SIDE + "/30 dev kritc1;"
                + " ip -n " + CLIENT_NS + " link set kritc1 up; ip -n " + CLIENT_NS + " link set lo up").ok();
        outsideServer = new ProcessBuilder("ip", "netns", "exec", CLIENT_NS, "busybox", "nc", "-ll", "-p", "8080", "-e",
                "echo", "outside").redirectErrorStream(true).redirectOutput(dir.resolve("outside.log").toFile()).start();

        karakuri("createns", "--name", "blue").ok();
        karakuri("createns", "green").ok();
        for (String name : List.of("b1", "b2")) {
            server("blue", name);
        }
        for (String name : List.of("g1", "g2")) {
            server("green", name);
        }
        server("system-mod", "mod");
    }

    /** A container answering its name on TCP port 80. */
    private static void server(String ns, String name) {
        karakuri("run", "-d", "--ns", ns, "--name", name, "busybox", "nc", "-ll", "-p", "80", "-e", "echo", name).ok();
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            if (hitoha != null) {
                for (var c : hitoha.containers()) {
                    karakuri("rm", "--force", c.string("id", ""));
                }
                karakuri("rmns", "blue", "green").ok();
                hitoha.assertNothingLeft(); // no bridge and no table either, before hitoha stops
            }
        } finally {
            if (hitoha != null) {
                hitoha.close();
            }
            if (outsideServer != null) {
                outsideServer.destroyForcibly().waitFor();
            }
            Launcher.runShell("ip netns del " + CLIENT_NS + " 2>/dev/null; ip link del kritc0 2>/dev/null; true");
            if (upstream != null) {
                upstream.close();
            }
        }
        assertEquals(List.of(), HitohaFixture.bridges());
        assertEquals("", Launcher.runShell("nft list tables | grep karakuri; true").ok().out());
    }

    private static Launcher.Result karakuri(String... args) {
        return hitoha.karakuri(args);
    }

    private static String ip(String container) {
        return hitoha.inspect(container).string("ip", "");
    }

    /** The address nslookup finds for name in container, or null when it finds none. */
    private static String lookup(String container, String name) {
        Launcher.Result r = karakuri("exec", container, "nslookup", name);
        boolean answer = false;
        for (String line : r.out().lines().toList()) {
            answer |= line.startsWith("Name:");
            if (answer && line.startsWith("Address:")) {
                return line.substring("Address:".length()).strip();
            }
        }
        return null;
    }

    /** What the server at name (found by nslookup in container) says on port 80; what went wrong if none answers. */
    private static String askByName(String container, String name) {
        Launcher.Result r = karakuri("exec", container, "sh", "-c", "ip=$(nslookup " + name
                + " | awk '/^Name:/{n=1} n && /^Address:/{print $2; exit}'); [ -n \"$ip\" ] && nc -w 2 $ip 80");
        return r.code() == 0 ? r.out().strip() : "no answer: " + r;
    }

    /** What the server at address:port says to container, or null if none answers within 2 s. */
    private static String ask(String container, String address, int port) {
        Launcher.Result r = karakuri("exec", container, "nc", "-w", "2", address, String.valueOf(port));
        return r.code() == 0 && !r.out().isEmpty() ? r.out().strip() : null;
    }

    private static String askFromClient(String address, int port) {
        Launcher.Result r = Launcher.runShell("ip netns exec " + CLIENT_NS + " busybox nc -w 2 " + address + " " + port);
        return r.code() == 0 && !r.out().isEmpty() ? r.out().strip() : null;
    }

    private static String askFromHost(String address, int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 2000);
            s.setSoTimeout(2000);
            try (InputStream in = s.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            }
        } catch (IOException e) {
            return null;
        }
    }

    private static String udpFromHost(int port, String message) throws IOException {
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(2000);
            byte[] m = message.getBytes(StandardCharsets.UTF_8);
            s.send(new DatagramPacket(m, m.length, InetAddress.getLoopbackAddress(), port));
            DatagramPacket p = new DatagramPacket(new byte[512], 512);
            s.receive(p);
            return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
        } catch (SocketTimeoutException e) {
            return null;
        }
    }

    // ------------------------------------------------------------------------------------------------ tests

    @Test
    @Order(1)
    void namespacesAreListedMadeAndRemovedWithTheirBridges() {
        List<String> table = karakuri("ns").ok().out().lines().toList();
        assertEquals(List.of("NAME       | BRIDGE    | SUBNET        | CONTAINERS",
                "-----------+-----------+---------------+-----------",
                "system     | karakuri0 | 10.157.0.0/24 | 0",
                "system-mod | karakuri1 | 10.157.1.0/24 | 1",
                "default    | karakuri2 | 10.157.2.0/24 | 0",
                "blue       | karakuri3 | 10.157.3.0/24 | 2",
                "green      | karakuri4 | 10.157.4.0/24 | 2"), table);
        assertTrue(ip("b1").startsWith("10.157.3.") && ip("g1").startsWith("10.157.4."), ip("b1") + " " + ip("g1"));

        refused(karakuri("createns", "--name", "Bad_Name"), "karakuri createns: namespace name \"Bad_Name\": a name is 1 "
                + "to 63 lower-case letters, digits and hyphens, starting and ending with a letter or digit (it is part "
                + "of container host names)");
        refused(karakuri("createns", "blue"), "karakuri createns: namespace \"blue\" exists already");
        refused(karakuri("rmns", "default"), "karakuri rmns: namespace \"default\" is reserved: it cannot be removed");
        refused(karakuri("rmns", "blue"), "karakuri rmns: namespace \"blue\" still has 2 containers: remove them first "
                + "(karakuri ls --ns blue --all)");
        refused(karakuri("rmns", "nowhere"), "karakuri rmns: no such namespace: nowhere");
        refused(karakuri("run", "-d", "--ns", "nowhere", "busybox", "true"),
                "karakuri run: no such namespace: nowhere (make it with karakuri createns --name nowhere)", 125);
        refused(karakuri("ls", "--ns", "nowhere"), "karakuri ls: no such namespace: nowhere (make it with karakuri "
                + "createns --name nowhere)");

        assertEquals("tmp\n", karakuri("createns", "tmp").ok().out());
        assertTrue(HitohaFixture.bridges().contains("karakuri5"), HitohaFixture.bridges().toString());
        assertEquals("tmp\n", karakuri("rmns", "--name", "tmp").ok().out());
        assertTrue(!HitohaFixture.bridges().contains("karakuri5"), HitohaFixture.bridges().toString());
        assertEquals(List.of("b1", "b2"), karakuri("ls", "--ns", "blue").ok().out().lines().skip(2)
                .map(l -> l.split(" \\| ")[1].strip()).toList());
    }

    private static void refused(Launcher.Result r, String line) {
        refused(r, line, 1);
    }

    private static void refused(Launcher.Result r, String line, int code) {
        assertEquals(code, r.code(), r.toString());
        assertEquals(line + "\n", r.err(), r.toString());
    }

    @Test
    @Order(2)
    void containersFindAndReachTheirOwnNamespaceOnly() throws Exception {
        String b1 = ip("b1");
        String g1 = ip("g1");
        String b1Id = hitoha.inspect("b1").string("id", "");
        assertEquals(b1, lookup("b2", "b1"));
        assertEquals(b1, lookup("b2", "b1.blue.karakuri.container"));
        assertEquals(b1, lookup("b2", "B1.Blue.Karakuri.Container"));
        assertEquals(b1, lookup("b2", b1Id));
        assertEquals("b1", askByName("b2", "b1"));
        assertEquals("g1", askByName("g2", "g1.green.karakuri.container"));

        // not across namespaces: no name, no packets
        assertNull(lookup("b2", "g1"));
        assertNull(lookup("b2", "g1.green.karakuri.container"));
        assertNull(ask("b2", g1, 80));
        assertNull(ask("g2", b1, 80));
        assertEquals("g1", ask("g2", g1, 80));
        // the host reaches every container
        assertEquals("b1", askFromHost(b1, 80));
        assertEquals("g1", askFromHost(g1, 80));

        // other names go to the host's resolvers (here the test's own)
        assertEquals(OUTSIDE_ADDRESS, lookup("b2", OUTSIDE_NAME));
        assertTrue(upstream.asked.contains(OUTSIDE_NAME), upstream.asked.toString());

        // a name is there while its container runs, at once
        karakuri("stop", "--time", "1", "b1").ok();
        assertNull(lookup("b2", "b1"));
        karakuri("start", "b1").ok();
        assertEquals(b1, lookup("b2", "b1"));
        assertEquals("b1", askByName("b2", "b1"), "started again: the same address, and the same MAC for it");
    }

    @Test
    @Order(3)
    void everyNamespaceReachesTheModules() {
        assertEquals("mod", askByName("b2", "mod.system-mod.karakuri.container"));
        assertEquals("mod", askByName("g2", "mod.system-mod.karakuri.container"));
        assertNull(lookup("b2", "mod"), "a module is found by its full name");
    }

    @Test
    @Order(4)
    void publishedPortsAnswerTheHostAndOtherHostsUnlessBoundToLoopback() throws Exception {
        karakuri("run", "-d", "--ns", "blue", "--name", "pub",
                "--port", "18181:80:tcp,18182:5353:udp,127.0.0.1:18183:80:tcp",
                "--mount", dir.resolve("tools") + ":/opt/t:ro", "busybox", "sh", "-c",
                "/opt/t/udp-echo serve 5353 & exec nc -ll -p 80 -e echo pub").ok();
        await(Duration.ofSeconds(10), "pub answers", () -> {
            try {
                return "pub".equals(askFromHost("127.0.0.1", 18181));
            } catch (IOException e) {
                return false;
            }
        });
        assertEquals("echo ping", udpFromHost(18182, "ping"));
        assertEquals("pub", askFromHost("127.0.0.1", 18183));
        assertEquals("pub", askFromHost(HOST_SIDE, 18181), "the host's own address");

        assertEquals("pub", askFromClient(HOST_SIDE, 18181));
        assertEquals("echo from-client\n", Launcher.runShell("ip netns exec " + CLIENT_NS + " " + dir.resolve("tools")
                + "/udp-echo ask " + HOST_SIDE + " 18182 from-client").ok().out());
        assertNull(askFromClient(HOST_SIDE, 18183), "bound to 127.0.0.1: not for other hosts");
        // and from a container of another namespace, through the host's address as from any host
        assertEquals("pub", ask("g2", HOST_SIDE, 18181));
    }

    @Test
    @Order(5)
    void outboundTrafficIsMasqueraded() {
        // the client host has no route to 10.157.0.0/16: its answer comes back only to the host's address
        assertEquals("outside", ask("b2", CLIENT_SIDE, 8080));
        assertEquals("outside", ask("mod", CLIENT_SIDE, 8080));
    }

    @Test
    @Order(6)
    void afterHitohaRestartsEverythingWorksAndNothingIsThereTwice() throws Exception {
        String rulesBefore = ruleset();
        List<String> bridgesBefore = HitohaFixture.bridges();
        hitoha.stop();
        hitoha.startHitoha();
        hitoha.kill(); // and a start after a crash
        hitoha.startHitoha();
        assertEquals(rulesBefore, ruleset());
        assertEquals(bridgesBefore, HitohaFixture.bridges());
        for (String bridge : List.of("karakuri3", "karakuri4")) {
            assertEquals(1, Launcher.runShell("ip -4 -o addr show dev " + bridge).ok().out().lines().count(), bridge);
        }
        assertEquals(ip("b1"), lookup("b2", "b1"));
        assertEquals("b1", askByName("b2", "b1"));
        assertNull(lookup("b2", "g1"));
        assertNull(ask("b2", ip("g1"), 80));
        assertEquals("pub", askFromHost("127.0.0.1", 18181));
        assertEquals("pub", askFromClient(HOST_SIDE, 18181));
        assertEquals("echo again", udpFromHost(18182, "again"));
        assertNotEquals(null, lookup("g2", "mod.system-mod.karakuri.container"));
    }

    @Test
    @Order(7)
    void whatAHostRebootLosesIsMadeAgainAtStart() throws Exception {
        String rulesBefore = ruleset();
        List<String> bridgesBefore = HitohaFixture.bridges().stream().sorted().toList();
        hitoha.stop();
        Launcher.runShell("for b in karakuri1 karakuri3 karakuri4; do ip link del $b; done; nft delete table inet karakuri")
                .ok();
        hitoha.startHitoha();
        assertEquals(bridgesBefore, HitohaFixture.bridges().stream().sorted().toList());
        assertEquals(rulesBefore, ruleset());
        // (the containers' veths went with the bridges, as the containers go in a reboot: the host asks)
        assertEquals(ip("b1"), askNameServer("10.157.3.1", "b1"));
        assertEquals(ip("g1"), askNameServer("10.157.4.1", "g1.green.karakuri.container"));
        assertNull(askNameServer("10.157.3.1", "g1"));
    }

    /** The address the name server at server gives for name (type A), or null if none. */
    private static String askNameServer(String server, String name) throws IOException {
        byte[] q = new byte[12 + name.length() + 2 + 4];
        q[0] = 0x4b;
        q[2] = 1; // RD
        q[5] = 1; // one question
        int i = 12;
        for (String label : name.split("\\.")) {
            q[i++] = (byte) label.length();
            for (byte b : label.getBytes(StandardCharsets.US_ASCII)) {
                q[i++] = b;
            }
        }
        q[i + 2] = 1; // type A (after the root label)
        q[i + 4] = 1; // class IN
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(3000);
            s.send(new DatagramPacket(q, q.length, InetAddress.getByName(server), 53));
            DatagramPacket p = new DatagramPacket(new byte[512], 512);
            s.receive(p);
            byte[] r = p.getData();
            if (r[0] != 0x4b || (r[3] & 0x0f) != 0 || r[7] == 0) {
                return null;
            }
            int end = p.getLength();
            return (r[end - 4] & 0xff) + "." + (r[end - 3] & 0xff) + "." + (r[end - 2] & 0xff) + "." + (r[end - 1] & 0xff);
        }
    }

    /** karakuri's nft table without counters and handles: what must be the same after restarts. */
    private static String ruleset() {
        return Launcher.runShell("nft list table inet karakuri").ok().out();
    }

    // ---------------------------------------------------------------------------------------------- helpers

    private static final String UDP_ECHO = """
            #include <arpa/inet.h>
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            #include <sys/socket.h>
            #include <sys/time.h>
            #include <unistd.h>

            /* udp-echo serve PORT: answers each datagram with "echo " and it;
               udp-echo ask ADDRESS PORT MESSAGE: prints the answer, or fails after 2 s */
            int main(int argc, char **argv) {
                int s = socket(AF_INET, SOCK_DGRAM, 0);
                struct sockaddr_in a;
                char buf[512];
                memset(&a, 0, sizeof a);
                a.sin_family = AF_INET;
                if (argc == 3 && strcmp(argv[1], "serve") == 0) {
                    a.sin_port = htons(atoi(argv[2]));
                    if (bind(s, (struct sockaddr *) &a, sizeof a) != 0) {
                        perror("bind");
                        return 1;
                    }
                    for (;;) {
                        struct sockaddr_in from;
                        socklen_t len = sizeof from;
                        ssize_t n = recvfrom(s, buf + 5, sizeof buf - 5, 0, (struct sockaddr *) &from, &len);
                        if (n >= 0) {
                            memcpy(buf, "echo ", 5);
                            sendto(s, buf, n + 5, 0, (struct sockaddr *) &from, len);
                        }
                    }
                }
                if (argc == 5 && strcmp(argv[1], "ask") == 0) {
                    struct timeval tv = {2, 0};
                    a.sin_port = htons(atoi(argv[3]));
                    inet_pton(AF_INET, argv[2], &a.sin_addr);
                    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
                    sendto(s, argv[4], strlen(argv[4]), 0, (struct sockaddr *) &a, sizeof a);
                    ssize_t n = recv(s, buf, sizeof buf, 0);
                    if (n < 0) {
                        perror("recv");
                        return 1;
                    }
                    fwrite(buf, 1, n, stdout);
                    putchar('\\n');
                    return 0;
                }
                fprintf(stderr, "usage: udp-echo serve PORT | ask ADDRESS PORT MESSAGE\\n");
                return 2;
            }
            """;

    /**
     * The host's resolver as hitoha sees it: on 127.0.0.1, answers A for outside.test, NXDOMAIN for anything
     * else, and remembers what it was asked.
     */
    static final class FakeUpstream implements AutoCloseable {
        final List<String> asked = java.util.Collections.synchronizedList(new ArrayList<>());
        private final DatagramSocket socket;
        private final Thread thread;

        FakeUpstream() throws IOException {
            socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            thread = Thread.ofPlatform().daemon().start(this::serve);
        }

        int port() {
            return socket.getLocalPort();
        }

        private void serve() {
            byte[] buf = new byte[512];
            while (!socket.isClosed()) {
                try {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    socket.receive(p);
                    byte[] answer = answer(Arrays.copyOf(p.getData(), p.getLength()));
                    socket.send(new DatagramPacket(answer, answer.length, p.getSocketAddress()));
                } catch (IOException | RuntimeException e) {
                    // closed, or a packet not worth answering
                }
            }
        }

        private byte[] answer(byte[] q) {
            int i = 12;
            StringBuilder name = new StringBuilder();
            while (q[i] != 0) {
                name.append(name.isEmpty() ? "" : ".").append(new String(q, i + 1, q[i], StandardCharsets.US_ASCII));
                i += q[i] + 1;
            }
            int type = ((q[i + 1] & 0xff) << 8) | (q[i + 2] & 0xff);
            int end = i + 5; // the question's end: zero label, type, class
            asked.add(name.toString());
            boolean known = name.toString().equalsIgnoreCase(OUTSIDE_NAME);
            boolean withAddress = known && type == 1;
            byte[] r = Arrays.copyOf(q, end + (withAddress ? 16 : 0));
            r[2] = (byte) 0x81; // QR, RD
            r[3] = (byte) (known ? 0x80 : 0x83); // RA; NXDOMAIN for the unknown
            r[6] = 0;
            r[7] = (byte) (withAddress ? 1 : 0);
            r[8] = r[9] = r[10] = r[11] = 0;
            if (withAddress) {
                byte[] rr = {(byte) 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, (byte) 198, 18, 0, 99};
                System.arraycopy(rr, 0, r, end, rr.length);
            }
            return r;
        }

        @Override
        public void close() throws InterruptedException {
            socket.close();
            thread.join(5000);
        }
    }
}
