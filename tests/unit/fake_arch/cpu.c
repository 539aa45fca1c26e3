/*
 * The fake arch's CPUs (see fake_arch.h): the machine state, switching the CPU a test runs on,
 * the per-CPU word, system registers, barriers and hints, and the PMU's instruction counter.
 */
#include <arch/copy.h>
#include <arch/insn.h>
#include <arch/pcpu.h>
#include <arch/pmu.h>
#include <fake_arch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

fake_arch_t fake_arch;

void fake_arch_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fake arch: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

void fake_arch_reset(void)
{
    memset(&fake_arch, 0, sizeof(fake_arch));
    fake_arch.ready = true;
    fake_arch.pa_bits = 40;
    for (unsigned n = 0; n < FAKE_CPU_NUM; n++) {
        fake_cpu_t *c = &fake_arch.cpu[n];
        c->pcpu.index = n;
        c->lr_num = 4;
        c->sysreg.mpidr_el1 = n | (1UL << 31);
        c->sysreg.tpidr_el2 = (uint64_t)(uintptr_t)&c->pcpu;
    }
}

/* Tests that never reset still see a machine in its power-on state. */
static void ready(void)
{
    if (!fake_arch.ready)
        fake_arch_reset();
}

fake_cpu_t *fake_cpu_n(unsigned n)
{
    ready();
    if (n >= FAKE_CPU_NUM)
        fake_arch_fail("no CPU %u (the fake machine has %u)", n, FAKE_CPU_NUM);
    return &fake_arch.cpu[n];
}

fake_cpu_t *fake_cpu(void) { return fake_cpu_n(fake_arch.current); }

void fake_arch_switch(unsigned n)
{
    fake_cpu_n(n);
    fake_arch.current = n;
}

fake_sysregs_t *fake_sysregs(void) { return &fake_cpu()->sysreg; }
arch_pcpu_t *arch_pcpu(void) { return &fake_cpu()->pcpu; }
uint64_t arch_pmu_insns(void) { return fake_arch.pmu_insns; }

void isb(void) { fake_arch.isb++; }
void dsb_sy(void) { fake_arch.dsb++; }
void dsb_ish(void) { fake_arch.dsb++; }
void dsb_ishst(void) { fake_arch.dsb++; }
void wfe(void) { fake_arch.wfe++; }
void wfi(void) { fake_arch.wfi++; }
void sev(void) { fake_arch.sev++; }

void cpu_relax(void)
{
    if (++fake_arch.spins >= FAKE_SPIN_MAX)
        fake_arch_fail("still spinning after %lu waits: a lock taken twice on one thread?",
                       fake_arch.spins);
}

/* The machine copies through the vector registers (arch/aarch64/copy.S); here memmove. */
void arch_copy(void *dst, const void *src, size_t len) { memmove(dst, src, len); }
