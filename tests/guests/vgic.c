/*
 * Test guest with two vCPUs: septum's virtual GICv3 as a bare-metal driver sees it, through the
 * distributor and redistributor registers and the (hardware) virtual CPU interface.
 *  - overflow: 16 interrupts pending at once (more than the list registers), each delivered
 *    exactly once and in priority order;
 *  - disable-active: an interrupt disabled while active and pended again is not delivered
 *    until it is enabled again;
 *  - idle: interrupts made pending (and one cleared) while disabled are not delivered, and
 *    the pending one is once enabled; both enable registers read alike;
 *  - irouter: 32-bit halves of a 64-bit IROUTER, and the SPI then reaches vCPU 1;
 *  - sgi: SGIs from vCPU 0 to vCPU 1 and back (SGIs 10 and 11), each one counted;
 *  - timer: the virtual timer (INTID 27) re-armed from its handler, every tick delivered; the
 *    intervals are printed as figures, not checked.
 * Prints "vgic: N failed" at the end.
 */
#include <septum/guest.h>

#define GICD        0x08000000UL
#define GICR(n)     (0x080a0000UL + (uint64_t)(n)*0x20000)
#define SGI_BASE(n) (GICR(n) + 0x10000)
#define ISENABLER   0x100
#define ICENABLER   0x180
#define ISPENDR     0x200
#define ICPENDR     0x280
#define ISACTIVER   0x300
#define IPRIORITYR  0x400
#define IGROUPR     0x080
#define IROUTER(n)  (0x6000 + 8 * (uint64_t)(n))
#define NSGI_ROUND  200
#define TICKS       50
#define SGI_REQ     10 /* vCPU 0 to 1 */
#define SGI_ANS     11 /* and back */

#define sysreg_w(reg, v) __asm__ volatile("msr " #reg ", %0; isb" ::"r"((uint64_t)(v)) : "memory")
#define sysreg_r(reg)                                                                              \
    ({                                                                                             \
        uint64_t v_;                                                                               \
        __asm__ volatile("mrs %0, " #reg : "=r"(v_));                                              \
        v_;                                                                                        \
    })

static void w32(uint64_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static uint32_t r32(uint64_t a) { return *(volatile uint32_t *)a; }
static void w8(uint64_t a, uint8_t v) { *(volatile uint8_t *)a = v; }

static volatile uint32_t count[2][256];
static volatile uint32_t order[32], order_n;
static volatile bool disable_in_handler, vcpu1_ready, vcpu1_done;
static volatile uint64_t tick_at[TICKS + 1];
static volatile unsigned ticks;
static uint64_t tick_period;
static unsigned failed;

static unsigned me(void) { return (unsigned)(sysreg_r(mpidr_el1) & 0xff); }
static uint64_t now(void)
{
    __asm__ volatile("isb" ::: "memory");
    return sysreg_r(cntvct_el0);
}

static void irq(void)
{
    unsigned cpu = me();
    for (;;) {
        uint32_t id = (uint32_t)sysreg_r(icc_iar1_el1) & 0xffffff;
        if (id >= 1020)
            break;
        count[cpu][id]++;
        if (cpu == 0 && order_n < 32)
            order[order_n++] = id;
        if (id == 50 && disable_in_handler) {
            w32(GICD + ICENABLER + 4, 1U << (50 - 32)); /* disabled while active */
            w32(GICD + ISPENDR + 4, 1U << (50 - 32));   /* and pending again */
        }
        if (id == 27) {
            tick_at[ticks] = now();
            if (++ticks < TICKS)
                sysreg_w(cntv_tval_el0, tick_period);
            else
                sysreg_w(cntv_ctl_el0, 2); /* masked, off */
        }
        sysreg_w(icc_eoir1_el1, id);
    }
}

static void cpu_init(unsigned n)
{
    w32(GICR(n) + 0x14, 0); /* GICR_WAKER: awake */
    w32(SGI_BASE(n) + IGROUPR, ~0U);
    for (unsigned i = 0; i < 8; i++)
        w32(SGI_BASE(n) + IPRIORITYR + 4 * i, 0x80808080U);
    sysreg_w(icc_pmr_el1, 0xff);
    sysreg_w(icc_bpr1_el1, 0);
    sysreg_w(icc_igrpen1_el1, 1);
}

static void check(const char *what, bool ok)
{
    guest_printf("%s: %s\n", what, ok ? "ok" : "FAILED");
    failed += !ok;
}

static bool sixteen(void) { return order_n >= 16; }
static bool never(void) { return false; }
static unsigned sgi_round; /* the SGI round trip vCPU 0 waits on */
static bool round_answered(void) { return count[0][SGI_ANS] > sgi_round; }
static bool two_50(void) { return count[0][50] >= 2; }
static bool got_52(void) { return count[0][52] >= 1; }
static bool v1_got_60(void) { return count[1][60] >= 1; }
static bool all_ticks(void) { return ticks >= TICKS; }

/* hostile accesses: each must abort in the guest, never reach septum's own state */
static void wide_ctlr(void) { *(volatile uint64_t *)GICD = 3; }
static void byte_enable(void) { (void)*(volatile uint8_t *)(GICD + ISENABLER + 4); }
static void missing_redist(void) { (void)r32(GICR(2) + 8); }
static void unaligned_reg(void) { (void)*(volatile uint32_t *)(GICD + 0x102); }

static uint8_t stack1[8192] __attribute__((aligned(16)));

void guest_secondary(uint64_t stack_top)
{
    (void)stack_top;
    cpu_init(1);
    w32(SGI_BASE(1) + ISENABLER, 1U << SGI_REQ);
    __asm__ volatile("msr daifclr, #2" ::: "memory");
    vcpu1_ready = true;
    /* answer each request from vCPU 0 */
    unsigned answered = 0;
    while (answered < NSGI_ROUND) {
        if (count[1][SGI_REQ] > answered) {
            answered++;
            sysreg_w(icc_sgi1r_el1, ((uint64_t)SGI_ANS << 24) | 1); /* to Aff0 0 */
        } else {
            guest_wfi_unless(count[1][SGI_REQ] > answered);
        }
    }
    while (!v1_got_60())
        guest_wfi_unless(v1_got_60());
    vcpu1_done = true;
}

int main(const void *dtb)
{
    (void)dtb;
    guest_irq_handler = irq;
    w32(GICD, 0x3); /* GICD_CTLR: both groups on (ARE is fixed) */
    for (unsigned w = 1; w < 8; w++)
        w32(GICD + IGROUPR + 4 * w, ~0U);
    cpu_init(0);
    check("GICD_CTLR reads ARE and the enables", (r32(GICD) & 0x13) == 0x13);
    check("GICD_PIDR2 says GICv3", (r32(GICD + 0xffe8) & 0xf0) == 0x30);
    check("GICR 1 is the last redistributor",
          (r32(GICR(1) + 8) & 0x10) && !(r32(GICR(0) + 8) & 0x10));

    check("64-bit write to GICD_CTLR aborts", guest_faults(wide_ctlr));
    check("byte read of GICD_ISENABLER1 aborts", guest_faults(byte_enable));
    check("a third vCPU's redistributor is not there", guest_faults(missing_redist));
    check("unaligned register read aborts", guest_faults(unaligned_reg));
    check("GICD_CTLR unchanged by the refused write", (r32(GICD) & 0x3) == 0x3);
    /* an SGI to vCPUs the VM does not have goes nowhere */
    sysreg_w(icc_sgi1r_el1, (5UL << 24) | 0xfffc);

    /* overflow: SGIs 0-7 at falling priorities, SPIs 40-47 below them, all pending at once */
    __asm__ volatile("msr daifset, #2" ::: "memory");
    for (unsigned k = 0; k < 8; k++)
        w8(SGI_BASE(0) + IPRIORITYR + k, (uint8_t)(0x10 * (8 - k)));
    w32(SGI_BASE(0) + ISENABLER, 0xff);
    for (unsigned k = 0; k < 8; k++)
        sysreg_w(icc_sgi1r_el1, ((uint64_t)k << 24) | 1);
    for (unsigned s = 40; s < 48; s++)
        w8(GICD + IPRIORITYR + s, 0xa0);
    w32(GICD + ISENABLER + 4, 0xffU << (40 - 32));
    w32(GICD + ISPENDR + 4, 0xffU << (40 - 32));
    check("16 interrupts pending", (r32(GICD + ISPENDR + 4) >> 8 & 0xff) == 0xff);
    __asm__ volatile("msr daifclr, #2" ::: "memory");
    guest_wait_for(sixteen, GUEST_WAIT_GUARD);
    bool once = true, sorted = true;
    for (unsigned k = 0; k < 8; k++)
        once &= count[0][k] == 1 && count[0][40 + k] == 1;
    for (unsigned i = 0; i < 8; i++)
        sorted &= order[i] == 7 - i;
    for (unsigned i = 8; i < 16; i++)
        sorted &= order[i] >= 40 && order[i] < 48;
    guest_printf("overflow: %u interrupts delivered, first %u %u %u %u, last %u\n",
                 (unsigned)order_n, (unsigned)order[0], (unsigned)order[1], (unsigned)order[2],
                 (unsigned)order[3], (unsigned)order[order_n ? order_n - 1 : 0]);
    check("overflow: each of 16 delivered exactly once", once && order_n == 16);
    check("overflow: in priority order", sorted);

    /* disable-active */
    disable_in_handler = true;
    w8(GICD + IPRIORITYR + 50, 0x80);
    w32(GICD + ISENABLER + 4, 1U << (50 - 32));
    w32(GICD + ISPENDR + 4, 1U << (50 - 32));
    /* idle: SPIs 52 and 53 made pending while disabled, 53 cleared again (the second below
     * shows neither delivered) */
    w8(GICD + IPRIORITYR + 52, 0x80);
    w8(GICD + IPRIORITYR + 53, 0x80);
    w32(GICD + ISPENDR + 4, 3U << (52 - 32));
    w32(GICD + ICPENDR + 4, 1U << (53 - 32));
    guest_wait_for(never, 1); /* a second in which it must not come back */
    disable_in_handler = false;
    check("disable-active: delivered once while disabled", count[0][50] == 1);
    check("disable-active: still pending, not active",
          (r32(GICD + ISPENDR + 4) >> (50 - 32) & 1) &&
              !(r32(GICD + ISACTIVER + 4) >> (50 - 32) & 1));
    w32(GICD + ISENABLER + 4, 1U << (50 - 32));
    guest_wait_for(two_50, GUEST_WAIT_GUARD);
    check("disable-active: delivered again once enabled", count[0][50] == 2);
    check("idle: pending while disabled, not delivered",
          count[0][52] == 0 && count[0][53] == 0 && (r32(GICD + ISPENDR + 4) >> 20 & 3) == 1 &&
              (r32(GICD + ICPENDR + 4) >> 20 & 3) == 1);
    w32(GICD + ISENABLER + 4, 1U << (53 - 32)); /* not pending: nothing to deliver */
    check("idle: enabled, as both enable registers read",
          (r32(GICD + ISENABLER + 4) >> 20 & 3) == 2 && (r32(GICD + ICENABLER + 4) >> 20 & 3) == 2);
    w32(GICD + ISENABLER + 4, 1U << (52 - 32)); /* pending: delivered now */
    guest_wait_for(got_52, GUEST_WAIT_GUARD);
    check("idle: the pending one delivered once enabled, the cleared one never",
          count[0][52] == 1 && count[0][53] == 0);
    w32(GICD + ICENABLER + 4, 3U << (52 - 32));
    check("idle: disabled, as both enable registers read",
          ((r32(GICD + ISENABLER + 4) | r32(GICD + ICENABLER + 4)) >> 20 & 3) == 0);

    /* irouter halves */
    w32(GICD + IROUTER(60), 1);     /* Aff0 = 1 */
    w32(GICD + IROUTER(60) + 4, 0); /* Aff3 = 0 */
    uint64_t r64 = *(volatile uint64_t *)(GICD + IROUTER(60));
    check("irouter: 32-bit halves make 0x1", r64 == 1);
    *(volatile uint64_t *)(GICD + IROUTER(61)) = 0x000000ff00000001UL; /* Aff3 = 0xff */
    check("irouter: the high half reads back alone",
          r32(GICD + IROUTER(61) + 4) == 0xff && r32(GICD + IROUTER(61)) == 1);

    /* SGIs between vCPUs (vCPU 1 answers each request with an answer) */
    w32(SGI_BASE(0) + ISENABLER, 1U << SGI_ANS);
    int64_t rc = psci_cpu_on(1, (uint64_t)(uintptr_t)guest_secondary_start,
                             (uint64_t)(uintptr_t)(stack1 + sizeof(stack1)));
    check("vCPU 1 started", rc == 0);
    while (!vcpu1_ready)
        ;
    unsigned lost = 0;
    for (unsigned i = 0; i < NSGI_ROUND; i++) {
        sgi_round = i;
        sysreg_w(icc_sgi1r_el1, ((uint64_t)SGI_REQ << 24) | 2); /* to Aff0 1 */
        guest_wait_for(round_answered, GUEST_WAIT_GUARD);
        if (count[0][SGI_ANS] <= i || count[0][SGI_ANS] > i + 1) {
            guest_printf("sgi: round %u: %u answers, %u received by vcpu 1\n", i,
                         (unsigned)count[0][SGI_ANS], (unsigned)count[1][SGI_REQ]);
            lost++;
        }
    }
    guest_printf("sgi: %u sent to vcpu 1, %u received there, %u answers back\n", NSGI_ROUND,
                 (unsigned)count[1][SGI_REQ], (unsigned)count[0][SGI_ANS]);
    check("sgi: every round trip completed",
          !lost && count[1][SGI_REQ] == NSGI_ROUND && count[0][SGI_ANS] == NSGI_ROUND);

    /* the SPI routed to vCPU 1 by the IROUTER above */
    w8(GICD + IPRIORITYR + 60, 0x80);
    w32(GICD + ISENABLER + 4, 1U << (60 - 32));
    w32(GICD + ISPENDR + 4, 1U << (60 - 32));
    while (!vcpu1_done)
        ;
    check("irouter: SPI 60 reached vcpu 1 only", count[1][60] == 1 && count[0][60] == 0);

    /* timer */
    tick_period = sysreg_r(cntfrq_el0) / 1000; /* 1 ms */
    w32(SGI_BASE(0) + ISENABLER, 1U << 27);
    tick_at[0] = now();
    sysreg_w(cntv_tval_el0, tick_period);
    sysreg_w(cntv_ctl_el0, 1);
    guest_wait_for(all_ticks, GUEST_WAIT_GUARD);
    uint64_t lo = ~0UL, hi = 0, freq = sysreg_r(cntfrq_el0);
    for (unsigned i = 1; i < ticks; i++) {
        uint64_t d = tick_at[i] - tick_at[i - 1];
        lo = d < lo ? d : lo;
        hi = d > hi ? d : hi;
    }
    guest_printf("timer: %u ticks of 1000 us, intervals %lu..%lu us\n", ticks,
                 (unsigned long)(lo * 1000000 / freq), (unsigned long)(hi * 1000000 / freq));
    check("timer: every tick delivered", ticks == TICKS && count[0][27] == TICKS);

    guest_printf("vgic: %u failed\n", failed);
    return 0;
}
