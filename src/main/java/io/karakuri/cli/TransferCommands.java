package io.karakuri.cli;

import io.karakuri.json.Json;
import io.karakuri.json.JsonException;
import io.karakuri.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * `karakuri pull` and `karakuri push`: hitoha does the transfer and streams its progress as
 * newline-delimited JSON, one object per step, ending with {"status": "done", ...} or {"error": "..."}.
 */
final class TransferCommands {
    static final List<Args.Option> PULL = List.of(
            Args.Option.value("REF", "the image (repository[:tag] or @digest); also as the argument", "image"),
            Args.Option.value("OS:ARCH[:VARIANT]", "the platform to pull from a multi-platform image", "os"),
            Args.Option.value("HOST:PORT", "the registry to pull from (for a name without one)", "registry"),
            Args.Option.flag("print only the image's digest", "quiet", "q"),
            Args.Option.flag("show this help", "help", "h"));
    static final List<Args.Option> PUSH = List.of(
            Args.Option.value("REF", "the image (repository:tag); also as the argument", "image"),
            Args.Option.value("HOST:PORT", "the registry to push to (default: the one regctl connected, else the "
                    + "name's own)", "registry"),
            Args.Option.flag("print only the pushed reference", "quiet", "q"),
            Args.Option.flag("show this help", "help", "h"));

    private final HitohaClient hitoha;
    private final PrintStream out;
    private final PrintStream err;
    private final boolean terminal;

    TransferCommands(HitohaClient hitoha, PrintStream out, PrintStream err, boolean terminal) {
        this.hitoha = hitoha;
        this.out = out;
        this.err = err;
        this.terminal = terminal;
    }

    int pull(List<String> argv) {
        Args args = Args.parse(PULL, argv);
        if (args.flag("help")) {
            return help("pull", "Pull an image from a registry: its layers are stored and unpacked.", PULL);
        }
        return pull(image(args, "pull"), args.value("os", null), args.value("registry", null), args.flag("quiet"));
    }

    /** Pulls image as `karakuri pull` does (create and run pull an image they do not have); the exit code. */
    int pull(String image, String platform, String registry, boolean quiet) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("image", image);
        body.put("platform", platform);
        body.put("registry", registry);
        return transfer("pull", body, quiet);
    }

    int push(List<String> argv) {
        Args args = Args.parse(PUSH, argv);
        if (args.flag("help")) {
            return help("push", "Push an image to a registry: layers the registry has are skipped.", PUSH);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("image", image(args, "push"));
        body.put("registry", args.value("registry", null));
        return transfer("push", body, args.flag("quiet"));
    }

    private int help(String command, String what, List<Args.Option> options) {
        out.print("Usage: karakuri " + command + " --image REF [OPTIONS]   (or: karakuri " + command + " REF)\n\n"
                + what + "\n\nOptions:\n" + Args.describe(options));
        return 0;
    }

    private static String image(Args args, String command) {
        String image = args.value("image", null);
        List<String> rest = args.positionals();
        if (image == null && rest.size() == 1) {
            return rest.getFirst();
        }
        if (image == null || !rest.isEmpty()) {
            throw new Args.UsageException(command + " takes one image: --image REF, or REF");
        }
        return image;
    }

    /** POSTs body to /v1/images/COMMAND and shows the progress it streams back. */
    private int transfer(String command, Map<String, Object> body, boolean quiet) {
        ProgressDisplay display = new ProgressDisplay(out, terminal);
        JsonObject[] last = new JsonObject[1];
        try {
            HitohaClient.Response r = hitoha.send("POST", "/v1/images/" + command, Json.write(body), line -> {
                if (line.isBlank()) {
                    return;
                }
                JsonObject step = JsonObject.root(Json.parse(line), "hitoha's progress");
                if (step.has("error") || "done".equals(step.string("status", null))) {
                    last[0] = step;
                } else if (!quiet) {
                    display.update(step.string("id", ""), step.string("status", ""), step.integer("current", 0),
                            step.integer("total", 0));
                }
            });
            if (r.status() != 200) {
                err.println("karakuri " + command + ": " + HitohaErrors.message(r));
                return 1;
            }
        } catch (IOException | JsonException e) {
            err.println("karakuri " + command + ": " + e.getMessage());
            return 1;
        }
        if (last[0] == null) {
            err.println("karakuri " + command + ": hitoha ended the answer without a result");
            return 1;
        }
        if (last[0].has("error")) {
            err.println("karakuri " + command + ": " + last[0].string("error", ""));
            return 1;
        }
        String ref = last[0].string("reference", "");
        String digest = last[0].string("digest", "");
        if (quiet) {
            out.println(command.equals("pull") ? digest : ref);
        } else {
            out.println("Digest: " + digest);
            out.println((command.equals("pull") ? "Pulled " : "Pushed ") + ref);
        }
        return 0;
    }
}
