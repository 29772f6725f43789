package io.karakuri.cli;

import io.karakuri.cli.Args.Option;
import io.karakuri.json.Json;
import io.karakuri.json.JsonException;
import io.karakuri.json.JsonObject;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The registry commands: {@code karakuri regctl ...} (the original karakuri's registry controller: connect,
 * disconnect, target/info, get repository, get tag, delete) and {@code karakuri login} / {@code logout}. Each
 * is one request to hitoha's /v1/registry; a refusal prints the daemon's sentence after the command's name
 * ({@code karakuri regctl get tag: registry 127.0.0.1:5000: ...}) and exits 1.
 */
public final class RegistryCommands {
    private static final Option HELP = Option.flag("print this help", "help", "h");
    private static final Option REGISTRY = Option.value("HOST:PORT",
            "the registry to ask instead of the connected one", "registry");
    private static final Option FORMAT = Option.value("FORMAT", "table or json (default table)", "format", "f");

    static final String REGCTL_HELP = """
            Usage: karakuri regctl COMMAND [OPTIONS]

            The registry controller: connect to a registry, list its repositories and tags, delete images.

            Commands:
              connect --registry HOST:PORT        connect to a registry (it must answer)
              disconnect                          disconnect from it
              target, info                        show the registry and whether it is connected
              get repository                      list the registry's repositories
              get tag --repository NAME           list a repository's tags
              delete --image NAME:TAG             delete an image (every tag of its manifest goes with it)

            Options of get and delete:
            """ + Args.describe(List.of(REGISTRY, FORMAT)) + """

            "karakuri login" stores the credentials a registry asks for.
            """;

    static final String LOGIN_HELP = """
            Usage: karakuri login [OPTIONS] REGISTRY

            Log in to a registry: hitoha checks the user name and password with it, then keeps them (in
            /etc/karakuri/auth.json) for pull, push and regctl. Without --password-stdin the password is asked for
            on the terminal, not echoed.

            Options:
            """ + Args.describe(List.of(Option.value("USER", "the user name (asked for if not given)", "username", "u"),
            Option.flag("read the password from standard input", "password-stdin"), HELP));

    static final String LOGOUT_HELP = """
            Usage: karakuri logout REGISTRY

            Forget the credentials stored for a registry.
            """;

    /** A command that failed with a sentence for the user. */
    private static final class Failure extends Exception {
        Failure(String message) {
            super(message, null, false, false);
        }
    }

    private final PrintStream out;
    private final PrintStream err;
    private final HitohaClient hitoha;
    private final InputStream in;
    private final Console console;

    /**
     * in: standard input (for --password-stdin); console: the terminal to ask for a password on, or null when
     * there is none.
     */
    public RegistryCommands(PrintStream out, PrintStream err, HitohaClient hitoha, InputStream in, Console console) {
        this.out = out;
        this.err = err;
        this.hitoha = hitoha;
        this.in = in;
        this.console = console;
    }

    /** The process's own standard input and terminal (System.console() only when it is one). */
    public static RegistryCommands forProcess(PrintStream out, PrintStream err, HitohaClient hitoha) {
        Console c = System.console();
        return new RegistryCommands(out, err, hitoha, System.in, c != null && c.isTerminal() ? c : null);
    }

    // ------------------------------------------------------------------------------------------------ regctl

    public int regctl(List<String> argv) {
        if (argv.isEmpty()) {
            err.print(REGCTL_HELP);
            return 1;
        }
        String sub = argv.getFirst();
        List<String> rest = argv.subList(1, argv.size());
        if (sub.equals("--help") || sub.equals("-h") || sub.equals("help")) {
            out.print(REGCTL_HELP);
            return 0;
        }
        if (sub.equals("get")) {
            if (rest.isEmpty() || rest.getFirst().startsWith("-")) {
                if (rest.contains("--help") || rest.contains("-h")) {
                    out.print(REGCTL_HELP);
                    return 0;
                }
                return usage("regctl get", "say what to get: repository or tag");
            }
            sub = "get " + rest.getFirst();
            rest = rest.subList(1, rest.size());
        }
        String name = "regctl " + sub;
        try {
            return switch (sub) {
                case "connect" -> {
                    Args a = parse(name, List.of(Option.value("HOST:PORT", "the registry", "registry"), HELP), rest);
                    if (a == null) {
                        yield 0;
                    }
                    String registry = required(a, "registry");
                    JsonObject c = call("PUT", "/v1/registry/connection", Json.write(Map.of("registry", registry)));
                    out.println("registry " + c.string("registry", registry) + " connected.");
                    yield 0;
                }
                case "disconnect" -> {
                    if (parse(name, List.of(HELP), rest) == null) {
                        yield 0;
                    }
                    call("DELETE", "/v1/registry/connection", null);
                    out.println("registry disconnected.");
                    yield 0;
                }
                case "target", "info" -> {
                    if (parse(name, List.of(HELP), rest) == null) {
                        yield 0;
                    }
                    JsonObject c = call("GET", "/v1/registry/connection", null);
                    String registry = c.string("registry", null);
                    out.println("Registry : " + (registry == null ? "(none)" : registry));
                    out.println("Status   : " + c.string("status", "disconnected"));
                    yield 0;
                }
                case "get repository", "get repositories" -> {
                    Args a = parse(name, List.of(REGISTRY, FORMAT, HELP), rest);
                    if (a == null) {
                        yield 0;
                    }
                    boolean json = json(a);
                    Object doc = request("GET", "/v1/registry/repositories" + query("registry", a.value("registry", null)), null);
                    if (json) {
                        out.println(Json.writePretty(doc));
                    } else {
                        table("REPOSITORY", 26, JsonObject.root(doc, "hitoha's answer").strings("repositories"));
                    }
                    yield 0;
                }
                case "get tag", "get tags" -> {
                    Args a = parse(name, List.of(Option.value("NAME", "the repository", "repository"), REGISTRY, FORMAT, HELP), rest);
                    if (a == null) {
                        yield 0;
                    }
                    String repository = required(a, "repository");
                    boolean json = json(a);
                    Object doc = request("GET", "/v1/registry/tags" + query("repository", repository, "registry",
                            a.value("registry", null)), null);
                    if (json) {
                        out.println(Json.writePretty(doc));
                    } else {
                        JsonObject r = JsonObject.root(doc, "hitoha's answer");
                        out.println("REPOSITORY: " + r.string("repository", repository));
                        table("TAG", 14, r.strings("tags"));
                    }
                    yield 0;
                }
                case "delete" -> {
                    Args a = parse(name, List.of(Option.value("NAME:TAG", "the image", "image"), REGISTRY, HELP), rest);
                    if (a == null) {
                        yield 0;
                    }
                    String image = required(a, "image");
                    call("DELETE", "/v1/registry/images/" + path(image) + query("registry", a.value("registry", null)), null);
                    out.println("delete " + image + " success.");
                    yield 0;
                }
                default -> usage("regctl", "unknown command \"" + String.join(" ", argv.subList(0, sub.startsWith("get ") ? 2 : 1)) + "\"");
            };
        } catch (Args.UsageException e) {
            return usage(name, e.getMessage());
        } catch (Failure | JsonException e) {
            err.println("karakuri " + name + ": " + e.getMessage());
            return 1;
        }
    }

    // ---------------------------------------------------------------------------------------- login, logout

    public int login(List<String> argv) {
        try {
            Args a = parse("login", List.of(Option.value("USER", "", "username", "u"), Option.flag("", "password-stdin"), HELP), argv);
            if (a == null) {
                return 0;
            }
            if (a.positionals().size() != 1) {
                return usage("login", "name one registry: karakuri login [--username USER] [--password-stdin] HOST:PORT");
            }
            String registry = a.positionals().getFirst();
            String user = a.value("username", null);
            String password;
            if (a.flag("password-stdin")) {
                if (user == null) {
                    return usage("login", "--password-stdin needs --username");
                }
                password = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                password = password.endsWith("\n") ? password.substring(0, password.length() - 1) : password;
                password = password.endsWith("\r") ? password.substring(0, password.length() - 1) : password;
            } else {
                if (console == null) {
                    throw new Failure("no terminal to ask for the password: give it with --password-stdin");
                }
                if (user == null) {
                    user = console.readLine("Username: ");
                    if (user == null) {
                        throw new Failure("no user name given");
                    }
                    user = user.strip();
                }
                char[] typed = console.readPassword("Password: ");
                password = typed == null ? "" : new String(typed);
            }
            if (user.isEmpty()) {
                throw new Failure("no user name given");
            }
            if (password.isEmpty()) {
                throw new Failure("no password given");
            }
            Map<String, String> body = new LinkedHashMap<>();
            body.put("registry", registry);
            body.put("username", user);
            body.put("password", password);
            call("POST", "/v1/registry/login", Json.write(body));
            out.println("Login Succeeded");
            return 0;
        } catch (Args.UsageException e) {
            return usage("login", e.getMessage());
        } catch (Failure | JsonException e) {
            err.println("karakuri login: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("karakuri login: cannot read the password: " + e.getMessage());
            return 1;
        }
    }

    public int logout(List<String> argv) {
        try {
            Args a = parse("logout", List.of(HELP), argv);
            if (a == null) {
                return 0;
            }
            if (a.positionals().size() != 1) {
                return usage("logout", "name one registry: karakuri logout HOST:PORT");
            }
            String registry = a.positionals().getFirst();
            JsonObject r = call("POST", "/v1/registry/logout", Json.write(Map.of("registry", registry)));
            out.println(r.bool("removed", false) ? "Removing login credentials for " + registry
                    : "Not logged in to " + registry);
            return 0;
        } catch (Args.UsageException e) {
            return usage("logout", e.getMessage());
        } catch (Failure | JsonException e) {
            err.println("karakuri logout: " + e.getMessage());
            return 1;
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** Parses a command's options; null when it asked for help (printed). Positionals only for login/logout. */
    private Args parse(String name, List<Option> options, List<String> argv) {
        Args a = Args.parse(options, argv);
        if (a.flag("help")) {
            out.print(switch (name) {
                case "login" -> LOGIN_HELP;
                case "logout" -> LOGOUT_HELP;
                default -> REGCTL_HELP;
            });
            return null;
        }
        if (!name.equals("login") && !name.equals("logout") && !a.positionals().isEmpty()) {
            throw new Args.UsageException("unexpected argument \"" + a.positionals().getFirst() + "\"");
        }
        return a;
    }

    private static String required(Args a, String option) {
        String v = a.value(option, null);
        if (v == null || v.isEmpty()) {
            throw new Args.UsageException("--" + option + " is required");
        }
        return v;
    }

    private static boolean json(Args a) {
        String format = a.value("format", "table");
        if (!format.equals("table") && !format.equals("json")) {
            throw new Args.UsageException("--format takes table or json, not \"" + format + "\"");
        }
        return format.equals("json");
    }

    private int usage(String name, String message) {
        err.println("karakuri " + name + ": " + message);
        err.println("Run 'karakuri " + (name.startsWith("regctl") ? "regctl" : name) + " --help' for usage.");
        return 1;
    }

    /** A header, a dashed rule (at least width wide, as the original printed it), one name a line. */
    private void table(String header, int width, List<String> names) {
        int w = width;
        for (String n : names) {
            w = Math.max(w, n.length());
        }
        StringBuilder sb = new StringBuilder(header).append('\n').append("-".repeat(w)).append('\n');
        for (String n : names) {
            sb.append(n).append('\n');
        }
        out.print(sb);
    }

    private JsonObject call(String method, String path, String body) throws Failure {
        return JsonObject.root(request(method, path, body), "hitoha's answer");
    }

    /** One request; the answer's JSON document, or a Failure with the daemon's message. */
    private Object request(String method, String path, String body) throws Failure {
        HitohaClient.Response r;
        try {
            r = hitoha.send(method, path, body);
        } catch (IOException e) {
            throw new Failure(e.getMessage());
        }
        if (r.status() / 100 != 2) {
            throw new Failure(HitohaErrors.message(r));
        }
        try {
            return Json.parse(r.body());
        } catch (JsonException e) {
            throw new Failure("hitoha answered " + r.status() + ": " + r.body().strip());
        }
    }

    /** A query string of the parameters given (null values left out): "", or "?a=1&b=2". */
    private static String query(String... namesAndValues) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (namesAndValues[i + 1] != null) {
                sb.append(sb.isEmpty() ? '?' : '&').append(namesAndValues[i]).append('=')
                        .append(URLEncoder.encode(namesAndValues[i + 1], StandardCharsets.UTF_8));
            }
        }
        return sb.toString();
    }

    /** An image name in a URL path: each character that is not safe there escaped, the slashes kept. */
    private static String path(String image) {
        return URLEncoder.encode(image, StandardCharsets.UTF_8).replace("+", "%20").replace("%2F", "/")
                .replace("%3A", ":").replace("%40", "@");
    }
}
