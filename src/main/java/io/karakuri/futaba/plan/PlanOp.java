package io.karakuri.futaba.plan;

import java.util.List;

/**
 * One operation of a setup plan. Mirrors enum ftb_op in src/main/native/futaba_plan.h, which documents
 * each operation's arguments.
 *
 * @param what how an error in this step is described: "mount proc on /proc"
 */
public record PlanOp(Type type, long[] ints, List<String> strs, String what) {

    public enum Type {
        CLOSE_FDS(1),
        WAIT_GO(2),
        SETNS(3),
        UNSHARE(4),
        FORK(5),
        PROPAGATE(6),
        ROOTFS(7),
        MOUNT(8),
        MKNOD(9),
        SYMLINK(10),
        MKDIR(11),
        PIVOT_ROOT(12),
        CHROOT(13),
        MASK(14),
        READONLY(15),
        ROOT_READONLY(16),
        HOSTNAME(17),
        DOMAINNAME(18),
        RLIMIT(19),
        CAP_BOUNDING(20),
        USER(21),
        CAPS(22),
        NO_NEW_PRIVS(23),
        CHDIR(24),
        EXEC(25),
        WRITE(26),
        TERMINAL(27),
        SYNC(28),
        SECCOMP(29),
        UMASK(30),
        HOOK(31);

        public final int code;

        Type(int code) {
            this.code = code;
        }
    }

    public static PlanOp of(Type type, String what, long[] ints, String... strs) {
        return new PlanOp(type, ints, List.of(strs), what);
    }

    public static PlanOp of(Type type, String what) {
        return new PlanOp(type, new long[0], List.of(), what);
    }
}
