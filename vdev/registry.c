/*
 * The table of virtual-device types and the loops over it.
 */
#include <core/vdev.h>
#include <lib/console.h>

/* One line per device type: the vdev_type_t its own file defines. */
#define VDEV_LIST(X) X(vdev_vgic) X(vdev_vgic_v2) X(vdev_pl011)

#define VDEV_DECLARE(name) extern const vdev_type_t name;
#define VDEV_ENTRY(name)   &name,
VDEV_LIST(VDEV_DECLARE)
static const vdev_type_t *const vdev_types[] = {VDEV_LIST(VDEV_ENTRY)};

#define VDEV_TYPES (sizeof(vdev_types) / sizeof(vdev_types[0]))

__attribute__((cold)) int vdev_attach_all(vm_t *vm)
{
    for (unsigned i = 0; i < VDEV_TYPES; i++) {
        int rc = vdev_types[i]->attach(vm);
        if (rc < 0) {
            log_error("vm %s: virtual %s: error %d\n", vm->cfg.name, vdev_types[i]->name, rc);
            return rc;
        }
    }
    return 0;
}

int vdev_dt_nodes(const vm_t *vm, void *fdt)
{
    for (unsigned i = 0; i < VDEV_TYPES; i++) {
        int rc = vdev_types[i]->dt_nodes ? vdev_types[i]->dt_nodes(vm, fdt) : 0;
        if (rc)
            return rc;
    }
    return 0;
}

const char *vdev_stdout_path(const vm_t *vm)
{
    for (unsigned i = 0; i < VDEV_TYPES; i++) {
        const char *p = vdev_types[i]->stdout_path ? vdev_types[i]->stdout_path(vm) : NULL;
        if (p)
            return p;
    }
    return NULL;
}

bool vdev_console_rx(vm_t *vm, char c)
{
    for (unsigned i = 0; i < VDEV_TYPES; i++)
        if (vdev_types[i]->console_rx && vdev_types[i]->console_rx(vm, c))
            return true;
    return false;
}
