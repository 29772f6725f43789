/*
 * futaba_spawn: validate a setup plan, clone the container's first process, run the plan in it.
 *
 * The clone shares the JVM's address space (CLONE_VM, as posix_spawn does): no copy of the JVM's page
 * tables, about 1.5 ms whatever the heap size. The parent still runs on (no CLONE_VFORK) because it
 * must place the child in its cgroups before giving the go-ahead. From clone() to execve() the child
 * runs only the code in this library and only raw system calls (sys.h).
 */
#define _GNU_SOURCE
#include "child.h"
#include "sys.h"

#include <errno.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#define FTB_ALIGN 8u

/* The shape of each operation: how many ints and strings it takes (-1: any number). */
static const struct {
    int min_ints, max_ints, min_strs, max_strs;
} shapes[FTB_OP_MAX + 1] = {
    [FTB_OP_CLOSE_FDS] = {0, -1, 0, 0},
    [FTB_OP_WAIT_GO] = {1, 1, 0, 0},
    [FTB_OP_SETNS] = {2, 2, 0, 0},
    [FTB_OP_UNSHARE] = {1, 1, 0, 0},
    [FTB_OP_FORK] = {0, 0, 0, 0},
    [FTB_OP_PROPAGATE] = {1, 1, 1, 1},
    [FTB_OP_ROOTFS] = {0, 0, 1, 1},
    [FTB_OP_MOUNT] = {4, 4, 4, 4},
    [FTB_OP_MKNOD] = {4, 4, 1, 1},
    [FTB_OP_SYMLINK] = {0, 0, 2, 2},
    [FTB_OP_MKDIR] = {0, 0, 1, 1},
    [FTB_OP_PIVOT_ROOT] = {0, 0, 0, 0},
    [FTB_OP_CHROOT] = {0, 0, 1, 1},
    [FTB_OP_MASK] = {0, 0, 1, 1},
    [FTB_OP_READONLY] = {0, 0, 1, 1},
    [FTB_OP_ROOT_READONLY] = {0, 0, 0, 0},
    [FTB_OP_HOSTNAME] = {0, 0, 1, 1},
    [FTB_OP_DOMAINNAME] = {0, 0, 1, 1},
    [FTB_OP_RLIMIT] = {3, 3, 0, 0},
    [FTB_OP_CAP_BOUNDING] = {2, 2, 0, 0},
    [FTB_OP_USER] = {3, 65536 + 3, 0, 0},
    [FTB_OP_CAPS] = {5, 5, 0, 0},
    [FTB_OP_NO_NEW_PRIVS] = {0, 0, 0, 0},
    [FTB_OP_CHDIR] = {0, 0, 1, 1},
    [FTB_OP_EXEC] = {3, 3, 2, -1},
};

static int read_op(const unsigned char *p, const unsigned char *end, struct op_view *v, uint32_t *length)
{
    struct ftb_op_header h;
    if ((size_t)(end - p) < sizeof h)
        return -1;
    memcpy(&h, p, sizeof h);
    if (h.length < sizeof h || h.length % FTB_ALIGN || h.length > (size_t)(end - p))
        return -1;
    if (h.type == 0 || h.type > FTB_OP_MAX)
        return -1;
    if ((size_t)h.int_count > (h.length - sizeof h) / 8)
        return -1;
    const unsigned char *strs = p + sizeof h + (size_t)h.int_count * 8;
    const unsigned char *op_end = p + h.length;
    const unsigned char *s = strs;
    for (uint32_t i = 0; i < h.str_count; i++) {
        while (s < op_end && *s)
            s++;
        if (s >= op_end)
            return -1;
        s++;
    }
    v->type = h.type;
    v->int_count = h.int_count;
    v->str_count = h.str_count;
    v->ints = (const int64_t *)(p + sizeof h);
    v->strs = (const char *)strs;
    *length = h.length;
    return 0;
}

static int shape_ok(const struct op_view *v)
{
    int ni = (int)v->int_count, ns = (int)v->str_count;
    if (ni < shapes[v->type].min_ints || (shapes[v->type].max_ints >= 0 && ni > shapes[v->type].max_ints))
        return 0;
    if (ns < shapes[v->type].min_strs || (shapes[v->type].max_strs >= 0 && ns > shapes[v->type].max_strs))
        return 0;
    if (v->type == FTB_OP_EXEC) /* fifo name, then argc arguments and envc environment entries */
        return v->ints[1] >= 1 && v->ints[2] >= 0 && (int64_t)ns == 1 + v->ints[1] + v->ints[2];
    return 1;
}

static int validate(const void *plan, long length)
{
    struct ftb_plan_header h;
    if (plan == NULL || length < (long)sizeof h || length > (long)FTB_PLAN_MAX_LENGTH)
        return -1;
    memcpy(&h, plan, sizeof h);
    if (h.magic != FTB_PLAN_MAGIC || h.version != FTB_PLAN_VERSION || h.length != (uint32_t)length ||
        h.reserved != 0 || ((uintptr_t)plan % FTB_ALIGN))
        return -1;
    const unsigned char *p = (const unsigned char *)plan + sizeof h, *end = (const unsigned char *)plan + length;
    for (uint32_t i = 0; i < h.op_count; i++) {
        struct op_view v;
        uint32_t op_length;
        if (read_op(p, end, &v, &op_length) < 0 || !shape_ok(&v))
            return -1;
        if (v.type == FTB_OP_EXEC && i + 1 != h.op_count)
            return -1;
        p += op_length;
    }
    return p == end ? 0 : -1;
}

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

static void reset_signals(void)
{
    struct {
        void *handler;
        unsigned long flags;
        void *restorer;
        uint64_t mask;
    } dfl = {SIG_DFL, 0, NULL, 0};
    for (int sig = 1; sig <= 64; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            sys4(SYS_rt_sigaction, sig, &dfl, NULL, 8);
    uint64_t none = 0;
    sys4(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, 8);
}

static int op_close_fds(const struct op_view *v)
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
    return 0;
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
    sys1(SYS_close, v->ints[0]);
    return n < 0 ? (int)n : 0;
}

static int op_setns(const struct op_view *v)
{
    long r = sys2(SYS_setns, v->ints[0], v->ints[1]);
    sys1(SYS_close, v->ints[0]);
    return (int)r;
}

static int grandchild_main(void *arg);

static __attribute__((noreturn)) void run_ops(struct child *c, uint32_t first);

static int op_fork(struct child *c, uint32_t index)
{
    c->resume_op = index + 1;
    long pid = clone(grandchild_main, c->fork_stack_top, CLONE_VM | CLONE_PARENT | SIGCHLD, c);
    if (pid < 0) /* glibc's wrapper set errno in the parent thread's TLS: report without reading it */
        return -EAGAIN;
    report(c, FTB_STATUS_PID, (int)index, 0, (int)pid);
    child_exit(0);
}

static int run_op(struct child *c, uint32_t index, const struct op_view *v)
{
    switch (v->type) {
    case FTB_OP_CLOSE_FDS: return op_close_fds(v);
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
    }
    return -EINVAL;
}

static __attribute__((noreturn)) void run_ops(struct child *c, uint32_t first)
{
    const unsigned char *p = (const unsigned char *)c->plan + sizeof(struct ftb_plan_header);
    const unsigned char *end = (const unsigned char *)c->plan + c->plan->length;
    for (uint32_t i = 0; i < c->plan->op_count; i++) {
        struct op_view v;
        uint32_t length;
        read_op(p, end, &v, &length); /* validated before clone() */
        p += length;
        if (i < first)
            continue;
        int r = run_op(c, i, &v);
        if (r < 0) {
            report(c, FTB_STATUS_ERROR, (int)i, -r, 0);
            child_exit(1);
        }
    }
    child_exit(0); /* a plan without FTB_OP_EXEC */
}

static int grandchild_main(void *arg)
{
    run_ops((struct child *)arg, ((struct child *)arg)->resume_op);
}

static int child_main(void *arg)
{
    reset_signals();
    /* Nothing in the container may open this process's memory, fds or executable through /proc. */
    sys5(SYS_prctl, PR_SET_DUMPABLE, 0, 0, 0, 0);
    run_ops((struct child *)arg, 0);
}

static long spawn(const void *plan, long plan_length, char *stack, long stack_size)
{
    if (validate(plan, plan_length) < 0)
        return -EBADMSG;
    if (stack == NULL || stack_size < (long)(64 * 1024))
        return -EINVAL;

    /* Region: [context][grandchild's stack][child's stack]; stacks grow down, tops 16-byte aligned. */
    char *base = stack;
    struct child *c = (struct child *)base;
    mem_zero(c, sizeof *c);
    c->plan = plan;
    c->status_fd = ((const struct ftb_plan_header *)plan)->status_fd;
    c->rootfd = -1;
    size_t ctx = (sizeof *c + 15) & ~(size_t)15;
    size_t half = ((size_t)stack_size - ctx) / 2 & ~(size_t)15;
    c->fork_stack_top = base + ctx + half;
    char *top = (char *)(((uintptr_t)(base + stack_size)) & ~(uintptr_t)15);

    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int pid = clone(child_main, top, (int)((const struct ftb_plan_header *)plan)->clone_flags | CLONE_VM | SIGCHLD, c);
    int err = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return pid < 0 ? -err : pid;
}

long futaba_call(long op, long a1, long a2, long a3, long a4, long a5, long a6)
{
    if (op == FTB_CALL_SPAWN)
        return spawn((const void *)a1, a2, (char *)a3, a4);
    if (op < 0)
        return -ENOSYS;
    long r = syscall(op, a1, a2, a3, a4, a5, a6);
    return r == -1 ? -errno : r;
}
