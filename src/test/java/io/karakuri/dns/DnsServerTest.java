package io.karakuri.dns;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A real server on 127.0.0.1 with fake upstreams on 127.0.0.1: nothing leaves the machine. */
class DnsServerTest {
    private static final InetAddress LOOPBACK = InetAddress.ofLiteral("127.0.0.1");
    private static final Duration TIMEOUT = Duration.ofMillis(300);

    private final AtomicReference<Zone> zone = new AtomicReference<>(DnsZoneTest.zone());
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closing.reversed()) {
            c.close();
        }
    }

    @Test
    void answersItsNamesOverUdp() throws IOException {
        DnsServer server = server(address -> true, List.of());
        byte[] query = Packets.query(0x4242, "Web.Karakuri.CONTAINER", DnsMessage.A);
        byte[] a = udp(server, query);
        assertEquals(0x4242, Packets.id(a));
        assertEquals(DnsMessage.NOERROR, Packets.rcode(a));
        assertTrue(Packets.authoritative(a));
        assertArrayEquals(Packets.question(query), Packets.question(a), "the question as asked");
        assertEquals(DnsMessage.A, Packets.answerType(a));
        assertEquals(0, Packets.answerTtl(a));
        assertArrayEquals(DnsZoneTest.WEB.getAddress(), Packets.answerData(a));

        byte[] aaaa = udp(server, Packets.query(2, "web.karakuri.container", Packets.AAAA));
        assertEquals(DnsMessage.NOERROR, Packets.rcode(aaaa));
        assertTrue(Packets.authoritative(aaaa));
        assertEquals(0, Packets.answers(aaaa), "no data");

        byte[] ptr = udp(server, Packets.query(3, "5.2.157.10.in-addr.arpa", DnsMessage.PTR));
        assertEquals(DnsMessage.PTR, Packets.answerType(ptr));
        assertArrayEquals(Packets.name("web.karakuri.container"), Packets.answerData(ptr));

        for (String unknown : new String[] {"nope.karakuri.container", "9.9.157.10.in-addr.arpa"}) {
            byte[] nx = udp(server, Packets.query(4, unknown, DnsMessage.A));
            assertEquals(DnsMessage.NXDOMAIN, Packets.rcode(nx), unknown);
            assertTrue(Packets.authoritative(nx));
        }
    }

    @Test
    void answersSeveralQueriesOnOneTcpConnection() throws IOException {
        DnsServer server = server(address -> true, List.of());
        try (SocketChannel tcp = SocketChannel.open(server.address())) {
            byte[] a = tcp(tcp, Packets.query(1, "db.karakuri.container", DnsMessage.A));
            assertArrayEquals(DnsZoneTest.DB.getAddress(), Packets.answerData(a));
            byte[] nx = tcp(tcp, Packets.query(2, "gone.karakuri.container", DnsMessage.A));
            assertEquals(DnsMessage.NXDOMAIN, Packets.rcode(nx));
            byte[] ptr = tcp(tcp, Packets.query(3, "6.2.157.10.in-addr.arpa", DnsMessage.PTR));
            assertArrayEquals(Packets.name("db.karakuri.container"), Packets.answerData(ptr));
        }
    }

    @Test
    void refusesOtherClients() throws IOException {
        DnsServer server = server(address -> !address.equals(LOOPBACK), List.of());
        byte[] query = Packets.query(5, "web.karakuri.container", DnsMessage.A);
        assertEquals(DnsMessage.REFUSED, Packets.rcode(udp(server, query)));
        try (SocketChannel tcp = SocketChannel.open(server.address())) {
            byte[] refused = tcp(tcp, query);
            assertEquals(DnsMessage.REFUSED, Packets.rcode(refused));
            assertArrayEquals(Packets.question(query), Packets.question(refused));
        }
    }

    @Test
    void aSwappedZoneAnswersTheNextQuery() throws IOException {
        DnsServer server = server(address -> true, List.of());
        byte[] query = Packets.query(1, "new.karakuri.container", DnsMessage.A);
        assertEquals(DnsMessage.NXDOMAIN, Packets.rcode(udp(server, query)));
        zone.set(new Zone(Map.of("new.karakuri.container", DnsZoneTest.DB), List.of("karakuri.container")));
        assertArrayEquals(DnsZoneTest.DB.getAddress(), Packets.answerData(udp(server, query)));
    }

    @Test
    void forwardsOverUdpUnchanged() throws IOException, InterruptedException {
        byte[] reply = {0, 0, (byte) 0x81, (byte) 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5};
        FakeUpstream upstream = closing(FakeUpstream.udp(query -> List.of(withId(reply, query))));
        DnsServer server = server(address -> true, List.of(upstream.address()));
        byte[] query = Packets.query(0x7777, "Example.COM", Packets.AAAA);
        byte[] response = udp(server, query);
        assertArrayEquals(withId(reply, query), response, "the upstream's response, byte for byte");
        assertArrayEquals(query, upstream.received.poll(1, TimeUnit.SECONDS), "the client's query, byte for byte");
    }

    @Test
    void ignoresUpstreamResponsesWithAnotherId() throws IOException {
        byte[] reply = {0, 0, (byte) 0x81, (byte) 0x80, 0, 0, 0, 0, 0, 0, 0, 0};
        FakeUpstream upstream = closing(FakeUpstream.udp(query -> {
            byte[] wrong = withId(reply, query);
            wrong[1]++;
            return List.of(wrong, withId(reply, query));
        }));
        DnsServer server = server(address -> true, List.of(upstream.address()));
        byte[] query = Packets.query(0x1000, "example.com", DnsMessage.A);
        assertArrayEquals(withId(reply, query), udp(server, query));
    }

    @Test
    void triesUpstreamsInOrderThenFails() throws IOException {
        FakeUpstream silent = closing(FakeUpstream.udp(query -> List.of()));
        FakeUpstream answering = closing(FakeUpstream.udp(query -> List.of(withId(new byte[12], query))));
        byte[] query = Packets.query(0x2000, "example.com", DnsMessage.A);
        DnsServer second = server(address -> true, List.of(silent.address(), answering.address()));
        assertArrayEquals(withId(new byte[12], query), udp(second, query));
        DnsServer none = server(address -> true, List.of(silent.address()));
        byte[] failed = udp(none, query);
        assertEquals(DnsMessage.SERVFAIL, Packets.rcode(failed));
        assertArrayEquals(Packets.question(query), Packets.question(failed));
        DnsServer noUpstream = server(address -> true, List.of());
        assertEquals(DnsMessage.SERVFAIL, Packets.rcode(udp(noUpstream, query)));
    }

    @Test
    void forwardsOverTcpUnchanged() throws IOException, InterruptedException {
        byte[] reply = new byte[700]; // over 512: TCP has no such limit
        reply[2] = (byte) 0x81;
        FakeUpstream upstream = closing(FakeUpstream.tcp(query -> withId(reply, query)));
        DnsServer server = server(address -> true, List.of(upstream.address()));
        byte[] query = Packets.query(0x3000, "example.com", Packets.TXT);
        try (SocketChannel tcp = SocketChannel.open(server.address())) {
            assertArrayEquals(withId(reply, query), tcp(tcp, query));
            assertArrayEquals(query, upstream.received.poll(1, TimeUnit.SECONDS));
        }
    }

    @Test
    void answersOrDropsHostilePackets() throws IOException {
        DnsServer server = server(address -> true, List.of());
        try (DatagramChannel client = client(server)) {
            client.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            byte[] response = Packets.query(1, "web.karakuri.container", DnsMessage.A);
            response[2] |= (byte) 0x80;
            client.write(ByteBuffer.wrap(response));
            byte[] loop = {0, 9, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, (byte) 0xC0, 12, 0, 1, 0, 1};
            client.write(ByteBuffer.wrap(loop));
            byte[] formerr = receive(client);
            assertEquals(9, Packets.id(formerr), "the first two got no response");
            assertEquals(DnsMessage.FORMERR, Packets.rcode(formerr));
            assertEquals(12, formerr.length);
        }
        assertEquals(DnsMessage.NOERROR, Packets.rcode(udp(server, Packets.query(2, "web", DnsMessage.A))), "still serving");
    }

    @Test
    void closeEndsThreadsAndSockets() throws IOException, InterruptedException {
        long socketsBefore = sockets();
        FakeUpstream silent = closing(FakeUpstream.udp(query -> List.of()));
        DnsServer server = DnsServer.start(new InetSocketAddress(LOOPBACK, 0), zone::get, address -> true,
                new Forwarder(List.of(silent.address()), Duration.ofMinutes(1)));
        try (DatagramChannel client = client(server); SocketChannel tcp = SocketChannel.open(server.address())) {
            client.write(ByteBuffer.wrap(Packets.query(1, "example.com", DnsMessage.A)));
            silent.received.poll(1, TimeUnit.SECONDS); // a forward is waiting on its upstream
            long start = System.nanoTime();
            server.close();
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "close does not wait for the upstream");
            assertEquals(-1, tcp.read(ByteBuffer.allocate(2)), "connections closed");
        }
        silent.close();
        assertFalse(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().startsWith("dns-")));
        assertEquals(socketsBefore, sockets());
        // the port is free on both protocols
        DnsServer.start(server.address(), zone::get, address -> true, new Forwarder(List.of(), TIMEOUT)).close();
    }

    @Test
    void choosesOnePortForUdpAndTcp() throws IOException {
        DnsServer server = server(address -> true, List.of());
        assertNotEquals(0, server.address().getPort());
        try (SocketChannel tcp = SocketChannel.open(server.address())) {
            assertTrue(tcp.isConnected());
        }
        assertThrows(IOException.class, () -> DnsServer.start(server.address(), zone::get, address -> true, new Forwarder(List.of(), TIMEOUT)));
    }

    private DnsServer server(Predicate<InetAddress> clients, List<InetSocketAddress> upstreams) throws IOException {
        return closing(DnsServer.start(new InetSocketAddress(LOOPBACK, 0), zone::get, clients, new Forwarder(upstreams, TIMEOUT)));
    }

    private <T extends AutoCloseable> T closing(T closeable) {
        closing.add(closeable);
        return closeable;
    }

    private static byte[] withId(byte[] message, byte[] query) {
        byte[] copy = message.clone();
        copy[0] = query[0];
        copy[1] = query[1];
        return copy;
    }

    private static DatagramChannel client(DnsServer server) throws IOException {
        DatagramChannel client = DatagramChannel.open(StandardProtocolFamily.INET);
        client.connect(server.address());
        client.socket().setSoTimeout(3000);
        return client;
    }

    private static byte[] receive(DatagramChannel client) throws IOException {
        DatagramPacket packet = new DatagramPacket(new byte[65_535], 65_535);
        client.socket().receive(packet);
        return Arrays.copyOf(packet.getData(), packet.getLength());
    }

    private static byte[] udp(DnsServer server, byte[] query) throws IOException {
        try (DatagramChannel client = client(server)) {
            client.write(ByteBuffer.wrap(query));
            return receive(client);
        }
    }

    private static byte[] tcp(SocketChannel tcp, byte[] query) throws IOException {
        tcp.socket().getOutputStream().write(Framing.frame(query));
        return Framing.read(tcp.socket(), System.nanoTime() + TimeUnit.SECONDS.toNanos(3));
    }

    private static long sockets() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith("socket:");
                } catch (IOException e) {
                    return false;
                }
            }).count();
        }
    }

    /** An upstream on 127.0.0.1 that records the queries it receives. */
    private static final class FakeUpstream implements AutoCloseable {
        final BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
        private final NetworkChannel channel;
        private final Thread thread;

        private interface Loop {
            void run() throws IOException;
        }

        private FakeUpstream(NetworkChannel channel, Function<FakeUpstream, Loop> loop) {
            this.channel = channel;
            Loop serving = loop.apply(this);
            thread = Thread.ofVirtual().start(() -> {
                try {
                    serving.run();
                } catch (IOException e) {
                    // closed
                }
            });
        }

        /** Over UDP: replies computes the datagrams sent back for each query. */
        static FakeUpstream udp(Function<byte[], List<byte[]>> replies) throws IOException {
            DatagramChannel udp = DatagramChannel.open(StandardProtocolFamily.INET).bind(new InetSocketAddress(LOOPBACK, 0));
            return new FakeUpstream(udp, upstream -> () -> {
                ByteBuffer buffer = ByteBuffer.allocate(65_535);
                while (true) {
                    buffer.clear();
                    InetSocketAddress from = (InetSocketAddress) udp.receive(buffer);
                    byte[] query = Arrays.copyOf(buffer.array(), buffer.position());
                    upstream.received.add(query);
                    for (byte[] reply : replies.apply(query)) {
                        udp.send(ByteBuffer.wrap(reply), from);
                    }
                }
            });
        }

        /** Over TCP, one query per connection. */
        static FakeUpstream tcp(Function<byte[], byte[]> reply) throws IOException {
            ServerSocketChannel tcp = ServerSocketChannel.open(StandardProtocolFamily.INET).bind(new InetSocketAddress(LOOPBACK, 0));
            return new FakeUpstream(tcp, upstream -> () -> {
                while (true) {
                    try (SocketChannel connection = tcp.accept()) {
                        byte[] query = Framing.read(connection.socket(), System.nanoTime() + TimeUnit.SECONDS.toNanos(3));
                        upstream.received.add(query);
                        connection.socket().getOutputStream().write(Framing.frame(reply.apply(query)));
                    } catch (SocketTimeoutException e) {
                        // the next connection
                    }
                }
            });
        }

        InetSocketAddress address() throws IOException {
            return (InetSocketAddress) channel.getLocalAddress();
        }

        @Override
        public void close() throws IOException, InterruptedException {
            channel.close();
            thread.join();
        }
    }
}
