/*
 * Test guest for the richer system-description features: a pass-through device (QEMU's PL031
 * RTC, whose ID registers are fixed) and its interrupt (the RTC's alarm, forwarded by septum as
 * a hardware interrupt through the virtual GIC), a second memory range, an initrd and the
 * generated device tree describing all of them.
 */
#include <libfdt.h>
#include <septum/guest.h>
#include <stdio.h>

#define PL031_PERIPHID0 0xfe0
#define PL031_ID0       0x31

#define PL031_DR   0x00
#define PL031_MR   0x04
#define PL031_IMSC 0x10
#define PL031_MIS  0x18
#define PL031_ICR  0x1c
#define RTC_INTID  34 /* SPI 2 */

static unsigned failed;
static uint64_t rtc;
static void check(const char *what, bool ok);
static volatile unsigned alarms, mis_seen;

static void irq(void)
{
    uint32_t iar = guest_gic_ack(), id = guest_gic_intid(iar);
    if (id == RTC_INTID) {
        volatile uint32_t *r = (volatile uint32_t *)(uintptr_t)rtc;
        mis_seen |= r[PL031_MIS / 4];
        r[PL031_ICR / 4] = 1; /* the device's line goes down before the EOI deactivates it */
        alarms++;
    }
    if (id < 1020)
        guest_gic_eoi(iar);
}

static bool alarmed(void) { return alarms != 0; }

/* The RTC's alarm one second ahead, delivered as SPI 2 while the guest waits. */
static void rtc_alarm(void)
{
    volatile uint32_t *r = (volatile uint32_t *)(uintptr_t)rtc;
    guest_irq_handler = irq;
    guest_gic_enable(RTC_INTID, 0x80);
    r[PL031_MR / 4] = r[PL031_DR / 4] + 1;
    r[PL031_IMSC / 4] = 1;
    __asm__ volatile("msr daifclr, #2" ::: "memory");
    guest_wait_for(alarmed, GUEST_WAIT_GUARD);
    r[PL031_IMSC / 4] = 0;
    __asm__ volatile("msr daifset, #2" ::: "memory");
    check("pass-through interrupt: the RTC alarm arrived once", alarms == 1 && (mis_seen & 1));
}

static void check(const char *what, bool ok)
{
    guest_printf("%s: %s\n", what, ok ? "ok" : "FAILED");
    failed += !ok;
}

int main(const void *dtb)
{
    uint64_t dev = 0, mem2 = 0;
    guest_arg("dev", &dev);
    guest_arg("mem2", &mem2);
    volatile uint32_t *id = (volatile uint32_t *)(uintptr_t)(dev + PL031_PERIPHID0);
    check("pass-through PL031 reads its ID", (*id & 0xff) == PL031_ID0);
    int rtc_node = fdt_path_offset(dtb, "/rtc@9010000");
    check("the device tree names it", rtc_node >= 0);
    int ilen = 0;
    const fdt32_t *irqs = fdt_getprop(dtb, rtc_node, "interrupts", &ilen);
    check("with its interrupt, SPI 2", irqs && ilen == 12 && fdt32_to_cpu(irqs[1]) == 2);
    rtc = dev;
    rtc_alarm();

    volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)mem2;
    for (unsigned i = 0; i < 512; i++)
        p[i * 8] = 0xabc0000 + i;
    bool same = true;
    for (unsigned i = 0; i < 512; i++)
        same &= p[i * 8] == 0xabc0000 + i;
    check("second memory range holds what was written", same);
    char node[32];
    snprintf(node, sizeof(node), "/memory@%lx", (unsigned long)mem2);
    check("the device tree lists it", fdt_path_offset(dtb, node) >= 0);

    int chosen = fdt_path_offset(dtb, "/chosen");
    const fdt64_t *start = fdt_getprop(dtb, chosen, "linux,initrd-start", NULL);
    const fdt64_t *end = fdt_getprop(dtb, chosen, "linux,initrd-end", NULL);
    check("initrd in /chosen", start && end);
    if (start && end) {
        const void *initrd = (const void *)(uintptr_t)fdt64_to_cpu(*start);
        check("initrd holds the packed device tree",
              fdt_magic(initrd) == FDT_MAGIC &&
                  fdt64_to_cpu(*end) - fdt64_to_cpu(*start) == fdt_totalsize(initrd));
    }
    guest_printf("devices: %u failed\n", failed);
    guest_printf("done\n");
    return 0;
}
