/*
 * EL2 exception vectors. Exceptions taken from EL2 itself are always fatal in septum: the entry
 * moves to the CPU's exception stack first (the faulting stack may be the problem, e.g. an
 * overflow into its guard page), saves a full frame and calls exception_fatal() for a register
 * dump. Entries from lower ELs are guest traps: trap_lower() handles them and the guest resumes.
 */
#include <arch/gic_regs.h>
#include <arch/irq_fast.h>
#include <arch/pcpu.h>
#include <arch/regs.h>
#include <arch/sysreg.h>

/* Save x0-x30, then the interrupted sp (in x1) and the exception syndrome registers at sp. */
.macro save_frame
    stp     x2, x3, [sp, #REGS_OFF_X(2)]
    stp     x4, x5, [sp, #REGS_OFF_X(4)]
    stp     x6, x7, [sp, #REGS_OFF_X(6)]
    stp     x8, x9, [sp, #REGS_OFF_X(8)]
    stp     x10, x11, [sp, #REGS_OFF_X(10)]
    stp     x12, x13, [sp, #REGS_OFF_X(12)]
    stp     x14, x15, [sp, #REGS_OFF_X(14)]
    stp     x16, x17, [sp, #REGS_OFF_X(16)]
    stp     x18, x19, [sp, #REGS_OFF_X(18)]
    stp     x20, x21, [sp, #REGS_OFF_X(20)]
    stp     x22, x23, [sp, #REGS_OFF_X(22)]
    stp     x24, x25, [sp, #REGS_OFF_X(24)]
    stp     x26, x27, [sp, #REGS_OFF_X(26)]
    stp     x28, x29, [sp, #REGS_OFF_X(28)]
    str     x30, [sp, #REGS_OFF_X(30)]
    mrs     x2, elr_el2
    mrs     x3, spsr_el2
    stp     x2, x3, [sp, #REGS_OFF_ELR]
    mrs     x2, esr_el2
    mrs     x3, far_el2
    stp     x2, x3, [sp, #REGS_OFF_ESR]
    mrs     x2, hpfar_el2
    str     x2, [sp, #REGS_OFF_HPFAR]
.endm

/* The lean paths: x0-x3 are already in the frame; C preserves x19-x29 itself. */
.macro save_caller_saved
    stp     x4, x5, [sp, #REGS_OFF_X(4)]
    stp     x6, x7, [sp, #REGS_OFF_X(6)]
    stp     x8, x9, [sp, #REGS_OFF_X(8)]
    stp     x10, x11, [sp, #REGS_OFF_X(10)]
    stp     x12, x13, [sp, #REGS_OFF_X(12)]
    stp     x14, x15, [sp, #REGS_OFF_X(14)]
    stp     x16, x17, [sp, #REGS_OFF_X(16)]
    str     x18, [sp, #REGS_OFF_X(18)]
    str     x30, [sp, #REGS_OFF_X(30)]
.endm

.macro restore_caller_saved_eret
    ldp     x0, x1, [sp, #REGS_OFF_X(0)]
    ldp     x2, x3, [sp, #REGS_OFF_X(2)]
    ldp     x4, x5, [sp, #REGS_OFF_X(4)]
    ldp     x6, x7, [sp, #REGS_OFF_X(6)]
    ldp     x8, x9, [sp, #REGS_OFF_X(8)]
    ldp     x10, x11, [sp, #REGS_OFF_X(10)]
    ldp     x12, x13, [sp, #REGS_OFF_X(12)]
    ldp     x14, x15, [sp, #REGS_OFF_X(14)]
    ldp     x16, x17, [sp, #REGS_OFF_X(16)]
    ldr     x18, [sp, #REGS_OFF_X(18)]
    ldr     x30, [sp, #REGS_OFF_X(30)]
    add     sp, sp, #REGS_SIZE
    eret
.endm

/* An exception from EL2: switch to the exception stack, keeping x0, x1 and sp in the frame.
 * SP_EL0 and TPIDR_EL0 are scratch here: nothing resumes after a fatal EL2 exception. */
.macro el2_fatal vec
    .balign 0x80
    msr     sp_el0, x0
    mov     x0, sp
    msr     tpidr_el0, x0
    mrs     x0, tpidr_el2
    ldr     x0, [x0, #PCPU_OFF_EXC_SP]
    mov     sp, x0
    sub     sp, sp, #REGS_SIZE
    str     x1, [sp, #REGS_OFF_X(1)]
    mrs     x0, sp_el0
    str     x0, [sp, #REGS_OFF_X(0)]
    mrs     x1, tpidr_el0
    mov     x0, #(\vec)
    b       fatal_common
.endm

/* An exception from a lower EL (a guest): SP_EL2 is this CPU's hypervisor stack, empty while
 * the guest runs, so the frame always lands at the same place: the top of that stack. */
.macro lower_entry vec
    .balign 0x80
    sub     sp, sp, #REGS_SIZE
    stp     x0, x1, [sp, #REGS_OFF_X(0)]
    mov     x0, #(\vec)
    b       lower_common
.endm

/* A synchronous exception from a 64-bit guest: data aborts the hardware described and HVC, the
 * hypercall, take lean paths that save only what C may clobber (x0-x18, x30); everything else
 * takes the full path. */
.macro lower64_sync_entry vec
    .balign 0x80
    sub     sp, sp, #REGS_SIZE
    stp     x0, x1, [sp, #REGS_OFF_X(0)]
    stp     x2, x3, [sp, #REGS_OFF_X(2)]
    mrs     x1, esr_el2
    lsr     x2, x1, #ESR_EC_SHIFT
    cmp     x2, #EC_DABT_LOW            /* device accesses first: they are the most frequent */
    b.eq    dabt_maybe_fast
    cmp     x2, #EC_HVC64
    b.eq    hvc_fast
lower64_sync_slow:
    ldp     x2, x3, [sp, #REGS_OFF_X(2)]
    mov     x0, #(\vec)
    b       lower_common
.endm

/* A physical interrupt while a guest runs (from either execution state): the lean path,
 * lower_irq. */
.macro lower_irq_entry
    .balign 0x80
    sub     sp, sp, #REGS_SIZE
    stp     x0, x1, [sp, #REGS_OFF_X(0)]
    stp     x2, x3, [sp, #REGS_OFF_X(2)]
    b       lower_irq
.endm

    .section .text.vectors, "ax"
    .balign 0x800
    .global el2_vectors
el2_vectors:
    el2_fatal   (VEC_CUR_SP0 | VEC_SYNC)
    el2_fatal   (VEC_CUR_SP0 | VEC_IRQ)
    el2_fatal   (VEC_CUR_SP0 | VEC_FIQ)
    el2_fatal   (VEC_CUR_SP0 | VEC_SERROR)
    el2_fatal   (VEC_CUR_SPX | VEC_SYNC)
    el2_fatal   (VEC_CUR_SPX | VEC_IRQ)
    el2_fatal   (VEC_CUR_SPX | VEC_FIQ)
    el2_fatal   (VEC_CUR_SPX | VEC_SERROR)
    lower64_sync_entry (VEC_LOWER_64 | VEC_SYNC)
    lower_irq_entry
    lower_entry (VEC_LOWER_64 | VEC_FIQ)
    lower_entry (VEC_LOWER_64 | VEC_SERROR)
    lower_entry (VEC_LOWER_32 | VEC_SYNC)
    lower_irq_entry
    lower_entry (VEC_LOWER_32 | VEC_FIQ)
    lower_entry (VEC_LOWER_32 | VEC_SERROR)

/* Guest trap: save the vCPU's registers, let C handle it, return to the guest. */
lower_common:
    save_frame
    mrs     x1, sp_el1
    str     x1, [sp, #REGS_OFF_SP]
    mov     x1, x0
    mov     x0, sp
    mov     x29, xzr
    bl      trap_lower
    b       vcpu_return

/*
 * The hypercall path. First the calls whose answer is a constant (the null call, PSCI_VERSION,
 * SMCCC_VERSION): core lists them, with their answers, in hvc_const_calls (core/hvc.c), an
 * array of {u32 function ID, s32 result} ended by a zero ID. For HVC #0 whose w0 is one of them,
 * x0 gets the result here and the guest resumes, having cost only what the entry saved (x0-x3:
 * x1-x3 come back unchanged, as the general path leaves them; ELR and SPSR were never touched).
 * Nothing about the vCPU is read or written, so this is safe from any vCPU in any state; an
 * HVC from EL0 never traps here (it is undefined at EL1).
 *
 * Everything else goes to trap_hvc. x29 and x19-x28 are callee-saved, so C leaves the guest's
 * values in them; ELR_EL2 and SPSR_EL2 stay as the exception left them, because nothing in a
 * hypercall takes an exception at EL2 (a fatal one never returns) and the only hypercall that
 * moves the guest's PC, a continued Xen grant batch, writes ELR_EL2 itself (back to the HVC, as
 * Xen does). The frame therefore holds x0-x18, x30 and ESR only: hypercalls read arguments from
 * x0-x17 and write results to x0-x3. A hypercall that ends the vCPU (CPU_OFF, SYSTEM_OFF/RESET)
 * never returns.
 */
hvc_fast:                               /* x0 = the guest's x0, x1 = ESR, x2-x3 free */
    tst     x1, #0xffff                 /* ESR_HVC_IMM_MASK: the immediate, 0 for SMCCC */
    b.ne    hvc_call
    adrp    x2, hvc_const_calls
    add     x2, x2, :lo12:hvc_const_calls
1:  ldr     w3, [x2], #8
    cbz     w3, hvc_call                /* not a constant call */
    cmp     w3, w0
    b.ne    1b
    ldursw  x0, [x2, #-4]
    ldr     x1, [sp, #REGS_OFF_X(1)]
    ldp     x2, x3, [sp, #REGS_OFF_X(2)]
    add     sp, sp, #REGS_SIZE
    eret
hvc_call:
    save_caller_saved
    str     x1, [sp, #REGS_OFF_ESR]
    mov     x0, sp
    bl      trap_hvc
    restore_caller_saved_eret

/*
 * A data abort the hardware described (ISV) whose register is one C may clobber (x0-x18, x30)
 * or xzr takes a lean path too: the frame holds x0-x18 and x30, ESR comes in x1 (C stores it
 * into the frame when it needs to). trap_dabt returns 0 when
 * it emulated the access (the PC steps over it here); otherwise it has put ELR and SPSR into
 * the frame, may have changed them (an injected abort, a retry), and they are restored from
 * there. Everything else (ISV = 0, x19-x28) takes the full path, where C may need any register.
 */
dabt_maybe_fast:
    tbz     x1, #ESR_ISS_ISV_BIT, dabt_full
    ubfx    x3, x1, #ESR_ISS_SRT_SHIFT, #5
    cmp     x3, #19
    b.lo    dabt_fast
    cmp     x3, #30
    b.hs    dabt_fast
dabt_full:
    ldp     x2, x3, [sp, #REGS_OFF_X(2)]
    mov     x0, #(VEC_LOWER_64 | VEC_SYNC)
    b       lower_common
dabt_fast:
    save_caller_saved
    mov     x0, sp
    bl      trap_dabt                   /* x1 = ESR */
    cbnz    w0, 1f
    /* emulated: step over the access */
    mrs     x2, elr_el2
    add     x2, x2, #4
    msr     elr_el2, x2
    restore_caller_saved_eret
1:  /* C took ELR/SPSR into the frame and may have changed them */
    ldp     x2, x3, [sp, #REGS_OFF_ELR]
    msr     elr_el2, x2
    msr     spsr_el2, x3
    restore_caller_saved_eret

/*
 * The interrupt path (arch/irq_fast.h). The interrupt is acknowledged here; when this CPU's
 * table has an entry for it and the list register the entry names is empty, the entry's value,
 * with the priority byte the guest last wrote, goes into that list register, the interrupt's
 * priority is dropped (EOImode 1: it stays active until its deactivation) and the guest
 * resumes: x0-x3 are all this path touches (x0-x5 on a GICv2), ELR and SPSR stay in the CPU.
 * Interrupts stay masked at EL2 throughout, so a kick or a stop that arrives meanwhile is taken
 * as soon as the guest runs again, and the controller's own slow paths never run beside this
 * one on this CPU. The table's entries are published and revoked by the controller under its
 * lock; a revocation from another CPU that races with this path is as if it had come a moment
 * later, which is the hardware's behaviour too.
 *
 * Two halves, one per GIC: a vGICv3 attaches its table as irq_fast (system registers: ICC_IAR1,
 * ICH_ELRSR, ICH_LR<n>, ICC_EOIR1; the guest's deactivation, through the hardware bit, ends the
 * physical interrupt), a vGICv2 as irq_fast_v2 (GICC_IAR, GICH_ELRSR0, GICH_LR<n> and GICC_EOIR
 * by MMIO, at the addresses beside it; the list register carries the EOI bit, and septum ends
 * the physical interrupt on the maintenance interrupt the guest's EOI raises). Without a table
 * nothing is acknowledged here. Everything else (another interrupt, spurious, the list register
 * busy) goes to trap_irq with the INTID acknowledged (spurious: none), with x0-x18 and x30
 * saved: nothing in interrupt handling reads or writes the guest's other registers, ELR or
 * SPSR, and an interrupt that ends the vCPU (a stop) never returns.
 */
lower_irq:
    mrs     x0, tpidr_el2
    ldr     x1, [x0, #PCPU_OFF_IRQ_FAST]
    cbz     x1, irq_v2                  /* no GICv3 table: a GICv2 one, or none */
    mrs     x0, icc_iar1_el1
    cmp     x0, #IRQ_FAST_NUM
    b.hs    irq_call                    /* spurious, or beyond the table */
    add     x1, x1, x0, lsl #IRQ_FAST_ENT_SHIFT
    ldp     x2, x3, [x1]
    cbz     x2, irq_call                /* no entry */
    ldrb    w3, [x3]                    /* the priority, as the guest last wrote it */
    bfi     x2, x3, #IRQ_FAST_PRIO_SHIFT, #8
    ubfx    x3, x2, #IRQ_FAST_LR_SHIFT, #4
    mrs     x1, ich_elrsr_el2
    lsr     x1, x1, x3
    tbz     x1, #0, irq_call            /* the list register is in use */
    and     x2, x2, #~(0xf << IRQ_FAST_LR_SHIFT)
    msr     icc_eoir1_el1, x0           /* priority drop */
    adr     x1, 1f
    add     x1, x1, x3, lsl #4          /* 16 bytes per list register below */
    br      x1
    .balign 16
1:
    .irp    n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    msr     ich_lr\n\()_el2, x2
    ldp     x0, x1, [sp, #REGS_OFF_X(0)]
    ldp     x2, x3, [sp, #REGS_OFF_X(2)]
    b       irq_return
    .endr
irq_return:
    add     sp, sp, #REGS_SIZE
    eret
irq_call_none:
    mov     x0, #1023                   /* the spurious INTID: nothing acknowledged */
irq_call:                               /* x0 = the acknowledged INTID */
    and     w1, w0, #0xffffff
    ldp     x2, x3, [sp, #REGS_OFF_X(2)]
    save_caller_saved
    mov     x0, sp
    bl      trap_irq
    restore_caller_saved_eret

/* The GICv2 half: x0 = this CPU's arch_pcpu_t. The entry's list-register value is GICH_LR's
 * word (its register's number above it, beyond the 32 bits stored); the guest's priority byte
 * goes in as its top five bits. lr_num is at most 16, so GICH_ELRSR0 covers every register the
 * vGIC uses. */
irq_v2:
    ldp     x1, x2, [x0, #PCPU_OFF_IRQ_V2] /* the table, GICC */
    cbz     x1, irq_call_none
    ldr     x3, [x0, #PCPU_OFF_GICH]
    stp     x4, x5, [sp, #REGS_OFF_X(4)]
    ldr     w0, [x2, #GICC_IAR]         /* an SGI's source CPU is in bits 12:10 */
    cmp     w0, #IRQ_FAST_NUM
    b.hs    irq_call_v2                 /* spurious, an SGI from another CPU, or beyond */
    add     x1, x1, x0, lsl #IRQ_FAST_ENT_SHIFT
    ldp     x4, x5, [x1]
    cbz     x4, irq_call_v2             /* no entry */
    ldrb    w5, [x5]                    /* the priority, as the guest last wrote it */
    lsr     w5, w5, #3
    bfi     x4, x5, #GICH_LR_PRIO_SHIFT, #5
    ubfx    x5, x4, #IRQ_FAST_LR_SHIFT, #4
    ldr     w1, [x3, #GICH_ELRSR0]
    lsr     w1, w1, w5
    tbz     w1, #0, irq_call_v2         /* the list register is in use */
    add     x3, x3, x5, lsl #2
    str     w4, [x3, #GICH_LR0]
    str     w0, [x2, #GICC_EOIR]        /* priority drop */
    ldp     x4, x5, [sp, #REGS_OFF_X(4)]
    ldp     x0, x1, [sp, #REGS_OFF_X(0)]
    ldp     x2, x3, [sp, #REGS_OFF_X(2)]
    add     sp, sp, #REGS_SIZE
    eret
irq_call_v2:                            /* w0 = GICC_IAR as read */
    ldp     x4, x5, [sp, #REGS_OFF_X(4)]
    save_caller_saved
    bl      gicv2_acked                 /* an SGI's source kept; w0 = the INTID */
    mov     w1, w0
    mov     x0, sp
    bl      trap_irq
    restore_caller_saved_eret

/* Restore the frame at sp and return to the guest; C may have changed x0-x30, ELR and SPSR. */
vcpu_return:
    ldp     x2, x3, [sp, #REGS_OFF_ELR]
    msr     elr_el2, x2
    msr     spsr_el2, x3
    ldp     x0, x1, [sp, #REGS_OFF_X(0)]
    ldp     x2, x3, [sp, #REGS_OFF_X(2)]
    ldp     x4, x5, [sp, #REGS_OFF_X(4)]
    ldp     x6, x7, [sp, #REGS_OFF_X(6)]
    ldp     x8, x9, [sp, #REGS_OFF_X(8)]
    ldp     x10, x11, [sp, #REGS_OFF_X(10)]
    ldp     x12, x13, [sp, #REGS_OFF_X(12)]
    ldp     x14, x15, [sp, #REGS_OFF_X(14)]
    ldp     x16, x17, [sp, #REGS_OFF_X(16)]
    ldp     x18, x19, [sp, #REGS_OFF_X(18)]
    ldp     x20, x21, [sp, #REGS_OFF_X(20)]
    ldp     x22, x23, [sp, #REGS_OFF_X(22)]
    ldp     x24, x25, [sp, #REGS_OFF_X(24)]
    ldp     x26, x27, [sp, #REGS_OFF_X(26)]
    ldp     x28, x29, [sp, #REGS_OFF_X(28)]
    ldr     x30, [sp, #REGS_OFF_X(30)]
    add     sp, sp, #REGS_SIZE
    eret

/* arch_vcpu_enter(regs = x0, stack_top = x1): copy the frame to the top of this CPU's stack and
 * return to the guest from it. */
    .global arch_vcpu_enter
arch_vcpu_enter:
    sub     x2, x1, #REGS_SIZE
    mov     x3, #(REGS_SIZE / 16)
    cmp     x0, x2
    b.hs    2f
    /* the source lies below the frame (a deeper stack frame) and may overlap it: copy from the
     * end backwards, as memmove would */
    add     x0, x0, #REGS_SIZE
    add     x4, x2, #REGS_SIZE
1:  ldp     x5, x6, [x0, #-16]!
    stp     x5, x6, [x4, #-16]!
    subs    x3, x3, #1
    b.ne    1b
    b       3f
2:  mov     x4, x2
4:  ldp     x5, x6, [x0], #16
    stp     x5, x6, [x4], #16
    subs    x3, x3, #1
    b.ne    4b
3:  mov     sp, x2
    b       vcpu_return

/* x0 = vector number, x1 = interrupted sp, frame at sp with x0/x1 already stored. */
fatal_common:
    save_frame
    str     x1, [sp, #REGS_OFF_SP]
    mov     x1, x0
    mov     x0, sp
    mov     x29, xzr                /* end the frame-pointer chain for debuggers */
    bl      exception_fatal
1:  wfi
    b       1b

/* arch_stack_reset_call(stack_top = x0, fn = x1, arg = x2): abandon the current stack (a guest's
 * trap frame, a finished boot) and call fn(arg) on a fresh one; fn must not return. */
    .global arch_stack_reset_call
arch_stack_reset_call:
    mov     sp, x0
    mov     x0, x2
    mov     x29, xzr
    blr     x1
2:  wfi
    b       2b
