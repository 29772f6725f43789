/* What the plan's operations share inside the container's first process. */
#ifndef FUTABA_CHILD_H
#define FUTABA_CHILD_H

#include "futaba_plan.h"
#include <stddef.h>
#include <stdint.h>

/* One operation of the plan, as the child reads it. */
struct op_view {
    uint32_t type;
    uint32_t int_count;
    uint32_t str_count;
    const int64_t *ints; /* 8-byte aligned by the plan's layout */
    const char *strs;    /* str_count NUL-terminated strings, one after the other */
};

/* The child's context; it lives at the low end of the stack region that Java allocated. */
struct child {
    const struct ftb_plan_header *plan;
    int status_fd;
    int rootfd;            /* O_PATH fd of the root file system, from FTB_OP_ROOTFS */
    const char *rootfs;    /* its host path */
    char *fork_stack_top;  /* the stack FTB_OP_FORK gives the grandchild */
    uint32_t resume_op;    /* where the grandchild goes on */
};

static inline const char *next_str(const char *s)
{
    while (*s)
        s++;
    return s + 1;
}

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
/* Returns only on failure. */
int op_exec(struct child *c, const struct op_view *v);

void report(struct child *c, int kind, int op, int err, int pid);

#endif
