/*
 * PSCI client: septum asks the firmware (QEMU itself on virt) to start CPUs and to power off.
 * If the firmware ignores SYSTEM_OFF, the CPU parks with interrupts masked rather than return.
 */
#include <arch/firmware.h>
#include <arch/psci.h>
#include <arch/sysreg.h>

static bool fw_hvc;

void fw_use_hvc(bool hvc) { fw_hvc = hvc; }

static int64_t fw_call(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
    return fw_hvc ? arch_hvc(fid, a1, a2, a3) : arch_smc(fid, a1, a2, a3);
}

int64_t fw_psci_version(void) { return fw_call(PSCI_VERSION, 0, 0, 0); }

int64_t fw_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context)
{
    return fw_call(PSCI_CPU_ON_64, mpidr & MPIDR_AFF_MASK, entry, context);
}

static _Noreturn void park(void)
{
    for (;;)
        wfi();
}

void fw_system_off(void)
{
    fw_call(PSCI_SYSTEM_OFF, 0, 0, 0);
    park();
}

void fw_system_reset(void)
{
    fw_call(PSCI_SYSTEM_RESET, 0, 0, 0);
    park();
}
