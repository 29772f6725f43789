package io.karakuri.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.karakuri.linux.LinuxSyscalls;
import io.karakuri.linux.NetNamespaces;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The network stack for real, as root, without touching the machine's network: a test network
 * namespace plays the host (its bridge, its nftables table, its sysctls), others play containers and an
 * outside peer. Commands inside namespaces run through nsenter (tests only: the product never shells
 * out). Skipped when not root or without nsenter and busybox.
 */
class ContainerNetworkRootTest {
    private static final Path NSENTER = Path.of("/usr/bin/nsenter");
    private static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final String TABLE = "karakuri_test";

    private final String tag = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 4);
    private final List<Process> servers = new ArrayList<>();
    private Path root;
    private Path dir;
    private Path hostNs;
    private ContainerNetwork net;

    @BeforeEach
    void hostNamespace() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        assumeTrue(Files.isExecutable(NSENTER) && Files.isExecutable(BUSYBOX), "needs nsenter and busybox");
        root = Path.of("/run/karakuri-test-" + tag);
        dir = root.resolve("netns");
        hostNs = dir.resolve("host");
        NetNamespaces.create(hostNs);
        net = new ContainerNetwork(hostNs, dir, new Nftables(List.of(NSENTER.toString(), "--net=" + hostNs, "nft")), TABLE);
        try (Rtnetlink rt = inside(hostNs)) {
            rt.setUp(rt.link("lo").orElseThrow().index());
        }
    }

    @AfterEach
    void cleanUp() throws IOException {
        for (Process p : servers) {
            p.destroyForcibly();
        }
        if (net == null) {
            return;
        }
        try {
            net.removeRules();
        } catch (RuntimeException ignored) {
            // the namespace (and its table) goes below anyway
        }
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    NetNamespaces.remove(f);
                }
            }
            try {
                LinuxSyscalls.INSTANCE.unmountDetached(dir.toString());
            } catch (RuntimeException notMounted) {
                // made shared by a bind mount on itself only when it was no mount point
            }
            Files.deleteIfExists(dir);
        }
        if (Files.isDirectory(root)) {
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    private static Rtnetlink inside(Path netns) {
        int fd = NetNamespaces.open(netns);
        try {
            return Rtnetlink.openIn(fd, netns.toString());
        } finally {
            LinuxSyscalls.INSTANCE.close(fd);
        }
    }

    private record Result(int status, String out) {}

    private static Result run(Path netns, String... command) throws Exception {
        return runWithInput(netns, "", command);
    }

    private static Result runWithInput(Path netns, String input, String... command) throws Exception {
        List<String> argv = new ArrayList<>(List.of(NSENTER.toString(), "--net=" + netns));
        argv.addAll(List.of(command));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            in.write(input.getBytes(StandardCharsets.UTF_8));
        } catch (IOException exitedAlready) {
            // as nc does when it cannot connect
        }
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, "timed out");
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    /** A link's MAC address in the host namespace (not through /sys: that shows the JVM's namespace). */
    private String mac(String link) throws Exception {
        return mac(hostNs, link);
    }

    private String mac(Path netns, String link) throws Exception {
        String out = run(netns, BUSYBOX.toString(), "ip", "link", "show", link).out();
        int at = out.indexOf("link/ether ");
        return at < 0 ? out : out.substring(at + 11, at + 28);
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** busybox httpd serving "hello from NAME" on port 80 in netns. */
    private void webServer(Path netns, String name) throws Exception {
        Path www = Files.createDirectories(root.resolve("www-" + name));
        Files.writeString(www.resolve("index.html"), "hello from " + name + "\n");
        servers.add(new ProcessBuilder(NSENTER.toString(), "--net=" + netns, BUSYBOX.toString(), "httpd", "-f", "-p", "80",
                "-h", www.toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
    }

    /** An HTTP GET over busybox nc (busybox-static's wget crashes resolving): status 0 and the body, or the error. */
    private static Result get(Path netns, String host, int port) throws Exception {
        Result r = null;
        for (int attempt = 0; attempt < 20; attempt++) { // the server may still be starting
            r = runWithInput(netns, "GET / HTTP/1.0\r\n\r\n", BUSYBOX.toString(), "nc", "-w", "3", host,
                    String.valueOf(port));
            int body = r.out().indexOf("\r\n\r\n");
            if (r.status() == 0 && body >= 0) {
                return new Result(0, r.out().substring(body + 4));
            }
            if (!r.out().contains("refused")) {
                return new Result(r.status() == 0 ? 1 : r.status(), r.out());
            }
            Thread.sleep(100);
        }
        return r;
    }

    @Test
    void twoContainersTalkOverTheBridge() throws Exception {
        String bridge = "krtb" + tag;
        net.ensureBridge(bridge, "10.157.250.1/24");
        String mac = mac(bridge);
        assertTrue(mac.matches("[0-9a-f][26ae](:[0-9a-f]{2}){5}"), mac); // locally administered
        net.ensureBridge(bridge, "10.157.250.1/24"); // idempotent
        Path a = net.createNamespace("a");
        Path b = net.createNamespace("b");
        net.connect(a, bridge, "krt" + tag + "a", "10.157.250.2/24", "10.157.250.1");
        net.connect(b, bridge, "krt" + tag + "b", "10.157.250.3/24", "10.157.250.1");

        try (Rtnetlink rt = inside(hostNs)) {
            Rtnetlink.Link br = rt.link(bridge).orElseThrow();
            assertEquals("bridge", br.kind());
            assertTrue(br.up());
            Rtnetlink.Link veth = rt.link("krt" + tag + "a").orElseThrow();
            assertEquals("veth", veth.kind());
            assertEquals(br.index(), veth.master());
            assertTrue(veth.up());
            assertTrue(rt.links().stream().anyMatch(l -> l.name().equals("krt" + tag + "b")));
        }
        // the container's MAC follows from its address: the same again when it is connected again
        assertEquals("02:6b:0a:9d:fa:02", mac(a, "eth0"));
        assertEquals(List.of(), net.hostVeths()); // "krt…" is no container's name
        Path d = net.createNamespace("d");
        net.connect(d, bridge, ContainerNetwork.hostIfName("0123456789abcdef"), "10.157.250.9/24", "10.157.250.1");
        assertEquals(List.of("kr0123456789ab"), net.hostVeths());
        net.disconnect("kr0123456789ab", d);
        assertEquals(List.of(), net.hostVeths());
        try (Rtnetlink rt = inside(a)) {
            assertTrue(rt.link("eth0").orElseThrow().up());
            assertTrue(rt.link("lo").orElseThrow().up());
        }
        // the bridge keeps its own MAC address as ports join
        assertEquals(mac, mac(bridge));
        assertEquals("1\n", run(hostNs, "cat", "/proc/sys/net/ipv4/ip_forward").out());
        assertEquals("1\n", run(hostNs, "cat", "/proc/sys/net/ipv4/conf/" + bridge + "/route_localnet").out());
        String route = run(a, BUSYBOX.toString(), "ip", "route").out();
        assertTrue(route.contains("default via 10.157.250.1 dev eth0"), route);

        assertEquals(0, run(a, BUSYBOX.toString(), "ping", "-c", "1", "-W", "2", "10.157.250.1").status());
        assertEquals(0, run(a, BUSYBOX.toString(), "ping", "-c", "1", "-W", "2", "10.157.250.3").status());
        webServer(b, "b");
        assertEquals("hello from b\n", get(a, "10.157.250.3", 80).out());

        IllegalStateException twice = assertThrows(IllegalStateException.class,
                () -> net.connect(a, bridge, "krt" + tag + "a", "10.157.250.2/24", "10.157.250.1"));
        assertTrue(twice.getMessage().contains("exists already"), twice.getMessage());
        IllegalArgumentException noGateway = assertThrows(IllegalArgumentException.class,
                () -> net.connect(a, bridge, "krt" + tag + "c", "10.157.250.4/24", "10.157.9.1"));
        assertTrue(noGateway.getMessage().contains("not in 10.157.250.0/24"), noGateway.getMessage());

        net.disconnect("krt" + tag + "a", a);
        net.disconnect("krt" + tag + "a", a); // idempotent
        try (Rtnetlink rt = inside(hostNs)) {
            assertTrue(rt.link("krt" + tag + "a").isEmpty());
        }
        try (Rtnetlink rt = inside(a)) {
            assertTrue(rt.link("eth0").isEmpty());
        }
        assertNotEquals(0, run(a, BUSYBOX.toString(), "ping", "-c", "1", "-W", "1", "10.157.250.3").status());
    }

    @ParameterizedTest
    @ValueSource(strings = {"nftables", "iptables"})
    void publishedPortsFromLocalhostAndFromOutside(String backend) throws Exception {
        boolean iptables = backend.equals("iptables");
        if (iptables) {
            net = new ContainerNetwork(hostNs, dir, new Iptables(List.of(NSENTER.toString(), "--net=" + hostNs)));
        }
        String bridge = "krtb" + tag;
        String outsideBridge = "krto" + tag;
        net.ensureBridge(bridge, "10.157.250.1/24");
        Path c = net.createNamespace("c");
        net.connect(c, bridge, "krt" + tag + "c", "10.157.250.5/24", "10.157.250.1");
        webServer(c, "c");
        // an "outside" peer on another link of the host: not a karakuri subnet in the rules
        net.ensureBridge(outsideBridge, "10.157.251.1/24");
        Path outside = net.createNamespace("outside");
        net.connect(outside, outsideBridge, "krt" + tag + "o", "10.157.251.2/24", "10.157.251.1");

        List<Subnet> subnets = List.of(new Subnet("10.157.250.0/24", bridge));
        List<PublishedPort> ports = List.of(
                new PublishedPort(PortMapping.parse("127.0.0.1:18080:80"), "10.157.250.5"),
                new PublishedPort(PortMapping.parse("18081:80/tcp"), "10.157.250.5"),
                new PublishedPort(PortMapping.parse("127.0.0.1:15353:53/udp"), "10.157.250.5"));
        net.applyRules(subnets, ports);
        net.applyRules(subnets, ports); // idempotent: one table, not two
        if (iptables) {
            String nat = run(hostNs, "iptables", "-w", "-t", "nat", "-S").out();
            assertEquals(1, nat.lines().filter(l -> l.equals("-A PREROUTING -j KARAKURI-PREROUTING")).count(), nat);
            assertEquals(2, nat.lines().filter(l -> l.contains("--dport 1808") && l.contains("DNAT")).count(), nat);
        } else {
            String tables = run(hostNs, "nft", "list", "tables").out();
            assertEquals(1, tables.lines().filter(l -> l.equals("table inet " + TABLE)).count(), tables);
        }

        // from the host's localhost: output chain DNAT, route_localnet, masquerade of 127.0.0.0/8
        assertEquals("hello from c\n", get(hostNs, "127.0.0.1", 18080).out());
        assertEquals("hello from c\n", get(hostNs, "127.0.0.1", 18081).out());
        // udp from the host's localhost (busybox's nc has no udp: python, when there is one)
        if (Files.isExecutable(PYTHON)) {
            Path received = root.resolve("udp.out");
            servers.add(new ProcessBuilder(NSENTER.toString(), "--net=" + c, PYTHON.toString(), "-c",
                    "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('0.0.0.0', 53)); "
                            + "print(s.recvfrom(100)[0].decode(), end='', flush=True)")
                    .redirectErrorStream(true).redirectOutput(received.toFile()).start());
            for (int attempt = 0; attempt < 50 && readQuietly(received).isEmpty(); attempt++) {
                run(hostNs, PYTHON.toString(), "-c", "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM)"
                        + ".sendto(b'datagram', ('127.0.0.1', 15353))");
                Thread.sleep(100);
            }
            assertEquals("datagram", readQuietly(received));
        }
        // from outside to the host's address: prerouting DNAT; the 127.0.0.1-bound port is not there
        assertEquals("hello from c\n", get(outside, "10.157.251.1", 18081).out());
        assertNotEquals(0, get(outside, "10.157.251.1", 18080).status());
        // from the container to the host's address (hairpin)
        assertEquals("hello from c\n", get(c, "10.157.251.1", 18081).out());

        // ports taken: by another container, by a program on the host, or not an address of the host
        IllegalStateException taken = assertThrows(IllegalStateException.class,
                () -> net.checkPorts(List.of(PortMapping.parse("18081:81")), List.of(PortMapping.parse("18081:80"))));
        assertEquals("port 0.0.0.0:18081/tcp is already published by another container (18081:80/tcp)", taken.getMessage());
        Path log = root.resolve("listener.log");
        Process listener = new ProcessBuilder(NSENTER.toString(), "--net=" + hostNs, BUSYBOX.toString(), "httpd", "-f",
                "-p", "127.0.0.1:18082", "-h", root.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        servers.add(listener);
        IllegalStateException inUse = null;
        for (int attempt = 0; attempt < 150 && inUse == null && listener.isAlive(); attempt++) {
            try {
                net.checkPorts(List.of(PortMapping.parse("127.0.0.1:18082:80")), List.of());
                Thread.sleep(100);
            } catch (IllegalStateException e) {
                inUse = e;
            }
        }
        assertEquals("port 127.0.0.1:18082/tcp is already in use on the host", inUse == null ? null : inUse.getMessage(),
                () -> "listener " + (listener.isAlive() ? "running" : "ended") + ": " + readQuietly(log));
        net.checkPorts(List.of(PortMapping.parse("18083:80"), PortMapping.parse("18082:80/udp")), List.of());
        IllegalStateException notHere = assertThrows(IllegalStateException.class,
                () -> net.checkPorts(List.of(PortMapping.parse("10.157.99.9:18084:80")), List.of()));
        assertTrue(notHere.getMessage().contains("not an address of this host"), notHere.getMessage());

        net.removeRules();
        net.removeRules(); // idempotent
        assertFalse(run(hostNs, "nft", "list", "tables").out().contains(TABLE));
        assertFalse(run(hostNs, "iptables", "-w", "-t", "nat", "-S").out().contains("KARAKURI"));
        assertFalse(run(hostNs, "iptables", "-w", "-t", "filter", "-S").out().contains("KARAKURI"));
        assertNotEquals(0, get(hostNs, "127.0.0.1", 18080).status());
    }

    @Test
    void namedNamespaces() throws Exception {
        Path n = net.createNamespace("n1");
        assertTrue(Files.exists(n));
        try (Rtnetlink rt = inside(n)) {
            List<Rtnetlink.Link> links = rt.links();
            assertEquals(List.of("lo"), links.stream().map(Rtnetlink.Link::name).toList());
        }
        // a namespace of its own, not the host's nor the JVM's
        assertNotEquals(Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString(),
                run(n, "readlink", "/proc/self/ns/net").out().strip());
        IllegalStateException twice = assertThrows(IllegalStateException.class, () -> net.createNamespace("n1"));
        assertTrue(twice.getMessage().contains("exists already"), twice.getMessage());
        assertThrows(IllegalArgumentException.class, () -> net.createNamespace("../escape"));
        net.removeNamespace(n);
        assertFalse(Files.exists(n));
        net.removeNamespace(n); // idempotent
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(n.toString() + " "));
    }
}
