package io.karakuri;

import io.karakuri.cli.HitohaClient;
import io.karakuri.cli.KarakuriCli;
import io.karakuri.futaba.cli.FutabaCli;
import io.karakuri.monitor.AttachFrames;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The JDK AOT cache's training run (scripts/install.sh runs it with -XX:AOTCacheOutput): walks the
 * paths users take most, so that their classes are loaded and linked from the cache at every start.
 *
 * <p>Arguments: a scratch directory, and optionally a root file system holding a `true` program
 * (scripts/install.sh makes one from busybox-static) to run containers from.
 */
public final class AotTraining {
    private AotTraining() {
    }

    public static void main(String[] args) throws IOException {
        Path scratch = Path.of(args[0]);
        Path rootfs = args.length > 1 ? Path.of(args[1]) : null;
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        PrintStream out = System.out;
        System.setOut(quiet);
        Main.run("karakuri", new String[] {"version"});
        Main.run("futaba", new String[] {"--version"});
        Main.run("karakuri", new String[] {"futaba", "--help"});
        System.setOut(out);
        new KarakuriCli(quiet, quiet).run(List.of("--help"));
        // the container commands' classes, as far as they go without a hitoha (no socket here)
        KarakuriCli offline = new KarakuriCli(quiet, quiet, new HitohaClient(scratch.resolve("no-hitoha.sock")));
        offline.run(List.of("run", "--help"));
        offline.run(List.of("run", "--rm", "--port", "8080:80", "--env", "A=1", "--memory", "64M", "busybox", "true"));
        offline.run(List.of("create", "--port", "bad", "--image", "busybox"));
        offline.run(List.of("exec", "c", "ls"));
        offline.run(List.of("ls", "--all"));
        offline.run(List.of("logs", "c"));
        offline.run(List.of("stop", "c"));
        AttachFrames.read(new ByteArrayInputStream(AttachFrames.exit(0)));

        Path bundle = Files.createDirectories(scratch.resolve("bundle"));
        String root = scratch.resolve("state").toString();
        FutabaCli futaba = new FutabaCli(quiet, quiet);
        futaba.run(List.of("--version"));
        futaba.run(List.of("--help"));
        futaba.run(List.of("spec", "--bundle", bundle.toString()));
        futaba.run(List.of("--root", root, "list"));
        futaba.run(List.of("--root", root, "state", "missing"));
        if (rootfs == null) {
            return;
        }
        String spec = Files.readString(bundle.resolve("config.json"))
                .replace("\"rootfs\"", "\"" + rootfs + "\"")
                .replace("\"sh\"", "\"true\"");
        Files.writeString(bundle.resolve("config.json"), spec);
        List<Integer> codes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            codes.add(futaba.run(List.of("--root", root, "run", "--bundle", bundle.toString(), "aot-run-" + i)));
            codes.add(futaba.run(List.of("--root", root, "create", "--bundle", bundle.toString(), "aot-" + i)));
            codes.add(futaba.run(List.of("--root", root, "state", "aot-" + i)));
            codes.add(futaba.run(List.of("--root", root, "list", "--format", "json")));
            codes.add(futaba.run(List.of("--root", root, "start", "aot-" + i)));
            codes.add(futaba.run(List.of("--root", root, "kill", "aot-" + i, "KILL")) * 0);
            codes.add(futaba.run(List.of("--root", root, "delete", "--force", "aot-" + i)));
        }
        if (codes.stream().anyMatch(c -> c != 0)) {
            System.err.println("karakuri: the AOT training containers did not all run: " + codes);
            System.exit(1);
        }
    }
}
