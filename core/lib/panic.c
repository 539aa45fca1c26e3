/*
 * Panic and the unexpected-exception report. The report must come out even when the stack
 * overflowed or the console lock is held by the faulting CPU, so it prints without the lock,
 * from the exception stack, and names a stack overflow when the fault hit a guard page.
 */
#include <arch/esr.h>
#include <arch/firmware.h>
#include <arch/pcpu.h>
#include <arch/regs.h>
#include <arch/sysreg.h>
#include <boot/layout.h>
#include <lib/console.h>
#include <lib/panic.h>
#include <stdarg.h>
#include <stdio.h>

extern char __image_start[];

static bool panic_halt;
static int panicking;

void panic_set_halt(bool halt) { panic_halt = halt; }

void septum_stop(void)
{
    if (panic_halt) {
        console_puts_unlocked("septum: halted (septum.panic=halt); attach a debugger\n");
        for (;;)
            wfi();
    }
    console_puts_unlocked("septum: stopped; powering off\n");
    fw_system_off();
}

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
    char line[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    console_puts_unlocked(line);
}

/* A second CPU panicking at the same time only parks: one report is readable, two are not. */
static void panic_enter(void)
{
    __asm__ volatile("msr daifset, #0xf" ::: "memory");
    if (__atomic_exchange_n(&panicking, 1, __ATOMIC_ACQ_REL))
        for (;;)
            wfi();
}

void panic(const char *fmt, ...)
{
    char msg[200];
    va_list ap;

    panic_enter();
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    out("\nseptum: PANIC on cpu %lu: %s\n", (unsigned long)arch_pcpu()->index, msg);
    septum_stop();
}

/* Which CPU's guard page holds addr, or -1. */
static long guard_owner(uint64_t addr)
{
    uint64_t base = (uint64_t)boot_stacks;
    if (addr < base || addr >= base + sizeof(boot_stacks))
        return -1;
    uint64_t off = (addr - base) % STACK_STRIDE;
    if (off < STACK_OFF_STACK || (off >= STACK_OFF_GUARD1 && off < STACK_OFF_EXC))
        return (long)((addr - base) / STACK_STRIDE);
    return -1;
}

void exception_fatal(arch_regs_t *regs, uint64_t vector)
{
    static const char *const kind[] = {"synchronous", "IRQ", "FIQ", "SError"};
    static const char *const from[] = {"EL2 with SP_EL0", "EL2", "a lower EL (AArch64)",
                                       "a lower EL (AArch32)"};
    char fsc[64];
    uint64_t esr = regs->esr;

    panic_enter();
    out("\nseptum: unexpected %s exception from %s on cpu %lu\n", kind[vector & 3],
        from[(vector >> 2) & 3], (unsigned long)arch_pcpu()->index);
    if ((vector & 3) == VEC_SYNC) {
        out("  ESR  0x%08lx  %s", (unsigned long)esr, esr_class_name(esr));
        if (esr_is_abort(esr)) {
            out(", %s", esr_fsc_name(esr & ESR_ISS_FSC_MASK, fsc, sizeof(fsc)));
            if (ESR_EC(esr) == EC_DABT_CUR || ESR_EC(esr) == EC_DABT_LOW)
                out(", %s", (esr & ESR_ISS_WNR) ? "write" : "read");
        }
        out("\n  FAR  0x%016lx%s\n", (unsigned long)regs->far,
            (esr_is_abort(esr) && (esr & ESR_ISS_FNV)) ? " (not valid)" : "");
    } else {
        out("  ESR  0x%08lx\n", (unsigned long)esr);
    }
    uint64_t base = (uint64_t)__image_start;
    out("  ELR  0x%016lx (septum.elf + 0x%lx)  SPSR 0x%08lx\n", (unsigned long)regs->elr,
        (unsigned long)(regs->elr - base), (unsigned long)regs->spsr);
    for (unsigned i = 0; i < 31; i += 2) {
        if (i == 30)
            out("  x30  0x%016lx  sp   0x%016lx\n", (unsigned long)regs->x[30],
                (unsigned long)regs->sp);
        else
            out("  x%-2u  0x%016lx  x%-2u  0x%016lx\n", i, (unsigned long)regs->x[i], i + 1,
                (unsigned long)regs->x[i + 1]);
    }
    long cpu = ((vector & 3) == VEC_SYNC && esr_is_abort(esr)) ? guard_owner(regs->far) : -1;
    if (cpu >= 0)
        out("septum: stack overflow: the fault hit a guard page of cpu %ld's stacks\n", cpu);
    septum_stop();
}
