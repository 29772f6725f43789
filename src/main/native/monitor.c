/*
 * karakuri-monitor: the parent of one container's process (or of one exec'd process), outside any JVM.
 * See docs/containers.md, "The monitor".
 *
 *   karakuri-monitor --plan-fd N --sync-fd N --run-dir DIR [--console-fd N] [--id ID]
 *                    [--log FILE] [--log-max BYTES] [--stdin] [--wait-attach]
 *
 *   --plan-fd N      futaba's setup plan (a memfd or any readable fd); its first op lists the fds it keeps,
 *                    which hitoha passes at the same numbers (go-ahead, status pipe, exec fifo, console, ...)
 *   --sync-fd N      write end of a pipe: one record {int32 monitor pid, int32 clone pid or -errno}, then closed
 *   --run-dir DIR    existing directory: monitor.pid, attach.sock (0600), exit
 *   --console-fd N   receiving end of the console socket: the process's terminal master arrives on it
 *   --log FILE       ctr.log, CRI format, rotated to FILE.1 past --log-max bytes (default 10 MiB, 0: never);
 *                    no --log: no log (exec)
 *   --stdin          the process's stdin is a pipe fed by attach clients (else /dev/null)
 *   --wait-attach    no output is read until the first attach client connects (exec: no output is lost);
 *                    gives up waiting 10 s after the process has ended (at once if its setup failed)
 *
 * The first process exits at once (its parent, hitoha, reaps it); the second, in a session of its own
 * and a child subreaper, clones the process from the plan (clone.c, as libfutaba does), with stdio pipes.
 * The status pipe goes through a relay: the monitor forwards the child's status records to hitoha's
 * status pipe (and its end of file), and learns from them the pid of a process forked into a joined pid
 * namespace (FTB_STATUS_PID), which is then the one whose exit counts. SIGTERM, SIGINT and SIGHUP are
 * ignored: the container outlives a stopping hitoha; SIGKILL ends the monitor, not the container.
 *
 * Exit codes of the first process: 0 detached, 2 bad usage, 3 bad plan.
 */
#define _GNU_SOURCE
#include "clone.h"
#include "plan.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 32768
#define LINE_LIMIT 16384
#define MAX_CLIENTS 16
#define FRAME_MAX 65536
#define REAPED_KEPT 16
#define ATTACH_GRACE_NS (10LL * 1000000000LL)

enum { F_STDIN = 0, F_STDOUT = 1, F_STDERR = 2, F_RESIZE = 3, F_EOF = 4, F_EXIT = 5 };

struct stream {
    int fd;
    int type; /* frame type: 1 stdout, 2 stderr */
    const char *name;
    size_t used;
    char line[LINE_LIMIT];
};

struct client {
    int fd;
    size_t in_used;
    unsigned char *in; /* 8 + FRAME_MAX */
    size_t out_used;
    unsigned char *out; /* 8 + CHUNK */
};

static struct {
    const char *run_dir, *log_path, *id;
    long long log_max;
    int want_stdin, wait_attach;
    int sync_fd, plan_fd, console_fd;

    int sig_fd, listen_fd;
    int relay_fd, status_out;
    unsigned char relay_buf[64];
    size_t relay_used;

    int clone_pid, main_pid, main_done, main_status;
    int setup_failed; /* an error record went by: no attach client is worth waiting for */
    long long main_done_at;
    struct { int pid, status; } reaped[REAPED_KEPT];
    int reaped_next;

    struct stream out, err;
    int master;          /* the terminal's master, or -1 */
    int terminal;        /* a console fd was given */
    int stdin_fd;        /* pipe write end, or -1 */
    int stdin_close;     /* close it once pending input is written */
    unsigned char stdin_buf[FRAME_MAX];
    size_t stdin_used;
    unsigned short rows, cols;

    struct client clients[MAX_CLIENTS];
    int attached_once;

    int log_fd;
    long long log_size;
} m;

static long long now_ns(int clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* 2026-11-29T13:50:00.123456789Z into buf (at least 32 bytes). */
static void timestamp(char *buf, size_t size)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, size - n, ".%09ldZ", ts.tv_nsec);
}

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Writes a small file in the run dir whole or not at all. */
static void write_atomically(const char *name, const char *text)
{
    char path[4096], tmp[4096];
    snprintf(path, sizeof path, "%s/%s", m.run_dir, name);
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", m.run_dir, name);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    int bad = write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0;
    close(fd);
    if (bad || rename(tmp, path) < 0)
        unlink(tmp);
}

/* ---- the log ---- */

static void log_open(void)
{
    m.log_fd = open(m.log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    struct stat st;
    m.log_size = m.log_fd >= 0 && fstat(m.log_fd, &st) == 0 ? st.st_size : 0;
}

static void log_record(const struct stream *s, const char *data, size_t len, char kind)
{
    if (m.log_path == NULL)
        return;
    char head[64];
    timestamp(head, 40);
    size_t hn = strlen(head);
    hn += (size_t)snprintf(head + hn, sizeof head - hn, " %s %c ", s->name, kind);
    if (m.log_max > 0 && m.log_size > 0 && m.log_size + (long long)(hn + len + 1) > m.log_max) {
        char old[4096];
        snprintf(old, sizeof old, "%s.1", m.log_path);
        if (m.log_fd >= 0)
            close(m.log_fd);
        rename(m.log_path, old);
        log_open();
    }
    if (m.log_fd < 0)
        return;
    struct iovec iov[3] = {{head, hn}, {(void *)data, len}, {"\n", 1}};
    ssize_t n = writev(m.log_fd, iov, 3);
    if (n > 0)
        m.log_size += n;
}

/* Splits output into lines: F for a whole line, P for a part (16 KiB, or cut by the end). */
static void log_bytes(struct stream *s, const char *p, size_t n)
{
    while (n > 0) {
        const char *nl = memchr(p, '\n', n);
        size_t take = nl ? (size_t)(nl - p) : n;
        size_t room = LINE_LIMIT - s->used;
        int whole = nl != NULL && take <= room;
        if (take > room)
            take = room;
        memcpy(s->line + s->used, p, take);
        s->used += take;
        p += take;
        n -= take;
        if (whole) {
            log_record(s, s->line, s->used, 'F');
            s->used = 0;
            p++;
            n--;
        } else if (s->used == LINE_LIMIT) {
            log_record(s, s->line, s->used, 'P');
            s->used = 0;
        }
    }
}

static void log_flush(struct stream *s)
{
    if (s->used > 0)
        log_record(s, s->line, s->used, 'P');
    s->used = 0;
}

/* ---- attach clients ---- */

static void client_close(struct client *c)
{
    close(c->fd);
    free(c->in);
    free(c->out);
    memset(c, 0, sizeof *c);
    c->fd = -1;
}

static void frame_header(unsigned char *h, int type, uint32_t len)
{
    h[0] = (unsigned char)type;
    h[1] = h[2] = h[3] = 0;
    h[4] = (unsigned char)(len >> 24);
    h[5] = (unsigned char)(len >> 16);
    h[6] = (unsigned char)(len >> 8);
    h[7] = (unsigned char)len;
}

static int clients_pending(void)
{
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (m.clients[i].fd >= 0 && m.clients[i].out_used > 0)
            return 1;
    return 0;
}

/* Sends what the client has pending without blocking; -1 when it is gone. */
static int client_flush(struct client *c)
{
    while (c->out_used > 0) {
        ssize_t n = send(c->fd, c->out, c->out_used, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (n <= 0)
            return -1;
        memmove(c->out, c->out + n, c->out_used - (size_t)n);
        c->out_used -= (size_t)n;
    }
    return 0;
}

/* Queues a frame for every client (output is read only when no client has anything pending). */
static void broadcast(int type, const void *data, size_t len)
{
    for (int i = 0; i < MAX_CLIENTS; i++) {
        struct client *c = &m.clients[i];
        if (c->fd < 0)
            continue;
        if (c->out_used + 8 + len > 8 + CHUNK + 16) { /* cannot happen: output waits for pending */
            client_close(c);
            continue;
        }
        frame_header(c->out + c->out_used, type, (uint32_t)len);
        memcpy(c->out + c->out_used + 8, data, len);
        c->out_used += 8 + len;
        if (client_flush(c) < 0)
            client_close(c);
    }
}

static void apply_size(void)
{
    if (m.master >= 0 && m.rows > 0 && m.cols > 0) {
        struct winsize ws = {m.rows, m.cols, 0, 0};
        ioctl(m.master, TIOCSWINSZ, &ws);
    }
}

static void stdin_flush(void)
{
    while (m.stdin_fd >= 0 && m.stdin_used > 0) {
        ssize_t n = write(m.stdin_fd, m.stdin_buf, m.stdin_used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) { /* the process closed its stdin */
            m.stdin_used = 0;
            if (m.stdin_fd != m.master)
                close(m.stdin_fd);
            m.stdin_fd = -1;
            return;
        }
        memmove(m.stdin_buf, m.stdin_buf + n, m.stdin_used - (size_t)n);
        m.stdin_used -= (size_t)n;
    }
    if (m.stdin_fd >= 0 && m.stdin_used == 0 && m.stdin_close) {
        if (m.stdin_fd != m.master)
            close(m.stdin_fd);
        m.stdin_fd = -1;
    }
}

static void on_frame(struct client *c)
{
    int type = c->in[0];
    uint32_t len = (uint32_t)c->in[4] << 24 | (uint32_t)c->in[5] << 16 | (uint32_t)c->in[6] << 8 | c->in[7];
    const unsigned char *p = c->in + 8;
    if (type == F_STDIN && m.want_stdin && m.stdin_fd >= 0) {
        memcpy(m.stdin_buf + m.stdin_used, p, len); /* clients are read only when nothing is pending */
        m.stdin_used += len;
        stdin_flush();
    } else if (type == F_RESIZE && len >= 4) {
        m.rows = (unsigned short)(p[0] << 8 | p[1]);
        m.cols = (unsigned short)(p[2] << 8 | p[3]);
        apply_size();
    } else if (type == F_EOF && !m.terminal && m.stdin_fd >= 0) {
        m.stdin_close = 1;
        stdin_flush();
    }
}

static void client_read(struct client *c)
{
    for (;;) {
        size_t need = 8;
        if (c->in_used >= 8) {
            uint32_t len = (uint32_t)c->in[4] << 24 | (uint32_t)c->in[5] << 16 | (uint32_t)c->in[6] << 8 | c->in[7];
            if (len > FRAME_MAX) {
                client_close(c);
                return;
            }
            need = 8 + len;
            if (c->in_used == need) {
                on_frame(c);
                c->in_used = 0;
                if (m.stdin_used > 0)
                    return; /* the rest waits until the process has taken this */
                continue;
            }
        }
        ssize_t n = recv(c->fd, c->in + c->in_used, need - c->in_used, MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n <= 0) {
            client_close(c);
            return;
        }
        c->in_used += (size_t)n;
    }
}

static void accept_client(void)
{
    int fd = accept4(m.listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0)
        return;
    for (int i = 0; i < MAX_CLIENTS; i++) {
        struct client *c = &m.clients[i];
        if (c->fd >= 0)
            continue;
        c->in = malloc(8 + FRAME_MAX);
        c->out = malloc(8 + CHUNK + 16);
        if (c->in == NULL || c->out == NULL) {
            free(c->in);
            free(c->out);
            c->in = c->out = NULL;
            break;
        }
        c->fd = fd;
        c->in_used = c->out_used = 0;
        m.attached_once = 1;
        return;
    }
    close(fd);
}

/* ---- the process's output ---- */

static void stream_close(struct stream *s)
{
    log_flush(s);
    if (s->fd >= 0 && s->fd != m.master)
        close(s->fd);
    if (s->fd >= 0 && s->fd == m.master) {
        if (m.stdin_fd == m.master)
            m.stdin_fd = -1;
        close(m.master);
        m.master = -1;
    }
    s->fd = -1;
}

/* One read from the stream: 1 data, 0 nothing now, -1 closed. */
static int stream_read(struct stream *s)
{
    static char buf[CHUNK];
    ssize_t n;
    do
        n = read(s->fd, buf, sizeof buf);
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN)
        return 0;
    if (n <= 0) { /* end of file; EIO: a terminal without its slave */
        stream_close(s);
        return -1;
    }
    broadcast(s->type, buf, (size_t)n);
    log_bytes(s, buf, (size_t)n);
    return 1;
}

static void receive_master(void)
{
    char data[256];
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = {data, sizeof data};
    struct msghdr msg = {0};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    ssize_t n = recvmsg(m.console_fd, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EINTR)
        return;
    struct cmsghdr *cmsg = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
    if (cmsg != NULL && cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS) {
        memcpy(&m.master, CMSG_DATA(cmsg), sizeof(int));
        fcntl(m.master, F_SETFL, fcntl(m.master, F_GETFL) | O_NONBLOCK);
        m.out.fd = m.master;
        if (m.want_stdin)
            m.stdin_fd = m.master;
        apply_size();
    }
    close(m.console_fd); /* one message, or the process is gone */
    m.console_fd = -1;
}

/* ---- the status relay and the process's end ---- */

static void relay_read(void)
{
    while (m.relay_fd >= 0) {
        ssize_t n = read(m.relay_fd, m.relay_buf + m.relay_used, sizeof m.relay_buf - m.relay_used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) {
            close(m.relay_fd);
            m.relay_fd = -1;
            if (m.status_out >= 0)
                close(m.status_out);
            m.status_out = -1;
            return;
        }
        m.relay_used += (size_t)n;
        size_t whole = m.relay_used / sizeof(struct ftb_status) * sizeof(struct ftb_status);
        for (size_t off = 0; off < whole; off += sizeof(struct ftb_status)) {
            struct ftb_status s;
            memcpy(&s, m.relay_buf + off, sizeof s);
            if (s.kind == FTB_STATUS_ERROR || s.kind == FTB_STATUS_HOOK)
                m.setup_failed = 1;
            if (s.kind == FTB_STATUS_PID && s.pid > 0) {
                m.main_pid = s.pid;
                for (int i = 0; i < REAPED_KEPT; i++)
                    if (m.reaped[i].pid == s.pid) { /* it has ended already */
                        m.main_done = 1;
                        m.main_status = m.reaped[i].status;
                        m.main_done_at = now_ns(CLOCK_MONOTONIC);
                    }
            }
        }
        if (m.status_out >= 0 && whole > 0 && write_all(m.status_out, m.relay_buf, whole) < 0) {
            close(m.status_out); /* hitoha stopped listening */
            m.status_out = -1;
        }
        memmove(m.relay_buf, m.relay_buf + whole, m.relay_used - whole);
        m.relay_used -= whole;
    }
}

static void reap(void)
{
    for (;;) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG | __WALL);
        if (pid <= 0)
            return;
        relay_read(); /* a FORK's pid record is written before its process exits */
        if (pid == m.main_pid && !m.main_done) {
            m.main_done = 1;
            m.main_status = status;
            m.main_done_at = now_ns(CLOCK_MONOTONIC);
        } else {
            m.reaped[m.reaped_next].pid = pid;
            m.reaped[m.reaped_next].status = status;
            m.reaped_next = (m.reaped_next + 1) % REAPED_KEPT;
        }
    }
}

static void on_signal(void)
{
    struct signalfd_siginfo si;
    while (read(m.sig_fd, &si, sizeof si) == (ssize_t)sizeof si)
        if (si.ssi_signo == SIGCHLD)
            reap();
    reap();
}

static void attach_path(char *buf, size_t size)
{
    snprintf(buf, size, "%s/attach.sock", m.run_dir);
}

static __attribute__((noreturn)) void finish(void)
{
    /* what the process wrote before it ended is still in the pipes */
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (m.clients[i].fd >= 0) {
            struct client *c = &m.clients[i];
            int flags = fcntl(c->fd, F_GETFL);
            fcntl(c->fd, F_SETFL, flags & ~O_NONBLOCK);
            struct timeval tv = {2, 0};
            setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        }
    struct stream *streams[2] = {&m.out, &m.err};
    for (int i = 0; i < 2; i++) {
        if (streams[i]->fd >= 0)
            fcntl(streams[i]->fd, F_SETFL, fcntl(streams[i]->fd, F_GETFL) | O_NONBLOCK);
        while (streams[i]->fd >= 0) {
            for (int k = 0; k < MAX_CLIENTS; k++) { /* blocking now, with a timeout */
                struct client *c = &m.clients[k];
                if (c->fd >= 0 && c->out_used > 0 && write_all(c->fd, c->out, c->out_used) < 0)
                    client_close(c);
                else if (c->fd >= 0)
                    c->out_used = 0;
            }
            if (stream_read(streams[i]) == 0)
                stream_close(streams[i]);
        }
    }
    relay_read();
    int st = m.main_status;
    int signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
    int code = WIFSIGNALED(st) ? 128 + signal : WEXITSTATUS(st);
    char when[48], text[160];
    timestamp(when, sizeof when);
    snprintf(text, sizeof text, "{\"exitCode\":%d,\"signal\":%d,\"finishedAt\":\"%s\"}\n", code, signal, when);
    write_atomically("exit", text);
    unsigned char frame[12];
    frame_header(frame, F_EXIT, 4);
    frame[8] = (unsigned char)(code >> 24);
    frame[9] = (unsigned char)(code >> 16);
    frame[10] = (unsigned char)(code >> 8);
    frame[11] = (unsigned char)code;
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (m.clients[i].fd >= 0) {
            struct client *c = &m.clients[i];
            if (c->out_used > 0)
                write_all(c->fd, c->out, c->out_used);
            write_all(c->fd, frame, sizeof frame);
            shutdown(c->fd, SHUT_WR);
            client_close(c);
        }
    char path[4096];
    attach_path(path, sizeof path);
    unlink(path);
    if (m.log_fd >= 0)
        fsync(m.log_fd);
    _exit(0);
}

static void loop(void)
{
    for (;;) {
        struct pollfd fds[8 + MAX_CLIENTS];
        int n = 0, i_sig, i_relay = -1, i_console = -1, i_listen, i_out = -1, i_err = -1, i_stdin = -1;
        int i_client[MAX_CLIENTS];
        fds[i_sig = n++] = (struct pollfd){m.sig_fd, POLLIN, 0};
        if (m.relay_fd >= 0)
            fds[i_relay = n++] = (struct pollfd){m.relay_fd, POLLIN, 0};
        if (m.console_fd >= 0)
            fds[i_console = n++] = (struct pollfd){m.console_fd, POLLIN, 0};
        fds[i_listen = n++] = (struct pollfd){m.listen_fd, POLLIN, 0};
        int reading = (!m.wait_attach || m.attached_once) && !clients_pending();
        if (reading && m.out.fd >= 0)
            fds[i_out = n++] = (struct pollfd){m.out.fd, POLLIN, 0};
        if (reading && m.err.fd >= 0)
            fds[i_err = n++] = (struct pollfd){m.err.fd, POLLIN, 0};
        if (m.stdin_fd >= 0 && m.stdin_used > 0 && m.stdin_fd != m.master)
            fds[i_stdin = n++] = (struct pollfd){m.stdin_fd, POLLOUT, 0};
        for (int i = 0; i < MAX_CLIENTS; i++) {
            i_client[i] = -1;
            struct client *c = &m.clients[i];
            if (c->fd < 0)
                continue;
            short ev = (short)((m.stdin_used == 0 ? POLLIN : 0) | (c->out_used > 0 ? POLLOUT : 0));
            fds[i_client[i] = n++] = (struct pollfd){c->fd, ev, 0};
        }
        int timeout = -1;
        if (m.main_done)
            timeout = 100;
        else if (m.stdin_used > 0 && m.stdin_fd == m.master)
            timeout = 20; /* a terminal's input waits without POLLOUT (the master is also the output) */
        int r = poll(fds, (nfds_t)n, timeout);
        if (r < 0 && errno != EINTR)
            _exit(1);
        if (r > 0) {
            if (fds[i_sig].revents)
                on_signal();
            if (i_relay >= 0 && fds[i_relay].revents)
                relay_read();
            if (i_console >= 0 && fds[i_console].revents)
                receive_master();
            if (fds[i_listen].revents)
                accept_client();
            if (i_out >= 0 && fds[i_out].revents && m.out.fd >= 0)
                stream_read(&m.out);
            if (i_err >= 0 && fds[i_err].revents && m.err.fd >= 0)
                stream_read(&m.err);
            if (i_stdin >= 0 && fds[i_stdin].revents)
                stdin_flush();
            for (int i = 0; i < MAX_CLIENTS; i++) {
                struct client *c = &m.clients[i];
                if (i_client[i] < 0 || c->fd < 0 || !fds[i_client[i]].revents)
                    continue;
                if (fds[i_client[i]].revents & (POLLOUT | POLLERR) && client_flush(c) < 0) {
                    client_close(c);
                    continue;
                }
                if (fds[i_client[i]].revents & (POLLIN | POLLHUP))
                    client_read(c);
            }
        }
        if (m.stdin_used > 0 && m.stdin_fd == m.master)
            stdin_flush();
        if (m.main_done && (!m.wait_attach || m.attached_once || m.setup_failed ||
                            now_ns(CLOCK_MONOTONIC) - m.main_done_at > ATTACH_GRACE_NS))
            finish();
    }
}

/* ---- start ---- */

static int parse_int(const char *s, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < 0)
        return -1;
    *out = v;
    return 0;
}

static __attribute__((noreturn)) void usage(const char *why)
{
    fprintf(stderr, "karakuri-monitor: %s\n", why);
    _exit(2);
}

static int cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

/* Closes every fd above 2 but the kept ones. */
static void close_others(int *keep, int count)
{
    qsort(keep, (size_t)count, sizeof *keep, cmp_int);
    unsigned int low = 3;
    for (int i = 0; i < count; i++) {
        if (keep[i] < 3)
            continue;
        if ((unsigned int)keep[i] > low)
            syscall(SYS_close_range, low, (unsigned int)keep[i] - 1, 0);
        if ((unsigned int)keep[i] + 1 > low)
            low = (unsigned int)keep[i] + 1;
    }
    syscall(SYS_close_range, low, ~0U, 0);
}

static void *read_plan(int fd, long *length)
{
    struct stat st;
    if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size > FTB_PLAN_MAX_LENGTH)
        return NULL;
    void *plan;
    if (posix_memalign(&plan, 16, (size_t)st.st_size))
        return NULL;
    for (off_t done = 0; done < st.st_size;) {
        ssize_t n = pread(fd, (char *)plan + done, (size_t)(st.st_size - done), done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            free(plan);
            return NULL;
        }
        done += n;
    }
    *length = st.st_size;
    return plan;
}

static int open_listener(void)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    char path[4096];
    attach_path(path, sizeof path);
    if (strlen(path) >= sizeof sa.sun_path)
        return -ENAMETOOLONG;
    strcpy(sa.sun_path, path);
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -errno;
    mode_t old = umask(077);
    int r = bind(fd, (struct sockaddr *)&sa, sizeof sa);
    umask(old);
    if (r < 0 || chmod(path, 0600) < 0 || listen(fd, 16) < 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    return fd;
}

static void report(int result)
{
    int32_t rec[2] = {(int32_t)getpid(), (int32_t)result};
    write_all(m.sync_fd, rec, sizeof rec);
    close(m.sync_fd);
    m.sync_fd = -1;
}

int main(int argc, char **argv)
{
    long long v;
    m.sync_fd = m.plan_fd = m.console_fd = -1;
    m.log_max = 10LL << 20;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--stdin")) {
            m.want_stdin = 1;
            continue;
        }
        if (!strcmp(a, "--wait-attach")) {
            m.wait_attach = 1;
            continue;
        }
        if (next == NULL)
            usage("an option without its value");
        i++;
        if (!strcmp(a, "--run-dir"))
            m.run_dir = next;
        else if (!strcmp(a, "--log"))
            m.log_path = next;
        else if (!strcmp(a, "--id"))
            m.id = next;
        else if (parse_int(next, &v) < 0 || (strcmp(a, "--log-max") && v > (1 << 20)))
            usage("a bad number");
        else if (!strcmp(a, "--plan-fd"))
            m.plan_fd = (int)v;
        else if (!strcmp(a, "--sync-fd"))
            m.sync_fd = (int)v;
        else if (!strcmp(a, "--console-fd"))
            m.console_fd = (int)v;
        else if (!strcmp(a, "--log-max"))
            m.log_max = v;
        else
            usage("an unknown option");
    }
    if (m.plan_fd < 3 || m.sync_fd < 3 || m.run_dir == NULL || m.run_dir[0] != '/' ||
        (m.log_path != NULL && m.log_path[0] != '/'))
        usage("--plan-fd, --sync-fd and an absolute --run-dir are required (and an absolute --log)");
    long plan_length = 0;
    void *plan = read_plan(m.plan_fd, &plan_length);
    if (plan == NULL || plan_validate(plan, plan_length) < 0) {
        report(-EBADMSG);
        _exit(3);
    }
    uint32_t kept_count;
    const int64_t *kept = plan_kept_fds(plan, &kept_count);
    int keep[kept_count + 3];
    int nkeep = 0;
    for (uint32_t i = 0; i < kept_count; i++)
        keep[nkeep++] = (int)kept[i];
    keep[nkeep++] = m.plan_fd;
    keep[nkeep++] = m.sync_fd;
    if (m.console_fd >= 0)
        keep[nkeep++] = m.console_fd;
    close_others(keep, nkeep);
    int null = open("/dev/null", O_RDWR);
    for (int fd = 0; fd < 3 && null >= 0; fd++)
        if (null != fd)
            dup2(null, fd);
    if (null > 2)
        close(null);
    for (int i = 0; i < nkeep; i++)
        fcntl(keep[i], F_SETFD, FD_CLOEXEC);

    pid_t first = fork();
    if (first < 0) {
        report(-errno);
        _exit(1);
    }
    if (first > 0)
        _exit(0); /* the spawner reaps this one at once */
    setsid();
    if (chdir("/") < 0)
        _exit(1);
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    signal(SIGPIPE, SIG_IGN);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGQUIT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    m.sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);

    char stale[4096]; /* a restart reuses the run dir: the last run's exit is not this one's */
    snprintf(stale, sizeof stale, "%s/exit", m.run_dir);
    unlink(stale);
    char pidtext[24];
    snprintf(pidtext, sizeof pidtext, "%d\n", (int)getpid());
    write_atomically("monitor.pid", pidtext);
    m.listen_fd = open_listener();
    if (m.sig_fd < 0 || m.listen_fd < 0) {
        report(m.listen_fd < 0 ? m.listen_fd : -errno);
        _exit(1);
    }
    m.log_fd = -1;
    if (m.log_path != NULL)
        log_open();
    for (int i = 0; i < MAX_CLIENTS; i++)
        m.clients[i].fd = -1;
    m.master = -1;
    m.terminal = m.console_fd >= 0;
    m.out = (struct stream){-1, F_STDOUT, "stdout", 0, {0}};
    m.err.fd = -1;
    m.err.type = F_STDERR;
    m.err.name = "stderr";
    m.stdin_fd = -1;

    /* the process's stdio: pipes, or /dev/null when its terminal takes their place */
    int child_stdio[3], in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (!m.terminal) {
        if ((m.want_stdin && pipe2(in_pipe, O_CLOEXEC) < 0) || pipe2(out_pipe, O_CLOEXEC) < 0 ||
            pipe2(err_pipe, O_CLOEXEC) < 0) {
            report(-errno);
            _exit(1);
        }
        child_stdio[0] = m.want_stdin ? in_pipe[0] : devnull;
        child_stdio[1] = out_pipe[1];
        child_stdio[2] = err_pipe[1];
        m.out.fd = out_pipe[0];
        m.err.fd = err_pipe[0];
        m.stdin_fd = in_pipe[1];
        if (m.stdin_fd >= 0)
            fcntl(m.stdin_fd, F_SETFL, O_NONBLOCK);
    } else {
        child_stdio[0] = child_stdio[1] = child_stdio[2] = devnull;
    }

    /* the status relay: the child writes into the monitor's pipe at the plan's status fd number */
    int status_fd = ((const struct ftb_plan_header *)plan)->status_fd;
    int relay[2];
    m.status_out = fcntl(status_fd, F_DUPFD_CLOEXEC, 3);
    if (m.status_out < 0 || pipe2(relay, O_CLOEXEC | O_NONBLOCK) < 0 || dup3(relay[1], status_fd, O_CLOEXEC) < 0) {
        report(-errno);
        _exit(1);
    }
    fcntl(status_fd, F_SETFL, 0); /* the child's end blocks, as the original did */
    close(relay[1]);
    m.relay_fd = relay[0];

    long pid = ftb_clone_plan(plan, plan_length, child_stdio);
    /* the child's ends: the monitor keeping them would hide their end of file from hitoha and itself */
    for (uint32_t i = 0; i < kept_count; i++)
        close((int)kept[i]);
    close(m.plan_fd);
    free(plan);
    int child_ends[] = {in_pipe[0], out_pipe[1], err_pipe[1], devnull};
    for (size_t i = 0; i < sizeof child_ends / sizeof child_ends[0]; i++)
        if (child_ends[i] >= 0)
            close(child_ends[i]);
    report((int)pid);
    if (pid < 0) {
        char path[4096];
        attach_path(path, sizeof path);
        unlink(path);
        _exit(1);
    }
    m.clone_pid = m.main_pid = (int)pid;
    loop();
}
