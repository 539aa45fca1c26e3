/*
 * The other CPUs: started through the firmware's PSCI CPU_ON, each reports in, sets up its GIC
 * CPU interface and waits until the VMs exist before it enters its run loop.
 */
#include "boot.h"
#include <arch/firmware.h>
#include <arch/psci.h>
#include <arch/sysreg.h>
#include <arch/timer.h>
#include <core/irq.h>
#include <core/vm.h>
#include <lib/console.h>

#define CPU_ON_TIMEOUT_MS 1000

static uint32_t cpu_online[CPU_MAX];
static uint32_t vms_ready; /* secondaries wait for it before looking for their vCPU */

static const char *psci_error(int64_t e)
{
    switch (e) {
    case PSCI_INVALID_PARAMETERS: return "invalid parameters";
    case PSCI_DENIED: return "denied";
    case PSCI_ALREADY_ON: return "already on";
    case PSCI_ON_PENDING: return "on pending";
    case PSCI_INTERNAL_FAILURE: return "internal failure";
    case PSCI_INVALID_ADDRESS: return "invalid address";
    default: return "not supported";
    }
}

static bool wait_online(unsigned idx)
{
    uint64_t freq = arch_counter_freq(), start = arch_counter();
    uint64_t limit = freq / 1000 * CPU_ON_TIMEOUT_MS;
    while (!__atomic_load_n(&cpu_online[idx], __ATOMIC_ACQUIRE))
        if (arch_counter() - start > limit)
            return false;
    return true;
}

unsigned boot_start_cpus(uint64_t self)
{
    unsigned idx = 1, online = 1;
    for (unsigned i = 0; i < board.cpu_num; i++) {
        uint64_t mpidr = board.cpu[i].mpidr;
        if (mpidr == self)
            continue;
        if (idx >= CPU_MAX) {
            log_warn("cpu mpidr 0x%lx: septum supports %u CPUs; not started\n",
                     (unsigned long)mpidr, CPU_MAX);
            continue;
        }
        if (!board.psci.present || !board.cpu[i].psci) {
            log_warn("cpu mpidr 0x%lx: no PSCI enable-method; not started\n", (unsigned long)mpidr);
            continue;
        }
        int64_t rc = fw_cpu_on(mpidr, (uint64_t)boot_secondary_entry, idx);
        if (rc != PSCI_SUCCESS) {
            log_error("cpu mpidr 0x%lx: PSCI CPU_ON failed: %s (%ld)\n", (unsigned long)mpidr,
                      psci_error(rc), (long)rc);
            continue;
        }
        if (!wait_online(idx)) {
            log_error("cpu %u (mpidr 0x%lx) did not report in within %u ms\n", idx,
                      (unsigned long)mpidr, CPU_ON_TIMEOUT_MS);
            idx++;
            continue;
        }
        idx++;
        online++;
    }
    return online;
}

void septum_secondary_main(uint64_t cpu)
{
    uint64_t mpidr = read_sysreg(mpidr_el1) & MPIDR_AFF_MASK;
    log_info("cpu %lu: mpidr 0x%lx online\n", (unsigned long)cpu, (unsigned long)mpidr);
    irq_cpu_init((unsigned)cpu, mpidr);
    __atomic_store_n(&cpu_online[cpu], 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&vms_ready, __ATOMIC_ACQUIRE))
        wfe();
    pcpu_loop(cpu);
}

void boot_release_cpus(void)
{
    __atomic_store_n(&vms_ready, 1, __ATOMIC_RELEASE);
    dsb_ish();
    sev();
}
