/*
 * Bulk copies between frames septum has mapped (GNTTABOP_copy) through the vector registers:
 * one load or store moves 64 bytes where a pair of general registers moves 16, so a 4 KiB copy
 * is about 170 instructions instead of about 650 (rounds of 512 bytes, then of 64).
 *
 * The vector registers hold the running guest's values: septum's own C never uses them
 * (-mgeneral-regs-only, tools/check-image.sh) and nothing saves them on a trap. So this routine
 * sets aside the four it uses on its stack and puts them back, bit for bit, before it returns;
 * FPCR and FPSR are not touched by loads and stores. It uses them only where that is the whole
 * of the guest's vector state and EL2 may use them at all: no SVE and no SME (writing a V
 * register would clear the upper bits of the guest's Z register, which cannot be put back from
 * a V register) and CPTR_EL2.TFP clear. Anything else, a copy shorter than 64 bytes, the bytes
 * past a copy's last multiple of 64, and a destination that starts inside the source (where a
 * forward copy would overwrite bytes it has not read) go to memmove, which uses general
 * registers only.
 */
    .section .text.arch_copy, "ax"
    .global arch_copy
    .type   arch_copy, %function
/* void arch_copy(void *dst, const void *src, size_t len); dst and src may overlap */
arch_copy:
    cmp     x2, #64
    b.lo    2f
    sub     x3, x0, x1
    cmp     x3, x2
    b.lo    2f                      /* src <= dst < src + len */
    mrs     x3, cptr_el2
    tbnz    x3, #10, 2f             /* CPTR_EL2.TFP: vector instructions would trap */
    mrs     x3, id_aa64pfr0_el1
    mrs     x4, id_aa64pfr1_el1
    ubfx    x3, x3, #32, #4         /* ID_AA64PFR0_EL1.SVE */
    ubfx    x4, x4, #24, #4         /* ID_AA64PFR1_EL1.SME */
    orr     x3, x3, x4
    cbnz    x3, 2f
    stp     q0, q1, [sp, #-64]!     /* the guest's */
    stp     q2, q3, [sp, #32]
    ands    x4, x2, #~511           /* whole rounds of 512 bytes */
    b.eq    3f
1:  .rept   8
    ld1     {v0.16b-v3.16b}, [x1], #64
    st1     {v0.16b-v3.16b}, [x0], #64
    .endr
    subs    x4, x4, #512
    b.ne    1b
3:  ands    x4, x2, #0x1c0          /* then 64 bytes a round */
    b.eq    5f
4:  ld1     {v0.16b-v3.16b}, [x1], #64
    st1     {v0.16b-v3.16b}, [x0], #64
    subs    x4, x4, #64
    b.ne    4b
5:  ldp     q2, q3, [sp, #32]
    ldp     q0, q1, [sp], #64
    ands    x2, x2, #63             /* the rest, for memmove */
    b.ne    2f
    ret
2:  b       memmove
    .size   arch_copy, . - arch_copy
