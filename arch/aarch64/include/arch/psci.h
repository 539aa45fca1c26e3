/*
 * PSCI (Arm DEN 0022) and SMCCC (Arm DEN 0028) function identifiers and return codes, and the
 * conduit septum uses to call the firmware below it (SMC on QEMU virt, which answers PSCI itself).
 */
#ifndef ARCH_PSCI_H
#define ARCH_PSCI_H

#define PSCI_VERSION           0x84000000U
#define PSCI_CPU_SUSPEND_64    0xc4000001U
#define PSCI_CPU_OFF           0x84000002U
#define PSCI_CPU_ON_64         0xc4000003U
#define PSCI_AFFINITY_INFO_64  0xc4000004U
#define PSCI_MIGRATE_INFO_TYPE 0x84000006U
#define PSCI_SYSTEM_OFF        0x84000008U
#define PSCI_SYSTEM_RESET      0x84000009U
#define PSCI_FEATURES          0x8400000aU

#define SMCCC_VERSION       0x80000000U
#define SMCCC_ARCH_FEATURES 0x80000001U

#define PSCI_SUCCESS            0
#define PSCI_NOT_SUPPORTED      (-1)
#define PSCI_INVALID_PARAMETERS (-2)
#define PSCI_DENIED             (-3)
#define PSCI_ALREADY_ON         (-4)
#define PSCI_ON_PENDING         (-5)
#define PSCI_INTERNAL_FAILURE   (-6)
#define PSCI_NOT_PRESENT        (-7)
#define PSCI_DISABLED           (-8)
#define PSCI_INVALID_ADDRESS    (-9)

#ifndef __ASSEMBLY__
#include <stdint.h>
/* One SMCCC call through SMC #0 or HVC #0; returns x0. */
int64_t arch_smc(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3);
int64_t arch_hvc(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3);
#endif
#endif
