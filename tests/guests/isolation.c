/*
 * Test guest: tries to read and write each address given as probe0..probe7 in its bootargs
 * (another VM's memory, septum's, an unmapped hole). Every access must end in the external
 * abort septum injects; the guest counts them and reports.
 */
#include <septum/guest.h>
#include <stdio.h>

int main(const void *dtb)
{
    (void)dtb;
    unsigned tried = 0, aborted = 0;
    for (unsigned i = 0; i < 8; i++) {
        char key[8];
        uint64_t addr;
        snprintf(key, sizeof(key), "probe%u", i);
        if (!guest_arg(key, &addr))
            continue;
        volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)addr;
        for (int write = 0; write < 2; write++) {
            uint64_t before = guest_exceptions;
            guest_expect_abort = true;
            if (write)
                *p = 0x5e97a11;
            else
                (void)*p;
            guest_expect_abort = false;
            tried++;
            if (guest_exceptions != before) {
                aborted++;
                guest_printf("%s 0x%lx: aborted (ESR 0x%lx)\n", write ? "write" : "read",
                             (unsigned long)addr, (unsigned long)guest_last_esr);
            } else {
                guest_printf("%s 0x%lx: SUCCEEDED\n", write ? "write" : "read",
                             (unsigned long)addr);
            }
        }
    }
    guest_printf("isolation: %u of %u accesses aborted\n", aborted, tried);
    guest_printf("done\n");
    return 0;
}
