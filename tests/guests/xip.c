/*
 * Test guest that runs in place from a read-only region (kernel-xip): its code and constants
 * stay where septum mapped them, its data lives in RAM. Writing to its own code must fault.
 */
#include <septum/guest.h>

static const char banner[] = "running in place";
static int counter = 41; /* initial data, copied to RAM by crt0 */

int main(const void *dtb)
{
    (void)dtb;
    uint64_t pc;
    __asm__ volatile("adr %0, ." : "=r"(pc));
    counter++;
    guest_printf("%s at pc 0x%lx, data at 0x%lx (counter %d)\n", banner, (unsigned long)pc,
                 (unsigned long)(uintptr_t)&counter, counter);
    volatile uint32_t *code = (volatile uint32_t *)(uintptr_t)main;
    uint64_t before = guest_exceptions;
    guest_expect_abort = true;
    *code = 0xd503201f; /* a NOP over its own first instruction */
    guest_expect_abort = false;
    guest_printf("write to its own code: %s\n",
                 guest_exceptions != before ? "aborted" : "SUCCEEDED");
    guest_printf("done\n");
    return 0;
}
