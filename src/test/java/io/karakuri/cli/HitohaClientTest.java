package io.karakuri.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
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

    @Test
    void sendsJsonAndReadsABodyOfKnownLength() throws Exception {
        Path socket = dir.resolve("h.sock");
        CompletableFuture<String> request = FakeHitoha.serveOnce(socket,
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
        FakeHitoha.serveOnce(socket, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                "5\r\n{\"a\":\r\n", "7\r\n1}\n{\"b\"\r\n", "4;x=y\r\n:2}\n\r\n", "0\r\n\r\n");
        List<String> lines = new ArrayList<>();
        HitohaClient.Response r = new HitohaClient(socket).send("GET", "/v1/stream", null, lines::add);
        assertEquals(200, r.status());
        assertEquals(List.of("{\"a\":1}", "{\"b\":2}"), lines);
        assertEquals("", r.body());
    }

    @Test
    void anUpgradeHandsOverTheConnectionWithWhatCameAfterThe101() throws Exception {
        Path socket = dir.resolve("h.sock");
        // the first frame in the same write as the answer's head: read along with it, not lost
        CompletableFuture<String> request = FakeHitoha.serveOnce(socket,
                "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n\u0001\0\0\0\0\0\0\u0002hi",
                "\u0005\0\0\0\0\0\0\u0004\0\0\0\u0003");
        try (HitohaClient.Upgraded up = new HitohaClient(socket).upgrade("/v1/exec/e1/attach")) {
            io.karakuri.monitor.AttachFrames.Frame first = io.karakuri.monitor.AttachFrames.read(up.input());
            assertEquals(1, first.type());
            assertEquals("hi", new String(first.payload(), StandardCharsets.UTF_8));
            assertEquals(3, io.karakuri.monitor.AttachFrames.read(up.input()).exitCode());
        }
        String sent = request.get();
        assertTrue(sent.startsWith("GET /v1/exec/e1/attach HTTP/1.1\r\n"), sent);
        assertTrue(sent.endsWith("\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"), sent);
    }

    @Test
    void anUpgradeRefusedIsHitohasMessage() throws Exception {
        Path socket = dir.resolve("h.sock");
        String body = "{\"message\":\"no such container: c\"}";
        FakeHitoha.serveOnce(socket, "HTTP/1.1 404 Not Found\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
        HitohaClient.RefusedException e = assertThrows(HitohaClient.RefusedException.class,
                () -> new HitohaClient(socket).upgrade("/v1/containers/c/attach"));
        assertEquals("no such container: c", e.getMessage());
        assertEquals(404, e.response().status());
    }

    @Test
    void aMissingDaemonIsAClearMessage() {
        Path socket = dir.resolve("none.sock");
        HitohaClient.UnreachableException e = assertThrows(HitohaClient.UnreachableException.class,
                () -> new HitohaClient(socket).send("GET", "/v1/system/info", null));
        assertTrue(e.getMessage().startsWith("cannot reach hitoha at " + socket + ": "), e.getMessage());
        assertTrue(e.getMessage().endsWith("(is the daemon running? start it with 'sudo systemctl start hitoha', or run 'sudo hitoha')"),
                e.getMessage());
    }

    @Test
    void somethingElseOnTheSocketIsNotTakenForHitoha() throws Exception {
        Path socket = dir.resolve("h.sock");
        FakeHitoha.serveOnce(socket, "SSH-2.0-OpenSSH\r\n");
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

    /** Serves one connection with a handler of its own; the handler's result is the future's. */
    private <T> CompletableFuture<T> serve(Path socket, Handler<T> handler) throws Exception {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        return CompletableFuture.supplyAsync(() -> {
            try (server; SocketChannel ch = server.accept()) {
                return handler.handle(Channels.newInputStream(ch), Channels.newOutputStream(ch));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private interface Handler<T> {
        T handle(InputStream in, java.io.OutputStream out) throws Exception;
    }

    private static String head(InputStream in) throws java.io.IOException {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        while (!request.toString(StandardCharsets.UTF_8).endsWith("\r\n\r\n")) {
            request.write(in.read());
        }
        return request.toString(StandardCharsets.UTF_8);
    }

    private static String asciiLine(InputStream in) throws java.io.IOException {
        StringBuilder sb = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            sb.append((char) c);
        }
        return sb.toString().strip();
    }

    @Test
    void uploadsAStreamChunkedAndPassesOnTheProgressLines() throws Exception {
        Path socket = dir.resolve("h.sock");
        byte[] data = new byte[300_000];
        new java.util.Random(7).nextBytes(data);
        CompletableFuture<byte[]> received = serve(socket, (in, out) -> {
            String head = head(in);
            assertTrue(head.startsWith("POST /v1/images/load HTTP/1.1\r\n"), head);
            assertTrue(head.contains("Content-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n"), head);
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            for (int size = Integer.parseInt(asciiLine(in), 16); size > 0; size = Integer.parseInt(asciiLine(in), 16)) {
                body.write(in.readNBytes(size));
                asciiLine(in);
            }
            asciiLine(in);
            out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n{\"a\":1}\n\r\n0\r\n\r\n"
                    .getBytes(StandardCharsets.UTF_8));
            return body.toByteArray();
        });
        List<String> lines = new ArrayList<>();
        HitohaClient.Response r = new HitohaClient(socket).upload("POST", "/v1/images/load", "application/x-tar",
                new java.io.ByteArrayInputStream(data), lines::add);
        assertEquals(200, r.status());
        assertEquals(List.of("{\"a\":1}"), lines);
        assertTrue(java.util.Arrays.equals(data, received.get()));
    }

    @Test
    void aRefusalBeforeTheBodyIsReadIsReturned() throws Exception {
        Path socket = dir.resolve("h.sock");
        serve(socket, (in, out) -> {
            head(in);
            out.write(("HTTP/1.1 400 Bad Request\r\nContent-Length: 22\r\n\r\n{\"message\":\"bad name\"}")
                    .getBytes(StandardCharsets.UTF_8));
            return null;
        });
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return 0;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                return len;
            }
        };
        List<String> lines = new ArrayList<>();
        HitohaClient.Response r = new HitohaClient(socket).upload("POST", "/v1/images/import?name=X", "application/x-tar",
                endless, lines::add);
        assertEquals(400, r.status());
        assertEquals("{\"message\":\"bad name\"}", r.body());
        assertEquals(List.of(), lines);
    }

    @Test
    void aSourceThatFailsFailsTheUpload() throws Exception {
        Path socket = dir.resolve("h.sock");
        serve(socket, (in, out) -> {
            head(in);
            in.readAllBytes(); // until the client shuts its side down
            out.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 2\r\n\r\n{}".getBytes(StandardCharsets.UTF_8));
            return null;
        });
        InputStream failing = new InputStream() {
            private int calls;

            @Override
            public int read() {
                return 0;
            }

            @Override
            public int read(byte[] b, int off, int len) throws java.io.IOException {
                if (calls++ > 2) {
                    throw new java.io.IOException("Input/output error");
                }
                return len;
            }
        };
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> new HitohaClient(socket)
                .upload("POST", "/v1/images/load", "application/x-tar", failing, null));
        assertEquals("cannot read what was to be sent: Input/output error", e.getMessage());
    }

    @Test
    void downloadsASuccessfulBodyIntoAStreamAndReturnsARefusal() throws Exception {
        Path socket = dir.resolve("h.sock");
        FakeHitoha.serveOnce(socket, "HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n",
                "3\r\nabc\r\n", "2\r\nde\r\n0\r\n\r\n");
        ByteArrayOutputStream to = new ByteArrayOutputStream();
        HitohaClient.Response r = new HitohaClient(socket).download("GET", "/v1/images/save?name=a", to);
        assertEquals(200, r.status());
        assertEquals("", r.body());
        assertEquals("abcde", to.toString(StandardCharsets.UTF_8));

        Path other = dir.resolve("h2.sock");
        FakeHitoha.serveOnce(other, "HTTP/1.1 404 Not Found\r\nContent-Length: 33\r\n\r\n{\"message\":\"no such image: nope\"}");
        ByteArrayOutputStream untouched = new ByteArrayOutputStream();
        HitohaClient.Response refused = new HitohaClient(other).download("GET", "/v1/images/save?name=nope", untouched);
        assertEquals(404, refused.status());
        assertEquals("{\"message\":\"no such image: nope\"}", refused.body());
        assertEquals(0, untouched.size());
    }

    @Test
    void aDownloadCutShortFails() throws Exception {
        Path socket = dir.resolve("h.sock");
        FakeHitoha.serveOnce(socket, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "3\r\nabc\r\n");
        HitohaClient.UnreachableException e = assertThrows(HitohaClient.UnreachableException.class,
                () -> new HitohaClient(socket).download("GET", "/v1/images/save?name=a", new ByteArrayOutputStream()));
        assertEquals("hitoha at " + socket + " closed the connection mid-answer", e.getMessage());
    }
}
