package io.karakuri;

import io.karakuri.cli.KarakuriCli;
import io.karakuri.futaba.cli.FutabaCli;
import io.karakuri.hitoha.HitohaMain;
import java.util.Arrays;
import java.util.List;

/**
 * One program, three roles: picked from the name it was started under (the launcher passes it as
 * karakuri.argv0; hitoha and futaba are symlinks to karakuri), or from the first argument
 * ("karakuri futaba run …"). Only hitoha boots Quarkus; the CLI and futaba stay plain Java.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        int code = run(System.getProperty("karakuri.argv0", "karakuri"), args);
        System.out.flush();
        System.err.flush();
        // halt, not exit: Runtime.exit logs through System.Logger, whose set-up costs the CLI ~50 ms
        Runtime.getRuntime().halt(code);
    }

    /** Runs the role named by self (the program's name) or by the first argument; the exit code. */
    public static int run(String self, String[] args) {
        String role = self.substring(self.lastIndexOf('/') + 1);
        List<String> argv = Arrays.asList(args);
        if (!role.equals("futaba") && !role.equals("hitoha")) {
            role = "karakuri";
            if (!argv.isEmpty() && List.of("futaba", "hitoha", "karakuri").contains(argv.getFirst())) {
                role = argv.getFirst();
                argv = argv.subList(1, argv.size());
            }
        }
        return switch (role) {
            case "futaba" -> new FutabaCli(System.out, System.err).run(argv);
            case "hitoha" -> HitohaMain.run(argv);
            default -> new KarakuriCli(System.out, System.err).run(argv);
        };
    }
}
