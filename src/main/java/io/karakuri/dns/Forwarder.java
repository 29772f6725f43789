package io.karakuri.dns;

import io.karakuri.net.Ipv4;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Relays queries the server does not answer itself to upstream name servers (the host's), as bytes:
 * the query goes out unchanged and the upstream's response comes back unchanged. Upstreams are tried
 * in order, each once, each with the timeout. A fresh socket per query gives each a random source
 * port; channels, so that interrupting the calling thread (the server closing) ends the wait.
 */
public final class Forwarder {
    private final List<InetSocketAddress> upstreams;
    private final int timeoutMillis;

    public Forwarder(List<InetSocketAddress> upstreams, Duration timeout) {
        this.upstreams = List.copyOf(upstreams);
        this.timeoutMillis = Math.toIntExact(Math.max(1, timeout.toMillis()));
    }

    /**
     * The name servers of a resolv.conf text, on port 53, in order: IPv4 and IPv6 literals (with a
     * numeric scope); loopback ones are kept, the server runs on the host. Lines that are no literal
     * are skipped: an address is never looked up.
     */
    public static List<InetSocketAddress> nameservers(String resolvConf) {
        List<InetSocketAddress> servers = new ArrayList<>();
        for (String line : resolvConf.split("\n")) {
            String[] words = line.strip().split("\\s+");
            if (words.length >= 2 && words[0].equals("nameserver")) {
                InetAddress address = literal(words[1]);
                if (address != null) {
                    servers.add(new InetSocketAddress(address, 53));
                }
            }
        }
        return List.copyOf(servers);
    }

    /** The response of the first upstream that answers over UDP, or null when none does. */
    byte[] udp(byte[] query) {
        byte[] buffer = new byte[DnsMessage.TCP_LIMIT];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        for (InetSocketAddress upstream : upstreams) {
            try (DatagramChannel channel = DatagramChannel.open(family(upstream))) {
                // connected: the kernel drops datagrams from any other address
                channel.connect(upstream);
                DatagramSocket socket = channel.socket();
                socket.send(new DatagramPacket(query, query.length));
                long deadline = deadline();
                for (int left = timeoutMillis; left > 0; left = (int) ((deadline - System.nanoTime()) / 1_000_000)) {
                    socket.setSoTimeout(left);
                    socket.receive(packet);
                    if (sameId(query, buffer, packet.getLength())) {
                        return Arrays.copyOf(buffer, packet.getLength());
                    }
                }
            } catch (IOException e) {
                // timed out, refused, unreachable, closed: the next upstream
            }
        }
        return null;
    }

    /** The response of the first upstream that answers over TCP, or null when none does. */
    byte[] tcp(byte[] query) {
        byte[] framed = Framing.frame(query);
        for (InetSocketAddress upstream : upstreams) {
            try (SocketChannel channel = SocketChannel.open(family(upstream))) {
                long deadline = deadline();
                Socket socket = channel.socket();
                socket.connect(upstream, timeoutMillis);
                socket.getOutputStream().write(framed);
                byte[] response = Framing.read(socket, deadline);
                if (sameId(query, response, response.length)) {
                    return response;
                }
            } catch (IOException e) {
                // timed out, refused, reset, closed: the next upstream
            }
        }
        return null;
    }

    private long deadline() {
        return System.nanoTime() + timeoutMillis * 1_000_000L;
    }

    private static boolean sameId(byte[] query, byte[] response, int length) {
        return length >= DnsMessage.HEADER && DnsMessage.u16(query, 0) == DnsMessage.u16(response, 0);
    }

    private static StandardProtocolFamily family(InetSocketAddress address) {
        return address.getAddress() instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
    }

    /** An IPv4 or IPv6 literal, or null; parsed here so that nothing is looked up. */
    private static InetAddress literal(String text) {
        try {
            if (text.indexOf(':') >= 0) {
                return InetAddress.ofLiteral(text);
            }
            // Ipv4, not ofLiteral: ofLiteral also takes the legacy forms "1.2.3" and "1"
            return Ipv4.isAddress(text) ? InetAddress.ofLiteral(Ipv4.parse(text).address()) : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
