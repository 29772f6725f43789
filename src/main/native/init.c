/*
 * futaba-init: the program the container's first process runs until it execve()s the container's own.
 *
 * libfutaba clones that process from the JVM and has it execveat() this program at once, from a sealed
 * memfd copy: so the process that enters the container's namespaces is not a clone of the JVM, and nothing
 * in the container can reach the runtime's files (the java launcher, libjvm.so, the jlink image,
 * libfutaba.so) through /proc/PID/exe, /fd or /map_files, nor the JVM's memory or environment. A static
 * program without a C library: raw system calls only (sys.h), a few kilobytes resident.
 *
 *   futaba-init PLAN_FD      the plan, in a sealed memfd; see futaba_plan.h
 */
#define _GNU_SOURCE
#include "child.h"
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>

void report(struct child *c, int kind, int op, int err, int pid)
{
    struct ftb_status s = {kind, op, err, pid};
    sys3(SYS_write, c->status_fd, &s, sizeof s);
}

static __attribute__((noreturn)) void child_exit(int code)
{
    for (;;)
        sys1(SYS_exit_group, code);
}

static int op_close_fds(struct child *c, const struct op_view *v)
{
    long low = 3;
    for (uint32_t i = 0; i < v->int_count; i++) {
        long keep = v->ints[i];
        if (keep > low)
            sys3(SYS_close_range, low, keep - 1, 0);
        if (keep + 1 > low)
            low = keep + 1;
    }
    sys3(SYS_close_range, low, ~0U, 0);
    /* libfutaba cleared close-on-exec on the kept fds for this program's own execve; the status pipe
     * gets it back, so that its end of file tells the parent the container's program is running */
    return (int)sys3(SYS_fcntl, c->status_fd, F_SETFD, FD_CLOEXEC);
}

static int op_wait_go(const struct op_view *v)
{
    char go;
    long n;
    do
        n = sys3(SYS_read, v->ints[0], &go, 1);
    while (n == -EINTR);
    if (n == 0) /* the parent gave up on this container */
        child_exit(1);
    if (v->int_count < 2 || v->ints[1] != 1)
        sys1(SYS_close, v->ints[0]);
    return n < 0 ? (int)n : 0;
}

static int op_setns(const struct op_view *v)
{
    long r = sys2(SYS_setns, v->ints[0], v->ints[1]);
    sys1(SYS_close, v->ints[0]);
    return (int)r;
}

/* A child continues the plan in the pid namespace just joined or unshared; this process reports its pid
 * and exits. CLONE_PARENT: the parent (futaba) waits for the child as for its own. */
static int op_fork(struct child *c, uint32_t index)
{
    long pid = raw_syscall6(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0, 0);
    if (pid <= 0)
        return (int)pid;
    report(c, FTB_STATUS_PID, (int)index, 0, (int)pid);
    child_exit(0);
}

static int run_op(struct child *c, uint32_t index, const struct op_view *v)
{
    switch (v->type) {
    case FTB_OP_CLOSE_FDS: return op_close_fds(c, v);
    case FTB_OP_WAIT_GO: return op_wait_go(v);
    case FTB_OP_SETNS: return op_setns(v);
    case FTB_OP_UNSHARE: return (int)sys1(SYS_unshare, v->ints[0]);
    case FTB_OP_FORK: return op_fork(c, index);
    case FTB_OP_PROPAGATE: return (int)sys5(SYS_mount, NULL, v->strs, NULL, v->ints[0], NULL);
    case FTB_OP_ROOTFS: return op_rootfs(c, v);
    case FTB_OP_MOUNT: return op_mount(c, v);
    case FTB_OP_MKNOD: return op_mknod(c, v);
    case FTB_OP_SYMLINK: return op_symlink(c, v);
    case FTB_OP_MKDIR: return op_mkdir(c, v);
    case FTB_OP_PIVOT_ROOT: return op_pivot_root(c);
    case FTB_OP_CHROOT: return op_chroot(v);
    case FTB_OP_MASK: return op_mask(v);
    case FTB_OP_READONLY: return op_readonly(v);
    case FTB_OP_ROOT_READONLY: return op_root_readonly();
    case FTB_OP_HOSTNAME: return op_hostname(v, 0);
    case FTB_OP_DOMAINNAME: return op_hostname(v, 1);
    case FTB_OP_RLIMIT: return op_rlimit(v);
    case FTB_OP_CAP_BOUNDING: return op_cap_bounding(v);
    case FTB_OP_USER: return op_user(v);
    case FTB_OP_CAPS: return op_caps(v);
    case FTB_OP_NO_NEW_PRIVS: return op_no_new_privs();
    case FTB_OP_CHDIR: return op_chdir(v);
    case FTB_OP_EXEC: return op_exec(c, v);
    case FTB_OP_WRITE: return op_write(v);
    case FTB_OP_TERMINAL: return op_terminal(v);
    case FTB_OP_HOOK: return op_hook(c, index, v);
    case FTB_OP_UMASK: sys1(SYS_umask, v->ints[0]); return 0;
    case FTB_OP_SECCOMP: return load_seccomp(v->ints[0], v->ints + 1, v->int_count - 1);
    case FTB_OP_SYNC:
        report(c, FTB_STATUS_SYNC, (int)index, 0, 0);
        return op_wait_go(v);
    }
    return -EINVAL;
}

static int parse_fd(const char *s)
{
    int fd = 0;
    if (!s || !*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || fd > 100000)
            return -1;
        fd = fd * 10 + (*s - '0');
    }
    return fd;
}

int init_main(int argc, char **argv)
{
    /* Nothing in the container may read this process's memory or fds through /proc. */
    sys5(SYS_prctl, PR_SET_DUMPABLE, 0, 0, 0, 0);
    int plan_fd = argc == 2 ? parse_fd(argv[1]) : -1;
    struct stat st;
    if (plan_fd < 0 || sys2(SYS_fstat, plan_fd, &st) < 0)
        return 126;
    long mapped = sys6(SYS_mmap, NULL, st.st_size, PROT_READ, MAP_PRIVATE, plan_fd, 0);
    sys1(SYS_close, plan_fd);
    if (mapped < 0 && mapped > -4096)
        return 126;
    const void *plan = (const void *)mapped;
    if (plan_validate(plan, st.st_size) < 0) /* libfutaba validated it: this cannot happen */
        return 126;

    struct child c = {plan, ((const struct ftb_plan_header *)plan)->status_fd, -1, NULL, NULL, NULL, 0};
    const unsigned char *p = (const unsigned char *)plan + sizeof(struct ftb_plan_header);
    const unsigned char *end = (const unsigned char *)plan + st.st_size;
    for (uint32_t i = 0; i < c.plan->op_count; i++) {
        struct op_view v;
        uint32_t length;
        plan_read_op(p, end, &v, &length);
        p += length;
        c.next = p;
        c.end = end;
        c.next_index = i + 1;
        int r = run_op(&c, i, &v);
        if (r < 0) {
            report(&c, FTB_STATUS_ERROR, (int)i, -r, 0);
            return 1;
        }
    }
    return 0; /* a plan without FTB_OP_EXEC */
}
