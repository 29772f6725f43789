package io.karakuri.futaba.plan;

import io.karakuri.futaba.FutabaException;
import io.karakuri.futaba.plan.PlanOp.Type;
import io.karakuri.futaba.seccomp.SeccompCompiler;
import io.karakuri.futaba.spec.Spec;
import io.karakuri.linux.Capability;
import io.karakuri.linux.Rlimit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The last steps of every plan, the container's first process or one `exec` adds: the process's limits,
 * capabilities, user, no_new_privs, working directory, and the exec of its program.
 */
final class ProcessOps {
    private final List<PlanOp> ops;
    private final int lastCap;
    private final String apparmorAttribute;
    private final Consumer<String> warnings;
    private final Set<String> unknownCaps = new HashSet<>();

    /** apparmorAttribute: where the process asks for its AppArmor profile; null: AppArmor is not enabled. */
    ProcessOps(List<PlanOp> ops, int lastCap, String apparmorAttribute, Consumer<String> warnings) {
        this.ops = ops;
        this.lastCap = lastCap;
        this.apparmorAttribute = apparmorAttribute;
        this.warnings = warnings;
    }

    /**
     * Appends the steps; fifoFd (the exec fifo's read end) -1: exec at once, without waiting for `start`;
     * consoleFd: where the terminal's master goes, for a process with a terminal.
     */
    void append(Spec.Process process, int fifoFd, int consoleFd, SeccompCompiler.Filter seccomp) {
        if (process.terminal()) {
            long rows = process.consoleSize() == null ? 0 : process.consoleSize().height();
            long columns = process.consoleSize() == null ? 0 : process.consoleSize().width();
            ops.add(PlanOp.of(Type.TERMINAL, "set up the terminal", new long[] {consoleFd, rows, columns,
                process.user().uid(), process.user().gid()}));
        }
        for (Spec.Rlimit r : process.rlimits()) {
            ops.add(PlanOp.of(Type.RLIMIT, "set " + r.type(),
                    new long[] {Rlimit.number(r.type()), r.soft(), r.hard()}));
        }
        String profile = process.apparmorProfile();
        if (profile != null && !profile.isEmpty()) {
            if (apparmorAttribute == null) {
                throw new FutabaException("process.apparmorProfile: AppArmor is not enabled on this host, so the "
                        + "profile " + profile + " cannot be applied");
            }
            // the profile takes effect at execve(); asked for while the process is still privileged, as runc
            ops.add(PlanOp.of(Type.WRITE, "set the AppArmor profile " + profile, new long[0], apparmorAttribute,
                    "exec " + profile));
        }
        // Without no_new_privs, loading a filter takes CAP_SYS_ADMIN: so it goes in before the process gives
        // up its privileges (and must then let the rest of the setup through, as with runc). With it, the
        // filter goes in last, after the exec fifo, right before execve().
        boolean lateFilter = seccomp != null && process.noNewPrivileges();
        if (seccomp != null && !lateFilter) {
            ops.add(PlanOp.of(Type.SECCOMP, "load the seccomp filter", withFlags(seccomp)));
        }
        Spec.Capabilities caps = process.capabilities();
        if (caps != null) {
            ops.add(PlanOp.of(Type.CAP_BOUNDING, "drop capabilities from the bounding set",
                    new long[] {mask(caps.bounding()), lastCap}));
        }
        long[] user = new long[3 + process.user().additionalGids().size()];
        user[0] = process.user().uid();
        user[1] = process.user().gid();
        user[2] = 1;
        for (int i = 0; i < process.user().additionalGids().size(); i++) {
            user[3 + i] = process.user().additionalGids().get(i);
        }
        ops.add(PlanOp.of(Type.USER, "switch to uid " + user[0] + ", gid " + user[1], user));
        if (caps != null) {
            ops.add(PlanOp.of(Type.CAPS, "set capabilities", new long[] {
                mask(caps.effective()), mask(caps.permitted()), mask(caps.inheritable()), mask(caps.ambient()),
                lastCap}));
        }
        if (process.noNewPrivileges()) {
            ops.add(PlanOp.of(Type.NO_NEW_PRIVS, "set no_new_privs"));
        }
        long umask = process.user().umask() == null ? 022 : process.user().umask();
        ops.add(PlanOp.of(Type.UMASK, "set the umask to 0" + Long.toOctalString(umask), new long[] {umask}));
        ops.add(PlanOp.of(Type.CHDIR, "change to the working directory " + process.cwd(), new long[0],
                process.cwd()));

        List<String> exec = new ArrayList<>(process.args());
        exec.addAll(process.env());
        long[] ints = {fifoFd, process.args().size(), process.env().size()};
        if (lateFilter) {
            long[] filter = withFlags(seccomp);
            long[] all = new long[3 + filter.length];
            System.arraycopy(ints, 0, all, 0, 3);
            System.arraycopy(filter, 0, all, 3, filter.length);
            ints = all;
        }
        ops.add(new PlanOp(Type.EXEC, ints, exec, "exec \"" + process.args().getFirst() + "\""));
    }

    /** The filter as the C side takes it: its flags, then its instructions. */
    private static long[] withFlags(SeccompCompiler.Filter filter) {
        long[] ints = new long[1 + filter.instructions().length];
        ints[0] = filter.flags();
        System.arraycopy(filter.instructions(), 0, ints, 1, filter.instructions().length);
        return ints;
    }

    private long mask(List<String> names) {
        long mask = 0;
        if (names == null) {
            return mask;
        }
        for (String name : names) {
            int n = Capability.number(name);
            if (n > lastCap) {
                if (unknownCaps.add(name)) {
                    warnings.accept("capability " + name + " is not known to this kernel: skipped");
                }
            } else {
                mask |= 1L << n;
            }
        }
        return mask;
    }
}
