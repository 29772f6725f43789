/*
 * The clone of a container's first process from a setup plan, shared by libfutaba (spawn.c, called from
 * the JVM) and karakuri-monitor (monitor.c): validation, the sealed memfds of futaba-init and the plan,
 * clone() with the plan's namespace flags, CLONE_VM and CLONE_VFORK, and in the child raw system calls
 * only until the execveat() of futaba-init.
 */
#ifndef FUTABA_CLONE_H
#define FUTABA_CLONE_H

/*
 * Clones the plan's first process (the plan is copied: it may be freed on return). stdio, when not NULL,
 * holds three fds the child dup2()s onto 0, 1 and 2 before it execs futaba-init. Returns the child's pid,
 * or -errno (-EBADMSG: a plan this build does not understand).
 */
long ftb_clone_plan(const void *plan, long plan_length, const int *stdio);

/* In a child about to exec: every signal handler back to SIG_DFL, and an empty signal mask (raw calls). */
void ftb_reset_signals(void);

#endif
