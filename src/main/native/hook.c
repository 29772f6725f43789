/*
 * OCI hooks run by futaba-init: createContainer hooks in the container's namespaces before pivot_root,
 * startContainer hooks after `start` and before the container's program, and the host's hooks
 * (prestart, createRuntime, poststart, poststop) from a futaba-init that joined nothing. One way to run
 * a hook for all of them: its own argv[0], exactly its environment, the state on stdin, a timeout.
 */
#define _GNU_SOURCE
#include "child.h"
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        long w = sys3(SYS_write, fd, p, n);
        if (w == -EINTR)
            continue;
        if (w < 0)
            return (int)w;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* A pipe holding the whole state: written before the hook runs, so a hook that never reads its stdin
 * cannot make the write block or fail. Returns the read end, or -errno. */
static int state_pipe(const char *state, long pid_at)
{
    int p[2];
    long r = sys2(SYS_pipe2, p, O_CLOEXEC);
    if (r < 0)
        return (int)r;
    size_t len = str_len(state);
    char pid[16] = "";
    if (pid_at >= 0)
        str_from_int(pid, (int)sys1(SYS_getpid, 0));
    if (len + sizeof pid > 60 * 1024) /* beyond a pipe's default 64 KiB */
        r = sys3(SYS_fcntl, p[1], F_SETPIPE_SZ, len + sizeof pid);
    if (r >= 0 && pid_at >= 0 && (size_t)pid_at <= len)
        r = write_all(p[1], state, (size_t)pid_at) ?: write_all(p[1], pid, str_len(pid))
            ?: write_all(p[1], state + pid_at, len - (size_t)pid_at);
    else if (r >= 0)
        r = write_all(p[1], state, len);
    sys1(SYS_close, p[1]);
    if (r < 0) {
        sys1(SYS_close, p[0]);
        return (int)r;
    }
    return p[0];
}

/* Waits for the hook, killing it after timeout seconds (0: none). Returns its wait status. */
static int wait_hook(long pid, long timeout, int *timed_out)
{
    int status = 0;
    *timed_out = 0;
    if (timeout > 0) {
        long pidfd = sys2(SYS_pidfd_open, pid, 0);
        if (pidfd >= 0) {
            struct pollfd pfd = {(int)pidfd, POLLIN, 0};
            struct timespec left = {timeout, 0};
            long r;
            do /* ppoll updates left when a signal interrupts it */
                r = sys5(SYS_ppoll, &pfd, 1, &left, NULL, 8);
            while (r == -EINTR);
            sys1(SYS_close, pidfd);
            if (r == 0) {
                *timed_out = 1;
                sys2(SYS_kill, pid, SIGKILL);
            }
        }
    }
    long r;
    do
        r = sys4(SYS_wait4, pid, &status, 0, NULL);
    while (r == -EINTR);
    return r < 0 ? -1 : status;
}

int op_hook(struct child *c, uint32_t index, const struct op_view *v)
{
    long timeout = v->ints[0], argc = v->ints[1], envc = v->ints[2], pid_at = v->ints[3];
    const char *path = v->strs, *s = next_str(path);
    char *argv[argc + 1], *envp[envc + 1];
    for (long i = 0; i < argc; i++, s = next_str(s))
        argv[i] = (char *)s;
    argv[argc] = NULL;
    for (long i = 0; i < envc; i++, s = next_str(s))
        envp[i] = (char *)s;
    envp[envc] = NULL;

    /* a missing or non-executable hook is an error with its errno, not a mere exit status 127 */
    long r = sys3(SYS_faccessat, -100, path, X_OK);
    if (r < 0)
        return (int)r;
    int in = state_pipe(s, pid_at);
    if (in < 0)
        return in;
    long pid = raw_syscall6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        if (in == 0)
            sys3(SYS_fcntl, 0, F_SETFD, 0);
        else
            sys3(SYS_dup3, in, 0, 0);
        sys3(SYS_execve, path, argv, envp);
        sys1(SYS_exit_group, 127);
    }
    sys1(SYS_close, in);
    if (pid < 0)
        return (int)pid;
    int timed_out;
    int status = wait_hook(pid, timeout, &timed_out);
    if (status == 0)
        return 0;
    report(c, FTB_STATUS_HOOK, (int)index, status, timed_out);
    return -FTB_ERR_HOOK_FAILED;
}
