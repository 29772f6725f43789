/*
 * Raw system calls and string helpers for the code of the container's first process.
 *
 * Until it execs futaba-init, that process is a clone(CLONE_VM) of a JVM thread: it shares the JVM's
 * memory and still carries the JVM thread's TLS pointer, so glibc's wrappers (which write errno into
 * that TLS and may take locks shared with the JVM) are out. futaba-init itself has no C library at
 * all. Both use only what is here: raw syscall instructions that return -errno, and helpers that touch
 * nothing but their arguments.
 */
#ifndef FUTABA_SYS_H
#define FUTABA_SYS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>

#if defined(__x86_64__)
static inline long raw_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
    long ret;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}
#elif defined(__aarch64__)
static inline long raw_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    register long x5 __asm__("x5") = f;
    __asm__ volatile("svc 0"
                     : "+r"(x0)
                     : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                     : "memory");
    return x0;
}
#else
#error "libfutaba: raw system calls are written for x86_64 and aarch64 only"
#endif

#define sys0(n) raw_syscall6((n), 0, 0, 0, 0, 0, 0)
#define sys1(n, a) raw_syscall6((n), (long)(a), 0, 0, 0, 0, 0)
#define sys2(n, a, b) raw_syscall6((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define sys3(n, a, b, c) raw_syscall6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define sys4(n, a, b, c, d) raw_syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define sys5(n, a, b, c, d, e) raw_syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)
#define sys6(n, a, b, c, d, e, f) raw_syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

static inline size_t str_len(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static inline int str_eq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static inline int str_starts(const char *s, const char *prefix)
{
    while (*prefix)
        if (*s++ != *prefix++)
            return 0;
    return 1;
}

/* Appends src to dst (capacity cap, always NUL-terminated); returns 0, or -1 when it does not fit. */
static inline int str_append(char *dst, size_t cap, const char *src)
{
    size_t n = str_len(dst);
    while (*src) {
        if (n + 1 >= cap)
            return -1;
        dst[n++] = *src++;
    }
    dst[n] = 0;
    return 0;
}

/* Writes the decimal form of v into buf (at least 12 bytes). */
static inline void str_from_int(char *buf, int v)
{
    char tmp[12];
    int i = 0, j = 0;
    unsigned int u = v < 0 ? -(unsigned int)v : (unsigned int)v;
    do {
        tmp[i++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        buf[j++] = '-';
    while (i)
        buf[j++] = tmp[--i];
    buf[j] = 0;
}

static inline void mem_zero(void *p, size_t n)
{
    volatile unsigned char *c = p;
    while (n--)
        *c++ = 0;
}

#endif
