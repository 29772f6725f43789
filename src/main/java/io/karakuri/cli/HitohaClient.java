package io.karakuri.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * HTTP/1.1 to hitoha over its Unix socket, one request per connection. Written on the JDK's Unix domain
 * sockets rather than Vert.x so that the CLI starts from the small core jar: a command is one short
 * exchange. Long operations answer with chunked newline-delimited JSON, handed over line by line.
 */
public final class HitohaClient {
    public static final Path DEFAULT_SOCKET = Path.of("/run/karakuri/hitoha.sock");

    /** A finished exchange: status code, headers (lower-case names) and body. */
    public record Response(int status, Map<String, String> headers, String body) {
    }

    /** hitoha cannot be reached, or answered something that is not HTTP. */
    public static final class UnreachableException extends IOException {
        UnreachableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Path socket;

    public HitohaClient(Path socket) {
        this.socket = socket;
    }

    /** The socket named by KARAKURI_SOCKET, else the default. */
    public static HitohaClient fromEnvironment(Map<String, String> env) {
        String path = env.get("KARAKURI_SOCKET");
        return new HitohaClient(path == null || path.isEmpty() ? DEFAULT_SOCKET : Path.of(path));
    }

    public Path socket() {
        return socket;
    }

    public Response send(String method, String path, String jsonBody) throws IOException {
        return send(method, path, jsonBody, null);
    }

    /**
     * Sends a request; with lines non-null, each complete line of the body is passed on as it arrives (and
     * the returned body is empty), for progress streams.
     */
    public Response send(String method, String path, String jsonBody, Consumer<String> lines) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                throw new UnreachableException("cannot reach hitoha at " + socket + ": " + reason(e)
                        + " (is the daemon running? start it with 'systemctl start hitoha' or 'hitoha')", e);
            }
            byte[] body = jsonBody == null ? new byte[0] : jsonBody.getBytes(StandardCharsets.UTF_8);
            StringBuilder head = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                    .append("Host: hitoha\r\nConnection: close\r\nAccept: application/json\r\n");
            if (jsonBody != null) {
                head.append("Content-Type: application/json\r\n");
            }
            head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
            OutputStream out = Channels.newOutputStream(channel);
            out.write(head.toString().getBytes(StandardCharsets.UTF_8));
            out.write(body);
            out.flush();
            return read(Channels.newInputStream(channel), lines);
        }
    }

    private Response read(InputStream in, Consumer<String> lines) throws IOException {
        String statusLine = line(in);
        String[] parts = statusLine == null ? new String[0] : statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new UnreachableException("hitoha at " + socket + " did not answer in HTTP", null);
        }
        int status;
        try {
            status = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new UnreachableException("hitoha at " + socket + " sent a bad status line: " + statusLine, e);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String header = line(in); header != null && !header.isEmpty(); header = line(in)) {
            int colon = header.indexOf(':');
            if (colon > 0) {
                headers.put(header.substring(0, colon).strip().toLowerCase(Locale.ROOT), header.substring(colon + 1).strip());
            }
        }
        BodySink sink = new BodySink(lines);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            for (long size = chunkSize(in); size > 0; size = chunkSize(in)) {
                sink.accept(in.readNBytes((int) size));
                line(in); // the CRLF after each chunk
            }
        } else if (headers.containsKey("content-length")) {
            sink.accept(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
        } else {
            sink.accept(in.readAllBytes());
        }
        return new Response(status, headers, sink.finish());
    }

    private long chunkSize(InputStream in) throws IOException {
        String line = line(in);
        if (line == null) {
            throw new UnreachableException("hitoha at " + socket + " closed the connection mid-answer", null);
        }
        int semicolon = line.indexOf(';');
        try {
            return Long.parseLong((semicolon >= 0 ? line.substring(0, semicolon) : line).strip(), 16);
        } catch (NumberFormatException e) {
            throw new UnreachableException("hitoha at " + socket + " sent a bad chunk size: " + line, e);
        }
    }

    /** A CRLF- or LF-terminated line, without it; null at the end of the stream. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            buffer.write(c);
        }
        if (c == -1 && buffer.size() == 0) {
            return null;
        }
        String s = buffer.toString(StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    private static String reason(IOException e) {
        String m = e.getMessage();
        return m == null || m.isEmpty() ? e.getClass().getSimpleName() : m;
    }

    /** Collects the body, or passes complete lines on as they arrive. */
    private static final class BodySink {
        private final Consumer<String> lines;
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

        BodySink(Consumer<String> lines) {
            this.lines = lines;
        }

        void accept(byte[] data) {
            buffer.writeBytes(data);
            if (lines == null) {
                return;
            }
            byte[] all = buffer.toByteArray();
            int start = 0;
            for (int i = 0; i < all.length; i++) {
                if (all[i] == '\n') {
                    lines.accept(new String(all, start, i - start, StandardCharsets.UTF_8));
                    start = i + 1;
                }
            }
            buffer.reset();
            buffer.write(all, start, all.length - start);
        }

        String finish() {
            String rest = buffer.toString(StandardCharsets.UTF_8);
            if (lines == null) {
                return rest;
            }
            if (!rest.isEmpty()) {
                lines.accept(rest);
            }
            return "";
        }
    }
}
