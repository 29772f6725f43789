package io.karakuri.cli;

import io.karakuri.monitor.AttachFrames;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for hitoha's container API on a real Unix socket: each connection is served in its own thread
 * (an attach stays open while start is sent), answered by the route "METHOD /path?query" it asks for
 * (404 when there is none). Every request is kept, in the order they arrived.
 */
final class FakeApi implements AutoCloseable {
    record Request(String method, String target, Map<String, String> headers, String body) {
        String line() {
            return method + " " + target;
        }
    }

    /** Answers one request: in and out are the connection's, for an upgrade's frames. */
    interface Handler {
        void handle(Request request, InputStream in, OutputStream out) throws Exception;
    }

    private final ServerSocketChannel server;
    private final Map<String, Handler> routes = new ConcurrentHashMap<>();
    private final List<Request> requests = new ArrayList<>();
    private final Map<String, CountDownLatch> seen = new ConcurrentHashMap<>();
    private final Thread acceptor;

    FakeApi(Path socket) throws IOException {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        acceptor = Thread.ofPlatform().daemon().start(this::accept);
    }

    FakeApi on(String route, Handler handler) {
        routes.put(route, handler);
        return this;
    }

    /** Answers route with status and a JSON body (none for 204). */
    FakeApi on(String route, int status, String json) {
        return on(route, (request, in, out) -> respond(out, status, json));
    }

    static void respond(OutputStream out, int status, String json) throws IOException {
        byte[] body = json == null ? new byte[0] : json.getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.write(body);
        out.flush();
    }

    /** A chunked NDJSON answer of these lines. */
    static void lines(OutputStream out, String... lines) throws IOException {
        for (String piece : FakeHitoha.chunkedLines(lines)) {
            out.write(piece.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    static void upgrade(OutputStream out) throws IOException {
        out.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
                .getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    static void frame(OutputStream out, int type, String text) throws IOException {
        out.write(AttachFrames.encode(type, text.getBytes(StandardCharsets.UTF_8)));
        out.flush();
    }

    /** Waits until a request for route has arrived. */
    void await(String route) throws InterruptedException {
        if (!latch(route).await(10, TimeUnit.SECONDS)) {
            throw new AssertionError("no request " + route + " in 10 s; had " + lines());
        }
    }

    private CountDownLatch latch(String route) {
        return seen.computeIfAbsent(route, r -> new CountDownLatch(1));
    }

    synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    List<String> lines() {
        return requests().stream().map(Request::line).toList();
    }

    Request request(String route) {
        return requests().stream().filter(r -> r.line().equals(route)).findFirst()
                .orElseThrow(() -> new AssertionError("no request " + route + "; had " + lines()));
    }

    private void accept() {
        while (true) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException closed) {
                return;
            }
            Thread.ofPlatform().daemon().start(() -> serve(ch));
        }
    }

    private void serve(SocketChannel ch) {
        try (ch) {
            InputStream in = Channels.newInputStream(ch);
            OutputStream out = Channels.newOutputStream(ch);
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.UTF_8).endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    return;
                }
                head.write(c);
            }
            List<String> lines = head.toString(StandardCharsets.UTF_8).lines().toList();
            String[] first = lines.getFirst().split(" ");
            Map<String, String> headers = new LinkedHashMap<>();
            for (String h : lines.subList(1, lines.size())) {
                int colon = h.indexOf(':');
                if (colon > 0) {
                    headers.put(h.substring(0, colon).toLowerCase(Locale.ROOT), h.substring(colon + 1).strip());
                }
            }
            int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
            Request request = new Request(first[0], first[1], headers,
                    new String(in.readNBytes(length), StandardCharsets.UTF_8));
            synchronized (this) {
                requests.add(request);
            }
            Handler handler = routes.get(request.line());
            if (handler == null) {
                respond(out, 404, "{\"message\":\"no route " + request.line() + "\"}");
            } else {
                handler.handle(request, in, out);
            }
            latch(request.line()).countDown();
        } catch (Exception e) {
            // the client went away
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
