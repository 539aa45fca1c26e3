/*
 * Benchmark guest: counts, with the PMU, the instructions a null hypercall (SEPTUM_HC_NULL), a
 * PSCI_VERSION call or an access to an emulated register (virtual PL011 and GIC) costs from the
 * guest's instruction to its return, EL1 and EL2 together. Each loop is run once with the
 * operation and once with a NOP (or a RAM access) in its place; the difference per iteration is
 * the round trip. Then the virtual timer's delivery and the grant-table paths. Run it under
 * QEMU's -icount shift=0 (make bench) for exact, repeatable counts.
 * The main paths are timed again from the guest's view, with the virtual counter alone
 * (bench_guest_view), as a guest on any hypervisor can time them.
 */
#include <septum/evtchn.h>
#include <septum/gnttab.h>
#include <septum/guest.h>

#define ITER                   1000
#define PMU_EVENT_INST_RETIRED 0x08
#define PMEVTYPER_NSH          (1UL << 27) /* count at EL2 too */

static inline uint64_t insns(void)
{
    uint64_t v;
    __asm__ volatile("isb; mrs %0, pmevcntr1_el0" : "=r"(v)::"memory");
    return v;
}

/* One access per iteration to an emulated register, against the same loop on RAM: a store of
 * zero from w1 (not xzr, which is cheaper: the value comes from a register, as a driver's
 * would), or a 32- or 64-bit load into x1. */
enum { STORE32, LOAD32, LOAD64 };
static uint64_t run_mmio_at(uint64_t device, int kind)
{
    static volatile uint64_t ram_reg;
    uint64_t addr = device ? device : (uint64_t)(uintptr_t)&ram_reg;
    uint64_t t0 = insns(), n = ITER;
    if (kind == STORE32)
        __asm__ volatile("   mov w1, #0\n"
                         "1: str w1, [%1]\n"
                         "   subs %0, %0, #1\n"
                         "   b.ne 1b"
                         : "+r"(n)
                         : "r"(addr)
                         : "x1", "memory");
    else if (kind == LOAD32)
        __asm__ volatile("1: ldr w1, [%1]\n"
                         "   subs %0, %0, #1\n"
                         "   b.ne 1b"
                         : "+r"(n)
                         : "r"(addr)
                         : "x1", "memory");
    else
        __asm__ volatile("1: ldr x1, [%1]\n"
                         "   subs %0, %0, #1\n"
                         "   b.ne 1b"
                         : "+r"(n)
                         : "r"(addr)
                         : "x1", "memory");
    return insns() - t0;
}

/* The round trip of one access to an emulated register, guest to guest. */
static uint64_t reg_round_trip(uint64_t device, int kind)
{
    run_mmio_at(device, kind); /* warm up: the vCPU's last device is this one */
    uint64_t dev = run_mmio_at(device, kind), ram = run_mmio_at(0, kind);
    return (dev - ram) / ITER;
}

/* Printed as "bench: <what> round trip: N instructions" for tests/bench.sh. */
static void bench_reg(const char *what, uint64_t device, int kind)
{
    guest_printf("bench: %s round trip: %lu instructions\n", what,
                 (unsigned long)reg_round_trip(device, kind));
}

/* Every other register of the virtual PL011 and GICv3 a driver reads or writes, each measured
 * as above; printed one per line ("bench: register <name> <load|store>: N instructions") and
 * summed up by tests/bench.sh as the dearest load and the dearest store. Stores write zero, a
 * value with no effect on what the rest of the benchmark uses (an enable or pending register
 * written zero does nothing; group, configuration and routing of SPIs nothing here uses). The
 * data register is left out for stores (each would print a character) and so are the registers
 * whose write changes the whole distributor (GICD_CTLR), measured on their own above. */
#define VPL011    0x09000000UL
#define GICD_BASE 0x08000000UL
#define GICR0_RD  0x080a0000UL
#define GICR0_SGI 0x080b0000UL
static const struct {
    const char *name;
    uint64_t addr;
    int kind;
} regs[] = {
    {"PL011 DR", VPL011 + 0x000, LOAD32},
    {"PL011 RSR", VPL011 + 0x004, LOAD32},
    {"PL011 RSR", VPL011 + 0x004, STORE32},
    {"PL011 ILPR", VPL011 + 0x020, LOAD32},
    {"PL011 ILPR", VPL011 + 0x020, STORE32},
    {"PL011 IBRD", VPL011 + 0x024, LOAD32},
    {"PL011 FBRD", VPL011 + 0x028, LOAD32},
    {"PL011 FBRD", VPL011 + 0x028, STORE32},
    {"PL011 LCR_H", VPL011 + 0x02c, LOAD32},
    {"PL011 LCR_H", VPL011 + 0x02c, STORE32},
    {"PL011 CR", VPL011 + 0x030, LOAD32},
    {"PL011 IFLS", VPL011 + 0x034, LOAD32},
    {"PL011 IFLS", VPL011 + 0x034, STORE32},
    {"PL011 IMSC", VPL011 + 0x038, LOAD32},
    {"PL011 RIS", VPL011 + 0x03c, LOAD32},
    {"PL011 MIS", VPL011 + 0x040, LOAD32},
    {"PL011 ICR", VPL011 + 0x044, STORE32},
    {"PL011 DMACR", VPL011 + 0x048, LOAD32},
    {"PL011 DMACR", VPL011 + 0x048, STORE32},
    {"PL011 PeriphID0", VPL011 + 0xfe0, LOAD32},
    {"GICD_CTLR", GICD_BASE + 0x0000, LOAD32},
    {"GICD_IIDR", GICD_BASE + 0x0008, LOAD32},
    {"GICD_IGROUPR1", GICD_BASE + 0x0084, LOAD32},
    {"GICD_IGROUPR1", GICD_BASE + 0x0084, STORE32},
    {"GICD_ISENABLER1", GICD_BASE + 0x0104, LOAD32},
    {"GICD_ISENABLER1", GICD_BASE + 0x0104, STORE32},
    {"GICD_ICENABLER1", GICD_BASE + 0x0184, LOAD32},
    {"GICD_ICENABLER1", GICD_BASE + 0x0184, STORE32},
    {"GICD_ISPENDR1", GICD_BASE + 0x0204, LOAD32},
    {"GICD_ISPENDR1", GICD_BASE + 0x0204, STORE32},
    {"GICD_ICPENDR1", GICD_BASE + 0x0284, LOAD32},
    {"GICD_ICPENDR1", GICD_BASE + 0x0284, STORE32},
    {"GICD_ISACTIVER1", GICD_BASE + 0x0304, LOAD32},
    {"GICD_ISACTIVER1", GICD_BASE + 0x0304, STORE32},
    {"GICD_ICACTIVER1", GICD_BASE + 0x0384, LOAD32},
    {"GICD_ICACTIVER1", GICD_BASE + 0x0384, STORE32},
    {"GICD_IPRIORITYR", GICD_BASE + 0x0480, LOAD32},
    {"GICD_ICFGR8", GICD_BASE + 0x0c20, LOAD32},
    {"GICD_ICFGR8", GICD_BASE + 0x0c20, STORE32},
    {"GICD_IROUTER128", GICD_BASE + 0x6400, LOAD64},
    {"GICD_IROUTER128", GICD_BASE + 0x6400, STORE32},
    {"GICD_PIDR2", GICD_BASE + 0xffe8, LOAD32},
    {"GICR_CTLR", GICR0_RD + 0x0000, LOAD32},
    {"GICR_IIDR", GICR0_RD + 0x0004, LOAD32},
    {"GICR_WAKER", GICR0_RD + 0x0014, LOAD32},
    {"GICR_PIDR2", GICR0_RD + 0xffe8, LOAD32},
    {"GICR_IGROUPR0", GICR0_SGI + 0x0080, LOAD32},
    {"GICR_ISENABLER0", GICR0_SGI + 0x0100, LOAD32},
    {"GICR_ISENABLER0", GICR0_SGI + 0x0100, STORE32},
    {"GICR_ICENABLER0", GICR0_SGI + 0x0180, LOAD32},
    {"GICR_ICENABLER0", GICR0_SGI + 0x0180, STORE32},
    {"GICR_ISPENDR0", GICR0_SGI + 0x0200, LOAD32},
    {"GICR_ICPENDR0", GICR0_SGI + 0x0280, STORE32},
    {"GICR_ISACTIVER0", GICR0_SGI + 0x0300, LOAD32},
    {"GICR_IPRIORITYR0", GICR0_SGI + 0x0400, LOAD32},
    {"GICR_IPRIORITYR0", GICR0_SGI + 0x0400, STORE32},
    {"GICR_ICFGR1", GICR0_SGI + 0x0c04, LOAD32},
};

/* A write that changes an interrupt's state, and the write that changes it back: value to a set
 * register and then to its clear register (0x80 on), once per iteration, against the same
 * pair of stores to RAM; the round trip of the pair. */
static uint64_t run_set_clear(uint64_t set, uint32_t value)
{
    static volatile uint32_t ram_regs[0x80 / 4 + 1];
    uint64_t addr = set ? set : (uint64_t)(uintptr_t)ram_regs;
    uint64_t t0 = insns(), n = ITER;
    __asm__ volatile("1: str %w2, [%1]\n"
                     "   str %w2, [%1, #0x80]\n"
                     "   subs %0, %0, #1\n"
                     "   b.ne 1b"
                     : "+r"(n)
                     : "r"(addr), "r"(value)
                     : "memory");
    return insns() - t0;
}

static void bench_set_clear(const char *what, uint64_t set, uint32_t value)
{
    run_set_clear(set, value);
    uint64_t dev = run_set_clear(set, value), ram = run_set_clear(0, value);
    guest_printf("bench: state change %s pair round trip: %lu instructions\n", what,
                 (unsigned long)((dev - ram) / ITER));
}

static void bench_all_regs(void)
{
    for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
        guest_printf("bench: register %s %s: %lu instructions\n", regs[i].name,
                     regs[i].kind == STORE32 ? "store" : "load",
                     (unsigned long)reg_round_trip(regs[i].addr, regs[i].kind));
    /* SPI 63 (nothing here uses it, disabled and idle): enabled and disabled, pending and not */
    bench_set_clear("GICD_ISENABLER1+ICENABLER1", GICD_BASE + 0x0104, 1U << 31);
    bench_set_clear("GICD_ISPENDR1+ICPENDR1", GICD_BASE + 0x0204, 1U << 31);
}

/* Virtual PL011 registers: IBRD has no shared state, IMSC and FR are shared with console input */
#define PL011_IBRD 0x09000024UL
#define PL011_FR   0x09000018UL
#define PL011_IMSC 0x09000038UL
/* Virtual GIC registers (QEMU virt's layout): constant ones, a distributor priority (of SPIs
 * 128-131, which nothing here uses), the same on GICv2 and GICv3, and vCPU 0's redistributor
 * (GICv3 only) */
#define GICD_TYPER          0x08000004UL
#define GICD_IPRIORITYR_128 0x08000480UL
#define GICR0_TYPER         0x080a0008UL
#define GICR0_WAKER         0x080a0014UL

/* ---- virtual timer delivery: EL2 instructions from the physical interrupt to the guest ---- */

#define TIMER_TICKS 100
static volatile uint64_t el2_seen, el2_sum, el2_min = ~0UL, ticks;

static inline uint64_t el2_insns(void)
{
    uint64_t v;
    __asm__ volatile("isb; mrs %0, pmevcntr2_el0" : "=r"(v)::"memory");
    return v;
}

/* The guest's view, as issue 14's probe measured it on Bao and Xen: the virtual clock when the
 * guest's IRQ vector began minus the timer's deadline (CNTV_CVAL), in instructions. The counter
 * ticks once per 16 instructions (CNTFRQ 62.5 MHz, 16 ns a tick; under -icount shift=0 one
 * instruction a nanosecond), too coarse for one read, so the bench's own vector table
 * (bench_vectors, in VBAR_EL1 for this measurement only) reads CNTVCT 16 times back to back at
 * the IRQ vector, after saving the registers the reads go into and before anything else, and
 * stores the 16 values in tv_reads for timer_irq. QEMU ends a translation block at each read of
 * the counter and charges a block's instructions as it starts, so a read sees the clock with
 * itself counted, and back-to-back reads are one instruction apart (measured: in 64 reads in
 * groups of four, the ticks changed exactly 16 instructions apart). The first read k that sees
 * a new tick is the tick's first instruction: the clock is tick * 16 as it ends, and the
 * vector's first instruction began TV_READ0 + k + 1 instructions earlier. When none of the 16
 * changes, the first read was the tick's first. The other vectors go to the SDK's
 * (guest_vectors), and so does this one after its reads: the IRQ reaches timer_irq through
 * guest_irq_handler as before. */
#define TV_READS 16
#define TV_READ0 10 /* instructions before the first read: one sub and nine stp */
static volatile uint64_t tv_reads[TV_READS];
__asm__("    .text\n"
        "    .balign 0x800\n"
        "bench_vectors:\n"
        "    .irp n, 0, 1, 2, 3, 4\n"
        "    .balign 0x80\n"
        "    b    guest_vectors + \\n * 0x80\n"
        "    .endr\n"
        "    .balign 0x80\n" /* 5: IRQ from the current EL with SP_EL1 */
        "    sub  sp, sp, #144\n"
        "    stp  x0, x1, [sp]\n"
        "    stp  x2, x3, [sp, #16]\n"
        "    stp  x4, x5, [sp, #32]\n"
        "    stp  x6, x7, [sp, #48]\n"
        "    stp  x8, x9, [sp, #64]\n"
        "    stp  x10, x11, [sp, #80]\n"
        "    stp  x12, x13, [sp, #96]\n"
        "    stp  x14, x15, [sp, #112]\n"
        "    stp  x16, x17, [sp, #128]\n"
        "    .irp r, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15\n"
        "    mrs  x\\r, cntvct_el0\n"
        "    .endr\n"
        "    b    tv_store\n"
        "    .irp n, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15\n"
        "    .balign 0x80\n"
        "    b    guest_vectors + \\n * 0x80\n"
        "    .endr\n"
        "tv_store:\n"
        "    adrp x16, tv_reads\n"
        "    add  x16, x16, :lo12:tv_reads\n"
        "    stp  x0, x1, [x16]\n"
        "    stp  x2, x3, [x16, #16]\n"
        "    stp  x4, x5, [x16, #32]\n"
        "    stp  x6, x7, [x16, #48]\n"
        "    stp  x8, x9, [x16, #64]\n"
        "    stp  x10, x11, [x16, #80]\n"
        "    stp  x12, x13, [x16, #96]\n"
        "    stp  x14, x15, [x16, #112]\n"
        "    ldp  x0, x1, [sp]\n"
        "    ldp  x2, x3, [sp, #16]\n"
        "    ldp  x4, x5, [sp, #32]\n"
        "    ldp  x6, x7, [sp, #48]\n"
        "    ldp  x8, x9, [sp, #64]\n"
        "    ldp  x10, x11, [sp, #80]\n"
        "    ldp  x12, x13, [sp, #96]\n"
        "    ldp  x14, x15, [sp, #112]\n"
        "    ldp  x16, x17, [sp, #128]\n"
        "    add  sp, sp, #144\n"
        "    b    guest_vectors + 5 * 0x80\n");
extern char bench_vectors[], guest_vectors[];

/* deadline to vector, in instructions, of each located tick; how many were not located */
static volatile uint64_t tv_late[TIMER_TICKS], tv_located, tv_lost;

/* Locates the vector's entry from tv_reads (see above) and records it against the deadline. */
static void tv_record(uint64_t cval)
{
    uint64_t freq, r[TV_READS];
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
    for (unsigned i = 0; i < TV_READS; i++)
        r[i] = tv_reads[i];
    uint64_t tick_ns = freq ? 1000000000UL / freq : 0;
    unsigned k = 0, changes = 0;
    for (unsigned i = 1; i < TV_READS; i++)
        if (r[i] != r[i - 1]) {
            changes++;
            k = k ? k : i;
        }
    /* one change, of one tick; or none, which 16 reads a tick of 16 ns apart place at the
     * tick's start; anything else (another CPU's instructions or an exit to EL2 between
     * reads, another counter frequency) is not counted */
    bool located = tick_ns * freq == 1000000000UL && tick_ns <= TV_READS &&
                   r[TV_READS - 1] - r[0] == changes && changes <= 1 &&
                   (changes == 1 || tick_ns == TV_READS);
    uint64_t vector = r[k] * tick_ns - k - TV_READ0 - 1; /* the clock as the vector began */
    if (!located || vector < cval * tick_ns || tv_located >= TIMER_TICKS) {
        tv_lost++;
        return;
    }
    tv_late[tv_located++] = vector - cval * tick_ns;
}

/* The guest's EL2-only counter does not move while the guest runs, so its value at the vector
 * minus the value the loop last saw is what septum spent delivering the interrupt. */
static void timer_irq(void)
{
    uint64_t at = el2_insns(), cval;
    __asm__ volatile("mrs %0, cntv_cval_el0" : "=r"(cval));
    uint32_t iar = guest_gic_ack();
    if (guest_gic_intid(iar) == 27) {
        tv_record(cval);
        el2_sum += at - el2_seen;
        if (at - el2_seen < el2_min)
            el2_min = at - el2_seen; /* the path alone: the mean also catches other events */
        if (++ticks < TIMER_TICKS)
            __asm__ volatile("msr cntv_tval_el0, %0" ::"r"(2000UL));
        else
            __asm__ volatile("msr cntv_ctl_el0, %0" ::"r"(2UL));
    }
    guest_gic_eoi(iar);
}

/* "N instructions (median M, mean A; L of 100 not located)": least, median and mean of the
 * located ticks' deadline to vector */
static void tv_print(void)
{
    uint64_t v[TIMER_TICKS], sum = 0;
    unsigned n = (unsigned)tv_located;
    for (unsigned i = 0; i < n; i++) { /* insertion sort */
        uint64_t x = tv_late[i];
        unsigned j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
        sum += x;
    }
    if (n == 0) {
        guest_printf("bench: virtual timer deadline to vector: not located (FAILED)\n");
        return;
    }
    guest_printf("bench: virtual timer deadline to vector: %lu instructions (median %lu, mean "
                 "%lu; %lu of %u not located)\n",
                 (unsigned long)v[0], (unsigned long)v[n / 2], (unsigned long)(sum / n),
                 (unsigned long)tv_lost, TIMER_TICKS);
}

static uint64_t bench_timer(void)
{
    __asm__ volatile("msr pmevtyper2_el0, %0" ::"r"(0xc8000000UL | PMU_EVENT_INST_RETIRED));
    __asm__ volatile("msr pmcntenset_el0, %0; isb" ::"r"(4UL));
    guest_irq_handler = timer_irq;
    __asm__ volatile("msr vbar_el1, %0; isb" ::"r"(bench_vectors));
    guest_gic_enable(27, 0); /* the virtual timer */
    __asm__ volatile("msr cntv_tval_el0, %0; msr cntv_ctl_el0, %1; isb" ::"r"(2000UL), "r"(1UL));
    __asm__ volatile("msr daifclr, #2" ::: "memory");
    while (ticks < TIMER_TICKS)
        el2_seen = el2_insns();
    __asm__ volatile("msr daifset, #2" ::: "memory");
    __asm__ volatile("msr vbar_el1, %0; isb" ::"r"(guest_vectors));
    return el2_sum / TIMER_TICKS;
}

/* ---- grant map + unmap, the granter being domain 2 (tests/guests/gntpeer.c, refs 8..23) ---- */

#define GNT_BATCH  16
#define GNT_ROUNDS 50
static struct gnttab_map_grant_ref maps[GNT_BATCH] __attribute__((aligned(XEN_PAGE_SIZE)));
static struct gnttab_unmap_grant_ref unmaps[GNT_BATCH] __attribute__((aligned(XEN_PAGE_SIZE)));

static long gnt_op(unsigned cmd, void *ops, unsigned n)
{
    return xen_hypercall(__HYPERVISOR_grant_table_op, cmd, (uintptr_t)ops, n, 0, 0);
}

/* Map and unmap n grants, each in one hypercall; 0 if every operation succeeded. */
static int gnt_pair(char *window, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        maps[i] = (struct gnttab_map_grant_ref){
            (uintptr_t)(window + i * XEN_PAGE_SIZE), GNTMAP_host_map, 8 + i, 2, 1, 0, 0};
    gnt_op(GNTTABOP_map_grant_ref, maps, n);
    int bad = 0;
    for (unsigned i = 0; i < n; i++) {
        bad |= maps[i].status;
        /* status 1 is no GNTST value: an operation septum did not answer counts as failed */
        unmaps[i] = (struct gnttab_unmap_grant_ref){maps[i].host_addr, 0, maps[i].handle, 1};
    }
    gnt_op(GNTTABOP_unmap_grant_ref, unmaps, n);
    for (unsigned i = 0; i < n; i++)
        bad |= unmaps[i].status;
    return bad;
}

static void bench_grants(void)
{
    if (gnttab_init() != 0) {
        guest_printf("bench: grant map+unmap: no grant table\n");
        return;
    }
    char *window = gnttab_get_page();
    for (unsigned i = 1; i < GNT_BATCH; i++)
        gnttab_get_page(); /* the next pages of the window: one contiguous run */
    /* wait (sleeping, not spinning) until the granter has granted */
    unsigned waited = 0;
    while (gnt_pair(window, 1) != 0 && waited++ < 1000)
        guest_sleep_ms(1);
    uint64_t t0 = insns();
    int bad = 0;
    for (unsigned r = 0; r < GNT_ROUNDS; r++)
        bad |= gnt_pair(window, 1);
    uint64_t alone = (insns() - t0) / GNT_ROUNDS;
    t0 = insns();
    for (unsigned r = 0; r < GNT_ROUNDS; r++)
        bad |= gnt_pair(window, GNT_BATCH);
    uint64_t batch = (insns() - t0) / (GNT_ROUNDS * GNT_BATCH);
    guest_printf("bench: grant map+unmap pair: %lu instructions alone, %lu per pair in batches "
                 "of %u%s\n",
                 (unsigned long)alone, (unsigned long)batch, GNT_BATCH, bad ? " (FAILED)" : "");
    /* what a call of the pair costs before its operation does anything: a grant-table call
     * refused at its first check (an unmap of a handle never given), beside a Xen call that does
     * nothing (vm_assist of a command there is none of); the guest's own instructions around
     * each call count, as in the pair's figure */
    int wrong = 0;
    uint64_t f0 = insns();
    for (unsigned r = 0; r < GNT_ROUNDS; r++) {
        unmaps[0] = (struct gnttab_unmap_grant_ref){0, 0, ~0U, 1};
        gnt_op(GNTTABOP_unmap_grant_ref, unmaps, 1);
        wrong |= unmaps[0].status != GNTST_bad_handle;
    }
    uint64_t f1 = insns();
    for (unsigned r = 0; r < GNT_ROUNDS; r++)
        wrong |= xen_hypercall(__HYPERVISOR_vm_assist, ~0UL, 0, 0, 0, 0) != -XEN_ENOSYS;
    uint64_t f2 = insns();
    guest_printf("bench: grant-table call refused at its first check: %lu instructions; a Xen call "
                 "that does nothing: %lu%s\n",
                 (unsigned long)((f1 - f0) / GNT_ROUNDS), (unsigned long)((f2 - f1) / GNT_ROUNDS),
                 wrong ? " (FAILED)" : "");
    /* the same pair where no other mapping is near: in a hole of its address space, and alone
     * far into the grant window (the first pair there builds the levels, the rounds after it
     * are what is counted) */
    static const struct {
        const char *what;
        uint64_t at;
    } far[] = {{"at 0x60000000", 0x60000000ULL},
               {"alone in the grant window", SEPTUM_GRANT_WINDOW + 0x20000000ULL}};
    for (unsigned f = 0; f < sizeof(far) / sizeof(far[0]); f++) {
        bad = gnt_pair((char *)(uintptr_t)far[f].at, 1);
        t0 = insns();
        for (unsigned r = 0; r < GNT_ROUNDS; r++)
            bad |= gnt_pair((char *)(uintptr_t)far[f].at, 1);
        guest_printf("bench: grant map+unmap pair %s: %lu instructions%s\n", far[f].what,
                     (unsigned long)((insns() - t0) / GNT_ROUNDS), bad ? " (FAILED)" : "");
    }
}

/* n hypercalls with function fid in x0, or n NOPs in their place (the same loop either way). */
static void hvc_loop(bool hvc, uint64_t fid, uint64_t n)
{
    if (hvc)
        __asm__ volatile("1: mov x0, %1\n"
                         "   hvc #0\n"
                         "   subs %0, %0, #1\n"
                         "   b.ne 1b"
                         : "+r"(n)
                         : "r"(fid)
                         : "x0", "x1", "x2", "x3", "memory");
    else
        __asm__ volatile("1: mov x0, %1\n"
                         "   nop\n"
                         "   subs %0, %0, #1\n"
                         "   b.ne 1b"
                         : "+r"(n)
                         : "r"(fid)
                         : "x0", "x1", "x2", "x3", "memory");
}

/* ITER of them, in instructions counted by the PMU. */
static uint64_t run(bool hvc, uint64_t fid)
{
    uint64_t t0 = insns();
    hvc_loop(hvc, fid, ITER);
    return insns() - t0;
}

#define PSCI_VERSION 0x84000000UL

/* ---- event channels: EVTCHNOP_send to a peer on another CPU (tests/guests/gntpeer.c answers
 * on the channel bench.dts declares), and the delivery of the peer's answer here ---- */

#define EV_PORT   1
#define EV_ROUNDS 100
static volatile uint64_t ev_before, ev_wake_sum, ev_wake_min = ~0UL;
static volatile uint64_t ev_el2_before, ev_el2_min = ~0UL; /* septum's part, counter 0 */

static inline uint64_t el2_own(void)
{
    uint64_t v;
    __asm__ volatile("isb; mrs %0, pmevcntr0_el0" : "=r"(v)::"memory");
    return v;
}

/* The handler's first look at the counter: what ran since the loop below last looked (it waits
 * in WFI, where nothing is counted) is septum's delivery of the peer's send, the guest's vector
 * and the SDK's upcall code up to here. */
static void ev_handler(evtchn_port_t port)
{
    uint64_t at = insns(), el2 = el2_own();
    if (port != EV_PORT)
        return;
    if (el2 - ev_el2_before < ev_el2_min)
        ev_el2_min = el2 - ev_el2_before;
    ev_wake_sum += at - ev_before;
    if (at - ev_before < ev_wake_min)
        ev_wake_min = at - ev_before;
}

static void ev_wait(uint32_t seen)
{
    for (;;) {
        __asm__ volatile("msr daifset, #2" ::: "memory");
        if (evtchn_events[EV_PORT] != seen)
            break;
        ev_el2_before = el2_own();
        ev_before = insns();
        __asm__ volatile("wfi; msr daifclr, #2; isb" ::: "memory");
    }
    __asm__ volatile("msr daifclr, #2" ::: "memory");
}

static void bench_evtchn(void)
{
    if (evtchn_init(ev_handler) != 0) {
        guest_printf("bench: event channels: no shared_info (FAILED)\n");
        return;
    }
    ev_wait(0); /* the peer's "ready" */
    ev_wake_sum = 0;
    ev_wake_min = ev_el2_min = ~0UL;
    uint64_t send_sum = 0, send_min = ~0UL, send_el2 = ~0UL;
    for (unsigned i = 0; i < EV_ROUNDS; i++) {
        uint32_t seen = evtchn_events[EV_PORT];
        uint64_t e0 = el2_own(), t0 = insns();
        evtchn_send(EV_PORT);
        uint64_t t = insns() - t0, e = el2_own() - e0;
        send_el2 = e < send_el2 ? e : send_el2;
        send_sum += t;
        send_min = t < send_min ? t : send_min;
        ev_wait(seen); /* its answer */
    }
    guest_printf("bench: event channel send to a peer on another CPU: %lu instructions (mean %lu), "
                 "septum's %lu\n",
                 (unsigned long)send_min, (unsigned long)(send_sum / EV_ROUNDS),
                 (unsigned long)send_el2);
    guest_printf("bench: event channel delivery, WFI to the handler: %lu instructions (mean %lu), "
                 "septum's at least %lu\n",
                 (unsigned long)ev_wake_min, (unsigned long)(ev_wake_sum / EV_ROUNDS),
                 (unsigned long)ev_el2_min);
    /* the send, and septum's part of the delivery: the SDK guest's own vector and upcall code
     * (the rest of the wake figure) are the guest's, not the channel's */
    guest_printf("bench: event channel send to delivery in the peer: %lu instructions\n",
                 (unsigned long)(send_min + ev_el2_min));
}

/* ---- the guest's view: the same operations timed with the virtual counter (CNTVCT) alone, as
 * a guest can time them on any hypervisor, so that figures compare across hypervisors (issue
 * 14's probe of Bao and Xen measured this way): a loop of 10,000 with the operation against the
 * same loop without it, the difference divided by 10,000 and converted from counter ticks
 * (CNTFRQ: 62.5 MHz on QEMU virt, 16 ns a tick) to nanoseconds, which under -icount shift=0 are
 * instructions, the guest's and septum's together. QEMU's virtual clock counts every CPU's
 * instructions (it runs them in turn), so the granter on the other CPU sleeps meanwhile
 * (bench.dts gives it hold=, longer than this section takes). Printed as "bench: guest view:
 * <what>: N instructions" for tests/bench.sh. ---- */

#define GV_ITER 10000
enum { GV_HVC, GV_NOP, GV_STORE32, GV_LOAD32 };

static inline uint64_t cntvct(void)
{
    uint64_t v;
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v)::"memory");
    return v;
}

/* Counter ticks of GV_ITER iterations: a hypercall with function fid in x0 (or a NOP in its
 * place), or a store of w1 (a load into w1) at addr, an emulated register or RAM; the loops are
 * hvc_loop() and run_mmio_at()'s, GV_ITER times. */
static uint64_t gv_loop(int op, uint64_t arg)
{
    uint64_t n = GV_ITER, t0 = cntvct();
    if (op == GV_HVC || op == GV_NOP) {
        hvc_loop(op == GV_HVC, arg, n);
    } else if (op == GV_STORE32) {
        __asm__ volatile("   mov w1, #0\n"
                         "1: str w1, [%1]\n"
                         "   subs %0, %0, #1\n"
                         "   b.ne 1b"
                         : "+r"(n)
                         : "r"(arg)
                         : "x1", "memory");
    } else {
        __asm__ volatile("1: ldr w1, [%1]\n"
                         "   subs %0, %0, #1\n"
                         "   b.ne 1b"
                         : "+r"(n)
                         : "r"(arg)
                         : "x1", "memory");
    }
    return cntvct() - t0;
}

/* Instructions (nanoseconds) per iteration, rounded: the loop with the operation against the
 * loop without it, in counter ticks of GV_ITER iterations each. */
static uint64_t gv_per_op(uint64_t with, uint64_t without)
{
    uint64_t freq;
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
    if (with <= without || freq == 0)
        return 0;
    return ((with - without) * 1000000000UL + freq * GV_ITER / 2) / (freq * GV_ITER);
}

static void gv_print(const char *what, uint64_t with, uint64_t without)
{
    guest_printf("bench: guest view: %s: %lu instructions\n", what,
                 (unsigned long)gv_per_op(with, without));
}

/* One grant map + unmap of ref 8 of domain 2 at `at`, each in its own hypercall; without `op`
 * the same structures are filled and no hypercall made. Non-zero if an operation failed. */
static int gv_pair(char *at, bool op)
{
    maps[0] = (struct gnttab_map_grant_ref){(uintptr_t)at, GNTMAP_host_map, 8, 2, 1, 0, 0};
    if (op)
        gnt_op(GNTTABOP_map_grant_ref, maps, 1);
    /* status 1 is no GNTST value: an operation septum did not answer counts as failed */
    unmaps[0] = (struct gnttab_unmap_grant_ref){maps[0].host_addr, 0, maps[0].handle, 1};
    if (op)
        gnt_op(GNTTABOP_unmap_grant_ref, unmaps, 1);
    __asm__ volatile("" ::: "memory");
    return op ? (maps[0].status | unmaps[0].status) : 0;
}

static uint64_t gv_grant_loop(char *at, bool op, int *bad)
{
    uint64_t t0 = cntvct();
    for (unsigned i = 0; i < GV_ITER; i++)
        *bad |= gv_pair(at, op);
    return cntvct() - t0;
}

static void bench_guest_view(void)
{
    static volatile uint32_t ram_reg; /* the loops' RAM twin of an emulated register */
    uint64_t ram = (uint64_t)(uintptr_t)&ram_reg;
    gv_loop(GV_HVC, SEPTUM_HC_NULL); /* warm up */
    gv_print("null hypercall round trip", gv_loop(GV_HVC, SEPTUM_HC_NULL),
             gv_loop(GV_NOP, SEPTUM_HC_NULL));
    gv_print("PSCI_VERSION round trip", gv_loop(GV_HVC, PSCI_VERSION),
             gv_loop(GV_NOP, PSCI_VERSION));
    static const struct {
        const char *what;
        uint64_t addr;
        int op;
    } mmio[] = {
        {"PL011 IBRD store round trip", PL011_IBRD, GV_STORE32},
        {"PL011 IMSC store round trip", PL011_IMSC, GV_STORE32},
        {"GICD_TYPER load round trip", GICD_TYPER, GV_LOAD32},
        {"GICD_IPRIORITYR store round trip", GICD_IPRIORITYR_128, GV_STORE32},
    };
    for (unsigned i = 0; i < sizeof(mmio) / sizeof(mmio[0]); i++) {
        gv_loop(mmio[i].op, mmio[i].addr); /* warm up: the vCPU's last device is this one */
        uint64_t with = gv_loop(mmio[i].op, mmio[i].addr);
        gv_print(mmio[i].what, with, gv_loop(mmio[i].op, ram));
    }
    /* grant map + unmap of another VM's page, one operation per hypercall: next to the grant
     * table (the page after the ones bench_grants took), at 0x60000000 (a hole of the VM's
     * address space) and alone in the grant window, 512 MiB in */
    char *next = gnttab_get_page();
    if (next == NULL) {
        guest_printf("bench: guest view: grant map+unmap: no page in the grant window (FAILED)\n");
        return;
    }
    const struct {
        const char *what;
        char *at;
    } at[] = {{"grant map+unmap pair", next},
              {"grant map+unmap pair at 0x60000000", (char *)(uintptr_t)0x60000000ULL},
              {"grant map+unmap pair alone in the grant window",
               (char *)(uintptr_t)(SEPTUM_GRANT_WINDOW + 0x20000000ULL)}};
    for (unsigned i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
        int bad = gv_pair(at[i].at, true); /* warm up: the first pair there */
        uint64_t with = gv_grant_loop(at[i].at, true, &bad);
        uint64_t without = gv_grant_loop(at[i].at, false, &bad);
        guest_printf("bench: guest view: %s: %lu instructions%s\n", at[i].what,
                     (unsigned long)gv_per_op(with, without), bad ? " (FAILED)" : "");
    }
    gnttab_put_page(next);
}

int main(const void *dtb)
{
    (void)dtb;
    /* counter 1 (septum keeps counter 0 for itself): instructions at EL1 and EL2 */
    __asm__ volatile("msr pmevtyper1_el0, %0" ::"r"(PMU_EVENT_INST_RETIRED | PMEVTYPER_NSH));
    __asm__ volatile("msr pmcntenset_el0, %0" ::"r"(2UL));
    uint64_t pmcr;
    __asm__ volatile("mrs %0, pmcr_el0" : "=r"(pmcr));
    __asm__ volatile("msr pmcr_el0, %0; isb" ::"r"(pmcr | 1));
    run(true, SEPTUM_HC_NULL); /* warm up */
    uint64_t with = run(true, SEPTUM_HC_NULL), without = run(false, SEPTUM_HC_NULL);
    guest_printf("bench: null hypercall round trip: %lu instructions\n",
                 (unsigned long)((with - without) / ITER));
    with = run(true, PSCI_VERSION);
    without = run(false, PSCI_VERSION);
    guest_printf("bench: PSCI_VERSION round trip: %lu instructions\n",
                 (unsigned long)((with - without) / ITER));
    run_mmio_at(PL011_IBRD, STORE32);
    uint64_t el2_0;
    __asm__ volatile("isb; mrs %0, pmevcntr0_el0" : "=r"(el2_0));
    uint64_t dev = run_mmio_at(PL011_IBRD, STORE32), ram = run_mmio_at(0, STORE32);
    uint64_t el2_1;
    __asm__ volatile("isb; mrs %0, pmevcntr0_el0" : "=r"(el2_1));
    guest_printf("bench: EL2 instructions per MMIO store (septum's own counter): %lu\n",
                 (unsigned long)((el2_1 - el2_0) / ITER));
    guest_printf("bench: MMIO store round trip: %lu instructions\n",
                 (unsigned long)((dev - ram) / ITER));
    bench_reg("PL011 IMSC store", PL011_IMSC, STORE32);
    bench_reg("PL011 FR load", PL011_FR, LOAD32);
    bench_reg("GICD_TYPER load", GICD_TYPER, LOAD32);
    bench_reg("GICD_IPRIORITYR store", GICD_IPRIORITYR_128, STORE32);
    if (guest_gic_version() == 3) { /* a GICv2 has no redistributors */
        bench_reg("GICR_TYPER load", GICR0_TYPER, LOAD64);
        bench_reg("GICR_WAKER store", GICR0_WAKER, STORE32);
        bench_all_regs(); /* the list is a GICv3's (and the PL011's) */
    }

    /* GNTTABOP_copy between two of its own pages (no other VM needed) */
    static char src[XEN_PAGE_SIZE] __attribute__((aligned(XEN_PAGE_SIZE)));
    static char dst[XEN_PAGE_SIZE] __attribute__((aligned(XEN_PAGE_SIZE)));
    static struct gnttab_copy c __attribute__((aligned(64)));
    enum { COPIES = 100 };
    c = (struct gnttab_copy){{{.gmfn = (uintptr_t)src / XEN_PAGE_SIZE}, DOMID_SELF, 0},
                             {{.gmfn = (uintptr_t)dst / XEN_PAGE_SIZE}, DOMID_SELF, 0},
                             XEN_PAGE_SIZE,
                             0,
                             0};
    uint64_t t0 = insns();
    for (unsigned n = 0; n < COPIES; n++)
        xen_hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_copy, (uintptr_t)&c, 1, 0, 0);
    uint64_t copy = insns() - t0;
    guest_printf("bench: GNTTABOP_copy of 4096 bytes: %lu instructions, %lu.%02lu bytes per "
                 "instruction%s\n",
                 (unsigned long)(copy / COPIES), (unsigned long)(4096UL * COPIES / copy),
                 (unsigned long)(4096UL * COPIES * 100 / copy % 100), c.status ? " (FAILED)" : "");
    uint64_t mean = bench_timer();
    guest_printf("bench: virtual timer interrupt delivery: %lu EL2 instructions (mean %lu)\n",
                 (unsigned long)el2_min, (unsigned long)mean);
    tv_print();
    guest_irq_handler = 0;
    bench_grants();
    bench_guest_view();
    bench_evtchn();
    return 0;
}
