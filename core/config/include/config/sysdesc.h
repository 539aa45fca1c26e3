/*
 * The system description: which VMs to run, written as a device-tree source (see README and
 * configs/), compiled with dtc and carried in the bundle as "system.dtb". Parsing checks every
 * VM against the machine and the bundle, and refuses a wrong description with a message naming
 * the VM, its node and the problem.
 */
#ifndef CORE_SYSDESC_H
#define CORE_SYSDESC_H
#include <core/vm.h>
#include <stdbool.h>
#include <stddef.h>

/* One pass-through device of a VM, as the description gives it, for the host to judge. */
typedef struct dev_query {
    const char *vm, *name; /* the VM's and the device node's names, for messages */
    uint64_t base, size;   /* page-aligned, not empty, no wrap */
    bool dma_unisolated;   /* septum,dma-unisolated: the description accepts a DMA master that no
                            * IOMMU isolates, and with it a VM that can reach all memory */
} dev_query_t;

/* What the host says about pass-through devices: host_refuses returns NULL if the device may be
 * the VM's, else the reason (used before the next call). console_irq is the INTID of the
 * interrupt septum's console raises (0: none): no VM may claim it. */
typedef struct dev_check {
    const char *(*host_refuses)(void *ctx, const dev_query_t *dev);
    void *ctx;
    uint32_t console_irq;
} dev_check_t;

/* pcpus: physical CPUs online; ipa_bits: the guests' IPA size; bundle: a checked bundle;
 * chk: judges pass-through devices (may be NULL to accept all). Besides chk's judgement, a
 * device range and an SPI belong to one VM at most. */
int sysdesc_parse(const void *fdt, size_t max, unsigned pcpus, unsigned ipa_bits,
                  const void *bundle, const dev_check_t *chk, vm_config_t *out, unsigned *n,
                  char *why, size_t why_len);
#endif
