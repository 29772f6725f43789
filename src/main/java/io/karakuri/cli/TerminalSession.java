package io.karakuri.cli;

import io.karakuri.linux.Terminals;
import java.util.function.BiConsumer;

/**
 * The local terminal while a container's terminal is in front of it (`run --it`, `start --it`, `exec --it`):
 * raw mode (Ctrl-C and Ctrl-D are bytes for the container's terminal), its size sent at the start and again
 * on each SIGWINCH. {@link #close} gives the terminal back as it was; so does a shutdown hook, for a
 * SIGTERM or SIGHUP on the way.
 */
final class TerminalSession implements AutoCloseable {

    /** The process's terminal, as far as a session needs it; a test's stand-in has no terminal at all. */
    interface Tty {
        boolean stdinIsTerminal();

        /** Puts standard input's terminal into raw mode; the settings to restore, or null when it is none. */
        byte[] makeRaw();

        void restore(byte[] settings);

        /** {rows, columns}, or null when not a terminal. */
        int[] size();

        /** Calls listener on each arrival of the signal (WINCH, INT, TERM), instead of what it did before. */
        void onSignal(String name, Runnable listener);
    }

    /** The real one: fds 0 and 1 through ioctl, SIGWINCH through sun.misc.Signal (jdk.unsupported). */
    static final Tty SYSTEM = new Tty() {
        @Override
        public boolean stdinIsTerminal() {
            try {
                return Terminals.settings(0) != null;
            } catch (RuntimeException | LinkageError noNativeAccess) {
                return false;
            }
        }

        @Override
        public byte[] makeRaw() {
            byte[] saved = Terminals.settings(0);
            if (saved != null) {
                Terminals.makeRaw(0, saved);
            }
            return saved;
        }

        @Override
        public void restore(byte[] settings) {
            Terminals.restore(0, settings);
        }

        @Override
        public int[] size() {
            int[] size = Terminals.size(0);
            return size != null ? size : Terminals.size(1);
        }

        @Override
        @SuppressWarnings("removal")
        public void onSignal(String name, Runnable listener) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), s -> listener.run());
            } catch (IllegalArgumentException | UnsupportedOperationException reserved) {
                // not to be had: the signal does what it did (for WINCH, the size is then sent once)
            }
        }
    };

    private final Tty tty;
    private final BiConsumer<Integer, Integer> resize;
    private byte[] saved;
    private Thread hook;

    private TerminalSession(Tty tty, BiConsumer<Integer, Integer> resize) {
        this.tty = tty;
        this.resize = resize;
    }

    /**
     * Starts a session: raw mode when raw (standard input is forwarded from a terminal), and the window's
     * size given to resize now and on each change.
     */
    static TerminalSession open(Tty tty, boolean raw, BiConsumer<Integer, Integer> resize) {
        TerminalSession session = new TerminalSession(tty, resize);
        if (raw) {
            session.saved = tty.makeRaw();
            if (session.saved != null) {
                session.hook = new Thread(session::restore, "karakuri-terminal-restore");
                try {
                    Runtime.getRuntime().addShutdownHook(session.hook);
                } catch (IllegalStateException shuttingDown) {
                    session.hook = null;
                }
            }
        }
        session.sendSize();
        tty.onSignal("WINCH", session::sendSize);
        return session;
    }

    private void sendSize() {
        int[] size = tty.size();
        if (size != null && size[0] > 0 && size[1] > 0) {
            resize.accept(size[0], size[1]);
        }
    }

    private synchronized void restore() {
        if (saved != null) {
            tty.restore(saved);
            saved = null;
        }
    }

    /** Gives the terminal back as it was; once is enough, more is harmless. */
    @Override
    public synchronized void close() {
        restore();
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook restores (again: harmless)
            }
            hook = null;
        }
    }
}
