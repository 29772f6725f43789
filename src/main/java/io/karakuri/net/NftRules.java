package io.karakuri.net;

import java.util.List;

/**
 * The text of karakuri's nftables table, generated whole from the model each time: one `nft -f -`
 * transaction that creates the table if absent, deletes it and defines it again, so applying it is
 * atomic and idempotent. The table (family inet, IPv4 rules) holds:
 * <ul>
 * <li>postrouting: nothing for the host's traffic to itself; masquerade of each subnet going out of any interface but its bridge; masquerade of
 * 127.0.0.0/8-sourced traffic going out of a bridge (published ports used from the host's localhost,
 * which also needs route_localnet on the bridge); hairpin masquerade of DNATed traffic from a subnet
 * back into the same bridge;</li>
 * <li>prerouting and output (locally generated): traffic to one of the host's own addresses
 * ({@code fib daddr type local}) jumps to {@code published}, which DNATs each published port (a
 * mapping bound to an address only for that address);</li>
 * <li>forward: accepts replies into each bridge and DNATed traffic (a published port is open to every
 * namespace, as to other hosts); then drops new traffic between two karakuri bridges (namespaces are
 * isolated) unless it goes to the shared network of modules ({@link Subnet#shared()}); then accepts what
 * comes from a bridge.</li>
 * </ul>
 */
public final class NftRules {
    /** The table's name (family inet) in production. */
    public static final String TABLE = "karakuri";

    private NftRules() {
    }

    /** The transaction that replaces table with one for these subnets and published ports. */
    public static String ruleset(String table, List<Subnet> subnets, List<PublishedPort> ports) {
        checkTableName(table);
        StringBuilder s = new StringBuilder();
        s.append("add table inet ").append(table).append('\n');
        s.append("delete table inet ").append(table).append('\n');
        s.append("table inet ").append(table).append(" {\n");

        s.append("  chain prerouting {\n");
        s.append("    type nat hook prerouting priority dstnat; policy accept;\n");
        s.append("    fib daddr type local jump published\n");
        s.append("  }\n");
        s.append("  chain output {\n");
        s.append("    type nat hook output priority -100; policy accept;\n");
        s.append("    fib daddr type local jump published\n");
        s.append("  }\n");
        s.append("  chain published {\n");
        for (PublishedPort port : ports) {
            PortMapping m = port.mapping();
            s.append("    ");
            if (m.hostIp() != null) {
                s.append("ip daddr ").append(m.hostIp()).append(' ');
            }
            s.append(m.protocol()).append(" dport ").append(m.hostPort()).append(" dnat ip to ")
                    .append(port.containerAddress()).append(':').append(m.containerPort()).append('\n');
        }
        s.append("  }\n");

        s.append("  chain postrouting {\n");
        s.append("    type nat hook postrouting priority srcnat; policy accept;\n");
        s.append("    oifname \"lo\" accept\n"); // the host to its own addresses (a gateway): no NAT
        for (Subnet subnet : subnets) {
            String bridge = quote(subnet.bridge());
            s.append("    ip saddr ").append(subnet.cidr()).append(" oifname != ").append(bridge).append(" masquerade\n");
            s.append("    ip saddr ").append(subnet.cidr()).append(" oifname ").append(bridge)
                    .append(" ct status dnat masquerade\n");
            s.append("    ip saddr 127.0.0.0/8 oifname ").append(bridge).append(" masquerade\n");
        }
        s.append("  }\n");

        s.append("  chain forward {\n");
        s.append("    type filter hook forward priority filter; policy accept;\n");
        for (Subnet subnet : subnets) {
            String bridge = quote(subnet.bridge());
            s.append("    oifname ").append(bridge).append(" ct state established,related accept\n");
            s.append("    oifname ").append(bridge).append(" ct status dnat accept\n");
        }
        for (Subnet a : subnets) {
            for (Subnet b : subnets) {
                if (!a.bridge().equals(b.bridge()) && !b.shared()) {
                    s.append("    iifname ").append(quote(a.bridge())).append(" oifname ").append(quote(b.bridge()))
                            .append(" drop\n");
                }
            }
        }
        for (Subnet subnet : subnets) {
            s.append("    iifname ").append(quote(subnet.bridge())).append(" accept\n");
        }
        s.append("  }\n");
        s.append("}\n");
        return s.toString();
    }

    /** The transaction that removes table, whether it exists or not. */
    public static String deletion(String table) {
        checkTableName(table);
        return "add table inet " + table + "\ndelete table inet " + table + "\n";
    }

    static void checkTableName(String table) {
        if (table == null || !table.matches("[A-Za-z][A-Za-z0-9_]{0,31}")) {
            throw new IllegalArgumentException("not a valid nftables table name: '" + table + "'");
        }
    }

    private static String quote(String name) {
        return '"' + name + '"';
    }
}
