package io.karakuri.dns;

import java.io.Closeable;
import java.io.IOException;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * A DNS server for one container network, on UDP and TCP: it answers the names of its zone itself
 * and forwards the rest (see {@link Forwarder}). Clients the predicate rejects get REFUSED.
 *
 * <p>Threads: UDP queries are read and answered from the zone on one platform thread, the lowest
 * latency path; forwarded queries and TCP connections each get a virtual thread, their number
 * bounded so that a flood cannot pile them up.
 */
public final class DnsServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DnsServer.class);
    /** UDP queries waiting on upstreams at once; beyond, SERVFAIL right away. */
    private static final int FORWARDS = 256;
    private static final int TCP_CONNECTIONS = 64;
    /** How long a TCP connection may take to send its next query. */
    private static final Duration TCP_IDLE = Duration.ofSeconds(10);
    private static final Duration ACCEPT_PAUSE = Duration.ofMillis(100);
    /** When port 0 is asked for, how often to look for a port free on both UDP and TCP. */
    private static final int BIND_ATTEMPTS = 16;

    private final DatagramChannel udp;
    private final ServerSocketChannel tcp;
    private final Supplier<Zone> zone;
    private final Predicate<InetAddress> clients;
    private final Forwarder forwarder;
    private final ExecutorService tasks = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("dns-", 0).factory());
    private final Semaphore forwards = new Semaphore(FORWARDS);
    private final Semaphore connections = new Semaphore(TCP_CONNECTIONS);
    private final InetSocketAddress address;
    private final Thread udpLoop;
    private final Thread tcpLoop;

    private DnsServer(DatagramChannel udp, ServerSocketChannel tcp, Supplier<Zone> zone, Predicate<InetAddress> clients,
            Forwarder forwarder) {
        this.udp = udp;
        this.tcp = tcp;
        this.zone = zone;
        this.clients = clients;
        this.forwarder = forwarder;
        this.address = new InetSocketAddress(udp.socket().getLocalAddress(), udp.socket().getLocalPort());
        udpLoop = Thread.ofPlatform().daemon().name("dns-udp " + address).start(this::serveUdp);
        tcpLoop = Thread.ofVirtual().name("dns-tcp " + address).start(this::serveTcp);
    }

    /**
     * Binds UDP and TCP on bind (port 0: a free port, the same number for both) and serves until closed.
     * zone is asked for every query, so a swapped zone answers from the next query on.
     */
    public static DnsServer start(InetSocketAddress bind, Supplier<Zone> zone, Predicate<InetAddress> clients, Forwarder forwarder)
            throws IOException {
        StandardProtocolFamily family = bind.getAddress() instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
        for (int attempt = 1; ; attempt++) {
            DatagramChannel udp = DatagramChannel.open(family).bind(bind);
            try {
                ServerSocketChannel tcp = ServerSocketChannel.open(family).bind(new InetSocketAddress(bind.getAddress(),
                        ((InetSocketAddress) udp.getLocalAddress()).getPort()), TCP_CONNECTIONS);
                return new DnsServer(udp, tcp, zone, clients, forwarder);
            } catch (BindException e) {
                udp.close();
                // the UDP port chosen may be taken on TCP: choose again
                if (bind.getPort() != 0 || attempt == BIND_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /** The address served, its port the one bound. */
    public InetSocketAddress address() {
        return address;
    }

    /** Closes the sockets and returns once the server's threads have ended. */
    @Override
    public void close() {
        closeQuietly(udp);
        closeQuietly(tcp);
        boolean interrupted = false;
        for (Thread loop : List.of(udpLoop, tcpLoop)) {
            while (loop.isAlive()) {
                try {
                    loop.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        // The loops are gone, so no task starts anymore. Interrupting a thread closes the channel it
        // waits on: forwards and connections end at once.
        tasks.shutdownNow();
        tasks.close();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void serveUdp() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(DnsMessage.TCP_LIMIT);
        byte[] packet = new byte[DnsMessage.TCP_LIMIT];
        while (udp.isOpen()) {
            try {
                buffer.clear();
                InetSocketAddress client = (InetSocketAddress) udp.receive(buffer);
                int length = buffer.flip().remaining();
                buffer.get(packet, 0, length);
                DnsQuery query = DnsMessage.read(packet, length);
                if (query == null) {
                    continue;
                }
                byte[] response = local(query, client.getAddress(), query.udpLimit());
                if (response != null) {
                    send(response, client);
                } else if (forwards.tryAcquire()) {
                    byte[] bytes = Arrays.copyOf(packet, length);
                    tasks.execute(() -> forwardUdp(query, bytes, client));
                } else {
                    send(DnsMessage.response(query, DnsMessage.SERVFAIL, false, null, query.udpLimit()), client);
                }
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException | RuntimeException e) {
                // one query's trouble (a bug, an odd socket error) must not stop the server
                LOG.warnf("DNS server %s, UDP: %s", address, e.toString());
            }
        }
    }

    private void forwardUdp(DnsQuery query, byte[] bytes, InetSocketAddress client) {
        try {
            send(orServfail(query, forwarder.udp(bytes), query.udpLimit()), client);
        } finally {
            forwards.release();
        }
    }

    private void send(byte[] response, InetSocketAddress client) {
        try {
            udp.send(ByteBuffer.wrap(response), client);
        } catch (IOException e) {
            // the client is gone or unreachable, or the server closing: nothing to tell
        }
    }

    private void serveTcp() {
        while (tcp.isOpen()) {
            try {
                SocketChannel connection = tcp.accept();
                if (connections.tryAcquire()) {
                    tasks.execute(() -> serveTcp(connection));
                } else {
                    closeQuietly(connection);
                }
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException | RuntimeException e) {
                LOG.warnf("DNS server %s, TCP: %s", address, e.toString());
                // an accept that fails (out of file descriptors) fails again at once: not in a busy loop
                LockSupport.parkNanos(ACCEPT_PAUSE.toNanos());
            }
        }
    }

    /** Queries one after the other on one connection, until the client closes or stays idle. */
    private void serveTcp(SocketChannel connection) {
        try (connection) {
            InetAddress client = ((InetSocketAddress) connection.getRemoteAddress()).getAddress();
            while (true) {
                byte[] packet = Framing.read(connection.socket(), System.nanoTime() + TCP_IDLE.toNanos());
                DnsQuery query = DnsMessage.read(packet, packet.length);
                if (query == null) {
                    continue;
                }
                byte[] response = local(query, client, DnsMessage.TCP_LIMIT);
                if (response == null) {
                    response = orServfail(query, forwarder.tcp(packet), DnsMessage.TCP_LIMIT);
                }
                connection.socket().getOutputStream().write(Framing.frame(response));
            }
        } catch (IOException e) {
            // the client is done, idle too long or gone, or the server closing
        } catch (RuntimeException e) {
            LOG.warnf("DNS server %s, TCP connection: %s", address, e.toString());
        } finally {
            connections.release();
        }
    }

    /** The response given without an upstream, or null when the query is to be forwarded. */
    private byte[] local(DnsQuery query, InetAddress client, int limit) {
        if (query.rcode() != DnsMessage.NOERROR) {
            return DnsMessage.response(query, query.rcode(), false, null, limit);
        }
        if (!clients.test(client)) {
            return DnsMessage.response(query, DnsMessage.REFUSED, false, null, limit);
        }
        return LocalAnswers.answer(zone.get(), query, limit);
    }

    private static byte[] orServfail(DnsQuery query, byte[] upstreamResponse, int limit) {
        return upstreamResponse != null ? upstreamResponse : DnsMessage.response(query, DnsMessage.SERVFAIL, false, null, limit);
    }

    private static void closeQuietly(Closeable channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
