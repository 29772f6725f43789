package io.karakuri.futaba;

import io.karakuri.futaba.cgroup.Cgroup;
import io.karakuri.futaba.plan.Plan;
import io.karakuri.futaba.plan.PlanBuilder;
import io.karakuri.futaba.seccomp.SeccompCompiler;
import io.karakuri.futaba.spec.Spec;
import io.karakuri.futaba.spec.SpecValidator;
import io.karakuri.futaba.state.ContainerState;
import io.karakuri.futaba.state.StateStore;
import io.karakuri.futaba.state.Status;
import io.karakuri.linux.AppArmor;
import io.karakuri.linux.IoErrors;
import io.karakuri.linux.LinuxException;
import io.karakuri.linux.Namespaces;
import io.karakuri.linux.Syscalls;
import io.karakuri.linux.UnixSockets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * `exec`: a new process in a created or running container. It enters every namespace of the
 * container's first process that differs from futaba's own (the pid namespace through a fork), is
 * placed in the container's cgroup before it runs anything, and gets the process's own attributes. The
 * process entering the namespaces is futaba-init from its sealed memfd, never a clone of the JVM.
 */
final class ContainerExec {
    private final StateStore store;
    private final Syscalls sys;
    private final Consumer<String> warnings;

    ContainerExec(StateStore store, Syscalls sys, Consumer<String> warnings) {
        this.store = store;
        this.sys = sys;
        this.warnings = warnings;
    }

    /** Runs process in container id; the exit code in the foreground, 0 at once with detach. */
    int exec(String id, Spec.Process process, Path pidFile, boolean detach, int preserveFds, Path consoleSocket) {
        return exec(id, process, pidFile, detach, preserveFds, consoleSocket, null);
    }

    /**
     * With a spawner (a monitor), the process is its child: returns the process's pid once it runs, and the
     * terminal's master, if any, goes to the spawner.
     */
    int exec(String id, Spec.Process process, Path pidFile, boolean detach, int preserveFds, Path consoleSocket,
            Spawner spawner) {
        ContainerState state = store.load(id);
        Status status = store.status(state);
        if (status != Status.RUNNING && status != Status.CREATED) {
            throw new FutabaException("cannot exec in container " + id + ": it is " + status);
        }
        SpecValidator.validateProcess(process, "process");

        List<Integer> fds = new ArrayList<>();
        ContainerProcess child = null;
        int terminal = -1;
        try {
            Console console = Console.open(process, consoleSocket,
                    spawner != null || (!detach && consoleSocket == null), sys);
            if (console.childFd() >= 0) {
                fds.add(console.childFd());
            }
            terminal = console.receiverFd();
            Map<String, Integer> joins = new LinkedHashMap<>();
            for (String type : PlanBuilder.JOIN_ORDER) {
                Path theirs = Path.of("/proc", Integer.toString(state.pid()), "ns", Namespaces.procName(type));
                Path ours = Path.of("/proc/self/ns", Namespaces.procName(type));
                if (Files.exists(theirs) && !link(theirs).equals(link(ours))) {
                    int fd = sys.open(Syscalls.AT_FDCWD, theirs.toString(), Syscalls.O_RDONLY);
                    fds.add(fd);
                    joins.put(type, fd);
                }
            }
            int[] go = sys.pipe();
            fds.add(go[0]);
            fds.add(go[1]);
            int[] statusPipe = sys.pipe();
            fds.add(statusPipe[0]);
            fds.add(statusPipe[1]);

            // the container's seccomp filter holds for every process of it, as with runc
            SeccompCompiler.Filter seccomp = ContainerCreate.seccomp(
                    ContainerCreate.readSpec(Path.of(state.bundle())), warnings);
            Plan plan = PlanBuilder.buildExec(new PlanBuilder.ExecInputs(process, go[0], statusPipe[1],
                    console.childFd(), seccomp, joins,
                    joins.containsKey("mount") ? null : "/proc/" + state.pid() + "/root",
                    preserveFds, ContainerCreate.lastCap(), AppArmor.execAttribute(), warnings));
            child = ContainerProcess.spawn(sys, plan, go[1], statusPipe[0], spawner, terminal);
            if (spawner != null) {
                sys.close(terminal);
                terminal = -1;
            }
            fds.remove((Integer) go[1]);
            fds.remove((Integer) statusPipe[0]);
            closeAll(fds);

            Cgroup.fromState(state.cgroupVersion(), state.cgroupDirs()).addProcess(child.pid());
            child.go();
            child.awaitReady(() -> {
                throw new FutabaException("the exec'd process waits for its parent, which it does not do");
            });
            child.awaitExec();
            child.detach();
        } catch (RuntimeException e) {
            closeAll(fds);
            sys.close(terminal);
            if (child != null) {
                child.abort();
            }
            throw e;
        }
        if (pidFile != null) {
            ContainerCreate.writePidFile(pidFile, child.pid());
        }
        if (spawner != null) {
            return child.pid();
        }
        if (detach) {
            return 0;
        }
        TerminalProxy proxy = terminal < 0 ? null : new TerminalProxy(sys, UnixSockets.receiveFd(terminal).fd());
        sys.close(terminal);
        if (proxy != null) {
            proxy.start();
        }
        SignalForwarding.to(child.pid(), sys, proxy == null);
        int code = sys.waitpid(child.pid(), false).shellCode();
        if (proxy != null) {
            proxy.finish();
        }
        return code;
    }

    private static String link(Path path) {
        try {
            return Files.readSymbolicLink(path).toString();
        } catch (IOException e) {
            throw new FutabaException("cannot read " + path + ": " + IoErrors.reason(e), e);
        }
    }

    private void closeAll(List<Integer> fds) {
        for (int fd : fds) {
            try {
                sys.close(fd);
            } catch (LinuxException ignored) {
                // closing is best effort on the way out
            }
        }
        fds.clear();
    }
}
