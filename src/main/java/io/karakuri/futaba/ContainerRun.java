package io.karakuri.futaba;

import io.karakuri.linux.Syscalls;
import io.karakuri.linux.UnixSockets;

/**
 * `run`: create, start and, in the foreground, wait for the container's process, forwarding the
 * signals futaba gets; the exit code is the process's (128 + signal if a signal ended it).
 */
final class ContainerRun {
    private final Futaba futaba;
    private final Syscalls sys;

    ContainerRun(Futaba futaba, Syscalls sys) {
        this.futaba = futaba;
        this.sys = sys;
    }

    int run(String id, ContainerCreate.Options options, boolean detach, boolean keep) {
        ContainerCreate.Created created = futaba.creator().create(id, options);
        int pid = created.state().pid();
        try {
            futaba.start(id);
            Trace.step("started");
            created.process().awaitExec();
        } catch (RuntimeException e) {
            futaba.delete(id, true);
            throw e;
        }
        created.process().detach();
        if (detach) {
            return 0;
        }
        TerminalProxy terminal = created.terminal() < 0 ? null
                : new TerminalProxy(sys, UnixSockets.receiveFd(created.terminal()).fd());
        sys.close(created.terminal());
        if (terminal != null) {
            terminal.start();
        }
        SignalForwarding.to(pid, sys, terminal == null);
        Syscalls.WaitStatus status = sys.waitpid(pid, false);
        if (terminal != null) {
            terminal.finish();
        }
        Trace.step("process exited");
        if (!keep) {
            futaba.delete(id, true);
            Trace.step("deleted");
        }
        return status.shellCode();
    }
}
