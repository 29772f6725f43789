package io.karakuri.futaba;

import io.karakuri.futaba.state.ContainerState;
import io.karakuri.futaba.state.StateStore;
import io.karakuri.futaba.state.Status;
import io.karakuri.linux.Errno;
import io.karakuri.linux.LinuxException;
import io.karakuri.linux.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** `start`: releases a created container's process by reading its exec fifo. */
final class ContainerStart {
    private final StateStore store;
    private final Syscalls sys;

    ContainerStart(StateStore store, Syscalls sys) {
        this.store = store;
        this.sys = sys;
    }

    void start(String id) {
        ContainerState state = store.load(id);
        Status status = store.status(state);
        if (status != Status.CREATED) {
            throw new FutabaException("cannot start container " + id + ": it is " + status + ", not created");
        }
        Path fifo = store.dir(id).resolve(StateStore.EXEC_FIFO);
        int fifoFd;
        try {
            // non-blocking: if the process died meanwhile, an open for reading would wait forever
            fifoFd = sys.open(Syscalls.AT_FDCWD, fifo.toString(), Syscalls.O_RDONLY | Syscalls.O_NONBLOCK);
        } catch (LinuxException e) {
            if (e.errno() == Errno.ENOENT) {
                throw new FutabaException("cannot start container " + id + ": it has been started already");
            }
            throw e;
        }
        int pidFd = -1;
        try {
            pidFd = sys.pidfdOpen(state.pid());
            int ready = pidFd < 0 ? 1 : sys.pollReadable(new int[] {fifoFd, pidFd}, -1);
            if (ready != 0 || sys.read(fifoFd, new byte[1]) != 1) {
                throw new FutabaException("cannot start container " + id + ": its process exited before start");
            }
            Files.deleteIfExists(fifo);
        } catch (IOException e) {
            throw new FutabaException("cannot remove " + fifo + ": " + e.getMessage(), e);
        } finally {
            sys.close(fifoFd);
            sys.close(pidFd);
        }
    }
}
