/*
 * Test guest: a bare-metal VM that keeps printing "tick N" every period_ms milliseconds of the
 * generic counter (bootargs ticks=N, default 0: forever; period_ms, default 100), to show that
 * it keeps running while other VMs (a Linux guest) boot and work beside it.
 */
#include <septum/guest.h>

static uint64_t counter(void)
{
    uint64_t v;
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v));
    return v;
}

int main(const void *dtb)
{
    uint64_t ticks = 0, period_ms = 100, freq;
    (void)dtb;
    guest_arg("ticks", &ticks);
    guest_arg("period_ms", &period_ms);
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
    uint64_t step = freq / 1000 * period_ms, next = counter() + step;
    for (uint64_t n = 1; ticks == 0 || n <= ticks; n++) {
        while (counter() < next)
            ;
        next += step;
        guest_printf("tick %lu\n", (unsigned long)n);
    }
    guest_printf("done\n");
    return 0;
}
