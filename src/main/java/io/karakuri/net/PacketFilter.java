package io.karakuri.net;

import java.util.List;

/** Where karakuri's NAT and forwarding rules live: nftables (preferred) or iptables (the fallback). */
public interface PacketFilter {
    /** Replaces all of karakuri's rules with those for these subnets and published ports. */
    void apply(List<Subnet> subnets, List<PublishedPort> ports);

    /** Removes all of karakuri's rules; nothing if there are none. */
    void remove();

    /** nftables table inet name. */
    static PacketFilter nftables(Nftables nft, String table) {
        NftRules.checkTableName(table);
        return new PacketFilter() {
            @Override
            public void apply(List<Subnet> subnets, List<PublishedPort> ports) {
                nft.apply(NftRules.ruleset(table, subnets, ports));
            }

            @Override
            public void remove() {
                nft.apply(NftRules.deletion(table));
            }

            @Override
            public String toString() {
                return "nftables table inet " + table;
            }
        };
    }

    /**
     * nftables if nft works here, else iptables if it does, decided on first use; with neither, the
     * calls fail with nft's message.
     */
    static PacketFilter system() {
        return new PacketFilter() {
            private PacketFilter chosen;

            private synchronized PacketFilter chosen() {
                if (chosen == null) {
                    Nftables nft = Nftables.system();
                    Iptables iptables = new Iptables(List.of());
                    chosen = !nft.usable() && iptables.usable() ? iptables : nftables(nft, NftRules.TABLE);
                }
                return chosen;
            }

            @Override
            public void apply(List<Subnet> subnets, List<PublishedPort> ports) {
                chosen().apply(subnets, ports);
            }

            @Override
            public void remove() {
                chosen().remove();
            }

            @Override
            public String toString() {
                return String.valueOf(chosen);
            }
        };
    }
}
