/* The plan as libfutaba and futaba-init read it. */
#ifndef FUTABA_PLAN_READ_H
#define FUTABA_PLAN_READ_H

#include "futaba_plan.h"
#include <stddef.h>
#include <stdint.h>

#define FTB_PLAN_ALIGN 8u

/* One operation of the plan, as the child reads it. */
struct op_view {
    uint32_t type;
    uint32_t int_count;
    uint32_t str_count;
    const int64_t *ints; /* 8-byte aligned by the plan's layout */
    const char *strs;    /* str_count NUL-terminated strings, one after the other */
};

/* Reads the op at p (before end): 0, or -1 if it is malformed. */
int plan_read_op(const unsigned char *p, const unsigned char *end, struct op_view *v, uint32_t *length);

/* 0 for a plan this build understands: magic, version, length, every op's type and shape. */
int plan_validate(const void *plan, long length);

/* The fds the plan's first op (FTB_OP_CLOSE_FDS) keeps, or NULL with *count 0. */
const int64_t *plan_kept_fds(const void *plan, uint32_t *count);

static inline const char *next_str(const char *s)
{
    while (*s)
        s++;
    return s + 1;
}

#endif
