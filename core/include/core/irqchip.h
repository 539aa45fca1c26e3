/*
 * The interrupt-controller role: what core needs from a VM's virtual interrupt controller, and
 * the one seam through which it reaches it. A virtual device fills this role when it attaches
 * (vdev/vgic.c does, for a GICv3 board; a vGICv2 would be another file filling the same table)
 * by setting vm->irqchip; a VM whose board has no controller septum can virtualise has none, gets
 * no interrupt-controller node in its device tree, and core calls nothing.
 *
 * Every hook but raise_private runs on a physical CPU that runs a vCPU of the VM; those taking
 * a vcpu_t run on that vCPU's own CPU (list registers are per CPU).
 */
#ifndef CORE_IRQCHIP_H
#define CORE_IRQCHIP_H
#include <stdbool.h>
#include <stdint.h>

/* INTIDs a VM's interrupt controller serves: SGIs 0-15, PPIs 16-31 and SPIs 32-255. */
#define IRQCHIP_INTID_NUM 256
#define IRQCHIP_PRIV_NUM  32

struct vm;
struct vcpu;

typedef struct irqchip {
    const char *name;
    /* The calling CPU's vCPU starts or restarts: its private interrupts and CPU interface (and,
     * for vCPU 0, the distributor) are reset. */
    void (*vcpu_reset)(struct vcpu *v);
    /* A physical interrupt this CPU took, forwarded to its vCPU as the same INTID with the
     * hardware bit: the guest's deactivation deactivates the physical interrupt. */
    void (*forward)(struct vcpu *v, uint32_t intid);
    /* The maintenance interrupt or a kick: bring the vCPU's list registers up to date. */
    void (*update)(struct vcpu *v);
    /* A level-sensitive SPI's input line (a virtual device's interrupt output). */
    void (*set_level)(struct vm *vm, uint32_t intid, bool level);
    /* A trapped SGI-generation write (ICC_SGI1R_EL1 and its aliases); NULL if the controller
     * takes SGIs through its distributor instead. */
    void (*sgi)(struct vcpu *v, uint64_t value);
    /* Make private interrupt intid (a PPI, 16-31) of the VM's vCPU vcpu pending, as an edge;
     * from any physical CPU, the caller's vCPU possibly another VM's (an event-channel upcall):
     * the controller brings it to that vCPU, kicking the vCPU's own CPU when it is another. */
    void (*raise_private)(struct vm *vm, unsigned vcpu, uint32_t intid);
    /* Write the controller's node into the guest device tree being built, with this phandle
     * (the root's interrupt-parent). 0 or a libfdt error. */
    int (*dt_node)(const struct vm *vm, void *fdt, uint32_t phandle);
} irqchip_t;
#endif
