/*
 * The container's terminal: a pseudo-terminal from the container's own devpts, its master handed to
 * whoever listens on the console socket (runc's protocol: one message, SCM_RIGHTS with the master fd,
 * the slave's path as the payload), its slave the process's controlling terminal and stdio.
 */
#define _GNU_SOURCE
#include "child.h"
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>

static int send_master(int sock, int master, const char *name)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    mem_zero(&control, sizeof control);
    struct iovec iov = {(void *)name, str_len(name)};
    struct msghdr msg = {0};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    __builtin_memcpy(CMSG_DATA(cmsg), &master, sizeof(int));
    long r;
    do
        r = sys3(SYS_sendmsg, sock, &msg, 0);
    while (r == -EINTR);
    return r < 0 ? (int)r : 0;
}

int op_terminal(const struct op_view *v)
{
    long sock = v->ints[0], rows = v->ints[1], cols = v->ints[2], uid = v->ints[3], gid = v->ints[4];
    int master = (int)sys4(SYS_openat, -100, "/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC, 0);
    if (master < 0)
        return master;
    int unlock = 0, number = -1;
    long r = sys3(SYS_ioctl, master, TIOCSPTLCK, &unlock);
    if (r == 0)
        r = sys3(SYS_ioctl, master, TIOCGPTN, &number);
    int slave = r < 0 ? (int)r : (int)sys3(SYS_ioctl, master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
    if (slave < 0) {
        sys1(SYS_close, master);
        return slave;
    }
    if (rows > 0 && cols > 0) {
        struct winsize ws = {(unsigned short)rows, (unsigned short)cols, 0, 0};
        sys3(SYS_ioctl, slave, TIOCSWINSZ, &ws);
    }
    char name[32] = "/dev/pts/", num[12];
    str_from_int(num, number);
    str_append(name, sizeof name, num);
    r = sys3(SYS_fchown, slave, uid, gid);
    if (r == 0)
        r = send_master((int)sock, master, name);
    sys1(SYS_close, master);
    sys1(SYS_close, sock);
    if (r == 0)
        r = sys0(SYS_setsid);
    if (r >= 0)
        r = sys3(SYS_ioctl, slave, TIOCSCTTY, 0);
    for (int fd = 0; r >= 0 && fd < 3; fd++)
        r = sys3(SYS_dup3, slave, fd, 0);
    if (slave > 2)
        sys1(SYS_close, slave);
    return r < 0 ? (int)r : 0;
}
