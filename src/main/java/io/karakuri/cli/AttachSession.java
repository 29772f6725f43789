package io.karakuri.cli;

import io.karakuri.monitor.AttachFrames;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The CLI's end of an attach or exec stream (docs/containers.md): stdout frames to standard output, stderr
 * frames to standard error, standard input (when forwarded) as stdin frames and its end as one end-of-stdin
 * frame, the terminal's size as resize frames; the exit frame ends it with the container process's exit code.
 *
 * <p>Opened before the container is started (the monitor does not replay what was written before one
 * attaches), so that the first output and the first size reach it; {@link #relay} then runs to the end.
 */
final class AttachSession implements AutoCloseable {
    private final HitohaClient.Upgraded connection;
    private final OutputStream out;
    private final OutputStream err;
    private final TerminalSession terminal;
    private volatile boolean detached;

    /** Ctrl-P Ctrl-Q on a raw terminal lets go of the container, as in Docker. */
    private static final byte CTRL_P = 0x10;
    private static final byte CTRL_Q = 0x11;

    /** The session was let go of ({@link #detach}) before the container's process ended. */
    static final class DetachedException extends IOException {
        private final int exitCode;

        DetachedException(int exitCode) {
            super("detached; the container goes on running");
            this.exitCode = exitCode;
        }

        /** The command's exit code: 0 for the detach keys, 130 for Ctrl-C. */
        int exitCode() {
            return exitCode;
        }
    }

    private volatile int detachCode;

    private AttachSession(HitohaClient.Upgraded connection, OutputStream out, OutputStream err,
            TerminalSession terminal) {
        this.connection = connection;
        this.out = out;
        this.err = err;
        this.terminal = terminal;
    }

    /**
     * Starts relaying input: stdin (null: none) is forwarded; with tty the size is sent (and the local terminal
     * made raw when stdin is forwarded from one).
     */
    static AttachSession open(HitohaClient.Upgraded connection, InputStream stdin, boolean tty,
            TerminalSession.Tty local, OutputStream out, OutputStream err) {
        OutputStream toMonitor = connection.output();
        TerminalSession terminal = null;
        if (tty) {
            terminal = TerminalSession.open(local, stdin != null && local.stdinIsTerminal(), (rows, columns) -> {
                send(toMonitor, AttachFrames.resize(rows, columns));
            });
        }
        AttachSession session = new AttachSession(connection, out, err, terminal);
        if (stdin != null) {
            boolean keys = tty && local.stdinIsTerminal();
            Thread.ofPlatform().daemon().name("karakuri-stdin").start(() -> session.pump(stdin, toMonitor, keys));
        }
        return session;
    }

    /** Forwards stdin; with detachKeys, Ctrl-P Ctrl-Q detaches (a Ctrl-P before anything else is passed on). */
    private void pump(InputStream stdin, OutputStream toMonitor, boolean detachKeys) {
        byte[] buffer = new byte[8192];
        byte[] forward = new byte[buffer.length + 1];
        boolean ctrlP = false;
        try {
            for (int n = stdin.read(buffer); n >= 0; n = stdin.read(buffer)) {
                int length = 0;
                for (int i = 0; i < n; i++) {
                    byte b = buffer[i];
                    if (detachKeys && ctrlP) {
                        ctrlP = false;
                        if (b == CTRL_Q) {
                            if (length > 0) {
                                send(toMonitor, AttachFrames.encode(AttachFrames.STDIN, forward, 0, length));
                            }
                            detach(0);
                            return;
                        }
                        forward[length++] = CTRL_P;
                    }
                    if (detachKeys && b == CTRL_P) {
                        ctrlP = true;
                    } else {
                        forward[length++] = b;
                    }
                }
                if (length > 0 && !send(toMonitor, AttachFrames.encode(AttachFrames.STDIN, forward, 0, length))) {
                    return;
                }
            }
            send(toMonitor, AttachFrames.stdinEof());
        } catch (IOException unreadable) {
            send(toMonitor, AttachFrames.stdinEof());
        }
    }

    /** One whole frame at a time (stdin, resize from the signal thread); false once the connection is gone. */
    private static boolean send(OutputStream toMonitor, byte[] frame) {
        synchronized (toMonitor) {
            try {
                toMonitor.write(frame);
                toMonitor.flush();
                return true;
            } catch (IOException closed) {
                return false;
            }
        }
    }

    /**
     * Copies output until the exit frame; the exit code. An end without one is an IOException, a
     * {@link DetachedException} when it came of {@link #detach}.
     */
    int relay() throws IOException {
        InputStream in = connection.input();
        try {
            return frames(in);
        } catch (IOException e) {
            if (detached) {
                throw new DetachedException(detachCode);
            }
            throw e;
        } finally {
            close();
        }
    }

    private int frames(InputStream in) throws IOException {
        for (AttachFrames.Frame f = AttachFrames.read(in); f != null; f = AttachFrames.read(in)) {
            switch (f.type()) {
                case AttachFrames.STDOUT -> {
                    out.write(f.payload());
                    out.flush();
                }
                case AttachFrames.STDERR -> {
                    err.write(f.payload());
                    err.flush();
                }
                case AttachFrames.EXIT -> {
                    if (f.payload().length < 4) {
                        throw new IOException("hitoha sent an exit frame without an exit code");
                    }
                    return f.exitCode();
                }
                default -> {
                    // a frame this client does not know: skipped
                }
            }
        }
        if (detached) {
            throw new DetachedException(detachCode);
        }
        throw new IOException("the attach stream ended before the container's exit code came");
    }

    /** Stops relaying (from another thread): {@link #relay} ends with a {@link DetachedException} of exitCode. */
    void detach(int exitCode) {
        detachCode = exitCode;
        detached = true;
        close();
    }

    /** Gives the terminal back and closes the connection. */
    @Override
    public void close() {
        if (terminal != null) {
            terminal.close();
        }
        try {
            connection.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
