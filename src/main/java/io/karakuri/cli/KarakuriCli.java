package io.karakuri.cli;

import io.karakuri.Version;
import io.karakuri.json.Json;
import io.karakuri.json.JsonException;
import io.karakuri.json.JsonObject;
import java.io.IOException;
import io.karakuri.linux.Terminals;
import java.io.PrintStream;
import java.time.Clock;
import java.util.List;

/** The karakuri command line: each command's class is loaded only when that command runs. */
public final class KarakuriCli {
    private record Command(String name, String summary) {}

    private static final List<Command> COMMANDS = List.of(
            new Command("version", "Print the version"),
            new Command("info", "Show the daemon this command line talks to"),
            new Command("run", "Create and start a container (pulls its image if need be)"),
            new Command("create", "Create a container"),
            new Command("start", "Start a container (--it, --attach: and attach to it)"),
            new Command("exec", "Run a command in a running container"),
            new Command("stop", "Stop containers"),
            new Command("restart", "Restart containers"),
            new Command("kill", "Send a signal to containers"),
            new Command("rm", "Remove containers"),
            new Command("ls", "List containers"),
            new Command("logs", "Print a container's output"),
            new Command("spec", "Print a container's OCI configuration"),
            new Command("inspect", "Show what hitoha knows of a container"),
            new Command("ns", "List namespaces"),
            new Command("createns", "Create a namespace (a network of its own)"),
            new Command("rmns", "Remove namespaces"),
            new Command("images", "List images"),
            new Command("rmi", "Remove images"),
            new Command("tag", "Give an image another name"),
            new Command("save", "Write images to a tar archive"),
            new Command("load", "Load images from a tar archive"),
            new Command("import", "Make an image of a root file system tarball"),
            new Command("pull", "Pull an image from a registry"),
            new Command("push", "Push an image to a registry"),
            new Command("regctl", "The registry controller: connect, get repository/tag, delete"),
            new Command("login", "Log in to a registry"),
            new Command("logout", "Log out from a registry"),
            new Command("help", "Print this help"));

    private final PrintStream out;
    private final PrintStream err;
    private final HitohaClient hitoha;
    private final ImageCommands images;

    public KarakuriCli(PrintStream out, PrintStream err) {
        this(out, err, HitohaClient.fromEnvironment(System.getenv()));
    }

    public KarakuriCli(PrintStream out, PrintStream err, HitohaClient hitoha) {
        this(out, err, hitoha, new ImageCommands(out, err, System.in, hitoha, () -> isTerminal(0), () -> isTerminal(1),
                Clock.systemUTC()));
    }

    KarakuriCli(PrintStream out, PrintStream err, HitohaClient hitoha, ImageCommands images) {
        this.out = out;
        this.err = err;
        this.hitoha = hitoha;
        this.images = images;
    }

    private static boolean isTerminal(int fd) {
        try {
            return Terminals.settings(fd) != null;
        } catch (RuntimeException | LinkageError noNativeAccess) {
            return System.console() != null;
        }
    }

    public int run(List<String> argv) {
        if (argv.isEmpty()) {
            err.print(help());
            return 1;
        }
        String command = argv.getFirst();
        List<String> rest = argv.subList(1, argv.size());
        boolean wantsHelp = rest.contains("--help") || rest.contains("-h");
        switch (command) {
            case "--help", "-h", "help" -> {
                out.print(help());
                return 0;
            }
            case "--version", "-v", "version" -> {
                if (wantsHelp) {
                    out.println("Usage: karakuri version\n\nPrint the version of karakuri.");
                    return 0;
                }
                if (!rest.isEmpty()) {
                    err.println("karakuri version: takes no arguments");
                    return 1;
                }
                out.println("karakuri version " + Version.VERSION);
                return 0;
            }
            case "info" -> {
                if (wantsHelp) {
                    out.println("Usage: karakuri info\n\nShow the hitoha daemon this command line talks to (its Unix socket is "
                            + HitohaClient.DEFAULT_SOCKET + ", or KARAKURI_SOCKET).");
                    return 0;
                }
                if (!rest.isEmpty()) {
                    err.println("karakuri info: takes no arguments");
                    return 1;
                }
                return info();
            }
            case "regctl" -> {
                return RegistryCommands.forProcess(out, err, hitoha).regctl(rest);
            }
            case "login" -> {
                return RegistryCommands.forProcess(out, err, hitoha).login(rest);
            }
            case "logout" -> {
                return RegistryCommands.forProcess(out, err, hitoha).logout(rest);
            }
            case "pull", "push" -> {
                TransferCommands transfer = new TransferCommands(hitoha, out, err, isTerminal(1));
                try {
                    return command.equals("pull") ? transfer.pull(rest) : transfer.push(rest);
                } catch (Args.UsageException e) {
                    err.println("karakuri " + command + ": " + e.getMessage());
                    err.println("Run 'karakuri " + command + " --help' for usage.");
                    return 1;
                }
            }
            default -> {
                if (ContainerCommands.handles(command)) {
                    return new ContainerCommands(out, err, System.in, hitoha, TerminalSession.SYSTEM, () -> isTerminal(2),
                            java.nio.file.Path.of("").toAbsolutePath(), System.getenv()).run(command, rest);
                }
                if (ImageCommands.handles(command)) {
                    return images.run(command, rest);
                }
                err.println("karakuri: unknown command \"" + command + "\"");
                err.println("Run 'karakuri --help' for usage.");
                return 1;
            }
        }
    }

    private int info() {
        try {
            HitohaClient.Response r = hitoha.send("GET", "/v1/system/info", null);
            if (r.status() != 200) {
                err.println("karakuri info: hitoha answered " + r.status() + ": " + r.body().strip());
                return 1;
            }
            JsonObject info = JsonObject.root(Json.parse(r.body()), "hitoha's answer");
            out.println("client: karakuri " + Version.VERSION);
            out.println("daemon: " + info.string("name", "hitoha") + " " + info.string("version", "?") + " at "
                    + hitoha.socket());
            return 0;
        } catch (IOException | JsonException e) {
            err.println("karakuri info: " + e.getMessage());
            return 1;
        }
    }

    private static String help() {
        StringBuilder sb = new StringBuilder("Usage: karakuri COMMAND [OPTIONS]\n\n");
        sb.append("karakuri runs containers for development on one machine.\n\nCommands:\n");
        for (Command c : COMMANDS) {
            sb.append("  ").append(c.name()).append(" ".repeat(10 - c.name().length())).append(c.summary()).append('\n');
        }
        sb.append("\nThe other roles of this program:\n");
        sb.append("  karakuri futaba ...   the OCI runtime (also installed as 'futaba'; see futaba --help)\n");
        sb.append("  karakuri hitoha ...   the daemon (also installed as 'hitoha'; see hitoha --help)\n");
        return sb.toString();
    }
}
