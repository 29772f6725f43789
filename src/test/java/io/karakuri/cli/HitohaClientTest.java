package io.karakuri.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI's HTTP over hitoha's Unix socket, against a real socket served by the test. */
class HitohaClientTest {
    @TempDir
    Path dir;

    /** Serves one connection: returns the request it read, after sending the answer in the given pieces. */
    private CompletableFuture<String> serveOnce(Path socket, String... answer) throws Exception {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        return CompletableFuture.supplyAsync(() -> {
            try (server; SocketChannel ch = server.accept()) {
                InputStream in = Channels.newInputStream(ch);
                ByteArrayOutputStream request = new ByteArrayOutputStream();
                while (!request.toString(StandardCharsets.UTF_8).contains("\r\n\r\n")) {
                    request.write(in.read());
                }
                String head = request.toString(StandardCharsets.UTF_8);
                int length = Integer.parseInt(head.replaceAll("(?s).*Content-Length: (\\d+).*", "$1"));
                request.write(in.readNBytes(length));
                for (String piece : answer) {
                    ch.write(ByteBuffer.wrap(piece.getBytes(StandardCharsets.UTF_8)));
                    Thread.sleep(5);
                }
                return request.toString(StandardCharsets.UTF_8);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void sendsJsonAndReadsABodyOfKnownLength() throws Exception {
        Path socket = dir.resolve("h.sock");
        CompletableFuture<String> request = serveOnce(socket,
                "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"id\":\"x\"}\n");
        HitohaClient.Response r = new HitohaClient(socket).send("POST", "/v1/things", "{\"a\":1}");
        assertEquals(201, r.status());
        assertEquals("application/json", r.headers().get("content-type"));
        assertEquals("{\"id\":\"x\"}\n", r.body());
        String sent = request.get();
        assertTrue(sent.startsWith("POST /v1/things HTTP/1.1\r\n"), sent);
        assertTrue(sent.contains("Content-Type: application/json\r\n") && sent.endsWith("\r\n\r\n{\"a\":1}"), sent);
    }

    @Test
    void passesOnTheLinesOfAChunkedStreamAsTheyArrive() throws Exception {
        Path socket = dir.resolve("h.sock");
        serveOnce(socket, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                "5\r\n{\"a\":\r\n", "7\r\n1}\n{\"b\"\r\n", "4;x=y\r\n:2}\n\r\n", "0\r\n\r\n");
        List<String> lines = new ArrayList<>();
        HitohaClient.Response r = new HitohaClient(socket).send("GET", "/v1/stream", null, lines::add);
        assertEquals(200, r.status());
        assertEquals(List.of("{\"a\":1}", "{\"b\":2}"), lines);
        assertEquals("", r.body());
    }

    @Test
    void aMissingDaemonIsAClearMessage() {
        Path socket = dir.resolve("none.sock");
        HitohaClient.UnreachableException e = assertThrows(HitohaClient.UnreachableException.class,
                () -> new HitohaClient(socket).send("GET", "/v1/system/info", null));
        assertTrue(e.getMessage().startsWith("cannot reach hitoha at " + socket + ": "), e.getMessage());
        assertTrue(e.getMessage().endsWith("(is the daemon running? start it with 'systemctl start hitoha' or 'hitoha')"),
                e.getMessage());
    }

    @Test
    void somethingElseOnTheSocketIsNotTakenForHitoha() throws Exception {
        Path socket = dir.resolve("h.sock");
        serveOnce(socket, "SSH-2.0-OpenSSH\r\n");
        HitohaClient.UnreachableException e = assertThrows(HitohaClient.UnreachableException.class,
                () -> new HitohaClient(socket).send("GET", "/", null));
        assertEquals("hitoha at " + socket + " did not answer in HTTP", e.getMessage());
    }

    @Test
    void theSocketComesFromTheEnvironment() {
        assertEquals(HitohaClient.DEFAULT_SOCKET, HitohaClient.fromEnvironment(java.util.Map.of()).socket());
        assertEquals(Path.of("/tmp/x.sock"),
                HitohaClient.fromEnvironment(java.util.Map.of("KARAKURI_SOCKET", "/tmp/x.sock")).socket());
    }
}
