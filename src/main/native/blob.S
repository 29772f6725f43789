/* futaba-init's bytes inside libfutaba.so: spawn copies them into a sealed memfd and execs that. */
    .section .rodata
    .balign 16
    .globl futaba_init_blob
    .hidden futaba_init_blob
futaba_init_blob:
    .incbin FUTABA_INIT
    .globl futaba_init_blob_end
    .hidden futaba_init_blob_end
futaba_init_blob_end:
    .section .note.GNU-stack,"",%progbits
