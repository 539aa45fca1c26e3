/*
 * Calls from septum to the firmware below it (PSCI over the board's conduit): bringing CPUs up
 * and powering the machine off.
 */
#ifndef CORE_FIRMWARE_H
#define CORE_FIRMWARE_H
#include <stdbool.h>
#include <stdint.h>

/* Use HVC instead of the default SMC conduit (from the board DTB's /psci method). */
void fw_use_hvc(bool hvc);
int64_t fw_psci_version(void);
int64_t fw_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context);
_Noreturn void fw_system_off(void);
_Noreturn void fw_system_reset(void);
#endif
