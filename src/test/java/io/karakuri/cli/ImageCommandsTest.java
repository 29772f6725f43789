package io.karakuri.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The image commands against a socket that answers as hitoha would (the real one: ImagesIT). */
class ImageCommandsTest {
    private static final Clock NOW = Clock.fixed(Instant.parse("2026-11-29T12:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {}

    private Result run(Path socket, boolean terminal, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        HitohaClient client = new HitohaClient(socket);
        KarakuriCli cli = new KarakuriCli(o, e, client, new ImageCommands(o, e, new ByteArrayInputStream(new byte[0]),
                client, () -> terminal, () -> terminal, NOW));
        int code = cli.run(List.of(args));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Answers each connection in turn with the next of answers (status, JSON body); returns the requests' heads. */
    private CompletableFuture<List<String>> serve(Path socket, String... answers) throws Exception {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        return CompletableFuture.supplyAsync(() -> {
            List<String> heads = new java.util.ArrayList<>();
            try (server) {
                for (String answer : answers) {
                    try (SocketChannel ch = server.accept()) {
                        InputStream in = Channels.newInputStream(ch);
                        ByteArrayOutputStream head = new ByteArrayOutputStream();
                        while (!head.toString(StandardCharsets.UTF_8).endsWith("\r\n\r\n")) {
                            head.write(in.read());
                        }
                        heads.add(head.toString(StandardCharsets.UTF_8).lines().findFirst().orElseThrow());
                        int space = answer.indexOf(' ');
                        byte[] body = answer.substring(space + 1).getBytes(StandardCharsets.UTF_8);
                        ch.write(ByteBuffer.wrap(("HTTP/1.1 " + answer.substring(0, space) + " X\r\nContent-Length: "
                                + body.length + "\r\n\r\n").getBytes(StandardCharsets.UTF_8)));
                        ch.write(ByteBuffer.wrap(body));
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return heads;
        });
    }

    @Test
    void imagesIsTheOriginalTableWithSizeAndCreated() throws Exception {
        Path socket = dir.resolve("h.sock");
        serve(socket, "200 [{\"repository\":\"busybox\",\"tag\":\"latest\",\"id\":\"3f57d9401f8d\",\"size\":2000000,"
                + "\"unpackedSize\":4234567,\"created\":\"2026-11-29T10:00:00Z\"},"
                + "{\"repository\":null,\"tag\":null,\"id\":\"0123456789ab\",\"size\":500,\"unpackedSize\":855000,"
                + "\"created\":null}]");
        Result r = run(socket, false, "images");
        assertEquals(0, r.code(), r.err());
        assertEquals("""
                REPOSITORY | TAG    | ID           | SIZE   | CREATED
                -----------+--------+--------------+--------+------------
                busybox    | latest | 3f57d9401f8d | 4.23MB | 2 hours ago
                <none>     | <none> | 0123456789ab | 855kB  | N/A
                """, r.out());
    }

    @Test
    void sizesAndAgesAreDockers() {
        assertEquals("0B", ImageCommands.humanSize(0));
        assertEquals("999B", ImageCommands.humanSize(999));
        assertEquals("1kB", ImageCommands.humanSize(1000));
        assertEquals("4.2MB", ImageCommands.humanSize(4_200_000));
        assertEquals("1.24GB", ImageCommands.humanSize(1_236_000_000));
        assertEquals("1MB", ImageCommands.humanSize(999_999));
        assertEquals("Less than a second", ImageCommands.humanDuration(Duration.ofMillis(500)));
        assertEquals("1 second", ImageCommands.humanDuration(Duration.ofSeconds(1)));
        assertEquals("59 seconds", ImageCommands.humanDuration(Duration.ofSeconds(59)));
        assertEquals("About a minute", ImageCommands.humanDuration(Duration.ofSeconds(90)));
        assertEquals("About an hour", ImageCommands.humanDuration(Duration.ofMinutes(80)));
        assertEquals("2 hours", ImageCommands.humanDuration(Duration.ofMinutes(100)));
        assertEquals("3 days", ImageCommands.humanDuration(Duration.ofHours(80)));
        assertEquals("3 weeks", ImageCommands.humanDuration(Duration.ofDays(25)));
        assertEquals("4 months", ImageCommands.humanDuration(Duration.ofDays(125)));
        assertEquals("3 years", ImageCommands.humanDuration(Duration.ofDays(1100)));
    }

    @Test
    void rmiPrintsWhatWentAndGoesOnAfterARefusal() throws Exception {
        Path socket = dir.resolve("h.sock");
        CompletableFuture<List<String>> heads = serve(socket,
                "404 {\"message\":\"no such image: nope\"}",
                "200 {\"untagged\":[\"localhost:5000/a:1\"],\"deleted\":[\"sha256:abc\"]}");
        Result r = run(socket, false, "rmi", "--force", "nope", "localhost:5000/a:1");
        assertEquals(1, r.code());
        assertEquals("Untagged: localhost:5000/a:1\nDeleted: sha256:abc\n", r.out());
        assertEquals("karakuri rmi: no such image: nope\n", r.err());
        assertEquals(List.of("DELETE /v1/images/nope?force=true HTTP/1.1",
                "DELETE /v1/images/localhost:5000/a:1?force=true HTTP/1.1"), heads.get());
    }

    @Test
    void archivesAreNotWrittenToOrReadFromATerminal() {
        Path socket = dir.resolve("none.sock");
        Result save = run(socket, true, "save", "busybox");
        assertEquals(1, save.code());
        assertEquals("karakuri save: cowardly refusing to write an archive to a terminal: use -o FILE, or redirect\n",
                save.err());
        Result load = run(socket, true, "load");
        assertEquals("karakuri load: requested load from standard input, but it is a terminal: use -i FILE, or redirect\n",
                load.err());
        assertEquals(1, load.code());
    }

    @Test
    void aFailedSaveLeavesNoFile() throws Exception {
        Path socket = dir.resolve("h.sock");
        serve(socket, "404 {\"message\":\"no such image: nope\"}");
        Result r = run(socket, false, "save", "-o", dir.resolve("out.tar").toString(), "nope");
        assertEquals(1, r.code());
        assertEquals("karakuri save: no such image: nope\n", r.err());
        try (var files = Files.list(dir)) {
            assertEquals(List.of("h.sock"), files.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void commandLinesThatDoNotFitAreUsageErrors() {
        Path socket = dir.resolve("none.sock");
        Result r = run(socket, false, "rmi");
        assertEquals(1, r.code());
        assertEquals("karakuri rmi: name the images to remove (--id ID, or NAME...)\n"
                + "Run 'karakuri rmi --help' for usage.\n", r.err());
        assertEquals("karakuri tag: expected SOURCE TARGET\nRun 'karakuri tag --help' for usage.\n",
                run(socket, false, "tag", "a").err());
        assertEquals("karakuri save: --format is oci, docker or both, not \"zip\"\nRun 'karakuri save --help' for usage.\n",
                run(socket, false, "save", "--format", "zip", "a").err());
        assertEquals("karakuri images: unknown option --all\nRun 'karakuri images --help' for usage.\n",
                run(socket, false, "images", "--all").err());
        assertTrue(run(socket, false, "load", "--help").out().startsWith("Usage: karakuri load [-i FILE]\n"));
        String help = run(socket, false, "--help").out();
        for (String command : List.of("images", "rmi", "tag", "save", "load", "import")) {
            assertTrue(help.contains("\n  " + command + " "), help);
            assertTrue(run(socket, false, command, "--help").out().startsWith("Usage: karakuri " + command), command);
        }
        Result down = run(socket, false, "images");
        assertEquals(1, down.code());
        assertTrue(down.err().startsWith("karakuri images: cannot reach hitoha at " + socket), down.err());
        assertEquals("karakuri import: no such file: /no/such.tar\n", run(socket, false, "import", "/no/such.tar", "x").err());
    }
}
