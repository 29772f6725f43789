package io.karakuri.futaba;

import io.karakuri.futaba.spec.Spec;
import io.karakuri.linux.Errno;
import io.karakuri.linux.LinuxException;
import io.karakuri.linux.Syscalls;
import io.karakuri.linux.UnixSockets;
import java.nio.file.Path;

/**
 * Where a process's terminal goes: childFd is the console socket the container's process sends the
 * terminal's master on (runc's --console-socket, or one end of a pair futaba keeps the other end of,
 * receiverFd); -1 when the process has no terminal.
 */
record Console(int childFd, int receiverFd) {
    static final Console NONE = new Console(-1, -1);

    static Console open(Spec.Process process, Path socket, boolean own, Syscalls sys) {
        if (!process.terminal()) {
            if (socket != null) {
                throw new FutabaException("--console-socket was given, but the process has no terminal "
                        + "(process.terminal is false)");
            }
            return NONE;
        }
        if (socket != null) {
            try {
                return new Console(UnixSockets.connect(socket.toString()), -1);
            } catch (LinuxException e) {
                throw new FutabaException("cannot connect to the console socket " + socket + ": " + Errno.text(e.errno()), e);
            }
        }
        if (!own) {
            throw new FutabaException("the process has a terminal (process.terminal): give --console-socket to "
                    + "receive it");
        }
        int[] pair = UnixSockets.pair();
        return new Console(pair[1], pair[0]);
    }
}
