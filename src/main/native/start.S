/* futaba-init's entry point: no C library, so no crt0; argc and argv come from the initial stack. */
#if defined(__x86_64__)
    .text
    .globl _start
_start:
    xor %rbp, %rbp
    mov (%rsp), %rdi
    lea 8(%rsp), %rsi
    and $-16, %rsp
    call init_main
    mov %eax, %edi
    mov $231, %eax /* exit_group */
    syscall
    hlt
#elif defined(__aarch64__)
    .text
    .globl _start
_start:
    mov x29, #0
    mov x30, #0
    ldr x0, [sp]
    add x1, sp, #8
    bl init_main
    mov x8, #94 /* exit_group */
    svc #0
#else
#error "futaba-init: no entry point for this architecture"
#endif
    .section .note.GNU-stack,"",%progbits
