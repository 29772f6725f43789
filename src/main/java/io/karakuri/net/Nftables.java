package io.karakuri.net;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs nftables transactions: the script on the standard input of {@code nft -f -} (one transaction:
 * all of it or nothing). The command is a parameter so that tests can run it in a network namespace.
 */
public final class Nftables {
    private final List<String> command;

    /** nft from the PATH, or /usr/sbin/nft. */
    public static Nftables system() {
        for (String candidate : List.of("/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft")) {
            if (java.nio.file.Files.isExecutable(java.nio.file.Path.of(candidate))) {
                return new Nftables(List.of(candidate));
            }
        }
        return new Nftables(List.of("nft"));
    }

    /** command: the nft program and any arguments before "-f -" (as "ip netns exec NS nft" in a test). */
    public Nftables(List<String> command) {
        this.command = List.copyOf(command);
    }

    /** Whether nft runs and can list tables (it needs nf_tables in the kernel and CAP_NET_ADMIN). */
    public boolean usable() {
        try {
            return run(List.of("list", "tables"), null) == 0;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /** Applies script as one transaction; IllegalStateException with nft's message if it fails. */
    public void apply(String script) {
        StringBuilder errors = new StringBuilder();
        int status = run(List.of("-f", "-"), script, errors);
        if (status != 0) {
            throw new IllegalStateException("nft failed (exit status " + status + "): " + errors.toString().strip());
        }
    }

    private int run(List<String> args, String input) {
        return run(args, input, new StringBuilder());
    }

    private int run(List<String> args, String input, StringBuilder errors) {
        List<String> argv = new ArrayList<>(command);
        argv.addAll(args);
        Process process;
        try {
            process = new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", command) + ": " + e.getMessage()
                    + " (install nftables)", e);
        }
        try {
            try (OutputStream in = process.getOutputStream()) {
                if (input != null) {
                    in.write(input.getBytes(StandardCharsets.UTF_8));
                }
            }
            errors.append(new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("nft did not finish within 30 s");
            }
            return process.exitValue();
        } catch (IOException e) {
            process.destroyForcibly();
            throw new IllegalStateException("nft: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while nft ran", e);
        }
    }
}
