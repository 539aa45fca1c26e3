/*
 * The guest SDK (see guest/include/septum/guest.h): hypercalls, console over
 * SEPTUM_HC_CONSOLE_WRITE (bytes in registers, so septum never reads guest memory for it),
 * PSCI, exception capture, and the device tree's bootargs through libfdt.
 */
#include <errno.h>
#include <libfdt.h>
#include <septum/guest.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PSCI_CPU_ON_64    0xc4000003U
#define PSCI_SYSTEM_OFF   0x84000008U
#define PSCI_SYSTEM_RESET 0x84000009U
#define ESR_EC(esr)       (((esr) >> 26) & 0x3f)
#define EC_DABT_CUR       0x25
#define EC_UNKNOWN        0x00

volatile bool guest_expect_abort, guest_expect_undef;
volatile uint64_t guest_last_esr, guest_last_far, guest_exceptions;
void (*volatile guest_irq_handler)(void);
static const void *guest_dtb;

int64_t septum_hvc(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
                   uint64_t a6, uint64_t ret[4])
{
    register uint64_t x0 __asm__("x0") = fid;
    register uint64_t x1 __asm__("x1") = a1;
    register uint64_t x2 __asm__("x2") = a2;
    register uint64_t x3 __asm__("x3") = a3;
    register uint64_t x4 __asm__("x4") = a4;
    register uint64_t x5 __asm__("x5") = a5;
    register uint64_t x6 __asm__("x6") = a6;
    __asm__ volatile("hvc #0"
                     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "+r"(x6)
                     :
                     : "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17",
                       "memory");
    if (ret) {
        ret[0] = x0;
        ret[1] = x1;
        ret[2] = x2;
        ret[3] = x3;
    }
    return (int64_t)x0;
}

static void console_send(const char *s, size_t n)
{
    while (n) {
        uint64_t w[5] = {0};
        size_t k = n < SEPTUM_CONSOLE_WRITE_MAX ? n : SEPTUM_CONSOLE_WRITE_MAX;
        memcpy(w, s, k);
        septum_hvc(SEPTUM_HC_CONSOLE_WRITE, k, w[0], w[1], w[2], w[3], w[4], NULL);
        s += k;
        n -= k;
    }
}

void guest_puts(const char *s) { console_send(s, strlen(s)); }

int guest_printf(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    guest_puts(buf);
    return n;
}

int64_t psci_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context)
{
    return septum_hvc(PSCI_CPU_ON_64, mpidr, entry, context, 0, 0, 0, NULL);
}

void psci_system_off(void)
{
    septum_hvc(PSCI_SYSTEM_OFF, 0, 0, 0, 0, 0, 0, NULL);
    for (;;)
        __asm__ volatile("wfi");
}

void psci_system_reset(void)
{
    septum_hvc(PSCI_SYSTEM_RESET, 0, 0, 0, 0, 0, 0, NULL);
    for (;;)
        __asm__ volatile("wfi");
}

void guest_exception(guest_frame_t *f, uint64_t kind);
void guest_exception(guest_frame_t *f, uint64_t kind)
{
    uint64_t esr, far;
    __asm__ volatile("mrs %0, esr_el1" : "=r"(esr));
    __asm__ volatile("mrs %0, far_el1" : "=r"(far));
    guest_last_esr = esr;
    guest_last_far = far;
    if ((kind & 3) == 1 && guest_irq_handler) {
        guest_irq_handler(); /* an IRQ: the test's handler acknowledges it */
        return;
    }
    guest_exceptions++;
    if (guest_expect_abort && (kind & 3) == 0 && ESR_EC(esr) == EC_DABT_CUR) {
        f->elr += 4; /* skip the access that faulted */
        return;
    }
    if (guest_expect_undef && (kind & 3) == 0 && ESR_EC(esr) == EC_UNKNOWN) {
        f->elr += 4; /* skip the instruction */
        return;
    }
    guest_printf("unexpected exception: vector %lu, ESR 0x%lx, FAR 0x%lx, ELR 0x%lx\n",
                 (unsigned long)kind, (unsigned long)esr, (unsigned long)far,
                 (unsigned long)f->elr);
    psci_system_off();
}

bool guest_faults(void (*fn)(void))
{
    uint64_t before = guest_exceptions;
    guest_expect_abort = true;
    fn();
    guest_expect_abort = false;
    return guest_exceptions != before;
}

const char *guest_bootargs(void)
{
    int chosen = guest_dtb ? fdt_path_offset(guest_dtb, "/chosen") : -1;
    const char *args = chosen >= 0 ? fdt_getprop(guest_dtb, chosen, "bootargs", NULL) : NULL;
    return args ? args : "";
}

bool guest_arg(const char *key, uint64_t *value)
{
    const char *args = guest_bootargs();
    size_t kl = strlen(key);
    for (const char *p = args; (p = strstr(p, key)) != NULL; p += kl) {
        if ((p == args || p[-1] == ' ') && p[kl] == '=') {
            *value = strtoull(p + kl + 1, NULL, 0);
            return true;
        }
    }
    return false;
}

/* newlib's needs */
void *_sbrk(ptrdiff_t incr);
void *_sbrk(ptrdiff_t incr)
{
    extern char __heap_start[], __heap_end[];
    static char *brk = __heap_start;
    if (incr < 0 || incr > __heap_end - brk) {
        errno = ENOMEM;
        return (void *)-1;
    }
    char *p = brk;
    brk += incr;
    return p;
}
uintptr_t __stack_chk_guard = 0x6e73c0de5eed1234UL;
_Noreturn void __stack_chk_fail(void);
void __stack_chk_fail(void)
{
    guest_puts("stack smashed\n");
    psci_system_off();
}

void guest_main_entry(const void *dtb);
void guest_main_entry(const void *dtb)
{
    guest_dtb = (dtb && fdt_check_header(dtb) == 0) ? dtb : NULL;
    int rc = main(dtb);
    guest_printf("exit %d\n", rc);
}

/* Guests without secondary vCPUs need no code for them. */
__attribute__((weak)) void guest_secondary(uint64_t stack_top) { (void)stack_top; }

/* ---- the virtual GIC, minimally: one interrupt at a time ----
 * A GICv3 (redistributors, system-register CPU interface; group 1) or a GICv2 (banked private
 * registers in the distributor, memory-mapped CPU interface; group 0, as after reset), told
 * apart by the distributor's identification register at GICv3's place (zero on a GICv2). */

#define GICD_BASE      0x08000000UL
#define GICC_BASE      0x08010000UL /* GICv2 */
#define GICR0_BASE     0x080a0000UL
#define GICR_STRIDE    0x20000UL
#define GICR_WAKER     0x14
#define GICR_SGI_FRAME 0x10000UL
#define GICD_PIDR2_V3  0xffe8
#define GIC_IGROUPR    0x080
#define GIC_ISENABLER  0x100
#define GIC_IPRIORITYR 0x400
#define GIC_ITARGETSR  0x800 /* GICv2 */
#define GICD_CTLR_G0   0x1U
#define GICD_CTLR_G1   0x2U
#define GICC_CTLR      0x00
#define GICC_PMR       0x04
#define GICC_IAR       0x0c
#define GICC_EOIR      0x10
#define VTIMER_INTID   27
#define CNTV_CTL_EN    1UL
#define CNTV_CTL_STAT  4UL

static volatile uint32_t *gic_reg(uint64_t a) { return (volatile uint32_t *)a; }

unsigned guest_gic_version(void)
{
    static unsigned v;
    if (!v)
        v = (*gic_reg(GICD_BASE + GICD_PIDR2_V3) >> 4 & 0xf) == 3 ? 3 : 2;
    return v;
}

void guest_gic_enable(unsigned intid, uint8_t prio)
{
    if (guest_gic_version() == 2) {
        /* private interrupts are banked at the distributor; an SPI is sent to this vCPU (its
         * own interface's bit, as ITARGETSR0 reads it) */
        if (intid >= 32)
            *(volatile uint8_t *)(GICD_BASE + GIC_ITARGETSR +
                                  intid) = *(volatile uint8_t *)(GICD_BASE + GIC_ITARGETSR);
        *(volatile uint8_t *)(GICD_BASE + GIC_IPRIORITYR + intid) = prio;
        *gic_reg(GICD_BASE + GIC_ISENABLER + 4 * (intid / 32)) = 1U << (intid % 32);
        *gic_reg(GICD_BASE) |= GICD_CTLR_G0;
        *gic_reg(GICC_BASE + GICC_PMR) = 0xff;
        *gic_reg(GICC_BASE + GICC_CTLR) = GICD_CTLR_G0;
        return;
    }
    uint64_t mpidr;
    __asm__ volatile("mrs %0, mpidr_el1" : "=r"(mpidr));
    uint64_t rd = GICR0_BASE + (mpidr & 0xff) * GICR_STRIDE;
    /* private interrupts live in this vCPU's redistributor, SPIs in the distributor */
    uint64_t bank = intid < 32 ? rd + GICR_SGI_FRAME : GICD_BASE;
    *gic_reg(GICD_BASE) |= GICD_CTLR_G1;
    *gic_reg(rd + GICR_WAKER) = 0;
    *gic_reg(bank + GIC_IGROUPR + 4 * (intid / 32)) |= 1U << (intid % 32);
    *(volatile uint8_t *)(bank + GIC_IPRIORITYR + intid) = prio;
    *gic_reg(bank + GIC_ISENABLER + 4 * (intid / 32)) = 1U << (intid % 32);
    __asm__ volatile("msr icc_pmr_el1, %0; msr icc_igrpen1_el1, %1; isb" ::"r"(0xffUL), "r"(1UL));
}

uint32_t guest_gic_ack(void)
{
    if (guest_gic_version() == 2)
        return *gic_reg(GICC_BASE + GICC_IAR);
    uint64_t id;
    __asm__ volatile("mrs %0, icc_iar1_el1" : "=r"(id));
    return (uint32_t)id & 0xffffff;
}

void guest_gic_eoi(uint32_t iar)
{
    if (guest_gic_version() == 2)
        *gic_reg(GICC_BASE + GICC_EOIR) = iar;
    else
        __asm__ volatile("msr icc_eoir1_el1, %0; isb" ::"r"((uint64_t)iar));
}

/* ---- waiting: spinning on the counter, sleeping on the virtual timer ---- */

static uint64_t counter(void)
{
    uint64_t v;
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v)::"memory");
    return v;
}

bool guest_wait_for(bool (*cond)(void), unsigned seconds)
{
    uint64_t freq;
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
    uint64_t end = counter() + seconds * freq;
    while (!cond() && counter() < end)
        ;
    return cond();
}

void guest_sleep_ms(uint64_t ms)
{
    uint64_t freq, now;
    guest_gic_enable(VTIMER_INTID, 0x80);
    __asm__ volatile("mrs %0, cntfrq_el0; isb; mrs %1, cntvct_el0" : "=r"(freq), "=r"(now));
    uint64_t daif;
    __asm__ volatile("mrs %0, daif; msr daifset, #2" : "=r"(daif)::"memory");
    __asm__ volatile("msr cntv_cval_el0, %0; msr cntv_ctl_el0, %1; isb" ::"r"(now +
                                                                              freq / 1000 * ms),
                     "r"(CNTV_CTL_EN));
    uint64_t ctl;
    do { /* a pending interrupt ends WFI even while masked */
        __asm__ volatile("wfi; isb; mrs %0, cntv_ctl_el0" : "=r"(ctl)::"memory");
    } while (!(ctl & CNTV_CTL_STAT));
    __asm__ volatile("msr cntv_ctl_el0, xzr; isb" ::: "memory");
    uint32_t iar = guest_gic_ack();
    if (guest_gic_intid(iar) < 1020)
        guest_gic_eoi(iar);
    __asm__ volatile("msr daif, %0" ::"r"(daif) : "memory");
}
