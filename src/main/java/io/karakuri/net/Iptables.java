package io.karakuri.net;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The iptables fallback, for hosts where nft does not work: the same rules as {@link NftRules} in
 * karakuri's own chains (KARAKURI-*, tables nat and filter). The chains' contents are replaced in one
 * {@code iptables-restore --noflush} transaction (declaring a chain empties it); the jumps to them from
 * the built-in chains are added once, checked with {@code iptables -C} first. Nothing else is touched.
 */
public final class Iptables implements PacketFilter {
    static final String PRE = "KARAKURI-PREROUTING";
    static final String OUT = "KARAKURI-OUTPUT";
    static final String PUBLISHED = "KARAKURI-PUBLISHED";
    static final String POST = "KARAKURI-POSTROUTING";
    static final String FORWARD = "KARAKURI-FORWARD";

    /** {table, built-in chain, karakuri's chain, "I" to insert first or "A" to append}. */
    private static final String[][] JUMPS = {
        {"nat", "PREROUTING", PRE, "A"},
        {"nat", "OUTPUT", OUT, "A"},
        {"nat", "POSTROUTING", POST, "A"},
        {"filter", "FORWARD", FORWARD, "I"},
    };

    private final List<String> prefix;

    /** prefix: what runs before the iptables programs (as nsenter --net=… in a test); empty: nothing. */
    public Iptables(List<String> prefix) {
        this.prefix = List.copyOf(prefix);
    }

    /** The iptables-restore --noflush input that fills karakuri's chains. */
    public static String restoreScript(List<Subnet> subnets, List<PublishedPort> ports) {
        StringBuilder s = new StringBuilder();
        s.append("*nat\n");
        for (String chain : List.of(PRE, OUT, PUBLISHED, POST)) {
            s.append(':').append(chain).append(" - [0:0]\n");
        }
        s.append("-A ").append(PRE).append(" -m addrtype --dst-type LOCAL -j ").append(PUBLISHED).append('\n');
        s.append("-A ").append(OUT).append(" -m addrtype --dst-type LOCAL -j ").append(PUBLISHED).append('\n');
        for (PublishedPort port : ports) {
            PortMapping m = port.mapping();
            s.append("-A ").append(PUBLISHED);
            if (m.hostIp() != null) {
                s.append(" -d ").append(m.hostIp()).append("/32");
            }
            s.append(" -p ").append(m.protocol()).append(" -m ").append(m.protocol()).append(" --dport ")
                    .append(m.hostPort()).append(" -j DNAT --to-destination ").append(port.containerAddress())
                    .append(':').append(m.containerPort()).append('\n');
        }
        s.append("-A ").append(POST).append(" -o lo -j RETURN\n"); // the host to its own addresses: no NAT
        for (Subnet subnet : subnets) {
            s.append("-A ").append(POST).append(" -s ").append(subnet.cidr()).append(" ! -o ").append(subnet.bridge())
                    .append(" -j MASQUERADE\n");
            s.append("-A ").append(POST).append(" -s ").append(subnet.cidr()).append(" -o ").append(subnet.bridge())
                    .append(" -m conntrack --ctstate DNAT -j MASQUERADE\n");
            s.append("-A ").append(POST).append(" -s 127.0.0.0/8 -o ").append(subnet.bridge()).append(" -j MASQUERADE\n");
        }
        s.append("COMMIT\n");
        s.append("*filter\n");
        s.append(':').append(FORWARD).append(" - [0:0]\n");
        for (Subnet subnet : subnets) {
            s.append("-A ").append(FORWARD).append(" -o ").append(subnet.bridge())
                    .append(" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n");
            s.append("-A ").append(FORWARD).append(" -o ").append(subnet.bridge())
                    .append(" -m conntrack --ctstate DNAT -j ACCEPT\n");
        }
        for (Subnet a : subnets) {
            for (Subnet b : subnets) {
                if (!a.bridge().equals(b.bridge()) && !b.shared()) {
                    s.append("-A ").append(FORWARD).append(" -i ").append(a.bridge()).append(" -o ").append(b.bridge())
                            .append(" -j DROP\n");
                }
            }
        }
        for (Subnet subnet : subnets) {
            s.append("-A ").append(FORWARD).append(" -i ").append(subnet.bridge()).append(" -j ACCEPT\n");
        }
        s.append("COMMIT\n");
        return s.toString();
    }

    /** Whether iptables runs and can list the nat table. */
    public boolean usable() {
        try {
            return run(null, "iptables", "-w", "-t", "nat", "-S", "POSTROUTING").status() == 0;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    @Override
    public void apply(List<Subnet> subnets, List<PublishedPort> ports) {
        Result r = run(restoreScript(subnets, ports), "iptables-restore", "-w", "--noflush");
        if (r.status() != 0) {
            throw new IllegalStateException("iptables-restore failed (exit status " + r.status() + "): " + r.errors());
        }
        for (String[] jump : JUMPS) {
            if (run(null, "iptables", "-w", "-t", jump[0], "-C", jump[1], "-j", jump[2]).status() != 0) {
                Result added = "I".equals(jump[3])
                        ? run(null, "iptables", "-w", "-t", jump[0], "-I", jump[1], "1", "-j", jump[2])
                        : run(null, "iptables", "-w", "-t", jump[0], "-A", jump[1], "-j", jump[2]);
                if (added.status() != 0) {
                    throw new IllegalStateException("iptables: cannot add the jump from " + jump[1] + " to " + jump[2]
                            + ": " + added.errors());
                }
            }
        }
    }

    @Override
    public void remove() {
        for (String[] jump : JUMPS) {
            for (int i = 0; i < 100 && run(null, "iptables", "-w", "-t", jump[0], "-D", jump[1], "-j", jump[2]).status() == 0; i++) {
                // every copy of the jump
            }
        }
        for (String[] chain : new String[][] {{"nat", PRE}, {"nat", OUT}, {"nat", POST}, {"nat", PUBLISHED}, {"filter", FORWARD}}) {
            if (run(null, "iptables", "-w", "-t", chain[0], "-F", chain[1]).status() == 0) {
                Result r = run(null, "iptables", "-w", "-t", chain[0], "-X", chain[1]);
                if (r.status() != 0) {
                    throw new IllegalStateException("iptables: cannot delete chain " + chain[1] + ": " + r.errors());
                }
            }
        }
    }

    @Override
    public String toString() {
        return "iptables chains KARAKURI-*";
    }

    private record Result(int status, String errors) {}

    private Result run(String input, String... args) {
        List<String> argv = new ArrayList<>(prefix);
        argv.addAll(List.of(args));
        Process process;
        try {
            process = new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + args[0] + ": " + e.getMessage(), e);
        }
        try {
            try (OutputStream in = process.getOutputStream()) {
                if (input != null) {
                    in.write(input.getBytes(StandardCharsets.UTF_8));
                }
            }
            String errors = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(args[0] + " did not finish within 30 s");
            }
            return new Result(process.exitValue(), errors);
        } catch (IOException e) {
            process.destroyForcibly();
            throw new IllegalStateException(args[0] + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + args[0] + " ran", e);
        }
    }
}
