/*
 * Test guest with two vCPUs and test control: while vCPU 1 changes the permissions of one page
 * of its RAM back and forth (SEPTUM_HC_REGION_SET: execute on, execute off; bootargs
 * toggles=N, default 5000), vCPU 0 keeps reading and writing a buffer in the same 2 MiB of RAM,
 * whose region never changes. Each change splits or merges septum's stage-2 mapping of that
 * 2 MiB (break-before-make), so vCPU 0's accesses can fault at stage 2 in the window; its
 * region permits them, so septum must let them retry rather than inject an abort. vCPU 0
 * counts the aborts it gets: none.
 */
#include <septum/guest.h>

static uint8_t toggled[4096] __attribute__((aligned(4096)));
static volatile uint64_t buffer[2048] __attribute__((aligned(4096)));
static uint8_t stack1[8192] __attribute__((aligned(16)));
static volatile uint64_t toggles = 5000, done_toggles, failed_toggles;
static volatile bool finished;

void guest_secondary(uint64_t stack_top)
{
    (void)stack_top;
    for (uint64_t i = 0; i < toggles; i++) {
        unsigned flags = SEPTUM_REGION_R | SEPTUM_REGION_W | (i & 1 ? SEPTUM_REGION_X : 0);
        failed_toggles += septum_hvc(SEPTUM_HC_REGION_SET, SEPTUM_REGION_OP_MODIFY,
                                     (uint64_t)(uintptr_t)toggled, sizeof(toggled), flags, 0, 0,
                                     NULL) != 0;
        done_toggles = i + 1;
    }
    finished = true;
}

int main(const void *dtb)
{
    (void)dtb;
    uint64_t n = 5000;
    guest_arg("toggles", &n);
    toggles = n;
    if (psci_cpu_on(1, (uint64_t)(uintptr_t)guest_secondary_start,
                    (uint64_t)(uintptr_t)(stack1 + sizeof(stack1))) != 0) {
        guest_printf("bbm: CPU_ON failed\n");
        return 1;
    }
    uint64_t accesses = 0, before = guest_exceptions;
    guest_expect_abort = true;
    while (!finished) {
        for (unsigned i = 0; i < sizeof(buffer) / sizeof(buffer[0]); i += 64) {
            buffer[i] = buffer[i] + 1;
            accesses += 2;
        }
    }
    guest_expect_abort = false;
    guest_printf("bbm: %lu region changes (%lu refused), %lu accesses beside them, %lu aborted\n",
                 (unsigned long)done_toggles, (unsigned long)failed_toggles,
                 (unsigned long)accesses, (unsigned long)(guest_exceptions - before));
    guest_printf("done\n");
    return 0;
}
