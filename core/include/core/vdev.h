/*
 * The virtual-device registry. A virtual device is a reservation with a fault callback (mm/
 * reserve.h) plus, optionally, a node in the guest's device tree. Adding one means one file in
 * vdev/ and one line in vdev_types[] (vdev/vdev.c), nothing else.
 */
#ifndef VDEV_VDEV_H
#define VDEV_VDEV_H
#include <core/vm.h>

typedef struct vdev_type {
    const char *name;
    /* Attach to vm (reserve its range); 0, 1 if this VM does not get one, or a negative errno. */
    int (*attach)(vm_t *vm);
    /* Write its node(s) into the guest device tree being built; 0 or a libfdt error. */
    int (*dt_nodes)(const vm_t *vm, void *fdt);
    /* Its node path for /chosen/stdout-path, or NULL. */
    const char *(*stdout_path)(const vm_t *vm);
    /* A byte typed on the console while this VM has it; true if the device took it. */
    bool (*console_rx)(vm_t *vm, char c);
} vdev_type_t;

int vdev_attach_all(vm_t *vm);
int vdev_dt_nodes(const vm_t *vm, void *fdt);
const char *vdev_stdout_path(const vm_t *vm);
/* Give a console byte to the VM's console device; false if it has none (or it is full). */
bool vdev_console_rx(vm_t *vm, char c);
#endif
