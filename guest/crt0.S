/*
 * Start-up for bare-metal guests of septum: entered at EL1h with the MMU off and x0 = the
 * device tree. Sets up the stack, FP/SIMD access, bss and an exception vector table whose
 * entries call guest_exception(), then runs main(dtb) and powers the VM off.
 */
#define PSCI_SYSTEM_OFF 0x84000008
#define FRAME_SIZE      (34 * 8)

    .section .text.start, "ax"
    .global _start
_start:
    mov     x19, x0
    ldr     x1, =__stack_top
    mov     sp, x1
    mov     x1, #(3 << 20)          /* CPACR_EL1.FPEN: no FP/SIMD traps */
    msr     cpacr_el1, x1
    ldr     x1, =guest_vectors
    msr     vbar_el1, x1
    isb
    /* initial data: copied to RAM when the image runs in place from ROM */
    ldr     x1, =__data_load
    ldr     x2, =__data_start
    ldr     x3, =__data_end
    cmp     x1, x2
    b.eq    5f
4:  cmp     x2, x3
    b.hs    5f
    ldr     x4, [x1], #8
    str     x4, [x2], #8
    b       4b
5:  ldr     x1, =__bss_start
    ldr     x2, =__bss_end
1:  cmp     x1, x2
    b.hs    2f
    str     xzr, [x1], #8
    b       1b
2:  mov     x0, x19
    bl      guest_main_entry
    ldr     w0, =PSCI_SYSTEM_OFF
    hvc     #0
3:  wfi
    b       3b

/* Secondary vCPUs (PSCI CPU_ON with entry = guest_secondary_start): x0 = the top of a stack
 * the caller provides. Runs guest_secondary(), then turns the vCPU off. */
#define PSCI_CPU_OFF 0x84000002
    .global guest_secondary_start
guest_secondary_start:
    mov     sp, x0
    mov     x1, #(3 << 20)
    msr     cpacr_el1, x1
    ldr     x1, =guest_vectors
    msr     vbar_el1, x1
    isb
    bl      guest_secondary
    ldr     w0, =PSCI_CPU_OFF
    hvc     #0
6:  wfi
    b       6b

/* Every vector: save x0-x30, call guest_exception(frame, kind), restore (ELR may have been
 * changed to skip the faulting instruction), return. */
.macro vec kind
    .balign 0x80
    sub     sp, sp, #FRAME_SIZE
    stp     x0, x1, [sp]
    mov     x0, #\kind
    b       vec_common
.endm

    .text
vec_common:
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    mrs     x1, elr_el1
    stp     x30, x1, [sp, #240]
    mov     x1, x0
    mov     x0, sp
    bl      guest_exception
    ldr     x1, [sp, #248]
    msr     elr_el1, x1
    ldp     x0, x1, [sp]
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x19, [sp, #144]
    ldp     x20, x21, [sp, #160]
    ldp     x22, x23, [sp, #176]
    ldp     x24, x25, [sp, #192]
    ldp     x26, x27, [sp, #208]
    ldp     x28, x29, [sp, #224]
    ldr     x30, [sp, #240]
    add     sp, sp, #FRAME_SIZE
    eret

    .balign 0x800
    .global guest_vectors
guest_vectors:
    vec 0
    vec 1
    vec 2
    vec 3
    vec 4
    vec 5
    vec 6
    vec 7
    vec 8
    vec 9
    vec 10
    vec 11
    vec 12
    vec 13
    vec 14
    vec 15
