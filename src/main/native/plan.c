/*
 * Reading and validating a setup plan (futaba_plan.h): shared by libfutaba, which validates a plan before
 * anything is cloned, and futaba-init, which reads it again from its sealed copy.
 */
#include "plan.h"

#include <string.h>

/* The shape of each operation: how many ints and strings it takes (-1: any number). */
static const struct {
    int min_ints, max_ints, min_strs, max_strs;
} shapes[FTB_OP_MAX + 1] = {
    [FTB_OP_CLOSE_FDS] = {0, -1, 0, 0},
    [FTB_OP_WAIT_GO] = {1, 2, 0, 0},
    [FTB_OP_SETNS] = {2, 2, 0, 0},
    [FTB_OP_UNSHARE] = {1, 1, 0, 0},
    [FTB_OP_FORK] = {0, 0, 0, 0},
    [FTB_OP_PROPAGATE] = {1, 1, 1, 1},
    [FTB_OP_ROOTFS] = {0, 0, 1, 1},
    [FTB_OP_MOUNT] = {4, 4, 4, 4},
    [FTB_OP_MKNOD] = {4, 4, 1, 1},
    [FTB_OP_SYMLINK] = {0, 0, 2, 2},
    [FTB_OP_MKDIR] = {0, 0, 1, 1},
    [FTB_OP_PIVOT_ROOT] = {0, 0, 0, 0},
    [FTB_OP_CHROOT] = {0, 0, 1, 1},
    [FTB_OP_MASK] = {0, 0, 1, 1},
    [FTB_OP_READONLY] = {0, 0, 1, 1},
    [FTB_OP_ROOT_READONLY] = {0, 0, 0, 0},
    [FTB_OP_HOSTNAME] = {0, 0, 1, 1},
    [FTB_OP_DOMAINNAME] = {0, 0, 1, 1},
    [FTB_OP_RLIMIT] = {3, 3, 0, 0},
    [FTB_OP_CAP_BOUNDING] = {2, 2, 0, 0},
    [FTB_OP_USER] = {3, 65536 + 3, 0, 0},
    [FTB_OP_CAPS] = {5, 5, 0, 0},
    [FTB_OP_NO_NEW_PRIVS] = {0, 0, 0, 0},
    [FTB_OP_CHDIR] = {0, 0, 1, 1},
    [FTB_OP_EXEC] = {3, 3 + 1 + 4096, 1, -1},
    [FTB_OP_WRITE] = {0, 0, 2, 2},
    [FTB_OP_TERMINAL] = {5, 5, 0, 0},
    [FTB_OP_SYNC] = {1, 2, 0, 0},
    [FTB_OP_SECCOMP] = {2, 1 + 4096, 0, 0},
    [FTB_OP_UMASK] = {1, 1, 0, 0},
    [FTB_OP_HOOK] = {4, 4, 2, -1},
};

int plan_read_op(const unsigned char *p, const unsigned char *end, struct op_view *v, uint32_t *length)
{
    struct ftb_op_header h;
    if ((size_t)(end - p) < sizeof h)
        return -1;
    memcpy(&h, p, sizeof h);
    if (h.length < sizeof h || h.length % FTB_PLAN_ALIGN || h.length > (size_t)(end - p))
        return -1;
    if (h.type == 0 || h.type > FTB_OP_MAX)
        return -1;
    if ((size_t)h.int_count > (h.length - sizeof h) / 8)
        return -1;
    const unsigned char *strs = p + sizeof h + (size_t)h.int_count * 8;
    const unsigned char *op_end = p + h.length;
    const unsigned char *s = strs;
    for (uint32_t i = 0; i < h.str_count; i++) {
        while (s < op_end && *s)
            s++;
        if (s >= op_end)
            return -1;
        s++;
    }
    v->type = h.type;
    v->int_count = h.int_count;
    v->str_count = h.str_count;
    v->ints = (const int64_t *)(p + sizeof h);
    v->strs = (const char *)strs;
    *length = h.length;
    return 0;
}

static int shape_ok(const struct op_view *v)
{
    int ni = (int)v->int_count, ns = (int)v->str_count;
    if (ni < shapes[v->type].min_ints || (shapes[v->type].max_ints >= 0 && ni > shapes[v->type].max_ints))
        return 0;
    if (ns < shapes[v->type].min_strs || (shapes[v->type].max_strs >= 0 && ns > shapes[v->type].max_strs))
        return 0;
    if (v->type == FTB_OP_EXEC) /* argc arguments, then envc environment entries; a filter of 1+ insns */
        return v->ints[1] >= 1 && v->ints[2] >= 0 && (int64_t)ns == v->ints[1] + v->ints[2] && ni != 4;
    if (v->type == FTB_OP_HOOK) /* path, argc arguments, envc environment entries, the state */
        return v->ints[1] >= 1 && v->ints[2] >= 0 && (int64_t)ns == 2 + v->ints[1] + v->ints[2];
    return 1;
}

int plan_validate(const void *plan, long length)
{
    struct ftb_plan_header h;
    if (plan == NULL || length < (long)sizeof h || length > (long)FTB_PLAN_MAX_LENGTH)
        return -1;
    memcpy(&h, plan, sizeof h);
    if (h.magic != FTB_PLAN_MAGIC || h.version != FTB_PLAN_VERSION || h.length != (uint32_t)length ||
        h.reserved != 0 || ((uintptr_t)plan % FTB_PLAN_ALIGN))
        return -1;
    const unsigned char *p = (const unsigned char *)plan + sizeof h, *end = (const unsigned char *)plan + length;
    int after_exec = 0;
    for (uint32_t i = 0; i < h.op_count; i++) {
        struct op_view v;
        uint32_t op_length;
        if (plan_read_op(p, end, &v, &op_length) < 0 || !shape_ok(&v))
            return -1;
        if (after_exec && v.type != FTB_OP_HOOK) /* after FTB_OP_EXEC, only its startContainer hooks */
            return -1;
        after_exec |= v.type == FTB_OP_EXEC;
        if (v.type == FTB_OP_CLOSE_FDS && i != 0)
            return -1;
        p += op_length;
    }
    return p == end ? 0 : -1;
}

const int64_t *plan_kept_fds(const void *plan, uint32_t *count)
{
    const struct ftb_plan_header *h = plan;
    const unsigned char *p = (const unsigned char *)plan + sizeof *h, *end = (const unsigned char *)plan + h->length;
    struct op_view v;
    uint32_t length;
    if (h->op_count > 0 && plan_read_op(p, end, &v, &length) == 0 && v.type == FTB_OP_CLOSE_FDS) {
        *count = v.int_count;
        return v.ints;
    }
    *count = 0;
    return NULL;
}
