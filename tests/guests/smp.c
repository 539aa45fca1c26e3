/*
 * Test guest with two vCPUs: PSCI as a guest sees it. Versions and features, CPU_ON with bad
 * arguments (each with its PSCI error), CPU_ON of vCPU 1 which reports in and turns itself off,
 * AFFINITY_INFO through the whole cycle. vCPU 1 stays on until vCPU 0 lets it go, so every state
 * vCPU 0 checks is fixed, however the host schedules the two (a vCPU 1 that had already turned
 * itself off made the second CPU_ON succeed on a loaded machine).
 */
#include <septum/guest.h>

#define PSCI_VERSION          0x84000000U
#define PSCI_FEATURES         0x8400000aU
#define PSCI_CPU_ON_64        0xc4000003U
#define PSCI_AFFINITY_INFO_64 0xc4000004U
#define SMCCC_VERSION         0x80000000U

static uint8_t stack1[8192] __attribute__((aligned(16)));
static volatile uint64_t seen_context;
static volatile int may_stop;

void guest_secondary(uint64_t stack_top)
{
    uint64_t info[4];
    septum_hvc(SEPTUM_HC_VM_INFO, 0, 0, 0, 0, 0, 0, info);
    guest_printf("vcpu %lu up, context 0x%lx\n", (unsigned long)info[2], (unsigned long)stack_top);
    seen_context = stack_top;
    while (!may_stop)
        ;
}

static unsigned failed;

static void expect(const char *what, int64_t got, int64_t want)
{
    guest_printf("%s: %ld%s\n", what, (long)got, got == want ? "" : " (WRONG)");
    failed += got != want;
}

static int64_t call(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
    return septum_hvc(fid, a1, a2, a3, 0, 0, 0, NULL);
}

int main(const void *dtb)
{
    (void)dtb;
    uint64_t top = (uint64_t)(uintptr_t)(stack1 + sizeof(stack1));
    uint64_t entry = (uint64_t)(uintptr_t)guest_secondary_start;
    expect("PSCI_VERSION", call(PSCI_VERSION, 0, 0, 0), 0x10001);
    expect("SMCCC_VERSION", call(SMCCC_VERSION, 0, 0, 0), 0x10001);
    expect("FEATURES(CPU_ON)", call(PSCI_FEATURES, PSCI_CPU_ON_64, 0, 0), 0);
    expect("FEATURES(unknown)", call(PSCI_FEATURES, 0x8400ffff, 0, 0), -1);
    expect("unknown function", call(0x8400ffff, 0, 0, 0), -1);
    expect("AFFINITY_INFO(1) before", call(PSCI_AFFINITY_INFO_64, 1, 0, 0), 1);
    expect("AFFINITY_INFO(7)", call(PSCI_AFFINITY_INFO_64, 7, 0, 0), -2);
    expect("CPU_ON(7)", psci_cpu_on(7, entry, top), -2);
    expect("CPU_ON(1) at a bad entry", psci_cpu_on(1, 0x1000, top), -9);
    expect("CPU_ON(0) (myself)", psci_cpu_on(0, entry, top), -4);
    expect("CPU_ON(1)", psci_cpu_on(1, entry, top), 0);
    /* ON_PENDING (-5) until vCPU 1 first runs, ALREADY_ON (-4) after: both are right */
    int64_t again = psci_cpu_on(1, entry, top);
    guest_printf("CPU_ON(1) again: %ld%s\n", (long)again,
                 again == -4 || again == -5 ? "" : " (WRONG)");
    failed += again != -4 && again != -5;
    while (!seen_context)
        ;
    expect("context reached vcpu 1", seen_context == top, 1);
    expect("AFFINITY_INFO(1) while on", call(PSCI_AFFINITY_INFO_64, 1, 0, 0), 0);
    expect("CPU_ON(1) while on", psci_cpu_on(1, entry, top), -4);
    may_stop = 1;
    while (call(PSCI_AFFINITY_INFO_64, 1, 0, 0) != 1)
        ;
    expect("AFFINITY_INFO(1) after CPU_OFF", call(PSCI_AFFINITY_INFO_64, 1, 0, 0), 1);
    seen_context = 0;
    may_stop = 0;
    int64_t more = psci_cpu_on(1, entry, top);
    while (more == 0 && !seen_context)
        ;
    expect("CPU_ON(1) once more", more, 0); /* after vCPU 1's line: the two never interleave */
    may_stop = 1;
    while (call(PSCI_AFFINITY_INFO_64, 1, 0, 0) != 1)
        ;
    guest_printf("smp: %u failed\n", failed);
    guest_printf("done\n");
    return 0;
}
