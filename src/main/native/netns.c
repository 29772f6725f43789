/*
 * Network namespaces for the JVM without the JVM entering one: each call starts a short-lived thread
 * that changes its own network namespace (setns or unshare), does its one thing there and ends. A
 * socket keeps the namespace it was made in and a file of /proc/sys/net the one it was opened in, so
 * what the thread hands back works in that namespace from any thread. The JVM's threads never move.
 *
 *   FTB_CALL_NETNS_SOCKET  a1: netns fd, a2..a4: socket(2)'s domain, type, protocol -> the socket's fd
 *   FTB_CALL_NETNS_OPEN    a1: netns fd, a2: path, a3: open flags               -> the file's fd
 *   FTB_CALL_NETNS_CREATE  a1: path of an existing empty file, a2: its directory or 0 -> 0: a new network
 *                          namespace bind-mounted on the file (as `ip netns add`); the directory is made
 *                          a shared mount first, so an unmount there reaches other mount namespaces
 *
 * All return -errno on failure. Only the CLONE_NEWNET namespace changes: the mount namespace is the
 * process's (mount tables are not per thread), so the helper's bind mount is the JVM's.
 */
#define _GNU_SOURCE
#include "futaba_plan.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

struct netns_job {
    long op;
    long a1, a2, a3, a4;
    long result;
};

static long netns_create(const char *path)
{
    if (unshare(CLONE_NEWNET) < 0)
        return -errno;
    if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0)
        return -errno;
    return 0;
}

static void *netns_thread(void *arg)
{
    struct netns_job *job = arg;
    if (job->op == FTB_CALL_NETNS_CREATE) {
        job->result = netns_create((const char *)job->a1);
        return NULL;
    }
    if (setns((int)job->a1, CLONE_NEWNET) < 0) {
        job->result = -errno;
        return NULL;
    }
    long fd;
    if (job->op == FTB_CALL_NETNS_SOCKET)
        fd = socket((int)job->a2, (int)job->a3 | SOCK_CLOEXEC, (int)job->a4);
    else
        fd = open((const char *)job->a2, (int)job->a3 | O_CLOEXEC);
    job->result = fd < 0 ? -errno : fd;
    return NULL;
}

/* Makes dir a shared mount (bind-mounting it on itself first if it is no mount point), as iproute2 does. */
static long make_shared(const char *dir)
{
    if (mount("", dir, "none", MS_SHARED | MS_REC, NULL) == 0)
        return 0;
    if (errno != EINVAL)
        return -errno;
    if (mount(dir, dir, "none", MS_BIND | MS_REC, NULL) < 0)
        return -errno;
    return mount("", dir, "none", MS_SHARED | MS_REC, NULL) < 0 ? -errno : 0;
}

long ftb_netns_call(long op, long a1, long a2, long a3, long a4)
{
    if (op == FTB_CALL_NETNS_CREATE && a2 != 0) {
        long r = make_shared((const char *)a2);
        if (r < 0)
            return r;
    }
    struct netns_job job = {.op = op, .a1 = a1, .a2 = a2, .a3 = a3, .a4 = a4, .result = -EIO};
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0)
        return -ENOMEM;
    pthread_attr_setstacksize(&attr, 64 * 1024);
    /* the helper takes no signal meant for the JVM */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_t thread;
    int err = pthread_create(&thread, &attr, netns_thread, &job);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    if (err != 0)
        return -err;
    pthread_join(thread, NULL);
    return job.result;
}
