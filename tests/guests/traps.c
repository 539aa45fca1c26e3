/*
 * Test guest for septum's trap paths (tests/system/security-traps.sh), one image for all of
 * them: bootargs test=NAME picks which.
 *   pmu     the PMU and the debug registers: what it can read and program
 *   flood   floods septum's log with refused accesses
 *   vector  makes itself an abort it cannot take (mode=1, 2 or 3)
 *   bbm     accesses in another vCPU's break-before-make windows (two vCPUs, test control)
 * Each test's own comment says what it checks.
 */
#include <septum/guest.h>
#include <string.h>

/* ---- pmu ---- */

/*
 * test=pmu: what it can do with the PMU and the debug registers. It reads event counter 0
 * (the one septum counts its own EL2 instructions with, boot/head.S) and the cycle counter
 * around a few hypercalls, then programs the PMU (stop and reset every counter, retarget
 * counter 0) and the debug unit (a breakpoint, a watchpoint, MDSCR_EL1, the OS lock) and reads
 * each register back. It prints what it saw, one line per question, for the test to check:
 * without septum,pmu in its description everything reads as zero and nothing it writes sticks;
 * with it, it sees septum's counter move. Either way it finishes and septum carries on.
 */
#define READ(reg)                                                                                  \
    ({                                                                                             \
        uint64_t v_;                                                                               \
        __asm__ volatile("isb; mrs %0, " #reg : "=r"(v_)::"memory");                               \
        v_;                                                                                        \
    })
#define WRITE(reg, v) __asm__ volatile("msr " #reg ", %0; isb" ::"r"((uint64_t)(v)) : "memory")

#define PMCR_E    1UL
#define PMCR_P    2UL /* reset the event counters */
#define PMCR_C    4UL /* reset the cycle counter */
#define MDSCR_KDE (1UL << 13)
#define MDSCR_MDE (1UL << 15)
#define DBGBCR_E  (1UL << 0)

static void null_calls(unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        septum_hvc(SEPTUM_HC_NULL, 0, 0, 0, 0, 0, 0, NULL);
}

static void target(void) { __asm__ volatile("nop"); }

static int pmu_main(void)
{
    /* septum's EL2 instruction counter and the cycle counter, across 10 hypercalls */
    uint64_t c0 = READ(pmevcntr0_el0), cyc0 = READ(pmccntr_el0);
    null_calls(10);
    uint64_t c1 = READ(pmevcntr0_el0), cyc1 = READ(pmccntr_el0);
    guest_printf("pmu: septum's counter %s (0x%lx then 0x%lx), cycle counter %s\n",
                 c1 != c0 ? "moves" : "reads still", (unsigned long)c0, (unsigned long)c1,
                 cyc1 != cyc0 ? "moves" : "reads still");
    uint64_t pmcr = READ(pmcr_el0);
    guest_printf("pmu: PMCR_EL0 0x%lx (%lu event counters)\n", (unsigned long)pmcr,
                 (unsigned long)((pmcr >> 11) & 0x1f));

    /* program it: counter 0 to count EL1 cycles instead, everything stopped and reset */
    unsigned kept = 0;
    uint64_t type0 = READ(pmevtyper0_el0);
    WRITE(pmevtyper0_el0, 0x11);
    kept += READ(pmevtyper0_el0) == 0x11;
    WRITE(pmuserenr_el0, 0xf);
    kept += READ(pmuserenr_el0) == 0xf;
    WRITE(pmintenset_el1, 1);
    kept += (READ(pmintenset_el1) & 1) != 0;
    WRITE(pmcntenclr_el0, ~0UL);
    WRITE(pmcr_el0, (pmcr & ~PMCR_E) | PMCR_P | PMCR_C);
    uint64_t after = READ(pmevcntr0_el0);
    guest_printf("pmu: %u of 3 settings kept; counter 0 after stop and reset 0x%lx\n", kept,
                 (unsigned long)after);
    /* where the settings stuck (it owns the PMU), put septum's counter back as it was */
    WRITE(pmintenclr_el1, ~0UL);
    WRITE(pmuserenr_el0, 0);
    WRITE(pmevtyper0_el0, type0);
    WRITE(pmcntenset_el0, 1UL);
    WRITE(pmcr_el0, pmcr);

    /* the debug unit: a breakpoint on target(), a watchpoint, monitor debug on, OS lock off */
    kept = 0;
    WRITE(dbgbvr0_el1, (uint64_t)(uintptr_t)target);
    kept += READ(dbgbvr0_el1) == (uint64_t)(uintptr_t)target;
    WRITE(dbgbcr0_el1, DBGBCR_E | (0xfUL << 5) | (3UL << 1));
    kept += (READ(dbgbcr0_el1) & DBGBCR_E) != 0;
    WRITE(dbgwvr0_el1, 0x40000000UL);
    kept += READ(dbgwvr0_el1) == 0x40000000UL;
    WRITE(mdscr_el1, MDSCR_KDE | MDSCR_MDE);
    kept += (READ(mdscr_el1) & MDSCR_MDE) != 0;
    WRITE(oslar_el1, 0);
    WRITE(osdlr_el1, 0);
    guest_printf("debug: %u of 4 settings kept; OSLSR_EL1 0x%lx, MDRAR_EL1 0x%lx\n", kept,
                 (unsigned long)READ(oslsr_el1), (unsigned long)READ(mdrar_el1));
    WRITE(mdscr_el1, 0);
    WRITE(dbgbcr0_el1, 0);
    guest_printf("done\n");
    return 0;
}

/* ---- flood ---- */

/*
 * test=flood: floods septum's log. It makes count accesses (bootargs count=N, default 100000)
 * that septum refuses, each of which septum reports: reads of a hole in its address space (the
 * isolation rule) and 64-bit reads its virtual PL011 refuses, alternately; each one
 * aborts in the guest and is skipped. Then it waits quiet_ms (default 1000) and makes one more,
 * so that septum reports what its rate limiter held back during the flood. septum must print a
 * bounded number of lines for all of it, and every other VM must keep running meanwhile.
 */
#define FLOOD_HOLE  0x30000000UL /* no region of this VM there */
#define PL011_REG   0x09000020UL /* a register of its virtual PL011, which has no 64-bit ones */
#define PROGRESS_AT 25000

static bool refused(uint64_t addr)
{
    uint64_t before = guest_exceptions;
    guest_expect_abort = true;
    (void)*(volatile uint64_t *)addr;
    guest_expect_abort = false;
    return guest_exceptions != before;
}

static int flood_main(void)
{
    uint64_t count = 100000, quiet_ms = 1000, aborted = 0;
    guest_arg("count", &count);
    guest_arg("quiet_ms", &quiet_ms);
    guest_printf("flood: %lu refused accesses\n", (unsigned long)count);
    for (uint64_t i = 0; i < count; i++) {
        aborted += refused(i & 1 ? PL011_REG : FLOOD_HOLE);
        if ((i + 1) % PROGRESS_AT == 0)
            guest_printf("flood: %lu done\n", (unsigned long)(i + 1));
    }
    guest_sleep_ms(quiet_ms);
    aborted += refused(FLOOD_HOLE);
    guest_printf("flood: %lu of %lu accesses aborted\n", (unsigned long)aborted,
                 (unsigned long)count + 1);
    guest_printf("done\n");
    return 0;
}

/* ---- vector ---- */

/*
 * test=vector: makes itself an abort it cannot take, three ways (bootargs mode=N):
 *   1  its stage-1 page tables in its virtual PL011's page (emulated: never mapped), MMU on;
 *   2  its stage-1 page tables in a hole of its address space, MMU on;
 *   3  valid tables in its RAM, but its vector base VBAR_EL1 at a virtual address they map to a
 *      hole, while that same address taken as an IPA is its own executable RAM; then a read of
 *      a hole.
 * In 1 and 2 the next instruction fetch faults on the table walk, and so would the fetch of
 * the exception vector; in 3 the vector fetch faults. An abort delivered there would fault
 * again, forever: septum must stop the VM instead, and the machine powers off when the other
 * VMs are done. Nothing after the fault runs, so "SURVIVED" must never be printed.
 */
/* Stage 1 as in tests/guests/regions.c: 4 KiB granule, 39-bit VA, TTBR0 only */
#define DESC_BLOCK   0x1UL
#define DESC_TABLE   0x3UL
#define DESC_AF      (1UL << 10)
#define DESC_ATTR(i) ((uint64_t)(i) << 2)
#define MAIR_VALUE   0x4400UL /* attr0 Device-nGnRnE, attr1 Normal non-cacheable */
#define TCR_VALUE    (25UL | (1UL << 23) | (2UL << 32)) /* T0SZ 25, EPD1, IPS 40 bits */
#define SCTLR_M      1UL

#define PL011_PAGE  0x09000000UL /* this VM's virtual PL011: emulated */
#define VECTOR_HOLE 0x10000000UL /* no region there */
#define HOLE_2M     0x20000000UL
#define VECTOR_VA   0x40e00000UL /* in its RAM as an IPA (executable); mapped to HOLE_2M */

static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l2[512] __attribute__((aligned(4096)));

static void mmu_on(uint64_t ttbr)
{
    uint64_t sctlr;
    __asm__ volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
    __asm__ volatile("dsb sy\n"
                     "msr mair_el1, %0\n"
                     "msr tcr_el1, %1\n"
                     "msr ttbr0_el1, %2\n"
                     "isb\n"
                     "tlbi vmalle1\n"
                     "dsb sy\n"
                     "isb\n"
                     "msr sctlr_el1, %3\n"
                     "isb" ::"r"(MAIR_VALUE),
                     "r"(TCR_VALUE), "r"(ttbr), "r"(sctlr | SCTLR_M)
                     : "memory");
}

static int vector_main(void)
{
    uint64_t mode = 0;
    guest_arg("mode", &mode);
    switch (mode) {
    case 1:
        guest_printf("stage-1 tables in the virtual PL011's page, MMU on\n");
        mmu_on(PL011_PAGE);
        break;
    case 2:
        guest_printf("stage-1 tables in a hole, MMU on\n");
        mmu_on(VECTOR_HOLE);
        break;
    case 3:
        /* the first GiB identity-mapped as device memory, the second as normal memory in 2 MiB
         * blocks, but for the one at VECTOR_VA, which maps a hole */
        l1[0] = 0x00000000UL | DESC_BLOCK | DESC_AF | DESC_ATTR(0);
        l1[1] = (uint64_t)(uintptr_t)l2 | DESC_TABLE;
        for (uint64_t i = 0; i < 512; i++)
            l2[i] = (0x40000000UL + (i << 21)) | DESC_BLOCK | DESC_AF | DESC_ATTR(1);
        l2[(VECTOR_VA - 0x40000000UL) >> 21] = HOLE_2M | DESC_BLOCK | DESC_AF | DESC_ATTR(1);
        mmu_on((uint64_t)(uintptr_t)l1);
        guest_printf("MMU on; exception vectors at 0x%lx, which maps a hole\n", VECTOR_VA);
        __asm__ volatile("msr vbar_el1, %0; isb" ::"r"(VECTOR_VA));
        (void)*(volatile uint32_t *)VECTOR_HOLE;
        break;
    default: guest_printf("mode=1, 2 or 3 expected\n"); return 1;
    }
    guest_printf("SURVIVED\n");
    return 0;
}

/* ---- bbm ---- */

/*
 * test=bbm, with two vCPUs and test control: while vCPU 1 changes the permissions of one page
 * of its RAM back and forth (SEPTUM_HC_REGION_SET: execute on, execute off; bootargs
 * toggles=N, default 5000), vCPU 0 keeps reading and writing a buffer in the same 2 MiB of RAM,
 * whose region never changes. Each change splits or merges septum's stage-2 mapping of that
 * 2 MiB (break-before-make), so vCPU 0's accesses can fault at stage 2 in the window; its
 * region permits them, so septum must let them retry rather than inject an abort. vCPU 0
 * counts the aborts it gets: none.
 */
static uint8_t toggled[4096] __attribute__((aligned(4096)));
static volatile uint64_t buffer[2048] __attribute__((aligned(4096)));
static uint8_t stack1[8192] __attribute__((aligned(16)));
static volatile uint64_t toggles = 5000, done_toggles, failed_toggles;
static volatile bool finished;

void guest_secondary(uint64_t stack_top)
{
    (void)stack_top;
    for (uint64_t i = 0; i < toggles; i++) {
        unsigned flags = SEPTUM_REGION_R | SEPTUM_REGION_W | (i & 1 ? SEPTUM_REGION_X : 0);
        failed_toggles += septum_hvc(SEPTUM_HC_REGION_SET, SEPTUM_REGION_OP_MODIFY,
                                     (uint64_t)(uintptr_t)toggled, sizeof(toggled), flags, 0, 0,
                                     NULL) != 0;
        done_toggles = i + 1;
    }
    finished = true;
}

static int bbm_main(void)
{
    uint64_t n = 5000;
    guest_arg("toggles", &n);
    toggles = n;
    if (psci_cpu_on(1, (uint64_t)(uintptr_t)guest_secondary_start,
                    (uint64_t)(uintptr_t)(stack1 + sizeof(stack1))) != 0) {
        guest_printf("bbm: CPU_ON failed\n");
        return 1;
    }
    uint64_t accesses = 0, before = guest_exceptions;
    guest_expect_abort = true;
    while (!finished) {
        for (unsigned i = 0; i < sizeof(buffer) / sizeof(buffer[0]); i += 64) {
            buffer[i] = buffer[i] + 1;
            accesses += 2;
        }
    }
    guest_expect_abort = false;
    guest_printf("bbm: %lu region changes (%lu refused), %lu accesses beside them, %lu aborted\n",
                 (unsigned long)done_toggles, (unsigned long)failed_toggles,
                 (unsigned long)accesses, (unsigned long)(guest_exceptions - before));
    guest_printf("done\n");
    return 0;
}

/* Whether the bootargs say test=name. */
static bool test_is(const char *name)
{
    const char *args = guest_bootargs();
    size_t n = strlen(name);
    for (const char *p = args; (p = strstr(p, "test=")) != NULL; p += 5)
        if ((p == args || p[-1] == ' ') && !strncmp(p + 5, name, n) &&
            (!p[5 + n] || p[5 + n] == ' '))
            return true;
    return false;
}

int main(const void *dtb)
{
    (void)dtb;
    if (test_is("pmu"))
        return pmu_main();
    if (test_is("flood"))
        return flood_main();
    if (test_is("vector"))
        return vector_main();
    if (test_is("bbm"))
        return bbm_main();
    guest_printf("test=pmu, flood, vector or bbm expected\n");
    return 1;
}
