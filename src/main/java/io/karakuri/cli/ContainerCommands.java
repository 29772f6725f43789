package io.karakuri.cli;

import io.karakuri.cli.Args.Option;
import io.karakuri.json.Json;
import io.karakuri.json.JsonException;
import io.karakuri.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The container commands of `karakuri`: create, run, start, stop, restart, rm, ls, spec, inspect and
 * exec, on hitoha's /v1/containers (docs/containers.md); logs is {@link LogsCommand}. A container is named
 * as the original named it (--id ID, --name NAME) or as Docker users do (the first argument: an id, an id
 * prefix or a name). A refusal is printed as hitoha worded it, "karakuri CMD: message"; run, exec and an
 * attached start exit with the container process's exit code, and with 125 when karakuri itself fails.
 */
final class ContainerCommands {
    /** One command: name, usage line, summary, options. */
    record Spec(String name, String usage, String summary, List<Option> options) {
    }

    private static final Option HELP = Option.flag("print this help", "help", "h");
    private static final Option ID = Option.value("ID", "the container's id (or a unique prefix of it)", "id");
    private static final Option NAME = Option.value("NAME", "the container's name", "name");

    private static final List<Option> CREATE_OPTIONS = List.of(
            Option.value("REF", "the image (repository[:tag]); also as the first argument", "image"),
            Option.value("NAME", "the container's name", "name"),
            Option.value("LIST", "publish ports: [ADDRESS:]HOST:CONTAINER[:tcp|udp], comma-separated; may be "
                    + "repeated", "port", "p"),
            Option.value("LIST", "bind mounts: HOST_PATH:CONTAINER_PATH[:ro], comma-separated; may be repeated",
                    "mount", "v"),
            Option.value("A,B,...", "the command and its arguments, comma-separated (or after the image)", "cmd"),
            Option.value("NAMESPACE", "the karakuri namespace (network) to join (default: default)", "ns"),
            Option.value("HOST:PORT", "the registry to pull the image from", "registry"),
            Option.value("POLICY", "no (the default), on-boot, always or on-failure[:N]", "restart"),
            Option.value("K=V", "an environment variable; may be repeated", "env", "e"),
            Option.value("SIZE", "the memory limit (default 1024M)", "memory", "m"),
            Option.value("N", "the CPU limit in CPUs (default 0.8)", "cpus"),
            Option.value("N", "the limit on the number of processes", "pids"),
            Option.value("DIR", "the working directory of the command", "workdir", "w"),
            Option.value("USER", "the user (name or uid[:gid]) of the command", "user", "u"));

    private static final Option IT = Option.flag("an interactive terminal (-it): -i and -t", "it", "ti");
    private static final Option INTERACTIVE = Option.flag("forward standard input", "interactive", "i");
    private static final Option TTY = Option.flag("give the command a terminal", "tty", "t");

    static final List<Spec> SPECS = List.of(
            new Spec("create", "create [OPTIONS] (--image REF | REF) [COMMAND [ARG...]]",
                    "Create a container; its id is printed", concat(CREATE_OPTIONS, List.of(IT, INTERACTIVE, TTY, HELP))),
            new Spec("run", "run [OPTIONS] (--image REF | REF) [COMMAND [ARG...]]",
                    "Create and start a container, and attach to it unless -d",
                    concat(CREATE_OPTIONS, List.of(
                            Option.flag("remove the container when it exits", "rm"), IT, INTERACTIVE, TTY,
                            Option.flag("run in the background and print the container's id", "detach", "d"),
                            HELP))),
            new Spec("start", "start [--it | --attach] (--id ID | --name NAME | CONTAINER)",
                    "Start a container", List.of(ID, NAME, IT,
                            Option.flag("attach to its output (and exit with its exit code)", "attach", "a"),
                            INTERACTIVE, HELP)),
            new Spec("exec", "exec [OPTIONS] (--id ID | --name NAME | CONTAINER) (--cmd A,B,... | COMMAND [ARG...])",
                    "Run a command in a running container", List.of(ID, NAME,
                            Option.value("A,B,...", "the command and its arguments, comma-separated", "cmd"),
                            IT, INTERACTIVE, TTY,
                            Option.value("K=V", "an environment variable; may be repeated", "env", "e"),
                            Option.value("USER", "the user (name or uid[:gid])", "user", "u"),
                            Option.value("DIR", "the working directory", "workdir", "w"), HELP)),
            new Spec("stop", "stop [--time N] (--id ID | --name NAME | CONTAINER...)",
                    "Stop containers: SIGTERM, then SIGKILL after the grace time", List.of(ID, NAME,
                            Option.value("SECONDS", "the grace time before SIGKILL (default 10)", "time", "t"), HELP)),
            new Spec("restart", "restart [--time N] (--id ID | --name NAME | CONTAINER...)", "Restart containers",
                    List.of(ID, NAME, Option.value("SECONDS", "the grace time before SIGKILL (default 10)", "time", "t"),
                            HELP)),
            new Spec("kill", "kill [--signal SIG] (--id ID | --name NAME | CONTAINER...)",
                    "Send a signal to containers' processes", List.of(ID, NAME,
                            Option.value("SIG", "the signal, a name or number (default KILL)", "signal", "s"), HELP)),
            new Spec("rm", "rm [--force] (--id ID | --name NAME | CONTAINER...)", "Remove containers",
                    List.of(ID, NAME, Option.flag("stop a running container first", "force", "f"), HELP)),
            new Spec("ls", "ls [--ns NAMESPACE|all] [--all] [--format table|json]", "List containers",
                    List.of(Option.value("NAMESPACE", "only this namespace's (all: every namespace)", "ns"),
                            Option.flag("stopped containers too", "all", "a"),
                            Option.value("FORMAT", "table (the default) or json", "format"),
                            Option.flag("print only the ids", "quiet", "q"), HELP)),
            new Spec("spec", "spec (--id ID | --name NAME | CONTAINER)", "Print a container's OCI configuration",
                    List.of(ID, NAME, HELP)),
            new Spec("inspect", "inspect [--format json] (--id ID | --name NAME | CONTAINER)",
                    "Show what hitoha knows of a container",
                    List.of(ID, NAME, Option.value("FORMAT", "text (the default) or json", "format"), HELP)),
            new Spec("logs", "logs [--follow] [--tail N] [--timestamps] (--id ID | --name NAME | CONTAINER)",
                    "Print a container's output", List.of(ID, NAME,
                            Option.flag("go on printing new output until the container stops", "follow", "f"),
                            Option.value("N", "only the last N lines (or all)", "tail", "n"),
                            Option.flag("prefix each line with its time", "timestamps", "t"), HELP)),
            // namespaces: groups of containers with a network of their own
            new Spec("ns", "ns [--format table|json]", "List namespaces: their network and how many containers",
                    List.of(Option.value("FORMAT", "table (the default) or json", "format"), HELP)),
            new Spec("createns", "createns (--name NAME | NAME)",
                    "Create a namespace: containers with a network (bridge, subnet, names) of their own",
                    List.of(Option.value("NAME", "the namespace's name: lower-case letters, digits, -", "name"), HELP)),
            new Spec("rmns", "rmns (--name NAME | NAME...)",
                    "Remove namespaces (refused while containers belong to them)",
                    List.of(Option.value("NAME", "the namespace's name; may be repeated", "name"), HELP)));

    private final PrintStream out;
    private final PrintStream err;
    private final InputStream in;
    private final HitohaClient hitoha;
    private final TerminalSession.Tty tty;
    private final BooleanSupplier stderrIsTerminal;
    private final Path cwd;
    private final Map<String, String> environment;

    ContainerCommands(PrintStream out, PrintStream err, InputStream in, HitohaClient hitoha, TerminalSession.Tty tty,
            BooleanSupplier stderrIsTerminal, Path cwd, Map<String, String> environment) {
        this.out = out;
        this.err = err;
        this.in = in;
        this.hitoha = hitoha;
        this.tty = tty;
        this.stderrIsTerminal = stderrIsTerminal;
        this.cwd = cwd;
        this.environment = environment;
    }

    static boolean handles(String command) {
        return spec(command) != null;
    }

    private static Spec spec(String command) {
        for (Spec s : SPECS) {
            if (s.name().equals(command)) {
                return s;
            }
        }
        return null;
    }

    /** A refusal or a failure: printed as "karakuri CMD: message". */
    static final class Failed extends Exception {
        Failed(String message) {
            super(message);
        }
    }

    int run(String command, List<String> argv) {
        Spec spec = spec(command);
        boolean foreground = command.equals("run") || command.equals("exec");
        int failure = foreground ? 125 : 1;
        try {
            // run IMAGE COMMAND -x, exec CONTAINER COMMAND -x: what follows the command is the command's own
            Args args = Args.parse(spec.options(), argv, foreground || command.equals("create") ? 1 : Integer.MAX_VALUE);
            if (args.flag("help")) {
                out.print("Usage: karakuri " + spec.usage() + "\n\n" + spec.summary() + ".\n\nOptions:\n"
                        + Args.describe(spec.options()));
                return 0;
            }
            return switch (command) {
                case "create" -> create(args);
                case "run" -> runContainer(args);
                case "start" -> start(args);
                case "exec" -> exec(args);
                case "stop", "restart", "kill", "rm" -> each(command, args);
                case "ls" -> ls(args);
                case "spec" -> spec(args);
                case "inspect" -> inspect(args);
                case "logs" -> new LogsCommand(hitoha, out, err).logs(one(args), args);
                case "ns" -> namespaces(args);
                case "createns" -> createNamespace(args);
                case "rmns" -> removeNamespaces(args);
                default -> throw new IllegalStateException(command);
            };
        } catch (ContainerOptions.BadValue e) {
            err.println("karakuri " + command + ": " + e.getMessage());
            return failure;
        } catch (Args.UsageException e) {
            err.println("karakuri " + command + ": " + e.getMessage());
            err.println("Run 'karakuri " + command + " --help' for usage.");
            return failure;
        } catch (AttachSession.DetachedException e) {
            if (e.exitCode() == 0) {
                err.println(); // the detach keys come wherever the terminal's cursor was
            }
            err.println("karakuri " + command + ": " + e.getMessage());
            return e.exitCode();
        } catch (Failed | IOException | JsonException e) {
            err.println("karakuri " + command + ": " + e.getMessage());
            return failure;
        }
    }

    // ------------------------------------------------------------------------------------------ create, run

    private record Created(String id, Map<String, Object> request) {
    }

    private int create(Args args) throws IOException, Failed {
        out.println(createContainer(args, true, false).id());
        return 0;
    }

    /**
     * Checks the options, pulls the image if hitoha has not got it, creates the container. create (not run)
     * gives the container a terminal and standard input unless --it, -t or -i say otherwise: the original's
     * `create` then `start --it` opens a shell.
     */
    private Created createContainer(Args args, boolean create, boolean autoRemove) throws IOException, Failed {
        String image = args.value("image", null);
        List<String> rest = args.positionals();
        List<String> command;
        if (image == null) {
            if (rest.isEmpty()) {
                throw new Args.UsageException("name the image: --image REF, or REF");
            }
            image = rest.getFirst();
            command = rest.subList(1, rest.size());
        } else {
            command = rest;
        }
        if (image.isBlank()) {
            throw new Args.UsageException("the image's name is empty");
        }
        String cmdOption = args.value("cmd", null);
        if (cmdOption != null && !command.isEmpty()) {
            throw new Args.UsageException("give the command once: --cmd A,B,... or after the image, not both");
        }
        Map<String, Object> request = ContainerOptions.createRequest(args, image,
                cmdOption != null ? ContainerOptions.cmd(cmdOption) : command.isEmpty() ? null : List.copyOf(command),
                cwd, environment);
        boolean terminal = args.flag("it") || args.flag("tty");
        boolean stdin = args.flag("it") || args.flag("interactive");
        if (create && args.value("it", null) == null
                && args.value("tty", null) == null && args.value("interactive", null) == null) {
            // the original's create + start --it gives a shell: a container is created with its terminal
            terminal = true;
            stdin = true;
        }
        request.put("tty", terminal);
        request.put("stdin", stdin);
        request.put("autoRemove", autoRemove);
        ensureImage(image, args.value("registry", null));
        HitohaClient.Response r = hitoha.send("POST", "/v1/containers", Json.write(request));
        JsonObject answer = JsonObject.root(Json.parse(ok(r)), "hitoha's answer");
        for (String warning : answer.strings("warnings")) {
            err.println("WARNING: " + warning);
        }
        return new Created(shortId(answer.requiredString("id")), request);
    }

    /**
     * As `karakuri pull` when hitoha has not got the image (the progress on standard error). With --registry
     * the image is hitoha's REGISTRY/IMAGE, as pull names it.
     */
    private void ensureImage(String image, String registry) throws IOException, Failed {
        String local = registry == null ? image : registry + "/" + image;
        HitohaClient.Response r = hitoha.send("GET", "/v1/images/" + ImageCommands.path(local), null);
        if (r.status() == 200) {
            return;
        }
        if (r.status() != 404) {
            throw new Failed(HitohaErrors.message(r));
        }
        err.println("Unable to find image '" + image + "' locally");
        if (new TransferCommands(hitoha, err, err, stderrIsTerminal.getAsBoolean()).pull(image, null, registry, false) != 0) {
            throw new Failed("cannot create a container of " + image + ": the pull failed");
        }
    }

    private int runContainer(Args args) throws IOException, Failed {
        boolean detach = args.flag("detach");
        boolean remove = args.flag("rm");
        boolean terminal = args.flag("it") || args.flag("tty");
        boolean stdin = args.flag("it") || args.flag("interactive");
        if (detach && (args.flag("it") || args.flag("interactive"))) {
            throw new Args.UsageException("-d runs in the background: it cannot take --it or -i");
        }
        if (args.flag("it") && !tty.stdinIsTerminal()) {
            throw new Failed("--it needs a terminal on standard input (for piped input use -i)");
        }
        Created created = createContainer(args, false, remove);
        String id = created.id();
        if (detach) {
            ok(hitoha.send("POST", "/v1/containers/" + id + "/start", null));
            out.println(id);
            return 0;
        }
        boolean detached = false;
        try {
            return startAttached(id, stdin, terminal);
        } catch (AttachSession.DetachedException e) {
            detached = true; // left running: hitoha removes it when it ends (autoRemove)
            throw e;
        } finally {
            if (remove && !detached) {
                HitohaClient.Response r = hitoha.send("DELETE", "/v1/containers/" + id + "?force=true", null);
                if (r.status() / 100 != 2 && r.status() != 404) {
                    err.println("karakuri run: cannot remove " + id + ": " + HitohaErrors.message(r));
                }
            }
        }
    }

    /** Attaches, starts, relays until the exit frame: its exit code. */
    private int startAttached(String ref, boolean stdin, boolean terminal) throws IOException, Failed {
        HitohaClient.Upgraded connection = hitoha.upgrade("/v1/containers/" + path(ref) + "/attach");
        AttachSession session = AttachSession.open(connection, stdin ? in : null, terminal, tty, out, err);
        if (!terminal) {
            proxySignals(ref, session);
        }
        try {
            ok(hitoha.send("POST", "/v1/containers/" + path(ref) + "/start", null));
        } catch (IOException | Failed | RuntimeException e) {
            session.close();
            throw e;
        }
        return session.relay();
    }

    /**
     * Without a terminal, Ctrl-C and SIGTERM are the container's (as Docker's sig-proxy): each is sent on
     * with /kill and the container's exit ends the command. A third Ctrl-C lets go of the container.
     */
    private void proxySignals(String ref, AttachSession session) {
        AtomicInteger interrupts = new AtomicInteger();
        for (String signal : List.of("INT", "TERM")) {
            tty.onSignal(signal, () -> {
                if (signal.equals("INT") && interrupts.incrementAndGet() >= 3) {
                    session.detach(130);
                    return;
                }
                Thread.ofPlatform().daemon().name("karakuri-signal").start(() -> {
                    try {
                        hitoha.send("POST", "/v1/containers/" + path(ref) + "/kill?signal=" + signal, null);
                    } catch (IOException gone) {
                        // the attach stream tells what became of the container
                    }
                });
            });
        }
    }

    // ------------------------------------------------------------------------------------------ start, exec

    private int start(Args args) throws IOException, Failed {
        String ref = one(args);
        if (args.flag("it") || args.flag("attach")) {
            if (args.flag("it") && !tty.stdinIsTerminal()) {
                throw new Failed("--it needs a terminal on standard input");
            }
            Boolean made = containerHasTerminal(ref);
            boolean terminal = made != null ? made : args.flag("it");
            return startAttached(ref, args.flag("it") || args.flag("interactive"), terminal);
        }
        ok(hitoha.send("POST", "/v1/containers/" + path(ref) + "/start", null));
        out.println(ref);
        return 0;
    }

    /**
     * Whether the container was made with a terminal (its output is then one stream, sized): Details' "tty"
     * (or "config.tty"); null when hitoha does not say.
     */
    private Boolean containerHasTerminal(String ref) throws IOException, Failed {
        Object details = Json.parse(ok(hitoha.send("GET", "/v1/containers/" + path(ref), null)));
        if (details instanceof Map<?, ?> m) {
            if (m.get("tty") instanceof Boolean b) {
                return b;
            }
            if (m.get("config") instanceof Map<?, ?> c && c.get("tty") instanceof Boolean b) {
                return b;
            }
        }
        return null;
    }

    private int exec(Args args) throws IOException, Failed {
        String ref = args.value("id", args.value("name", null));
        List<String> command = args.positionals();
        if (ref == null) {
            if (command.isEmpty()) {
                throw new Args.UsageException("name the container: --id ID, --name NAME, or CONTAINER");
            }
            ref = command.getFirst();
            command = command.subList(1, command.size());
        } else if (args.value("id", null) != null && args.value("name", null) != null) {
            throw new Args.UsageException("name the container once: --id or --name");
        }
        String cmdOption = args.value("cmd", null);
        if (cmdOption != null && !command.isEmpty()) {
            throw new Args.UsageException("give the command once: --cmd A,B,... or after the container, not both");
        }
        if (cmdOption == null && command.isEmpty()) {
            throw new Args.UsageException("name the command: --cmd A,B,... or COMMAND [ARG...] after the container");
        }
        List<String> cmd = cmdOption != null ? ContainerOptions.cmd(cmdOption) : List.copyOf(command);
        boolean terminal = args.flag("it") || args.flag("tty");
        boolean stdin = args.flag("it") || args.flag("interactive");
        if (args.flag("it") && !tty.stdinIsTerminal()) {
            throw new Failed("--it needs a terminal on standard input (for piped input use -i)");
        }
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("cmd", cmd);
        request.put("tty", terminal);
        request.put("stdin", stdin);
        request.put("env", ContainerOptions.env(args.values("env"), environment));
        request.put("user", args.value("user", null));
        request.put("workdir", args.value("workdir", null));
        Object made = Json.parse(ok(hitoha.send("POST", "/v1/containers/" + path(ref) + "/exec", Json.write(request))));
        String exec = JsonObject.root(made, "hitoha's answer").string("id", "");
        HitohaClient.Upgraded connection = hitoha.upgrade("/v1/exec/" + path(exec) + "/attach");
        return AttachSession.open(connection, stdin ? in : null, terminal, tty, out, err).relay();
    }

    // ------------------------------------------------------------------------------ stop, restart, kill, rm

    private int each(String command, Args args) throws Failed {
        List<String> refs = new ArrayList<>();
        refs.addAll(args.values("id"));
        refs.addAll(args.values("name"));
        refs.addAll(args.positionals());
        if (refs.isEmpty()) {
            throw new Args.UsageException("name the container: --id ID, --name NAME, or CONTAINER...");
        }
        String query = switch (command) {
            case "stop", "restart" -> {
                String time = args.value("time", null);
                if (time != null && !time.matches("\\d{1,6}")) {
                    throw new ContainerOptions.BadValue("bad --time \"" + time + "\": expected a number of seconds");
                }
                yield time == null ? "" : "?time=" + time;
            }
            case "kill" -> {
                String signal = args.value("signal", null);
                if (signal != null) {
                    try {
                        io.karakuri.linux.Signals.parse(signal);
                    } catch (IllegalArgumentException e) {
                        throw new ContainerOptions.BadValue("bad --signal: " + e.getMessage());
                    }
                }
                yield signal == null ? "" : "?signal=" + URLEncoder.encode(signal, StandardCharsets.UTF_8);
            }
            default -> args.flag("force") ? "?force=true" : "";
        };
        int code = 0;
        for (String ref : refs) {
            try {
                String target = "/v1/containers/" + path(ref);
                ok(command.equals("rm") ? hitoha.send("DELETE", target + query, null)
                        : hitoha.send("POST", target + "/" + command + query, null));
                out.println(ref);
            } catch (IOException | Failed e) {
                err.println("karakuri " + command + ": " + e.getMessage());
                code = 1;
            }
        }
        return code;
    }

    // -------------------------------------------------------------------------------------------- namespaces

    private int namespaces(Args args) throws IOException, Failed {
        if (!args.positionals().isEmpty()) {
            throw new Args.UsageException("takes no arguments");
        }
        String format = format(args);
        String body = ok(hitoha.send("GET", "/v1/namespaces", null));
        if (format.equals("json")) {
            out.println(body.strip());
            return 0;
        }
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("NAME", "BRIDGE", "SUBNET", "CONTAINERS"));
        for (Object o : list(body)) {
            JsonObject n = JsonObject.root(o, "a namespace row");
            rows.add(List.of(n.string("name", ""), n.string("bridge", ""), n.string("subnet", ""),
                    String.valueOf(n.integer("containers", 0))));
        }
        out.print(ImageCommands.table(rows));
        return 0;
    }

    private int createNamespace(Args args) throws IOException, Failed {
        List<String> names = namespaceNames(args);
        if (names.size() != 1) {
            throw new Args.UsageException("name one namespace: --name NAME or NAME");
        }
        ok(hitoha.send("POST", "/v1/namespaces", Json.write(Map.of("name", names.getFirst()))));
        out.println(names.getFirst());
        return 0;
    }

    private int removeNamespaces(Args args) {
        List<String> names = namespaceNames(args);
        if (names.isEmpty()) {
            throw new Args.UsageException("name the namespace: --name NAME or NAME...");
        }
        int code = 0;
        for (String name : names) {
            try {
                ok(hitoha.send("DELETE", "/v1/namespaces/" + URLEncoder.encode(name, StandardCharsets.UTF_8), null));
                out.println(name);
            } catch (IOException | Failed e) {
                err.println("karakuri rmns: " + e.getMessage());
                code = 1;
            }
        }
        return code;
    }

    private static List<String> namespaceNames(Args args) {
        List<String> names = new ArrayList<>(args.values("name"));
        names.addAll(args.positionals());
        return names;
    }

    // ----------------------------------------------------------------------------------- ls, spec, inspect

    private int ls(Args args) throws IOException, Failed {
        if (!args.positionals().isEmpty()) {
            throw new Args.UsageException("takes no arguments");
        }
        String format = format(args);
        String ns = args.value("ns", null);
        StringBuilder query = new StringBuilder();
        if (args.flag("all")) {
            query.append("?all=true");
        }
        if (ns != null) {
            query.append(query.isEmpty() ? '?' : '&').append("ns=").append(URLEncoder.encode(ns, StandardCharsets.UTF_8));
        }
        String body = ok(hitoha.send("GET", "/v1/containers" + query, null));
        if (format.equals("json")) {
            out.println(body.strip());
            return 0;
        }
        List<Object> list = list(body);
        boolean everyNs = "all".equals(ns);
        List<List<String>> rows = new ArrayList<>();
        rows.add(everyNs ? List.of("CONTAINER ID", "Name", "IMAGE", "STATUS", "PORT", "COMMAND", "NAMESPACE")
                : List.of("CONTAINER ID", "Name", "IMAGE", "STATUS", "PORT", "COMMAND"));
        for (Object o : list) {
            JsonObject c = JsonObject.root(o, "a container row");
            if (args.flag("quiet")) {
                out.println(shortId(c.string("id", "")));
                continue;
            }
            List<String> row = new ArrayList<>(List.of(shortId(c.string("id", "")), c.string("name", ""),
                    c.string("image", ""), status(c), String.join(",", c.strings("ports")), c.string("command", "")));
            if (everyNs) {
                row.add(c.string("ns", ""));
            }
            rows.add(row);
        }
        if (!args.flag("quiet")) {
            out.print(ImageCommands.table(rows));
        }
        return 0;
    }

    /** "exited (137)" for a container that ended; the status as it is otherwise. */
    private static String status(JsonObject c) {
        String status = c.string("status", "");
        Long exit = c.integer("exitCode");
        return status.equals("exited") && exit != null ? status + " (" + exit + ")" : status;
    }

    private int spec(Args args) throws IOException, Failed {
        out.println(Json.writePretty(Json.parse(ok(hitoha.send("GET", "/v1/containers/" + path(one(args)) + "/spec",
                null)))));
        return 0;
    }

    private int inspect(Args args) throws IOException, Failed {
        String format = args.value("format", "text");
        if (!format.equals("text") && !format.equals("json")) {
            throw new Args.UsageException("--format is text or json, not \"" + format + "\"");
        }
        Object details = Json.parse(ok(hitoha.send("GET", "/v1/containers/" + path(one(args)), null)));
        if (format.equals("json")) {
            out.println(Json.writePretty(details));
            return 0;
        }
        List<String[]> lines = new ArrayList<>();
        flatten("", details, lines);
        int width = 0;
        for (String[] l : lines) {
            width = Math.max(width, l[0].length());
        }
        for (String[] l : lines) {
            out.println(l[0] + " ".repeat(width - l[0].length()) + " : " + l[1]);
        }
        return 0;
    }

    /** "config.env : A=1, B=2": nested objects by dotted names, lists of scalars on one line. */
    private static void flatten(String name, Object value, List<String[]> lines) {
        if (value instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                flatten(name.isEmpty() ? String.valueOf(e.getKey()) : name + "." + e.getKey(), e.getValue(), lines);
            }
        } else if (value instanceof List<?> l && l.stream().anyMatch(v -> v instanceof Map<?, ?> || v instanceof List<?>)) {
            for (int i = 0; i < l.size(); i++) {
                flatten(name + "[" + i + "]", l.get(i), lines);
            }
        } else if (value instanceof List<?> l) {
            lines.add(new String[] {name, String.join(", ", l.stream().map(String::valueOf).toList())});
        } else {
            lines.add(new String[] {name, value == null ? "" : String.valueOf(value)});
        }
    }

    // ---------------------------------------------------------------------------------------------- helpers

    /** The one container named: --id, --name or the argument. */
    static String one(Args args) {
        List<String> refs = new ArrayList<>();
        refs.addAll(args.values("id"));
        refs.addAll(args.values("name"));
        refs.addAll(args.positionals());
        if (refs.size() != 1) {
            throw new Args.UsageException(refs.isEmpty() ? "name the container: --id ID, --name NAME, or CONTAINER"
                    : "takes one container, not " + refs.size());
        }
        return refs.getFirst();
    }

    static String path(String ref) {
        return ImageCommands.path(ref).replace("/", "%2F").replace(":", "%3A");
    }

    static String shortId(String id) {
        return id.length() > 12 && id.chars().allMatch(c -> Character.digit(c, 16) >= 0) ? id.substring(0, 12) : id;
    }

    /** --format: table (the default) or json. */
    private static String format(Args args) {
        String format = args.value("format", "table");
        if (!format.equals("table") && !format.equals("json")) {
            throw new Args.UsageException("--format is table or json, not \"" + format + "\"");
        }
        return format;
    }

    private static List<Object> list(String body) {
        if (!(Json.parse(body) instanceof List<?> list)) {
            throw new JsonException("hitoha's answer is not a list");
        }
        return new ArrayList<>(list);
    }

    static String ok(HitohaClient.Response r) throws Failed {
        if (r.status() >= 200 && r.status() < 300) {
            return r.body();
        }
        throw new Failed(HitohaErrors.message(r));
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }
}
