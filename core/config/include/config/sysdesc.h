/*
 * The system description: which VMs to run, written as a device-tree source (see README and
 * configs/), compiled with dtc and carried in the bundle as "system.dtb". Parsing checks every
 * VM against the machine and the bundle, and refuses a wrong description with a message naming
 * the VM, its node and the problem.
 */
#ifndef CORE_SYSDESC_H
#define CORE_SYSDESC_H
#include <core/vm.h>
#include <stddef.h>

/* Whether a host range may be passed through to a VM: NULL if so, else the reason. */
typedef struct dev_check {
    const char *(*host_refuses)(void *ctx, uint64_t base, uint64_t size);
    void *ctx;
} dev_check_t;

/* pcpus: physical CPUs online; ipa_bits: the guests' IPA size; bundle: a checked bundle;
 * chk: judges pass-through device ranges (may be NULL to accept all). */
int sysdesc_parse(const void *fdt, size_t max, unsigned pcpus, unsigned ipa_bits,
                  const void *bundle, const dev_check_t *chk, vm_config_t *out, unsigned *n,
                  char *why, size_t why_len);
#endif
