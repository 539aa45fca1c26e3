/*
 * Test guest for PSCI SYSTEM_RESET: counts its boots in a RAM word below its image (septum
 * reloads the image and the device tree on reset, not the rest of RAM) and resets itself
 * until it has booted three times.
 */
#include <septum/guest.h>

#define BOOTS ((volatile uint64_t *)0x40000000)
#define MAGIC 0x5e9700000000UL

int main(const void *dtb)
{
    (void)dtb;
    uint64_t n = (*BOOTS & ~0xffffUL) == MAGIC ? (*BOOTS & 0xffff) + 1 : 1;
    *BOOTS = MAGIC | n;
    guest_printf("boot %lu\n", (unsigned long)n);
    if (n < 3)
        psci_system_reset();
    guest_printf("done\n");
    return 0;
}
