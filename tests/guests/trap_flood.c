/*
 * Test guest: floods septum's log. It makes count accesses (bootargs count=N, default 100000)
 * that septum refuses, each of which septum reports: reads of a hole in its address space (the
 * isolation rule) and 64-bit reads its virtual PL011 refuses, alternately; each one
 * aborts in the guest and is skipped. Then it waits quiet_ms (default 1000) and makes one more,
 * so that septum reports what its rate limiter held back during the flood. septum must print a
 * bounded number of lines for all of it, and every other VM must keep running meanwhile.
 */
#include <septum/guest.h>

#define HOLE        0x30000000UL /* no region of this VM there */
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

int main(const void *dtb)
{
    (void)dtb;
    uint64_t count = 100000, quiet_ms = 1000, aborted = 0;
    guest_arg("count", &count);
    guest_arg("quiet_ms", &quiet_ms);
    guest_printf("flood: %lu refused accesses\n", (unsigned long)count);
    for (uint64_t i = 0; i < count; i++) {
        aborted += refused(i & 1 ? PL011_REG : HOLE);
        if ((i + 1) % PROGRESS_AT == 0)
            guest_printf("flood: %lu done\n", (unsigned long)(i + 1));
    }
    guest_sleep_ms(quiet_ms);
    aborted += refused(HOLE);
    guest_printf("flood: %lu of %lu accesses aborted\n", (unsigned long)aborted,
                 (unsigned long)count + 1);
    guest_printf("done\n");
    return 0;
}
