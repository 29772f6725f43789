package io.karakuri.cli;

import io.karakuri.cli.Args.Option;
import io.karakuri.json.Json;
import io.karakuri.json.JsonException;
import io.karakuri.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The image commands of `karakuri`: images, rmi, tag, save, load and import, each one request (or one per
 * image, for rmi) to hitoha's /v1/images. A refusal is printed as hitoha worded it, prefixed with the
 * command ("karakuri rmi: no such image: alpine"), exit 1; a command line that does not fit is a usage
 * error, exit 1.
 */
public final class ImageCommands {
    /** One image command: its name, usage line, summary, options and how many positional arguments. */
    record Spec(String name, String usage, String summary, List<Option> options, int minArgs, int maxArgs) {
    }

    private static final Option HELP = Option.flag("print this help", "help", "h");

    static final List<Spec> SPECS = List.of(
            new Spec("images", "images [--format table|json]", "List images",
                    List.of(Option.value("FORMAT", "table (the default) or json", "format"), HELP), 0, 0),
            new Spec("rmi", "rmi [--force] (--id ID | NAME...)", "Remove images (by id, or names one by one)",
                    List.of(Option.value("ID", "the image's id (12 hex digits or more); may be repeated", "id"),
                            Option.flag("remove an image with several names, or one containers use", "force", "f"),
                            HELP), 0, Integer.MAX_VALUE),
            new Spec("tag", "tag SOURCE TARGET", "Give an image another name (moved from any image that had it)",
                    List.of(HELP), 2, 2),
            new Spec("save", "save [-o FILE] [--format oci|docker|both] NAME...",
                    "Write images to a tar archive (to standard output unless -o)",
                    List.of(Option.value("FILE", "write to FILE instead of standard output", "output", "o"),
                            Option.value("FORMAT", "oci, docker or both (the default, as Docker 25 writes)", "format"),
                            HELP), 1, Integer.MAX_VALUE),
            new Spec("load", "load [-i FILE]", "Load images from a tar archive (from standard input unless -i)",
                    List.of(Option.value("FILE", "read FILE instead of standard input", "input", "i"),
                            Option.flag("print nothing but errors", "quiet", "q"), HELP), 0, 0),
            new Spec("import", "import FILE [NAME]",
                    "Make an image of a root file system tarball (FILE, or - for standard input)",
                    List.of(HELP), 1, 2));

    private final PrintStream out;
    private final PrintStream err;
    private final InputStream in;
    private final HitohaClient hitoha;
    private final BooleanSupplier stdinIsTerminal;
    private final BooleanSupplier stdoutIsTerminal;
    private final Clock clock;

    public ImageCommands(PrintStream out, PrintStream err, InputStream in, HitohaClient hitoha,
            BooleanSupplier stdinIsTerminal, BooleanSupplier stdoutIsTerminal, Clock clock) {
        this.out = out;
        this.err = err;
        this.in = in;
        this.hitoha = hitoha;
        this.stdinIsTerminal = stdinIsTerminal;
        this.stdoutIsTerminal = stdoutIsTerminal;
        this.clock = clock;
    }

    static boolean handles(String command) {
        return SPECS.stream().anyMatch(s -> s.name().equals(command));
    }

    /** A refusal: printed as "karakuri CMD: message", exit 1. */
    private static final class Refused extends Exception {
        Refused(String message) {
            super(message);
        }
    }

    public int run(String command, List<String> argv) {
        Spec spec = SPECS.stream().filter(s -> s.name().equals(command)).findFirst().orElseThrow();
        Args args;
        try {
            args = Args.parse(spec.options(), argv);
            if (args.flag("help")) {
                out.print(help(spec));
                return 0;
            }
            int n = args.positionals().size();
            if (n < spec.minArgs() || n > spec.maxArgs()) {
                throw new Args.UsageException("expected " + spec.usage().substring(spec.name().length()).strip());
            }
        } catch (Args.UsageException e) {
            err.println("karakuri " + command + ": " + e.getMessage());
            err.println("Run 'karakuri " + command + " --help' for usage.");
            return 1;
        }
        try {
            return switch (command) {
                case "images" -> images(args);
                case "rmi" -> rmi(args);
                case "tag" -> tag(args);
                case "save" -> save(args);
                case "load" -> load(args);
                case "import" -> importRootfs(args);
                default -> throw new IllegalStateException(command);
            };
        } catch (Args.UsageException e) {
            err.println("karakuri " + command + ": " + e.getMessage());
            err.println("Run 'karakuri " + command + " --help' for usage.");
            return 1;
        } catch (Refused | IOException | JsonException e) {
            err.println("karakuri " + command + ": " + e.getMessage());
            return 1;
        }
    }

    static String help(Spec spec) {
        return "Usage: karakuri " + spec.usage() + "\n\n" + spec.summary() + ".\n\nOptions:\n" + Args.describe(spec.options());
    }

    // ------------------------------------------------------------------------------------------------ images

    private int images(Args args) throws IOException, Refused {
        String format = args.value("format", "table");
        if (!format.equals("table") && !format.equals("json")) {
            throw new Args.UsageException("--format is table or json, not \"" + format + "\"");
        }
        String body = ok(hitoha.send("GET", "/v1/images", null));
        if (format.equals("json")) {
            out.println(body.strip());
            return 0;
        }
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("REPOSITORY", "TAG", "ID", "SIZE", "CREATED"));
        for (Object o : list(body)) {
            JsonObject row = JsonObject.root(o, "an image row");
            Long unpacked = row.integer("unpackedSize");
            rows.add(List.of(row.string("repository", "<none>"), row.string("tag", "<none>"), row.string("id", ""),
                    humanSize(unpacked != null ? unpacked : row.integer("size", 0)),
                    created(row.string("created", null))));
        }
        out.print(table(rows));
        return 0;
    }

    /** The original's table: columns separated by " | ", a dashed rule under the header ("-+-" at the bars). */
    static String table(List<List<String>> rows) {
        int columns = rows.getFirst().size();
        int[] width = new int[columns];
        for (List<String> row : rows) {
            for (int i = 0; i < columns; i++) {
                width[i] = Math.max(width[i], row.get(i).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < rows.size(); r++) {
            line(sb, rows.get(r), width);
            if (r == 0) {
                for (int i = 0; i < columns; i++) {
                    sb.append(i == 0 ? "" : "-+-").append("-".repeat(width[i]));
                }
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, List<String> cells, int[] width) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            line.append(i == 0 ? "" : " | ").append(cells.get(i)).append(" ".repeat(width[i] - cells.get(i).length()));
        }
        sb.append(line.toString().stripTrailing()).append('\n');
    }

    /** As Docker shows sizes: decimal units, three significant digits ("4.2MB", "855kB", "1.24GB"). */
    static String humanSize(long bytes) {
        String[] units = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
        BigDecimal value = BigDecimal.valueOf(bytes);
        int unit = 0;
        BigDecimal thousand = BigDecimal.valueOf(1000);
        while (unit < units.length - 1 && value.round(new MathContext(3)).compareTo(thousand) >= 0) {
            value = value.divide(thousand);
            unit++;
        }
        return value.round(new MathContext(3)).stripTrailingZeros().toPlainString() + units[unit];
    }

    /** As Docker shows when an image was made ("2 hours ago"); N/A when its config does not say. */
    String created(String rfc3339) {
        if (rfc3339 == null || rfc3339.isEmpty()) {
            return "N/A";
        }
        try {
            return humanDuration(Duration.between(Instant.parse(rfc3339), clock.instant())) + " ago";
        } catch (DateTimeParseException e) {
            return "N/A";
        }
    }

    /** Docker's units.HumanDuration. */
    static String humanDuration(Duration d) {
        long seconds = d.toSeconds();
        if (seconds < 1) {
            return "Less than a second";
        } else if (seconds == 1) {
            return "1 second";
        } else if (seconds < 60) {
            return seconds + " seconds";
        }
        long minutes = d.toMinutes();
        if (minutes == 1) {
            return "About a minute";
        } else if (minutes < 60) {
            return minutes + " minutes";
        }
        long hours = Math.round(d.toMillis() / 3_600_000.0);
        if (hours == 1) {
            return "About an hour";
        } else if (hours < 48) {
            return hours + " hours";
        } else if (hours < 24 * 7 * 2) {
            return hours / 24 + " days";
        } else if (hours < 24 * 30 * 2) {
            return hours / 24 / 7 + " weeks";
        } else if (hours < 24 * 365 * 2) {
            return hours / 24 / 30 + " months";
        }
        return d.toHours() / 24 / 365 + " years";
    }

    // ------------------------------------------------------------------------------------------------ rmi, tag

    /** Docker's output: "Untagged: NAME" for each name taken away, "Deleted: DIGEST" for each image gone. */
    private int rmi(Args args) throws IOException {
        List<String> refs = new ArrayList<>(args.values("id"));
        refs.addAll(args.positionals());
        if (refs.isEmpty()) {
            throw new Args.UsageException("name the images to remove (--id ID, or NAME...)");
        }
        int code = 0;
        for (String ref : refs) {
            try {
                JsonObject answer = JsonObject.root(Json.parse(ok(hitoha.send("DELETE", "/v1/images/" + path(ref)
                        + (args.flag("force") ? "?force=true" : ""), null))), "hitoha's answer");
                for (String name : answer.strings("untagged")) {
                    out.println("Untagged: " + name);
                }
                for (String digest : answer.strings("deleted")) {
                    out.println("Deleted: " + digest);
                }
            } catch (Refused | JsonException e) {
                err.println("karakuri rmi: " + e.getMessage());
                code = 1;
            }
        }
        return code;
    }

    private int tag(Args args) throws IOException, Refused {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("source", args.positionals().get(0));
        request.put("target", args.positionals().get(1));
        ok(hitoha.send("POST", "/v1/images/tag", Json.write(request)));
        return 0;
    }

    // ------------------------------------------------------------------------------------------------ archives

    private int save(Args args) throws IOException, Refused {
        String format = args.value("format", "both");
        if (!List.of("oci", "docker", "both").contains(format)) {
            throw new Args.UsageException("--format is oci, docker or both, not \"" + format + "\"");
        }
        StringBuilder query = new StringBuilder("/v1/images/save?format=").append(format);
        for (String name : args.positionals()) {
            query.append("&name=").append(URLEncoder.encode(name, StandardCharsets.UTF_8));
        }
        String file = args.value("output", null);
        if (file == null || file.equals("-")) {
            if (stdoutIsTerminal.getAsBoolean()) {
                throw new Refused("cowardly refusing to write an archive to a terminal: use -o FILE, or redirect");
            }
            OutputStream stdout = new NonClosing(out);
            ok(hitoha.download("GET", query.toString(), stdout));
            out.flush();
            return 0;
        }
        // written beside the target and renamed into place: a failed save leaves no half archive
        Path target = Path.of(file).toAbsolutePath();
        Path partial = target.resolveSibling("." + target.getFileName() + ".partial-"
                + Long.toHexString(new java.security.SecureRandom().nextLong()));
        try {
            // created as any file is (0666 less the umask), not 0600 as a temporary file would be
            try (OutputStream to = Files.newOutputStream(partial, java.nio.file.StandardOpenOption.CREATE_NEW,
                    java.nio.file.StandardOpenOption.WRITE)) {
                ok(hitoha.download("GET", query.toString(), to));
            }
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(partial);
        }
        return 0;
    }

    private int load(Args args) throws IOException, Refused {
        String file = args.value("input", null);
        JsonObject answer;
        try (InputStream source = open(file, "load")) {
            answer = JsonObject.root(Json.parse(ok(hitoha.upload("POST", "/v1/images/load", "application/x-tar",
                    source, null))), "hitoha's answer");
        }
        if (!args.flag("quiet")) {
            for (JsonObject image : answer.objects("images", (o, i) -> o)) {
                List<String> names = image.strings("names");
                if (names.isEmpty()) {
                    out.println("Loaded image ID: " + image.string("id", "?"));
                }
                for (String name : names) {
                    out.println("Loaded image: " + name);
                }
            }
        }
        return 0;
    }

    /** Prints the new image's id, as docker import does. */
    private int importRootfs(Args args) throws IOException, Refused {
        String file = args.positionals().get(0);
        String path = "/v1/images/import" + (args.positionals().size() > 1
                ? "?name=" + URLEncoder.encode(args.positionals().get(1), StandardCharsets.UTF_8) : "");
        JsonObject answer;
        try (InputStream source = open(file, "import")) {
            answer = JsonObject.root(Json.parse(ok(hitoha.upload("POST", path, "application/x-tar", source, null))),
                    "hitoha's answer");
        }
        out.println(answer.requiredString("id"));
        return 0;
    }

    /** The file, or standard input (null or "-"), which must not be a terminal. */
    private InputStream open(String file, String command) throws IOException, Refused {
        if (file == null || file.equals("-")) {
            if (stdinIsTerminal.getAsBoolean()) {
                throw new Refused("requested " + command + " from standard input, but it is a terminal: "
                        + (command.equals("load") ? "use -i FILE, or redirect" : "name a FILE, or redirect"));
            }
            return new java.io.FilterInputStream(in) {
                @Override
                public void close() {
                    // standard input stays open
                }
            };
        }
        try {
            return Files.newInputStream(Path.of(file));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new Refused("no such file: " + file);
        } catch (IOException e) {
            throw new Refused("cannot read " + file + ": " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** The body of a 2xx answer; a refusal's message otherwise. */
    private static String ok(HitohaClient.Response r) throws Refused {
        if (r.status() >= 200 && r.status() < 300) {
            return r.body();
        }
        throw new Refused(HitohaErrors.message(r));
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(String body) {
        Object parsed = Json.parse(body);
        if (!(parsed instanceof List<?>)) {
            throw new JsonException("hitoha's answer is not a list");
        }
        return (List<Object>) parsed;
    }

    /** A reference as a path: names keep their '/' and ':'; anything else is percent-encoded. */
    static String path(String ref) {
        StringBuilder sb = new StringBuilder();
        for (byte b : ref.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~/:@".indexOf(c) >= 0) {
                sb.append(c);
            } else {
                sb.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return sb.toString();
    }

    /** Standard output for an archive: written to, flushed, never closed. */
    private static final class NonClosing extends OutputStream {
        private final PrintStream out;

        NonClosing(PrintStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) {
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            out.write(b, off, len);
        }

        @Override
        public void flush() {
            out.flush();
        }
    }
}
