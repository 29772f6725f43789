package io.karakuri.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.linux.LinuxSyscalls;
import io.karakuri.linux.NetNamespaces;
import io.karakuri.net.ContainerNetwork;
import io.karakuri.net.Nftables;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A futaba container in a named network namespace that io.karakuri.net made and connected, as the
 * daemon will run them. A test network namespace plays the host: the machine's network is not touched.
 */
class ContainerNetworkIT extends FutabaTestBase {
    private static final String NSENTER = "/usr/bin/nsenter";

    @Test
    void aContainerInItsNetworkNamespaceReachesItsNeighbour() throws Exception {
        String tag = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 4);
        Path top = Path.of("/run/karakuri-it-" + tag);
        Path dir = top.resolve("netns");
        Path hostNs = dir.resolve("host");
        Process server = null;
        NetNamespaces.create(hostNs);
        try {
            ContainerNetwork net = new ContainerNetwork(hostNs, dir,
                    new Nftables(List.of(NSENTER, "--net=" + hostNs, "nft")), "karakuri_it");
            String bridge = "krib" + tag;
            net.ensureBridge(bridge, "10.157.252.1/24");
            Path ctr = net.createNamespace("ctr");
            Path peer = net.createNamespace("peer");
            net.connect(ctr, bridge, "kri" + tag + "c", "10.157.252.2/24", "10.157.252.1");
            net.connect(peer, bridge, "kri" + tag + "p", "10.157.252.3/24", "10.157.252.1");
            Path www = Files.createDirectories(top.resolve("www"));
            Files.writeString(www.resolve("index.html"), "hello from peer\n");
            server = new ProcessBuilder(NSENTER, "--net=" + peer, "/bin/busybox", "httpd", "-f", "-p", "80", "-h",
                    www.toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();

            Bundle b = bundle().shell("ip -4 -o addr show eth0; ip route; for i in 1 2 3 4 5 6 7 8 9 10; do "
                    + "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 10.157.252.3 80 > /tmp/out 2>&1 && break; sleep 0.3; done; "
                    + "tail -n 1 /tmp/out");
            Map<String, String> ns = new LinkedHashMap<>();
            ns.put("pid", null);
            ns.put("network", ctr.toString());
            ns.put("ipc", null);
            ns.put("uts", null);
            ns.put("mount", null);
            b.namespaces(ns);
            b.config().put("mounts", withTmp(b));
            String out = run(b).ok().out();
            assertTrue(out.contains("10.157.252.2/24"), out);
            assertTrue(out.contains("default via 10.157.252.1 dev eth0"), out);
            assertTrue(out.endsWith("hello from peer\n"), out);
        } finally {
            if (server != null) {
                server.destroyForcibly().waitFor();
            }
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    NetNamespaces.remove(f);
                }
            }
            try {
                LinuxSyscalls.INSTANCE.unmountDetached(dir.toString());
            } catch (RuntimeException notMounted) {
                // only when it was made a mount point
            }
            try (Stream<Path> files = Files.walk(top)) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    /** The template's mounts plus a tmpfs on /tmp (the root file system is read-only). */
    @SuppressWarnings("unchecked")
    private static List<Object> withTmp(Bundle b) throws IOException {
        List<Object> mounts = new java.util.ArrayList<>((List<Object>) b.config().get("mounts"));
        Map<String, Object> tmp = new LinkedHashMap<>();
        tmp.put("destination", "/tmp");
        tmp.put("type", "tmpfs");
        tmp.put("source", "tmpfs");
        tmp.put("options", List.of("nosuid", "nodev", "mode=1777"));
        mounts.add(tmp);
        return mounts;
    }
}
