package io.karakuri.futaba.cli;

import io.karakuri.Version;
import io.karakuri.cli.Args.Option;
import io.karakuri.cli.Args;
import io.karakuri.futaba.Futaba;
import io.karakuri.futaba.ExecProcess;
import io.karakuri.futaba.FutabaException;
import io.karakuri.futaba.Trace;
import io.karakuri.futaba.spec.Features;
import io.karakuri.futaba.spec.Spec;
import io.karakuri.futaba.spec.SpecReader;
import io.karakuri.futaba.spec.SpecTemplate;
import io.karakuri.json.Json;
import io.karakuri.json.JsonException;
import io.karakuri.linux.IoErrors;
import io.karakuri.linux.IoErrors;
import io.karakuri.linux.LinuxException;
import io.karakuri.linux.LinuxSyscalls;
import io.karakuri.linux.Native;
import io.karakuri.linux.Signals;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** futaba's command line, compatible with runc's: the commands and options containerd and podman use. */
public final class FutabaCli {
    private static final List<Option> GLOBAL = List.of(
            Option.value("DIR", "state directory (default /run/futaba)", "root"),
            Option.value("FILE", "also write errors and warnings to FILE", "log"),
            Option.value("FORMAT", "log format: text or json (default text)", "log-format"),
            Option.flag("log each step with its time since start", "debug"),
            Option.flag("manage cgroups through systemd (not supported: futaba writes cgroupfs)", "systemd-cgroup"),
            Option.value("PATH", "criu binary (accepted for runc compatibility; checkpoints are not supported)", "criu"),
            Option.value("VALUE", "rootless mode: true, false or auto (only false works today)", "rootless"),
            Option.flag("print the version", "version", "v"),
            Option.flag("print this help", "help", "h"));

    private static final Option BUNDLE = Option.value("DIR", "bundle directory (default: the current directory)", "bundle", "b");
    private static final Option PID_FILE = Option.value("FILE", "write the container's pid to FILE", "pid-file");
    private static final Option CONSOLE_SOCKET = Option.value("PATH", "a Unix socket to receive the terminal's master on (process.terminal)", "console-socket");
    private static final Option PRESERVE_FDS = Option.value("N", "pass N fds after stderr to the container (3..3+N-1)", "preserve-fds");
    private static final Option NO_PIVOT = Option.flag("accepted for runc compatibility; futaba always uses pivot_root", "no-pivot");
    private static final Option NO_NEW_KEYRING = Option.flag("accepted for runc compatibility; futaba makes no session keyring", "no-new-keyring");
    private static final Option HELP = Option.flag("print this help", "help", "h");

    private record Command(String name, String usage, String summary, List<Option> options, int minArgs, int maxArgs) {}

    private static final List<Command> COMMANDS = List.of(
            new Command("create", "create [OPTIONS] CONTAINER-ID",
                    "Create a container from a bundle. Its process is set up and waits for `futaba start`.",
                    List.of(BUNDLE, PID_FILE, CONSOLE_SOCKET, PRESERVE_FDS, NO_PIVOT, NO_NEW_KEYRING, HELP), 1, 1),
            new Command("start", "start CONTAINER-ID", "Start the process of a created container.", List.of(HELP), 1, 1),
            new Command("run", "run [OPTIONS] CONTAINER-ID",
                    "Create and start a container, wait for its process and delete it; the exit code is the process's.",
                    List.of(BUNDLE, PID_FILE, CONSOLE_SOCKET, PRESERVE_FDS, NO_PIVOT, NO_NEW_KEYRING,
                            Option.flag("return after start, leaving the container running", "detach", "d"),
                            Option.flag("keep the container after it exits (do not delete it)", "keep"),
                            Option.flag("accepted for runc compatibility", "no-subreaper"), HELP), 1, 1),
            new Command("exec", "exec [OPTIONS] CONTAINER-ID [COMMAND [ARG...]]",
                    "Run a new process in a container; the exit code is the process's.",
                    List.of(Option.value("FILE", "the process, as a process.json (runtime-spec \"process\")", "process", "p"),
                            Option.value("DIR", "working directory (default: the container's)", "cwd"),
                            Option.value("KEY=VALUE", "set an environment variable (repeatable)", "env", "e"),
                            Option.value("UID[:GID]", "user to run as (default: the container's)", "user", "u"),
                            Option.value("GID", "a supplementary group (repeatable)", "additional-gids", "g"),
                            Option.value("CAP", "add a capability, such as CAP_NET_ADMIN (repeatable)", "cap", "c"),
                            Option.flag("set no_new_privs", "no-new-privs"),
                            Option.flag("return once the process runs", "detach", "d"),
                            Option.flag("give the process a terminal (futaba's own, or --console-socket's)", "tty", "t"),
                            CONSOLE_SOCKET, PID_FILE, PRESERVE_FDS,
                            Option.value("LABEL", "accepted for runc compatibility; no SELinux here", "process-label"),
                            Option.value("PROFILE", "accepted for runc compatibility; no AppArmor here", "apparmor"),
                            HELP), 1, Integer.MAX_VALUE),
            new Command("state", "state CONTAINER-ID", "Print the state of a container as runtime-spec JSON.", List.of(HELP), 1, 1),
            new Command("kill", "kill [OPTIONS] CONTAINER-ID [SIGNAL]",
                    "Send a signal (default SIGTERM; a name such as KILL or SIGKILL, or a number) to a container.",
                    List.of(Option.flag("send it to every process of the container", "all", "a"), HELP), 1, 2),
            new Command("delete", "delete [OPTIONS] CONTAINER-ID",
                    "Delete a stopped or created container: its cgroup, mounts and state.",
                    List.of(Option.flag("kill the container first if it is running", "force", "f"), HELP), 1, 1),
            new Command("pause", "pause CONTAINER-ID", "Freeze every process of a container.", List.of(HELP), 1, 1),
            new Command("resume", "resume CONTAINER-ID", "Thaw a paused container.", List.of(HELP), 1, 1),
            new Command("update", "update [OPTIONS] CONTAINER-ID",
                    "Change the resource limits of a created, running or paused container, as runc update.",
                    UpdateOptions.OPTIONS, 1, 1),
            new Command("ps", "ps [OPTIONS] CONTAINER-ID", "List the processes of a container.",
                    List.of(Option.value("FORMAT", "table or json (the pids; default table)", "format", "f"), HELP), 1, 1),
            new Command("events", "events [OPTIONS] CONTAINER-ID",
                    "Print the container's cpu, memory and pids figures as JSON events, and its OOM kills.",
                    List.of(Option.flag("print one stats event and exit", "stats"),
                            Option.value("DURATION", "time between events, such as 5s or 500ms (default 5s)", "interval"),
                            HELP), 1, 1),
            new Command("features", "features", "Print what this futaba implements (runtime-spec features JSON).",
                    List.of(HELP), 0, 0),
            new Command("list", "list [OPTIONS]", "List the containers.",
                    List.of(Option.value("FORMAT", "table or json (default table)", "format", "f"),
                            Option.flag("print only the ids", "quiet", "q"), HELP), 0, 0),
            new Command("spec", "spec [OPTIONS]", "Write a template config.json into the bundle directory.",
                    List.of(BUNDLE, Option.flag("a template for rootless containers (not supported yet)", "rootless"), HELP), 0, 0));

    private final PrintStream out;
    private final PrintStream err;

    public FutabaCli(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** Runs a futaba command line; returns the exit code. */
    public int run(List<String> argv) {
        int split = commandIndex(argv);
        List<String> globalArgs = argv.subList(0, split < 0 ? argv.size() : split);
        FutabaLog log = new FutabaLog(err, null, false);
        try {
            Args global = Args.parse(GLOBAL, globalArgs);
            String format = global.value("log-format", "text");
            if (!format.equals("text") && !format.equals("json")) {
                throw new Args.UsageException("--log-format must be text or json, not \"" + format + "\"");
            }
            String logFile = global.value("log", null);
            log = new FutabaLog(err, logFile == null ? null : Path.of(logFile), format.equals("json"));
            if (global.flag("debug")) {
                Trace.to(log::debug);
            }
            if (global.flag("version")) {
                out.println("futaba version " + Version.VERSION);
                out.println("spec: 1.2.0");
                return 0;
            }
            if (split < 0) {
                if (global.flag("help")) {
                    out.print(help());
                    return 0;
                }
                throw new Args.UsageException("no command given");
            }
            if (global.flag("systemd-cgroup")) {
                throw new FutabaException("--systemd-cgroup is not supported: use the cgroupfs cgroup driver");
            }
            String rootless = global.value("rootless", "false");
            if (!rootless.equals("false") && !rootless.equals("auto")) {
                throw new FutabaException("rootless containers are not supported yet");
            }
            // an unknown command is the error, not the options that follow it
            Command command = COMMANDS.stream().filter(c -> c.name().equals(argv.get(split))).findFirst()
                    .orElseThrow(() -> new Args.UsageException("unknown command \"" + argv.get(split) + "\""));
            List<String> rest = argv.subList(split + 1, argv.size());
            Args args;
            try {
                // exec: what follows the container id is the command, with options of its own
                args = Args.parse(command.options(), rest, command.name().equals("exec") ? 1 : Integer.MAX_VALUE);
            } catch (Args.UsageException e) {
                throw new Args.UsageException(command.name() + ": " + e.getMessage());
            }
            if (args.flag("help")) {
                out.print(commandHelp(command));
                return 0;
            }
            int n = args.positionals().size();
            if (n < command.minArgs() || n > command.maxArgs()) {
                throw new Args.UsageException(command.name() + ": expected " + command.usage().replace("[OPTIONS] ", ""));
            }
            FutabaLog warnings = log;
            Futaba futaba = new Futaba(Path.of(global.value("root", Futaba.DEFAULT_ROOT.toString())),
                    LinuxSyscalls.INSTANCE, warnings::warn);
            return execute(command, args, futaba);
        } catch (Args.UsageException e) {
            log.error(e.getMessage());
            err.println("Run 'futaba --help' for usage.");
            return 1;
        } catch (FutabaException | LinuxException | IllegalStateException e) {
            log.error(e.getMessage());
            return 1;
        } catch (RuntimeException e) { // a defect: still one line, with the cause
            log.error("internal error: " + e);
            return 1;
        }
    }

    /** Index of the command word: the first argument that is not a global option or its value. */
    private static int commandIndex(List<String> argv) {
        for (int i = 0; i < argv.size(); i++) {
            String a = argv.get(i);
            if (!a.startsWith("-")) {
                return i;
            }
            String name = a.replaceFirst("^--?", "").split("=", 2)[0];
            boolean takesValue = GLOBAL.stream().anyMatch(o -> o.names().contains(name) && o.valueName() != null);
            if (takesValue && !a.contains("=")) {
                i++;
            }
        }
        return -1;
    }

    private int execute(Command command, Args args, Futaba futaba) {
        List<String> pos = args.positionals();
        if (List.of("create", "run", "exec", "kill").contains(command.name())) {
            Native.warmUp();
        }
        if (List.of("create", "run").contains(command.name()) && !runningAsRoot()) {
            throw new FutabaException(command.name() + ": futaba needs root to make containers "
                    + "(rootless containers are not supported yet)");
        }
        switch (command.name()) {
            case "create" -> {
                futaba.create(pos.getFirst(), bundle(args), pidFile(args), args.intValue("preserve-fds", 0),
                        consoleSocket(args));
                return 0;
            }
            case "start" -> {
                futaba.start(pos.getFirst());
                return 0;
            }
            case "run" -> {
                return futaba.run(pos.getFirst(), bundle(args), pidFile(args), args.intValue("preserve-fds", 0),
                        consoleSocket(args), args.flag("detach"), args.flag("keep"));
            }
            case "exec" -> {
                return exec(futaba, args);
            }
            case "state" -> {
                out.println(Json.writePretty(futaba.state(pos.getFirst())));
                return 0;
            }
            case "kill" -> {
                int signal;
                try {
                    signal = Signals.parse(pos.size() > 1 ? pos.get(1) : "SIGTERM");
                } catch (IllegalArgumentException e) {
                    throw new FutabaException(e.getMessage());
                }
                futaba.kill(pos.getFirst(), signal, args.flag("all"));
                return 0;
            }
            case "delete" -> {
                futaba.delete(pos.getFirst(), args.flag("force"));
                return 0;
            }
            case "list" -> {
                list(futaba.list(), args.value("format", "table"), args.flag("quiet"));
                return 0;
            }
            case "pause" -> {
                futaba.pause(pos.getFirst());
                return 0;
            }
            case "resume" -> {
                futaba.resume(pos.getFirst());
                return 0;
            }
            case "update" -> {
                UpdateOptions.Update update = UpdateOptions.read(args, System.in);
                futaba.update(pos.getFirst(), update.resources(), update.source());
                return 0;
            }
            case "ps" -> {
                switch (args.value("format", "table")) {
                    case "json" -> out.println(Json.write(futaba.pids(pos.getFirst())));
                    case "table" -> out.print(table(futaba.processTable(pos.getFirst())));
                    default -> throw new FutabaException("ps --format must be table or json");
                }
                return 0;
            }
            case "events" -> {
                Duration interval = args.flag("stats") ? null : duration(args.value("interval", "5s"));
                futaba.events(pos.getFirst(), interval, e -> {
                    out.println(Json.write(e));
                    out.flush();
                });
                return 0;
            }
            case "features" -> {
                out.println(Json.writePretty(Features.document()));
                return 0;
            }
            case "spec" -> {
                spec(args);
                return 0;
            }
            default -> throw new IllegalStateException(command.name());
        }
    }

    private static int exec(Futaba futaba, Args args) {
        List<String> pos = args.positionals();
        String id = pos.getFirst();
        Spec.Process process;
        String file = args.value("process", null);
        if (file != null) {
            if (pos.size() > 1) {
                throw new FutabaException("exec: give the command either in --process or on the command line");
            }
            List<String> unsupported = new ArrayList<>();
            try {
                process = SpecReader.readProcess(Files.readString(Path.of(file)), unsupported);
            } catch (IOException e) {
                throw new FutabaException("cannot read " + file + ": " + IoErrors.reason(e), e);
            } catch (JsonException e) {
                throw new FutabaException(file + ": " + e.getMessage(), e);
            }
            if (!unsupported.isEmpty()) {
                throw new FutabaException(file + ": futaba does not support " + String.join(", ", unsupported) + " yet");
            }
        } else {
            if (pos.size() < 2) {
                throw new Args.UsageException("exec: name the command to run, or give --process");
            }
            List<Long> gids = new ArrayList<>();
            for (String g : args.values("additional-gids")) {
                try {
                    gids.add(Long.parseLong(g));
                } catch (NumberFormatException e) {
                    throw new FutabaException("--additional-gids takes numbers, not \"" + g + "\"");
                }
            }
            process = new ExecProcess(pos.subList(1, pos.size()), args.value("cwd", null), args.values("env"),
                    args.value("user", null), gids, args.flag("no-new-privs"), args.values("cap"), args.flag("tty"))
                    .mergeInto(futaba.configuredProcess(id));
        }
        return futaba.exec(id, process, pidFile(args), args.flag("detach"), args.intValue("preserve-fds", 0),
                consoleSocket(args));
    }

    /** A duration as Go writes it: 5s, 500ms, 1m, 1h, 100us. */
    static Duration duration(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ns|us|ms|s|m|h)").matcher(text);
        if (!m.matches()) {
            throw new FutabaException("--interval takes a duration such as 5s or 500ms, not \"" + text + "\"");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ns" -> Duration.ofNanos(n);
            case "us" -> Duration.ofNanos(n * 1000);
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
        if (d.isZero()) {
            throw new FutabaException("--interval must be more than zero");
        }
        return d;
    }

    /** The effective uid is 0 (the second field of Uid: in /proc/self/status). */
    private static boolean runningAsRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0");
                }
            }
        } catch (IOException unreadable) {
            // then let the first privileged step fail with its own error
        }
        return true;
    }

    private static Path consoleSocket(Args args) {
        String s = args.value("console-socket", null);
        return s == null ? null : Path.of(s);
    }

    private static Path bundle(Args args) {
        return Path.of(args.value("bundle", ".")).toAbsolutePath();
    }

    private static Path pidFile(Args args) {
        String f = args.value("pid-file", null);
        return f == null ? null : Path.of(f);
    }

    private void list(List<Map<String, Object>> states, String format, boolean quiet) {
        if (quiet) {
            states.forEach(s -> out.println(s.get("id")));
            return;
        }
        switch (format) {
            case "json" -> out.println(Json.write(states));
            case "table" -> {
                List<String[]> rows = new ArrayList<>();
                rows.add(new String[] {"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"});
                for (Map<String, Object> s : states) {
                    rows.add(new String[] {(String) s.get("id"), String.valueOf(s.get("pid")), (String) s.get("status"),
                        (String) s.get("bundle"), (String) s.get("created"), (String) s.get("owner")});
                }
                out.print(table(rows));
            }
            default -> throw new FutabaException("list --format must be table or json, not \"" + format + "\"");
        }
    }

    /** Columns as runc's tabwriter lays them out: at least 12 wide, 3 spaces apart. */
    static String table(List<String[]> rows) {
        int[] width = new int[rows.getFirst().length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], Math.max(12 - 3, row[i].length()));
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                sb.append(row[i]);
                if (i < row.length - 1) {
                    sb.append(" ".repeat(width[i] - row[i].length() + 3));
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private void spec(Args args) {
        if (args.flag("rootless")) {
            throw new FutabaException("spec --rootless: rootless containers are not supported yet");
        }
        Path config = bundle(args).resolve("config.json");
        try {
            Files.writeString(config, Json.writePretty(SpecTemplate.standard()) + "\n", StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
            throw new FutabaException(config + " exists already: remove it first");
        } catch (IOException e) {
            throw new FutabaException("cannot write " + config + ": " + IoErrors.reason(e), e);
        }
    }

    private static String help() {
        StringBuilder sb = new StringBuilder();
        sb.append("Usage: futaba [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n\n");
        sb.append("futaba runs OCI bundles (runtime-spec 1.2) with a runc-compatible command line.\n\n");
        sb.append("Commands:\n");
        for (Command c : COMMANDS) {
            sb.append("  ").append(c.name()).append(" ".repeat(10 - c.name().length())).append(c.summary()).append('\n');
        }
        sb.append("\nGlobal options:\n").append(Args.describe(GLOBAL));
        sb.append("\nRun 'futaba COMMAND --help' for a command's options.\n");
        return sb.toString();
    }

    private static String commandHelp(Command c) {
        return "Usage: futaba " + c.usage() + "\n\n" + c.summary() + "\n\nOptions:\n" + Args.describe(c.options());
    }
}
