/*
 * Building VMs from their descriptions: frames for their RAM, stage 2 and region table, virtual
 * devices, services (each service's create hook, the image loader among them) and vCPUs pinned
 * to their CPUs. The loader also runs at every reset (vm_loader, a vm_service_t).
 */
#ifndef CONFIG_LOAD_H
#define CONFIG_LOAD_H
#include <core/vm.h>

/* Create every VM of the description. Returns the number created, or a negative errno after
 * printing why (naming the VM). */
int vm_create_all(const vm_config_t *cfg, unsigned n, const void *bundle);
#endif
