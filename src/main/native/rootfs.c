/*
 * The container's root file system: mounts, device nodes, links, pivot_root, masked and read-only paths.
 *
 * Container paths are resolved with openat2(RESOLVE_IN_ROOT) against the root file system, so no `..`
 * and no symbolic link (absolute or relative, planted by an image or by an earlier mount) can lead a
 * mount or a new file outside it. Missing directories are created on the way, following dangling
 * links inside the root as the kernel would.
 */
#define _GNU_SOURCE
#include "child.h"
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

enum create_kind { CREATE_NONE, CREATE_DIR, CREATE_FILE };

#define MAX_LINKS 40

static int open_in_root(int rootfd, const char *path, long flags)
{
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC),
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    return (int)sys4(SYS_openat2, rootfd, path, &how, sizeof how);
}

/* Length of the first n components of path (leading slashes skipped), or -1 if it has fewer. */
static long prefix_length(const char *path, int n)
{
    const char *p = path;
    for (int i = 0; i < n; i++) {
        while (*p == '/')
            p++;
        if (!*p)
            return -1;
        while (*p && *p != '/')
            p++;
    }
    return p - path;
}

/*
 * Opens path (O_PATH) inside the root, creating what is missing: directories, and the last component
 * as a directory or an empty file. Returns the fd or -errno.
 */
static int resolve(int rootfd, const char *path, enum create_kind create)
{
    char buf[PATH_MAX], next[PATH_MAX];
    if (str_len(path) >= sizeof buf)
        return -ENAMETOOLONG;
    buf[0] = 0;
    str_append(buf, sizeof buf, path);

    for (int links = 0; links <= MAX_LINKS;) {
        int fd = open_in_root(rootfd, buf, O_PATH);
        if (fd != -ENOENT || create == CREATE_NONE)
            return fd;

        /* Walk down to the first missing component and create it (or follow it, if it is a link). */
        int restarted = 0;
        for (int n = 1; !restarted; n++) {
            long len = prefix_length(buf, n);
            if (len < 0)
                break; /* everything exists now: open again */
            long plen = prefix_length(buf, n - 1);
            char saved = buf[len];
            buf[len] = 0;
            int probe = open_in_root(rootfd, buf, O_PATH);
            buf[len] = saved;
            if (probe >= 0) {
                sys1(SYS_close, probe);
                continue;
            }
            if (probe != -ENOENT)
                return probe;

            /* The parent exists (component n-1 opened); the component n does not resolve. */
            saved = buf[plen];
            buf[plen] = 0;
            int parent = plen == 0 ? open_in_root(rootfd, "/", O_PATH | O_DIRECTORY)
                                   : open_in_root(rootfd, buf, O_PATH | O_DIRECTORY);
            buf[plen] = saved;
            if (parent < 0)
                return parent;
            char name[NAME_MAX + 1];
            const char *s = buf + plen;
            while (*s == '/')
                s++;
            size_t nl = 0;
            while (s[nl] && s[nl] != '/') {
                if (nl >= NAME_MAX) {
                    sys1(SYS_close, parent);
                    return -ENAMETOOLONG;
                }
                name[nl] = s[nl];
                nl++;
            }
            name[nl] = 0;
            const char *rest = s + nl;

            char target[PATH_MAX];
            long tl = sys4(SYS_readlinkat, parent, name, target, sizeof target - 1);
            if (tl >= 0) { /* a dangling link: splice its target in and resolve again */
                target[tl] = 0;
                next[0] = 0;
                if (target[0] != '/') {
                    buf[plen] = 0;
                    if (str_append(next, sizeof next, buf) < 0 || str_append(next, sizeof next, "/") < 0) {
                        sys1(SYS_close, parent);
                        return -ENAMETOOLONG;
                    }
                }
                if (str_append(next, sizeof next, target) < 0 || str_append(next, sizeof next, rest) < 0) {
                    sys1(SYS_close, parent);
                    return -ENAMETOOLONG;
                }
                buf[0] = 0;
                str_append(buf, sizeof buf, next);
                links++;
                restarted = 1;
            } else {
                int last = prefix_length(buf, n + 1) < 0;
                long r;
                if (last && create == CREATE_FILE) {
                    r = sys4(SYS_openat, parent, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
                    if (r >= 0)
                        sys1(SYS_close, r);
                } else {
                    r = sys3(SYS_mkdirat, parent, name, 0755);
                }
                if (r < 0 && r != -EEXIST) {
                    sys1(SYS_close, parent);
                    return (int)r;
                }
            }
            sys1(SYS_close, parent);
        }
        if (!restarted)
            links++; /* guards against a tree that keeps changing under us */
    }
    return -ELOOP;
}

static void fd_path(char *buf, int fd)
{
    char num[12];
    buf[0] = 0;
    str_from_int(num, fd);
    str_append(buf, 32, "/proc/self/fd/");
    str_append(buf, 32, num);
}

/* Splits a container path into its parent (opened, created if missing) and its last name. */
static int resolve_parent(int rootfd, const char *path, const char **name)
{
    char parent[PATH_MAX];
    size_t len = str_len(path);
    if (len >= sizeof parent)
        return -ENAMETOOLONG;
    while (len > 1 && path[len - 1] == '/')
        len--;
    size_t slash = len;
    while (slash > 0 && path[slash - 1] != '/')
        slash--;
    *name = path + slash;
    if (slash == len || str_eq(*name, ".") || str_eq(*name, ".."))
        return -EINVAL;
    for (size_t i = 0; i < slash; i++)
        parent[i] = path[i];
    parent[slash] = 0;
    int fd = resolve(rootfd, slash ? parent : "/", CREATE_DIR);
    if (fd < 0)
        return fd;
    /* An O_PATH fd cannot be used with mknodat/symlinkat: reopen it as a directory. */
    char proc[32];
    fd_path(proc, fd);
    int dir = (int)sys3(SYS_openat, -100 /* AT_FDCWD */, proc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    sys1(SYS_close, fd);
    return dir;
}

int op_rootfs(struct child *c, const struct op_view *v)
{
    const char *rootfs = v->strs;
    long r = sys5(SYS_mount, rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL);
    if (r < 0)
        return (int)r;
    int fd = (int)sys3(SYS_openat, -100, rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return fd;
    c->rootfd = fd;
    c->rootfs = rootfs;
    return 0;
}

struct dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static int copy_entry(int from, int to, const char *name, const struct statx *st, int depth);

/*
 * Copies the tree under directory from into directory to (tmpcopyup): directories, files, symbolic
 * links, device nodes and fifos, with their modes and owners, as runc's copy-up does.
 */
static int copy_tree(int from, int to, int depth)
{
    char buf[2048];
    if (depth > 128)
        return -ELOOP;
    for (;;) {
        long n = sys3(SYS_getdents64, from, buf, sizeof buf);
        if (n <= 0)
            return (int)n;
        for (long off = 0; off < n;) {
            const struct dirent64 *d = (const void *)(buf + off);
            off += d->d_reclen;
            const char *name = d->d_name;
            if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])))
                continue;
            struct statx st;
            long r = sys5(SYS_statx, from, name, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &st);
            if (r == 0)
                r = copy_entry(from, to, name, &st, depth);
            if (r < 0)
                return (int)r;
        }
    }
}

static int copy_file(int from, int to, const char *name)
{
    long in = sys4(SYS_openat, from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
    if (in < 0)
        return (int)in;
    long out = sys4(SYS_openat, to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    long r = out;
    while (r >= 0 && (r = sys4(SYS_sendfile, out, in, 0, 1L << 30)) > 0)
        ;
    sys1(SYS_close, in);
    if (out >= 0)
        sys1(SYS_close, out);
    return (int)r;
}

static int copy_entry(int from, int to, const char *name, const struct statx *st, int depth)
{
    long r;
    unsigned mode = st->stx_mode;
    switch (mode & S_IFMT) {
    case S_IFDIR: {
        r = sys3(SYS_mkdirat, to, name, 0700);
        if (r < 0)
            return (int)r;
        long sub_from = sys4(SYS_openat, from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
        long sub_to = sys4(SYS_openat, to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
        r = sub_from < 0 ? sub_from : sub_to < 0 ? sub_to : copy_tree((int)sub_from, (int)sub_to, depth + 1);
        if (sub_from >= 0)
            sys1(SYS_close, sub_from);
        if (sub_to >= 0)
            sys1(SYS_close, sub_to);
        break;
    }
    case S_IFREG:
        r = copy_file(from, to, name);
        break;
    case S_IFLNK: {
        char target[PATH_MAX];
        r = sys4(SYS_readlinkat, from, name, target, sizeof target - 1);
        if (r >= 0) {
            target[r] = 0;
            r = sys3(SYS_symlinkat, target, to, name);
        }
        break;
    }
    default: /* device nodes, fifos, sockets */
        r = sys4(SYS_mknodat, to, name, mode,
                 ((st->stx_rdev_major & 0xfffULL) << 8) | (st->stx_rdev_minor & 0xffULL)
                     | ((st->stx_rdev_minor & ~0xffULL) << 12) | ((uint64_t)(st->stx_rdev_major & ~0xfffU) << 32));
    }
    if (r >= 0)
        r = sys5(SYS_fchownat, to, name, st->stx_uid, st->stx_gid, AT_SYMLINK_NOFOLLOW);
    if (r >= 0 && (mode & S_IFMT) != S_IFLNK)
        r = sys4(SYS_fchmodat, to, name, mode & 07777, 0);
    return r < 0 ? (int)r : 0;
}

int op_mount(struct child *c, const struct op_view *v)
{
    long flags = v->ints[0], propagation = v->ints[1], remount = v->ints[2], kind = v->ints[3];
    const char *source = v->strs, *dest = next_str(source), *fstype = next_str(dest), *data = next_str(fstype);
    char target[32];

    int fd = resolve(c->rootfd, dest, kind == 1 ? CREATE_FILE : CREATE_DIR);
    if (fd < 0)
        return fd;
    fd_path(target, fd);
    long r, below = -1;
    if (kind == 2) { /* what is there now, to copy into the new mount */
        below = sys4(SYS_openat, fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
        if (below < 0) {
            sys1(SYS_close, fd);
            return (int)below;
        }
    }
    if (flags & MS_BIND)
        r = sys5(SYS_mount, source, target, NULL, MS_BIND | (flags & MS_REC), NULL);
    else /* a read-only copy-up mount is made read-only after the copy */
        r = sys5(SYS_mount, *source ? source : fstype, target, fstype, below >= 0 ? flags & ~MS_RDONLY : flags,
                 *data ? data : NULL);
    sys1(SYS_close, fd);
    if (r == 0 && below >= 0) {
        long above = open_in_root(c->rootfd, dest, O_RDONLY | O_DIRECTORY);
        r = above < 0 ? above : copy_tree((int)below, (int)above, 0);
        if (r == 0 && (flags & MS_RDONLY)) {
            fd_path(target, (int)above);
            r = sys5(SYS_mount, NULL, target, NULL, MS_REMOUNT | flags, *data ? data : NULL);
        }
        if (above >= 0)
            sys1(SYS_close, above);
    }
    if (below >= 0)
        sys1(SYS_close, below);
    if (r < 0)
        return (int)r;

    /* Later changes apply to the new mount: open the destination again to get it, not what is under it. */
    if (((flags & MS_BIND) && remount) || propagation) {
        fd = resolve(c->rootfd, dest, CREATE_NONE);
        if (fd < 0)
            return fd;
        fd_path(target, fd);
        if ((flags & MS_BIND) && remount)
            r = sys5(SYS_mount, NULL, target, NULL, MS_BIND | MS_REMOUNT | remount, NULL);
        if (r == 0 && propagation)
            r = sys5(SYS_mount, NULL, target, NULL, propagation, NULL);
        sys1(SYS_close, fd);
    }
    return (int)r;
}

int op_mknod(struct child *c, const struct op_view *v)
{
    const char *name;
    int dir = resolve_parent(c->rootfd, v->strs, &name);
    if (dir < 0)
        return dir;
    long r = sys4(SYS_mknodat, dir, name, v->ints[0], v->ints[1]);
    if (r == 0) /* the mode, not the mode less the umask */
        r = sys4(SYS_fchmodat, dir, name, v->ints[0] & 07777, 0);
    if (r == 0)
        r = sys5(SYS_fchownat, dir, name, v->ints[2], v->ints[3], AT_SYMLINK_NOFOLLOW);
    else if (r == -EEXIST)
        r = 0;
    sys1(SYS_close, dir);
    return (int)r;
}

int op_symlink(struct child *c, const struct op_view *v)
{
    const char *name, *target = v->strs;
    int dir = resolve_parent(c->rootfd, next_str(target), &name);
    if (dir < 0)
        return dir;
    long r = sys3(SYS_symlinkat, target, dir, name);
    sys1(SYS_close, dir);
    return r == -EEXIST ? 0 : (int)r;
}

int op_mkdir(struct child *c, const struct op_view *v)
{
    int fd = resolve(c->rootfd, v->strs, CREATE_DIR);
    if (fd < 0)
        return fd;
    sys1(SYS_close, fd);
    return 0;
}

int op_pivot_root(struct child *c)
{
    int oldroot = (int)sys3(SYS_openat, -100, "/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (oldroot < 0)
        return oldroot;
    int newroot = (int)sys3(SYS_openat, -100, c->rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (newroot < 0) {
        sys1(SYS_close, oldroot);
        return newroot;
    }
    /* pivot_root(".", "."): the old root ends up stacked on the new one, then is detached. */
    long r = sys1(SYS_fchdir, newroot);
    if (r == 0)
        r = sys2(SYS_pivot_root, ".", ".");
    if (r == 0)
        r = sys1(SYS_fchdir, oldroot);
    if (r == 0) /* no unmount event may propagate back to the host */
        r = sys5(SYS_mount, NULL, ".", NULL, MS_SLAVE | MS_REC, NULL);
    if (r == 0)
        r = sys2(SYS_umount2, ".", MNT_DETACH);
    if (r == 0)
        r = sys1(SYS_chdir, "/");
    sys1(SYS_close, oldroot);
    sys1(SYS_close, newroot);
    sys1(SYS_close, c->rootfd);
    c->rootfd = -1;
    return (int)r;
}

int op_chroot(const struct op_view *v)
{
    long r = sys1(SYS_chdir, v->strs);
    if (r == 0)
        r = sys1(SYS_chroot, ".");
    if (r == 0)
        r = sys1(SYS_chdir, "/");
    return (int)r;
}

int op_mask(const struct op_view *v)
{
    struct stat st;
    long r = sys4(SYS_newfstatat, -100, v->strs, &st, 0);
    if (r == -ENOENT)
        return 0;
    if (r < 0)
        return (int)r;
    if (S_ISDIR(st.st_mode))
        return (int)sys5(SYS_mount, "tmpfs", v->strs, "tmpfs", MS_RDONLY, NULL);
    return (int)sys5(SYS_mount, "/dev/null", v->strs, NULL, MS_BIND, NULL);
}

/* The flags a read-only remount must keep: the kernel refuses to drop locked ones. */
static long kept_flags(const char *path, long *flags)
{
    struct statfs sf;
    long r = sys2(SYS_statfs, path, &sf);
    if (r < 0)
        return r;
    *flags = sf.f_flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME);
    return 0;
}

int op_readonly(const struct op_view *v)
{
    long r = sys5(SYS_mount, v->strs, v->strs, NULL, MS_BIND | MS_REC, NULL);
    if (r == -ENOENT)
        return 0;
    long flags = 0;
    if (r == 0)
        r = kept_flags(v->strs, &flags);
    if (r == 0)
        r = sys5(SYS_mount, NULL, v->strs, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC | flags, NULL);
    return (int)r;
}

int op_root_readonly(void)
{
    long flags = 0;
    long r = kept_flags("/", &flags);
    if (r == 0)
        r = sys5(SYS_mount, NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | flags, NULL);
    return (int)r;
}
