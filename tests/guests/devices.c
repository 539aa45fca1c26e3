/*
 * Test guest for the richer system-description features: a pass-through device (QEMU's PL031
 * RTC, whose ID registers are fixed), a second memory range, an initrd and the generated device
 * tree describing all three.
 */
#include <libfdt.h>
#include <septum/guest.h>
#include <stdio.h>

#define PL031_PERIPHID0 0xfe0
#define PL031_ID0       0x31

static unsigned failed;

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
    check("the device tree names it", fdt_path_offset(dtb, "/rtc@9010000") >= 0);

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
        check("initrd holds the packed device tree", fdt_magic(initrd) == FDT_MAGIC &&
                                                         fdt64_to_cpu(*end) - fdt64_to_cpu(*start) ==
                                                             fdt_totalsize(initrd));
    }
    guest_printf("devices: %u failed\n", failed);
    guest_printf("done\n");
    return 0;
}
