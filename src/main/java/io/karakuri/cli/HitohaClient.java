package io.karakuri.cli;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
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
 * exchange. Long operations answer with chunked newline-delimited JSON, handed over line by line; archives
 * go up ({@link #upload}) and down ({@link #download}) as streams.
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
     * Sends a request; with lines non-null, each complete line of a successful (2xx) answer is passed on as
     * it arrives (and the returned body is empty): progress streams are newline-delimited JSON. A refusal's
     * body ({"message": ...}) is always returned whole.
     */
    public Response send(String method, String path, String jsonBody, Consumer<String> lines) throws IOException {
        byte[] body = jsonBody == null ? null : jsonBody.getBytes(StandardCharsets.UTF_8);
        return exchange(method, path, body == null ? null : "application/json", body, null, lines, null);
    }

    /**
     * Sends body (read to its end, not closed) as the request body, chunked, as it is read: a file or
     * standard input of any size goes through without being held in memory. The answer is read while the
     * body is still being sent, so a refusal that comes before the end (a bad name) is returned as it is,
     * and a progress stream (lines, as for {@link #send(String, String, String, Consumer)}) is passed on as it
     * arrives. A body that cannot be read fails the call, whatever hitoha answered.
     */
    public Response upload(String method, String path, String contentType, InputStream body, Consumer<String> lines)
            throws IOException {
        return exchange(method, path, contentType, null, body, lines, null);
    }

    /**
     * Sends a request without a body and writes a successful (2xx) answer's body to to, as it arrives (the
     * returned body is then empty); a refusal's body is returned. An answer cut short fails the call.
     */
    public Response download(String method, String path, OutputStream to) throws IOException {
        return exchange(method, path, null, null, null, null, to);
    }

    private Response exchange(String method, String path, String contentType, byte[] body, InputStream stream,
            Consumer<String> lines, OutputStream download) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                throw unreachable(e);
            }
            StringBuilder head = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                    .append("Host: hitoha\r\nConnection: close\r\nAccept: ")
                    // a progress stream is JSON lines; a refusal is always one JSON message
                    .append(lines != null ? "application/x-ndjson, application/json" : download != null ? "*/*"
                            : "application/json").append("\r\n");
            if (contentType != null) {
                head.append("Content-Type: ").append(contentType).append("\r\n");
            }
            if (stream != null) {
                head.append("Transfer-Encoding: chunked\r\n\r\n");
            } else {
                head.append("Content-Length: ").append(body == null ? 0 : body.length).append("\r\n\r\n");
            }
            OutputStream out = new BufferedOutputStream(output(channel), 65536);
            out.write(head.toString().getBytes(StandardCharsets.UTF_8));
            if (body != null) {
                out.write(body);
            }
            out.flush();
            if (stream == null) {
                return read(input(channel), lines, download);
            }
            Upload upload = new Upload(stream, out, channel);
            Thread sender = Thread.ofPlatform().daemon().name("karakuri-upload").start(upload);
            Response response;
            try {
                response = read(input(channel), lines, download);
            } catch (IOException e) {
                channel.close();
                sender.join(SENDER_GRACE_MILLIS);
                upload.rethrowSourceError();
                throw e;
            }
            if (sender.isAlive()) { // answered before taking the whole body: stop sending
                channel.close();
            }
            sender.join(SENDER_GRACE_MILLIS); // a sender stuck reading its source (a pipe) is left behind
            upload.rethrowSourceError();
            return response;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while talking to hitoha", e);
        }
    }

    /** Sends a streamed body with chunked encoding; remembers a failure to read the source. */
    private static final class Upload implements Runnable {
        private final InputStream source;
        private final OutputStream out;
        private final SocketChannel channel;
        private volatile IOException sourceError;

        Upload(InputStream source, OutputStream out, SocketChannel channel) {
            this.source = source;
            this.out = out;
            this.channel = channel;
        }

        @Override
        public void run() {
            byte[] buffer = new byte[65536];
            try {
                while (true) {
                    int n;
                    try {
                        n = source.read(buffer);
                    } catch (IOException e) {
                        sourceError = e;
                        channel.shutdownOutput(); // no last chunk: hitoha sees the body cut short
                        return;
                    }
                    if (n < 0) {
                        break;
                    }
                    if (n > 0) {
                        out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.write(buffer, 0, n);
                        out.write(CRLF);
                    }
                }
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException closedOrRefused) {
                // hitoha answered and closed before the end, or the answer was read: the answer tells
            }
        }

        void rethrowSourceError() throws IOException {
            if (sourceError != null) {
                throw new IOException("cannot read what was to be sent: " + reason(sourceError), sourceError);
            }
        }
    }

    private static final long SENDER_GRACE_MILLIS = 2000;
    private static final byte[] CRLF = {'\r', '\n'};

    /**
     * Streams straight on the channel: the JDK's Channels streams take the channel's blocking lock, so a
     * read waiting for the answer would hold up the upload being written.
     */
    private static InputStream input(SocketChannel channel) {
        return new BufferedInputStream(new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return len == 0 ? 0 : channel.read(ByteBuffer.wrap(b, off, len));
            }
        }, 65536);
    }

    private static OutputStream output(SocketChannel channel) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            }
        };
    }

    /**
     * An upgraded connection (attach, exec): after hitoha's 101 the connection carries attach frames both ways.
     * Reads and writes may run at the same time, in two threads.
     */
    public static final class Upgraded implements java.io.Closeable {
        private final SocketChannel channel;
        private final InputStream in;
        private final OutputStream out;

        Upgraded(SocketChannel channel, InputStream in) {
            this.channel = channel;
            this.in = in;
            this.out = HitohaClient.output(channel);
        }

        public InputStream input() {
            return in;
        }

        public OutputStream output() {
            return out;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /** hitoha answered, but not with what was asked for: its message is this exception's. */
    public static final class RefusedException extends IOException {
        private final Response response;

        RefusedException(Response response) {
            super(HitohaErrors.message(response));
            this.response = response;
        }

        public Response response() {
            return response;
        }
    }

    /**
     * Sends {@code GET path} with {@code Connection: Upgrade} and {@code Upgrade: tcp} (an upgrade is a GET,
     * as for a WebSocket) and, when hitoha answers 101, hands over the connection; any other answer is a
     * {@link RefusedException} with hitoha's message.
     */
    public Upgraded upgrade(String path) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        boolean handedOver = false;
        try {
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                throw unreachable(e);
            }
            String head = "GET " + path + " HTTP/1.1\r\nHost: hitoha\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
            OutputStream out = output(channel);
            out.write(head.getBytes(StandardCharsets.UTF_8));
            InputStream in = input(channel);
            Head answer = head(in);
            if (answer.status() != 101) {
                throw new RefusedException(body(in, answer, null, null));
            }
            handedOver = true;
            return new Upgraded(channel, in);
        } finally {
            if (!handedOver) {
                channel.close();
            }
        }
    }

    private UnreachableException unreachable(IOException e) {
        return new UnreachableException("cannot reach hitoha at " + socket + ": " + reason(e)
                + " (is the daemon running? start it with 'sudo systemctl start hitoha', or run 'sudo hitoha')", e);
    }

    private record Head(int status, Map<String, String> headers) {
    }

    private Response read(InputStream in, Consumer<String> lines, OutputStream download) throws IOException {
        return body(in, head(in), lines, download);
    }

    private Head head(InputStream in) throws IOException {
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
        return new Head(status, headers);
    }

    private Response body(InputStream in, Head head, Consumer<String> lines, OutputStream download) throws IOException {
        int status = head.status();
        Map<String, String> headers = head.headers();
        boolean ok = status >= 200 && status < 300;
        BodySink sink = new BodySink(ok ? lines : null, ok ? download : null);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            for (long size = chunkSize(in); size > 0; size = chunkSize(in)) {
                copy(in, size, sink);
                line(in); // the CRLF after each chunk
            }
        } else if (headers.containsKey("content-length")) {
            copy(in, Long.parseLong(headers.get("content-length")), sink);
        } else {
            byte[] buffer = new byte[65536];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                sink.accept(buffer, n);
            }
        }
        return new Response(status, headers, sink.finish());
    }

    /** Passes exactly size bytes on, in pieces; fails if the stream ends before. */
    private void copy(InputStream in, long size, BodySink sink) throws IOException {
        byte[] buffer = new byte[(int) Math.min(size, 65536)];
        for (long left = size; left > 0; ) {
            int n = in.read(buffer, 0, (int) Math.min(left, buffer.length));
            if (n < 0) {
                throw new UnreachableException("hitoha at " + socket + " closed the connection mid-answer", null);
            }
            sink.accept(buffer, n);
            left -= n;
        }
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

    /** Collects the body, or passes complete lines on as they arrive, or writes it to a stream. */
    private static final class BodySink {
        private final Consumer<String> lines;
        private final OutputStream download;
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

        BodySink(Consumer<String> lines, OutputStream download) {
            this.lines = lines;
            this.download = download;
        }

        void accept(byte[] data, int length) throws IOException {
            if (download != null) {
                download.write(data, 0, length);
                return;
            }
            buffer.write(data, 0, length);
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

        String finish() throws IOException {
            if (download != null) {
                download.flush();
                return "";
            }
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
