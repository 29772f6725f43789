/*
 * The setup plan: the one contract between futaba's Java side and libfutaba.
 *
 * Java decides everything (validation, order, paths, flags, id lists) and encodes it here. libfutaba
 * validates it, copies it and futaba-init into sealed memfds, and clones the container's first process,
 * which at once execs futaba-init; futaba-init executes the operations one after the other, then
 * execve()s the container's program. A plan whose magic, version or shape is not understood is rejected
 * before anything is cloned. The Java mirror of this file is io.karakuri.futaba.plan.PlanOp.
 *
 * Layout (native byte order, every length in bytes):
 *
 *   struct ftb_plan_header            32 bytes
 *   op[0] ... op[op_count-1]          each: struct ftb_op_header (16 bytes),
 *                                      int64 ints[int_count],
 *                                      str_count NUL-terminated strings,
 *                                      zero padding to a multiple of 8
 *
 * The first op, if any, is FTB_OP_CLOSE_FDS: its fds are the ones that cross the exec into futaba-init.
 * While it runs, the child reports on header.status_fd (a pipe) with struct ftb_status records; end of
 * file on that pipe without an error record means the container's program was exec'd.
 */
#ifndef FUTABA_PLAN_H
#define FUTABA_PLAN_H

#include <stdint.h>

#define FTB_PLAN_MAGIC 0x50425446u /* "FTBP" read as a little-endian u32 */
#define FTB_PLAN_VERSION 2u
#define FTB_PLAN_MAX_LENGTH (64u << 20)

struct ftb_plan_header {
    uint32_t magic;
    uint32_t version;
    uint32_t length;      /* the whole plan, header included */
    uint32_t op_count;
    uint64_t clone_flags; /* CLONE_NEW* flags given to clone() itself */
    int32_t status_fd;    /* write end of the status pipe, in the child */
    uint32_t reserved;    /* zero */
};

struct ftb_op_header {
    uint32_t type;      /* enum ftb_op */
    uint32_t length;    /* this op, header and padding included */
    uint32_t int_count;
    uint32_t str_count;
};

/*
 * Operations. "ints" and "strs" name the arguments in order; a container path is absolute in the
 * container's view and is resolved inside the root file system, never outside it, even through
 * symbolic links (openat2 RESOLVE_IN_ROOT), creating missing directories on the way.
 */
enum ftb_op {
    /* ints: fds to keep, ascending. Closes every other fd above 2. Only as the first op. */
    FTB_OP_CLOSE_FDS = 1,
    /* ints: fd[, keep]. Waits for the parent's go-ahead byte on fd, then closes it unless keep is 1 (a
     * later FTB_OP_SYNC waits on it again); end of file = abandon. */
    FTB_OP_WAIT_GO = 2,
    /* ints: fd, nstype. setns(fd, nstype), then closes fd. */
    FTB_OP_SETNS = 3,
    /* ints: flags. unshare(flags). */
    FTB_OP_UNSHARE = 4,
    /* Clones a grandchild (CLONE_PARENT) that continues the plan, reports its pid, and exits: needed
     * after joining or unsharing a pid namespace, which only applies to children. */
    FTB_OP_FORK = 5,
    /* ints: flags. strs: target (host path). mount(NULL, target, NULL, flags): propagation changes. */
    FTB_OP_PROPAGATE = 6,
    /* strs: rootfs (host path). Bind-mounts the root file system onto itself and makes it the base
     * of every later container path. */
    FTB_OP_ROOTFS = 7,
    /* ints: flags, propagation, remount flags, kind (0 directory, 1 file, 2 directory whose contents are
     *       copied into the new mount: tmpcopyup).
     * strs: source, destination (container path), fstype, data.
     * A bind mount (MS_BIND in flags) is followed by a MS_REMOUNT with the remount flags when they are
     * not zero; propagation, when not zero, is applied last. */
    FTB_OP_MOUNT = 8,
    /* ints: mode (with S_IF* type), device number, uid, gid. strs: container path. Exists = kept. */
    FTB_OP_MKNOD = 9,
    /* strs: link target, container path of the link. Exists = kept. */
    FTB_OP_SYMLINK = 10,
    /* strs: container path. Creates the directory and its missing parents (mode 0755). */
    FTB_OP_MKDIR = 11,
    /* pivot_root into the root file system and detaches the old root. */
    FTB_OP_PIVOT_ROOT = 12,
    /* strs: rootfs (host path). chroot into it: for a container without a mount namespace. */
    FTB_OP_CHROOT = 13,
    /* strs: path (after pivot_root). Hides it: /dev/null over a file, an empty read-only tmpfs over
     * a directory. Missing = skipped. */
    FTB_OP_MASK = 14,
    /* strs: path (after pivot_root). Remounts it read-only. Missing = skipped. */
    FTB_OP_READONLY = 15,
    /* Remounts / read-only (after pivot_root). */
    FTB_OP_ROOT_READONLY = 16,
    /* strs: name. */
    FTB_OP_HOSTNAME = 17,
    /* strs: name. */
    FTB_OP_DOMAINNAME = 18,
    /* ints: resource, soft, hard. */
    FTB_OP_RLIMIT = 19,
    /* ints: capabilities to keep (bit mask), last capability number. Drops the rest from the
     * bounding set. */
    FTB_OP_CAP_BOUNDING = 20,
    /* ints: uid, gid, set groups (0/1), then the supplementary gids. Keeps the permitted
     * capabilities across the change of uid. */
    FTB_OP_USER = 21,
    /* ints: effective, permitted, inheritable, ambient (bit masks), last capability number. */
    FTB_OP_CAPS = 22,
    /* prctl(PR_SET_NO_NEW_PRIVS). */
    FTB_OP_NO_NEW_PRIVS = 23,
    /* strs: directory (after pivot_root). */
    FTB_OP_CHDIR = 24,
    /* ints: exec fifo fd (the read end, opened non-blocking; -1: none), argument count, environment count,
     *       then optionally a seccomp filter to load last: its flags and its instructions (struct
     *       sock_filter, one per int).
     * strs: argv..., envp...
     * Finds argv[0] on the environment's PATH, reports READY, then (with a fifo) waits until `start`
     * writes a byte into the fifo, loads the seccomp filter, and execve()s. Last op. The process holds
     * the fifo itself, never a directory of the host's. Last op but for FTB_OP_HOOKs: the startContainer
     * hooks, run after the fifo and before the seccomp filter. */
    FTB_OP_EXEC = 25,
    /* strs: path (after pivot_root), value. Writes value into the existing file path: a sysctl. */
    FTB_OP_WRITE = 26,
    /* ints: console socket fd, rows, columns (0: leave the size), uid, gid.
     * Opens a new pseudo-terminal in the container's /dev/ptmx (after pivot_root), sends its master over
     * the console socket as runc does (SCM_RIGHTS, the slave's path as the payload), and makes the slave
     * this process's controlling terminal and stdin, stdout and stderr, owned by uid:gid. */
    FTB_OP_TERMINAL = 27,
    /* ints: fd[, keep]. Reports SYNC (the parent now writes the new user namespace's id maps, or runs
     * the prestart and createRuntime hooks), then waits for the go-ahead byte on fd, as FTB_OP_WAIT_GO
     * does. */
    FTB_OP_SYNC = 28,
    /* ints: flags, instructions (struct sock_filter, one per int). Loads a seccomp filter now: for a
     * process without no_new_privs, while it still has CAP_SYS_ADMIN. */
    FTB_OP_SECCOMP = 29,
    /* ints: mask. umask(mask). */
    FTB_OP_UMASK = 30,
    /* ints: timeout (seconds, 0: none), argc, envc, pid offset (-1: none).
     * strs: path, argv..., envp..., the container's state (JSON).
     * Runs an OCI hook: execve(path, argv, envp) in a child, the state on its stdin (this process's pid
     * inserted at the pid offset), and waits for it; killed after the timeout. Exit status not 0:
     * reports FTB_STATUS_HOOK. */
    FTB_OP_HOOK = 31,
};

#define FTB_OP_MAX FTB_OP_HOOK

enum ftb_status_kind {
    FTB_STATUS_READY = 1, /* setup done, the executable found; next: the fifo, then execve() */
    FTB_STATUS_ERROR = 2, /* op (index in the plan; -1: the exec of futaba-init) failed with err (errno) */
    FTB_STATUS_PID = 3,   /* FTB_OP_FORK made the container process: pid */
    FTB_STATUS_SYNC = 4,  /* FTB_OP_SYNC waits for the parent (op: its index) */
    FTB_STATUS_HOOK = 5,  /* the FTB_OP_HOOK op failed: err is its wait status, pid 1 if it timed out */
};

/* Error "errno" values for failures that have no errno of their own. */
#define FTB_ERR_NOT_FOUND_IN_PATH 100000 /* argv[0] is not on PATH */
#define FTB_ERR_HOOK_FAILED 100001       /* after FTB_STATUS_HOOK */

struct ftb_status {
    int32_t kind;
    int32_t op;
    int32_t err;
    int32_t pid;
};

/*
 * The one entry point Java calls (one FFM call shape: each new shape costs a JVM start 5-10 ms).
 *
 *   op >= 0             the Linux system call number op with a1..a6: its result, or -errno
 *   FTB_CALL_SPAWN      validates the plan (a1: address, a2: length), then clones its first process, which
 *                       runs it in futaba-init (the plan is copied: its memory may be freed on return):
 *                       the child's pid, or -errno (-EBADMSG: a plan this library does not understand)
 *
 *   FTB_CALL_SPAWN_DETACHED  runs a program (a1: path, a2: argv, a3: envp, NULL-terminated arrays) keeping the
 *                       int32 fds at a4 (a5 of them) open across its execve; waits for that first process
 *                       (karakuri-monitor forks and exits at once) and returns its wait status, or -errno
 *   FTB_CALL_NETNS_*    network namespace helpers (netns.c): a socket or a file opened in a network
 *                       namespace, or a new named one; the JVM's own threads never change namespace
 *
 * Errors come back as -errno, as from the kernel itself, rather than through errno: capturing errno
 * (Linker.Option.captureCallState) measured 5 ms more per JVM start.
 */
#define FTB_CALL_SPAWN (-1L)
#define FTB_CALL_SPAWN_DETACHED (-2L)
#define FTB_CALL_NETNS_SOCKET (-10L)
#define FTB_CALL_NETNS_OPEN (-11L)
#define FTB_CALL_NETNS_CREATE (-12L)

/* netns.c */
long ftb_netns_call(long op, long a1, long a2, long a3, long a4);

__attribute__((visibility("default"))) long futaba_call(long op, long a1, long a2, long a3, long a4, long a5,
                                                      long a6);

#endif
