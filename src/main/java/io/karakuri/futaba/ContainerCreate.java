package io.karakuri.futaba;

import io.karakuri.futaba.cgroup.Cgroup;
import io.karakuri.futaba.cgroup.CgroupHost;
import io.karakuri.futaba.plan.Plan;
import io.karakuri.futaba.plan.PlanBuilder;
import io.karakuri.futaba.seccomp.SeccompCompiler;
import io.karakuri.futaba.spec.Spec;
import io.karakuri.futaba.spec.SpecReader;
import io.karakuri.futaba.spec.SpecValidator;
import io.karakuri.futaba.state.ContainerState;
import io.karakuri.futaba.state.ProcStat;
import io.karakuri.futaba.state.StateStore;
import io.karakuri.futaba.state.Status;
import io.karakuri.json.JsonException;
import io.karakuri.linux.AppArmor;
import io.karakuri.linux.IoErrors;
import io.karakuri.linux.LinuxException;
import io.karakuri.linux.ProcFs;
import io.karakuri.linux.Syscalls;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * `create`: from a bundle to a container whose process has run its whole setup and waits, on the exec
 * fifo, for `start`. A failure at any step leaves nothing behind: no state directory, cgroup, mount or
 * process.
 */
final class ContainerCreate {

    /**
     * @param pidFile where to write the container's pid, or null
     * @param preserveFds fds after stderr the process keeps
     * @param consoleSocket where the terminal's master goes (runc's --console-socket), or null
     * @param ownTerminal with no console socket, futaba itself takes the terminal (`run` in the foreground)
     * @param spawner who clones the process (null: libfutaba, here); with one, the terminal's master goes
     *     to it
     */
    record Options(Path bundle, Path pidFile, int preserveFds, Path consoleSocket, boolean ownTerminal,
            Spawner spawner) {
        Options(Path bundle, Path pidFile, int preserveFds, Path consoleSocket, boolean ownTerminal) {
            this(bundle, pidFile, preserveFds, consoleSocket, ownTerminal, null);
        }
    }

    /**
     * A created container: its recorded state, for `run` the process handle and, when futaba took the
     * terminal, the socket its master arrives on (else -1).
     */
    record Created(ContainerState state, ContainerProcess process, int terminal) {}

    private final StateStore store;
    private final Syscalls sys;
    private final Consumer<String> warnings;

    ContainerCreate(StateStore store, Syscalls sys, Consumer<String> warnings) {
        this.store = store;
        this.sys = sys;
        this.warnings = warnings;
    }

    Created create(String id, Options options) {
        StateStore.checkId(id);
        Path bundle = options.bundle().toAbsolutePath().normalize();
        Spec spec = readSpec(bundle);
        SpecValidator.validate(spec);
        Trace.step("config.json read");
        Path rootfs = bundle.resolve(spec.root().path()).normalize();
        if (!Files.isDirectory(rootfs)) {
            throw new FutabaException("root.path: the root file system " + rootfs + " is not a directory");
        }

        Path dir = store.claim(id);
        String cgroupsPath = spec.linux().cgroupsPath() == null || spec.linux().cgroupsPath().isEmpty()
                ? id : spec.linux().cgroupsPath();
        List<Integer> fds = new ArrayList<>();
        int terminal = -1;
        Cgroup cgroup = null;
        ContainerProcess process = null;
        boolean cgroupMade = false;
        String realRootfs = null;
        int rootMountsBefore = -1;
        try {
            cgroup = Cgroup.of(CgroupHost.detect(), cgroupsPath);
            if (SpecValidator.mountsInHostNamespace(spec)) {
                realRootfs = HostMounts.realPath(rootfs.toString());
                rootMountsBefore = HostMounts.count(realRootfs);
            }
            ContainerState state = new ContainerState(id, 0, 0, bundle.toString(), rootfs.toString(),
                    Instant.now().toString(), spec.annotations(), cgroup.version(), cgroup.dirs(), spec.hooks(),
                    rootMountsBefore);
            store.save(state); // "creating"
            cgroup.create(spec.linux().resources(), warnings);
            cgroupMade = true;
            Trace.step("cgroup made");

            Path fifo = dir.resolve(StateStore.EXEC_FIFO);
            sys.mkfifo(fifo.toString(), 0622);
            // the read end, non-blocking so as not to wait for a writer: the process holds the fifo, not this
            // directory of the host's, which from inside the container would lead out of it
            int fifoFd = track(fds, sys.open(Syscalls.AT_FDCWD, fifo.toString(), Syscalls.O_RDONLY | Syscalls.O_NONBLOCK));
            int[] go = sys.pipe();
            track(fds, go[0]);
            track(fds, go[1]);
            int[] status = sys.pipe();
            track(fds, status[0]);
            track(fds, status[1]);
            Console console = Console.open(spec.process(), options.consoleSocket(),
                    options.ownTerminal() || options.spawner() != null, sys);
            if (console.childFd() >= 0) {
                track(fds, console.childFd());
            }
            terminal = console.receiverFd();
            Map<String, Integer> joinFds = new LinkedHashMap<>();
            for (Spec.Namespace ns : spec.linux().namespaces()) {
                if (ns.path() != null) {
                    joinFds.put(ns.type(), track(fds, openNamespace(ns)));
                }
            }

            Plan plan = PlanBuilder.build(new PlanBuilder.Inputs(spec, rootfs, bundle, go[0], status[1], fifoFd,
                    console.childFd(), seccomp(spec, warnings), state.ociState(Status.CREATING, store.owner(id)),
                    joinFds, options.preserveFds(), lastCap(), AppArmor.execAttribute(), cgroup.mountLayout(), warnings));
            process = ContainerProcess.spawn(sys, plan, go[1], status[0], options.spawner(), terminal);
            if (options.spawner() != null) { // the master goes to the spawner (a monitor)
                sys.close(terminal);
                terminal = -1;
            }
            Trace.step("process cloned");
            fds.remove((Integer) go[1]); // the process handle owns these two now
            fds.remove((Integer) status[0]);
            closeAll(fds);

            cgroup.addProcess(process.pid());
            if (spec.process().oomScoreAdj() != null) {
                writeProc(process.pid(), "oom_score_adj", spec.process().oomScoreAdj().toString());
            }
            if (!spec.linux().uidMappings().isEmpty()) { // a new user namespace, made by the process itself
                process.awaitSync();
                writeProc(process.clonePid(), "uid_map", idMap(spec.linux().uidMappings()));
                writeProc(process.clonePid(), "gid_map", idMap(spec.linux().gidMappings()));
            }
            Trace.step("process placed in its cgroup");
            process.go();
            ContainerProcess child = process;
            ContainerState creating = state;
            process.awaitReady(() -> { // with the mounts made, before pivot_root
                // "created", as crun and the runtime-tools suite have it (runc says "creating")
                Map<String, Object> now = creating.withProcess(child.pid(), 0).ociState(Status.CREATED, store.owner(id));
                HostHooks.run(sys, "prestart", spec.hooks().prestart(), now, bundle.toString());
                HostHooks.run(sys, "createRuntime", spec.hooks().createRuntime(), now, bundle.toString());
            });
            Trace.step("process set up");

            ProcStat stat = ProcStat.read(process.pid());
            state = state.withProcess(process.pid(), stat == null ? 0 : stat.startTime());
            store.save(state);
            if (options.pidFile() != null) {
                writePidFile(options.pidFile(), process.pid());
            }
            return new Created(state, process, terminal);
        } catch (RuntimeException e) {
            closeAll(fds);
            sys.close(terminal);
            if (process != null) {
                process.abort();
            }
            if (rootMountsBefore >= 0) {
                try {
                    HostMounts.remove(sys, realRootfs, rootMountsBefore);
                } catch (FutabaException cleanup) {
                    e.addSuppressed(cleanup);
                }
            }
            if (cgroupMade) {
                try {
                    cgroup.destroy();
                } catch (FutabaException cleanup) {
                    e.addSuppressed(cleanup);
                }
            }
            store.remove(id);
            throw e;
        }
    }

    /** The config's seccomp filter compiled, or null. */
    static SeccompCompiler.Filter seccomp(Spec spec, Consumer<String> warnings) {
        return spec.linux().seccomp() == null ? null : SeccompCompiler.compile(spec.linux().seccomp(), warnings);
    }

    static Spec readSpec(Path bundle) {
        Path config = bundle.resolve("config.json");
        try {
            return SpecReader.read(Files.readString(config));
        } catch (NoSuchFileException e) {
            throw new FutabaException("bundle " + bundle + " has no config.json");
        } catch (IOException e) {
            throw new FutabaException("cannot read " + config + ": " + IoErrors.reason(e), e);
        } catch (JsonException e) {
            throw new FutabaException("config.json: " + e.getMessage(), e);
        }
    }

    private int openNamespace(Spec.Namespace ns) {
        try {
            return sys.open(Syscalls.AT_FDCWD, ns.path(), Syscalls.O_RDONLY);
        } catch (LinuxException e) {
            throw new FutabaException("linux.namespaces: cannot open the " + ns.type() + " namespace " + ns.path()
                    + ": " + io.karakuri.linux.Errno.text(e.errno()), e);
        }
    }

    private static int track(List<Integer> fds, int fd) {
        fds.add(fd);
        return fd;
    }

    private void closeAll(List<Integer> fds) {
        for (int fd : fds) {
            sys.close(fd);
        }
        fds.clear();
    }

    static int lastCap() {
        try {
            return Integer.parseInt(ProcFs.read(Path.of("/proc/sys/kernel/cap_last_cap")).strip());
        } catch (IOException | NumberFormatException e) {
            return 40;
        }
    }

    private static void writeProc(int pid, String file, String value) {
        Path path = Path.of("/proc", Integer.toString(pid), file);
        try (FileOutputStream out = new FileOutputStream(path.toFile())) {
            out.write(value.getBytes(StandardCharsets.US_ASCII)); // one write(2), as the kernel wants
        } catch (IOException e) {
            throw new FutabaException("cannot write " + value + " to " + path + ": " + IoErrors.reason(e), e);
        }
    }

    /** An id map as /proc/PID/uid_map takes it: one "inside outside count" line each, in one write. */
    private static String idMap(List<Spec.IdMapping> mappings) {
        StringBuilder sb = new StringBuilder();
        for (Spec.IdMapping m : mappings) {
            sb.append(m.containerID()).append(' ').append(m.hostID()).append(' ').append(m.size()).append('\n');
        }
        return sb.toString();
    }

    /** Written whole or not at all, as runc does: readers never see a partial pid. */
    static void writePidFile(Path pidFile, int pid) {
        Path file = pidFile.toAbsolutePath();
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, Integer.toString(pid));
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new FutabaException("cannot write the pid file " + file + ": " + IoErrors.reason(e), e);
        }
    }
}
