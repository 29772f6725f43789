/*
 * The container process's own attributes, set last: names, limits, user and groups, capabilities,
 * working directory, and the execve() that ends the plan.
 */
#define _GNU_SOURCE
#include "child.h"
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

int op_hostname(const struct op_view *v, int domain)
{
    return (int)sys2(domain ? SYS_setdomainname : SYS_sethostname, v->strs, str_len(v->strs));
}

int op_rlimit(const struct op_view *v)
{
    struct rlimit limit = {(rlim_t)v->ints[1], (rlim_t)v->ints[2]};
    return (int)sys4(SYS_prlimit64, 0, v->ints[0], &limit, NULL);
}

int op_cap_bounding(const struct op_view *v)
{
    uint64_t keep = (uint64_t)v->ints[0];
    for (long cap = 0; cap <= v->ints[1] && cap < 64; cap++) {
        if (keep & (1ULL << cap))
            continue;
        long r = sys2(SYS_prctl, PR_CAPBSET_DROP, cap);
        if (r < 0 && r != -EINVAL)
            return (int)r;
    }
    return 0;
}

int op_user(const struct op_view *v)
{
    long uid = v->ints[0], gid = v->ints[1], set_groups = v->ints[2];
    long r = sys2(SYS_prctl, PR_SET_KEEPCAPS, 1);
    if (r < 0)
        return (int)r;
    if (set_groups) {
        uint32_t count = v->int_count - 3;
        gid_t groups[count ? count : 1];
        for (uint32_t i = 0; i < count; i++)
            groups[i] = (gid_t)v->ints[3 + i];
        r = sys2(SYS_setgroups, count, groups);
        if (r < 0)
            return (int)r;
    }
    r = sys3(SYS_setresgid, gid, gid, gid);
    if (r == 0)
        r = sys3(SYS_setresuid, uid, uid, uid);
    if (r == 0)
        r = sys2(SYS_prctl, PR_SET_KEEPCAPS, 0);
    return (int)r;
}

int op_caps(const struct op_view *v)
{
    uint64_t effective = (uint64_t)v->ints[0], permitted = (uint64_t)v->ints[1];
    uint64_t inheritable = (uint64_t)v->ints[2], ambient = (uint64_t)v->ints[3];
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2] = {
        {(uint32_t)effective, (uint32_t)permitted, (uint32_t)inheritable},
        {(uint32_t)(effective >> 32), (uint32_t)(permitted >> 32), (uint32_t)(inheritable >> 32)},
    };
    long r = sys2(SYS_capset, &header, data);
    if (r < 0)
        return (int)r;
    sys5(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    /* As runc does, an ambient capability the kernel refuses (not permitted and inheritable) is skipped. */
    for (long cap = 0; cap <= v->ints[4] && cap < 64; cap++)
        if (ambient & (1ULL << cap))
            sys5(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
    return 0;
}

int load_seccomp(long flags, const int64_t *insns, long count)
{
    /* an int64 holds one struct sock_filter as it lies in memory (code, jt, jf, k) */
    struct {
        unsigned short len;
        const void *filter;
    } prog = {(unsigned short)count, insns};
    return (int)sys3(SYS_seccomp, 1 /* SECCOMP_SET_MODE_FILTER */, flags, &prog);
}

int op_no_new_privs(void)
{
    return (int)sys5(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

int op_chdir(const struct op_view *v)
{
    return (int)sys1(SYS_chdir, v->strs);
}

int op_write(const struct op_view *v)
{
    const char *path = v->strs, *value = next_str(path);
    long fd = sys4(SYS_openat, -100, path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0);
    if (fd < 0)
        return (int)fd;
    size_t len = str_len(value), done = 0;
    long r = 0;
    while (done < len) {
        r = sys3(SYS_write, fd, value + done, len - done);
        if (r == -EINTR)
            continue;
        if (r <= 0)
            break;
        done += (size_t)r;
    }
    sys1(SYS_close, fd);
    return r < 0 ? (int)r : 0;
}

static int executable(const char *path)
{
    struct stat st;
    if (sys4(SYS_newfstatat, -100, path, &st, 0) < 0 || !S_ISREG(st.st_mode))
        return 0;
    return sys4(SYS_faccessat, -100, path, X_OK, 0) == 0;
}

/* Finds name on PATH (as execvp would; an empty entry is the working directory). */
static int look_path(const char *name, const char *path, char *out, size_t cap)
{
    if (path == NULL)
        return -FTB_ERR_NOT_FOUND_IN_PATH;
    const char *p = path;
    for (;;) {
        const char *end = p;
        while (*end && *end != ':')
            end++;
        out[0] = 0;
        size_t n = (size_t)(end - p);
        if (n == 0) {
            str_append(out, cap, ".");
        } else if (n < cap) {
            for (size_t i = 0; i < n; i++)
                out[i] = p[i];
            out[n] = 0;
        }
        if (str_append(out, cap, "/") == 0 && str_append(out, cap, name) == 0 && executable(out))
            return 0;
        if (!*end)
            return -FTB_ERR_NOT_FOUND_IN_PATH;
        p = end + 1;
    }
}

/* Waits on the exec fifo's read end until `start` writes its byte. 0, or -errno. */
static int wait_for_start(long fifo)
{
    long r = sys3(SYS_fcntl, fifo, F_SETFL, 0); /* it was opened O_NONBLOCK, so as not to wait for a writer */
    /* poll, not read: before any writer has opened the fifo, read() would see end of file at once */
    struct pollfd pfd = {(int)fifo, POLLIN, 0};
    while (r == 0) {
        r = sys5(SYS_ppoll, &pfd, 1, NULL, NULL, 8);
        if (r == -EINTR) {
            r = 0;
            continue;
        }
        if (r < 0)
            return (int)r;
        char byte;
        do
            r = sys3(SYS_read, fifo, &byte, 1);
        while (r == -EINTR);
        if (r == 1)
            break;
        if (r == 0) /* a writer came and went without a byte: no start */
            return -ECANCELED;
        return (int)r;
    }
    sys1(SYS_close, fifo);
    return 0;
}

int op_exec(struct child *c, const struct op_view *v)
{
    long fifo = v->ints[0], argc = v->ints[1], envc = v->ints[2];
    char *argv[argc + 1], *envp[envc + 1];
    const char *s = v->strs, *path_env = NULL;
    for (long i = 0; i < argc; i++, s = next_str(s))
        argv[i] = (char *)s;
    argv[argc] = NULL;
    for (long i = 0; i < envc; i++, s = next_str(s)) {
        envp[i] = (char *)s;
        if (str_starts(s, "PATH="))
            path_env = s + 5;
    }
    envp[envc] = NULL;

    char found[4096];
    const char *file = argv[0];
    int has_slash = 0;
    for (const char *q = file; *q; q++)
        has_slash |= *q == '/';
    if (!has_slash) {
        int r = look_path(file, path_env, found, sizeof found);
        if (r < 0)
            return r;
        file = found;
    } else {
        struct stat st;
        long r = sys4(SYS_newfstatat, -100, file, &st, 0);
        if (r < 0)
            return (int)r;
        if (!executable(file)) /* found now, at create time, rather than by execve() after start */
            return -EACCES;
    }

    report(c, FTB_STATUS_READY, 0, 0, 0);
    if (fifo >= 0) {
        int r = wait_for_start(fifo);
        if (r < 0)
            return r;
    }
    for (uint32_t i = c->next_index; i < c->plan->op_count; i++) { /* the startContainer hooks */
        struct op_view hook;
        uint32_t length;
        plan_read_op(c->next, c->end, &hook, &length);
        c->next += length;
        int r = op_hook(c, i, &hook);
        if (r < 0) { /* `start` has returned: nobody reads the status pipe now */
            static const char msg[] = "futaba: a startContainer hook failed: the container's program does not run\n";
            sys3(SYS_write, 2, msg, sizeof msg - 1);
            return r;
        }
    }
    if (v->int_count > 3) { /* the filter, last: only execve() itself must get through it */
        int r = load_seccomp(v->ints[3], v->ints + 4, v->int_count - 4);
        if (r < 0)
            return r;
    }
    return (int)sys3(SYS_execve, file, argv, envp);
}
