package io.karakuri.futaba;

import io.karakuri.linux.LinuxException;
import io.karakuri.linux.Syscalls;
import io.karakuri.linux.Terminals;

/**
 * A container's terminal in futaba's own: for `run` and `exec` in the foreground with a terminal and
 * no console socket. futaba's terminal goes raw (Ctrl-C and Ctrl-D are bytes for the container's
 * terminal to act on), its size follows futaba's (SIGWINCH), and bytes are copied both ways until the
 * container's side closes.
 */
final class TerminalProxy {
    private final Syscalls sys;
    private final int master;
    private byte[] saved;
    private Thread output;

    TerminalProxy(Syscalls sys, int master) {
        this.sys = sys;
        this.master = master;
    }

    @SuppressWarnings("removal")
    void start() {
        saved = Terminals.settings(0);
        if (saved != null) {
            Terminals.makeRaw(0, saved);
            followSize();
            try {
                sun.misc.Signal.handle(new sun.misc.Signal("WINCH"), s -> followSize());
            } catch (IllegalArgumentException reserved) {
                // the size is then set once
            }
        }
        Thread.ofPlatform().daemon().name("terminal-in").start(() -> copy(0, master));
        output = Thread.ofPlatform().daemon().name("terminal-out").start(() -> copy(master, 1));
    }

    private void followSize() {
        int[] size = Terminals.size(0);
        if (size != null) {
            Terminals.resize(master, size[0], size[1]);
        }
    }

    /** Once the process has exited: lets the last output through, and gives futaba's terminal back. */
    void finish() {
        try {
            output.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (saved != null) {
            Terminals.restore(0, saved);
        }
        sys.close(master);
    }

    private void copy(int from, int to) {
        byte[] buf = new byte[8192];
        try {
            while (true) {
                int n = sys.read(from, buf);
                if (n <= 0) {
                    return;
                }
                sys.write(to, n == buf.length ? buf : java.util.Arrays.copyOf(buf, n));
            }
        } catch (LinuxException endOfTerminal) {
            // EIO once the container's side of the terminal is closed
        }
    }
}
