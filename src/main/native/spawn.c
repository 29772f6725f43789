/*
 * libfutaba: the one entry point Java calls (futaba_call), and the container spawn behind it.
 *
 * The spawn validates the plan, copies it and futaba-init (embedded in this library) into sealed memfds,
 * and clones the container's first process with the plan's namespace flags, CLONE_VM and CLONE_VFORK:
 * no copy of the JVM's page tables (about 1.5 ms whatever the heap), and the parent thread resumes once
 * the child has exec'd futaba-init. Until then the child runs only the few raw system calls below; from
 * then on it is futaba-init, which runs the plan (init.c).
 */
#define _GNU_SOURCE
#include "plan.h"
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

extern const char futaba_init_blob[], futaba_init_blob_end[];

#define PRE_EXEC_STACK (64 * 1024)

struct pre_exec {
    const void *plan;
    int init_fd;
    int plan_fd;
    char plan_fd_arg[16];
};

/* A read-only, sealed memfd holding data: nothing can change it once made, not even through /proc. */
static int sealed_memfd(const char *name, const void *data, size_t size)
{
    int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return -errno;
    for (size_t done = 0; done < size;) {
        ssize_t n = write(fd, (const char *)data + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int err = n < 0 ? errno : EIO;
            close(fd);
            return -err;
        }
        done += (size_t)n;
    }
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    return fd;
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

/* The child, still sharing the JVM's memory: raw system calls only, then futaba-init. */
static int pre_exec_main(void *arg)
{
    struct pre_exec *pe = arg;
    reset_signals();
    /* the fds the plan keeps (and the plan itself) must survive the exec of futaba-init */
    uint32_t count;
    const int64_t *kept = plan_kept_fds(pe->plan, &count);
    for (uint32_t i = 0; i < count; i++)
        sys3(SYS_fcntl, kept[i], F_SETFD, 0);
    sys3(SYS_fcntl, pe->plan_fd, F_SETFD, 0);
    char *argv[] = {"futaba-init", pe->plan_fd_arg, NULL};
    char *envp[] = {NULL};
    long r = sys5(SYS_execveat, pe->init_fd, "", argv, envp, AT_EMPTY_PATH);
    struct ftb_status s = {FTB_STATUS_ERROR, -1, (int)-r, 0};
    sys3(SYS_write, ((const struct ftb_plan_header *)pe->plan)->status_fd, &s, sizeof s);
    sys1(SYS_exit_group, 127);
    return 127;
}

static long spawn(const void *plan, long plan_length)
{
    if (plan_validate(plan, plan_length) < 0)
        return -EBADMSG;
    struct pre_exec pe = {plan, -1, -1, {0}};
    long result;
    pe.init_fd = sealed_memfd("futaba-init", futaba_init_blob, (size_t)(futaba_init_blob_end - futaba_init_blob));
    if (pe.init_fd < 0)
        return pe.init_fd;
    pe.plan_fd = sealed_memfd("futaba-plan", plan, (size_t)plan_length);
    if (pe.plan_fd < 0) {
        result = pe.plan_fd;
        goto out;
    }
    snprintf(pe.plan_fd_arg, sizeof pe.plan_fd_arg, "%d", pe.plan_fd);
    char *stack = malloc(PRE_EXEC_STACK);
    if (stack == NULL) {
        result = -ENOMEM;
        goto out;
    }
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int flags = (int)((const struct ftb_plan_header *)plan)->clone_flags | CLONE_VM | CLONE_VFORK | SIGCHLD;
    int pid = clone(pre_exec_main, stack + PRE_EXEC_STACK, flags, &pe);
    int err = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    free(stack); /* CLONE_VFORK: the child has exec'd (or died) by now */
    result = pid < 0 ? -err : pid;
out:
    close(pe.init_fd);
    if (pe.plan_fd >= 0)
        close(pe.plan_fd);
    return result;
}

long futaba_call(long op, long a1, long a2, long a3, long a4, long a5, long a6)
{
    if (op == FTB_CALL_SPAWN)
        return spawn((const void *)a1, a2);
    if (op <= FTB_CALL_NETNS_SOCKET && op >= FTB_CALL_NETNS_CREATE)
        return ftb_netns_call(op, a1, a2, a3, a4);
    if (op < 0)
        return -ENOSYS;
    long r = syscall(op, a1, a2, a3, a4, a5, a6);
    return r == -1 ? -errno : r;
}
