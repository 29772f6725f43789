/*
 * libfutaba: the one entry point Java calls (futaba_call).
 *
 * FTB_CALL_SPAWN clones the container's first process (clone.c): the plan is validated, copied with
 * futaba-init (embedded in this library) into sealed memfds, and the child is cloned with the plan's
 * namespace flags, CLONE_VM and CLONE_VFORK: no copy of the JVM's page tables (about 1.5 ms whatever the
 * heap), and the parent thread resumes once the child has exec'd futaba-init. Until then the child runs
 * only raw system calls; from then on it is futaba-init, which runs the plan (init.c).
 *
 * FTB_CALL_SPAWN_DETACHED starts a helper program (karakuri-monitor) the same way, keeping chosen fds.
 */
#define _GNU_SOURCE
#include "clone.h"
#include "plan.h"
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define DETACHED_STACK (64 * 1024)

struct detached {
    const char *path;
    char *const *argv;
    char *const *envp;
    const int32_t *keep;
    long keep_count;
    volatile int err; /* written by the child, which shares this memory */
};

/* The child, sharing the JVM's memory: raw system calls only, then the program. */
static int detached_main(void *arg)
{
    struct detached *d = arg;
    ftb_reset_signals();
    for (long i = 0; i < d->keep_count; i++)
        sys3(SYS_fcntl, d->keep[i], F_SETFD, 0);
    long r = sys3(SYS_execve, d->path, d->argv, d->envp);
    d->err = (int)-r;
    sys1(SYS_exit_group, 127);
    return 127;
}

/* Runs path with argv and envp, its kept fds open across the exec; waits for that first process (a
 * program that detaches exits at once) and returns its wait status, or -errno. */
static long spawn_detached(const char *path, char *const *argv, char *const *envp, const int32_t *keep, long count)
{
    struct detached d = {path, argv, envp, keep, count, 0};
    char *stack = malloc(DETACHED_STACK);
    if (stack == NULL)
        return -ENOMEM;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int pid = clone(detached_main, stack + DETACHED_STACK, CLONE_VM | CLONE_VFORK | SIGCHLD, &d);
    int err = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    free(stack);
    if (pid < 0)
        return -err;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -errno;
    return d.err ? -d.err : status;
}

long futaba_call(long op, long a1, long a2, long a3, long a4, long a5, long a6)
{
    if (op == FTB_CALL_SPAWN)
        return ftb_clone_plan((const void *)a1, a2, NULL);
    if (op == FTB_CALL_SPAWN_DETACHED)
        return spawn_detached((const char *)a1, (char *const *)a2, (char *const *)a3, (const int32_t *)a4, a5);
    if (op <= FTB_CALL_NETNS_SOCKET && op >= FTB_CALL_NETNS_CREATE)
        return ftb_netns_call(op, a1, a2, a3, a4);
    if (op < 0)
        return -ENOSYS;
    long r = syscall(op, a1, a2, a3, a4, a5, a6);
    return r == -1 ? -errno : r;
}
