/*
 * The container's first process: validated plan, sealed memfds, clone, execveat of futaba-init. See
 * clone.h; moved out of spawn.c so that karakuri-monitor clones exactly as libfutaba does.
 */
#define _GNU_SOURCE
#include "clone.h"
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
    const int *stdio;
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

void ftb_reset_signals(void)
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

/* The child, still sharing its parent's memory: raw system calls only, then futaba-init. */
static int pre_exec_main(void *arg)
{
    struct pre_exec *pe = arg;
    ftb_reset_signals();
    if (pe->stdio != NULL)
        for (int i = 0; i < 3; i++) {
            if (pe->stdio[i] == i)
                sys3(SYS_fcntl, i, F_SETFD, 0);
            else
                sys3(SYS_dup3, pe->stdio[i], i, 0);
        }
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

long ftb_clone_plan(const void *plan, long plan_length, const int *stdio)
{
    if (plan_validate(plan, plan_length) < 0)
        return -EBADMSG;
    struct pre_exec pe = {plan, -1, -1, stdio, {0}};
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
