/* What the plan's operations share inside futaba-init, the container's first process. */
#ifndef FUTABA_CHILD_H
#define FUTABA_CHILD_H

#include "plan.h"

struct child {
    const struct ftb_plan_header *plan;
    int status_fd;
    int rootfd;         /* O_PATH fd of the root file system, from FTB_OP_ROOTFS */
    const char *rootfs; /* its host path */
    const unsigned char *next, *end; /* the ops after the one running (FTB_OP_EXEC: its hooks) */
    uint32_t next_index;
};

/* Each returns 0, or -errno. */
int op_rootfs(struct child *c, const struct op_view *v);
int op_mount(struct child *c, const struct op_view *v);
int op_mknod(struct child *c, const struct op_view *v);
int op_symlink(struct child *c, const struct op_view *v);
int op_mkdir(struct child *c, const struct op_view *v);
int op_pivot_root(struct child *c);
int op_chroot(const struct op_view *v);
int op_mask(const struct op_view *v);
int op_readonly(const struct op_view *v);
int op_root_readonly(void);

int op_hostname(const struct op_view *v, int domain);
int op_rlimit(const struct op_view *v);
int op_cap_bounding(const struct op_view *v);
int op_user(const struct op_view *v);
int op_caps(const struct op_view *v);
int op_no_new_privs(void);
int op_chdir(const struct op_view *v);
int op_write(const struct op_view *v);
int op_terminal(const struct op_view *v);
/* Loads count classic BPF instructions (struct sock_filter, one per int64) as a seccomp filter. */
int load_seccomp(long flags, const int64_t *insns, long count);
/* Returns only on failure. */
int op_exec(struct child *c, const struct op_view *v);
int op_hook(struct child *c, uint32_t index, const struct op_view *v);

void report(struct child *c, int kind, int op, int err, int pid);

#endif
