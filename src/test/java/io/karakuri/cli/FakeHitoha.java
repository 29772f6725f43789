package io.karakuri.cli;

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
import java.util.concurrent.CompletableFuture;

/** A stand-in for hitoha on a real Unix socket: answers one connection with a canned answer. */
final class FakeHitoha {
    private FakeHitoha() {
    }

    /** Serves one connection: returns the request it read, after sending the answer in the given pieces. */
    static CompletableFuture<String> serveOnce(Path socket, String... answer) throws Exception {
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
                int length = head.contains("Content-Length: ")
                        ? Integer.parseInt(head.replaceAll("(?s).*Content-Length: (\\d+).*", "$1")) : 0;
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

    /** A chunked answer of status 200 whose body is the given lines, one chunk each. */
    static String[] chunkedLines(String... lines) {
        String[] pieces = new String[lines.length + 2];
        pieces[0] = "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n";
        for (int i = 0; i < lines.length; i++) {
            byte[] b = (lines[i] + "\n").getBytes(StandardCharsets.UTF_8);
            pieces[i + 1] = Integer.toHexString(b.length) + "\r\n" + lines[i] + "\n\r\n";
        }
        pieces[lines.length + 1] = "0\r\n\r\n";
        return pieces;
    }
}
