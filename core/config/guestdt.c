/*
 * Guest device-tree generation with libfdt's sequential writer: memory, CPUs, PSCI, the timer,
 * pass-through devices, then the VM's interrupt controller and virtual devices write their own
 * nodes. A VM without an interrupt controller gets no interrupt properties at all. Interrupt
 * specifiers use the GIC's three cells (GICv2 and GICv3 alike). /chosen carries fresh seeds
 * (rng-seed, kaslr-seed) when the board gave septum entropy.
 */
#include <config/guestdt.h>
#include <core/vdev.h>
#include <lib/seed.h>
#include <libfdt.h>
#include <septum/xen_evtchn.h>
#include <stdio.h>
#include <string.h>

#define GIC_PHANDLE       1
#define GIC_PPI           1
#define GIC_SPI_TYPE      0
#define IRQ_LEVEL_HIGH    4
#define IRQ_LEVEL_LOW     0xf04 /* all CPUs, level-triggered active-low: the timer's usual flags */
#define IRQ_LEVEL_LOW_ALL 0xf08 /* all CPUs, level-triggered active low (Xen's event PPI) */

static int prop_cells(void *fdt, const char *name, const uint32_t *v, unsigned n)
{
    fdt32_t cells[16];
    for (unsigned i = 0; i < n && i < 16; i++)
        cells[i] = cpu_to_fdt32(v[i]);
    return fdt_property(fdt, name, cells, (int)(n * 4));
}

static int reg64(void *fdt, const uint64_t *pairs, unsigned n)
{
    uint32_t v[8];
    for (unsigned i = 0; i < n && i < 4; i++) {
        v[2 * i] = (uint32_t)(pairs[i] >> 32);
        v[2 * i + 1] = (uint32_t)pairs[i];
    }
    return prop_cells(fdt, "reg", v, 2 * n);
}

#define TRY(x)                                                                                     \
    do {                                                                                           \
        int rc_ = (x);                                                                             \
        if (rc_)                                                                                   \
            return rc_;                                                                            \
    } while (0)

/* septum's own node, or for a xen-guest VM Xen's binding (Linux's
 * Documentation/devicetree/bindings/arm/xen.txt): the name exactly "hypervisor", the versioned
 * compatible first (Linux takes the version from it) and "xen,xen"; reg[0] where the guest maps
 * its grant-table frames, reg[1] the rest of the grant window (extended region: free space for
 * foreign mappings); the event-channel PPI. septum's own strings and properties stay, for the
 * SDK. */
static int hypervisor_node(const vm_t *vm, void *buf)
{
    TRY(fdt_begin_node(buf, "hypervisor"));
    if (vm->cfg.xen_guest) {
        static const char xen_compat[] = "xen,xen-4.17\0xen,xen\0septum,hypervisor";
        TRY(fdt_property(buf, "compatible", xen_compat, sizeof(xen_compat)));
    } else
        TRY(fdt_property_string(buf, "compatible", "septum,hypervisor"));
    TRY(fdt_property_string(buf, "septum,console", "hvc"));
    /* the Xen-compatible grant-table ABI and where foreign frames may be mapped */
    TRY(fdt_property_string(buf, "septum,xen-abi", "grant-table-v1"));
    TRY(fdt_property_u32(buf, "septum,domid", vm->cfg.domid));
    if (vm->cfg.xen_guest) {
        uint64_t table = SEPTUM_GNTTAB_FRAMES * 4096UL;
        uint64_t reg[4] = {VM_GRANT_WINDOW, table, VM_GRANT_WINDOW + table,
                           VM_GRANT_WINDOW_SIZE - table};
        TRY(reg64(buf, reg, 4));
        /* the upcall: PPI 15 (INTID 31) to every CPU, level-triggered active low, as Xen's */
        static const uint32_t evtchn_irq[] = {GIC_PPI, XEN_EVTCHN_PPI - 16, IRQ_LEVEL_LOW_ALL};
        if (vm->irqchip)
            TRY(prop_cells(buf, "interrupts", evtchn_irq, 3));
    } else {
        uint64_t win[2] = {VM_GRANT_WINDOW, VM_GRANT_WINDOW_SIZE};
        TRY(reg64(buf, win, 2));
    }
    return fdt_end_node(buf);
}

int guestdt_build(const vm_t *vm, void *buf, size_t size)
{
    char name[48];
    /* no search of the strings block for a name written already: libfdt scans it byte by byte
     * for every property (about 3,700 instructions each, 200,000 of a boot); repeated names cost
     * a few hundred bytes of DTB instead */
    TRY(fdt_create_with_flags(buf, (int)size, FDT_CREATE_FLAG_NO_NAME_DEDUP));
    TRY(fdt_finish_reservemap(buf));
    TRY(fdt_begin_node(buf, ""));
    TRY(fdt_property_u32(buf, "#address-cells", 2));
    TRY(fdt_property_u32(buf, "#size-cells", 2));
    TRY(fdt_property_string(buf, "compatible", "septum,guest"));
    snprintf(name, sizeof(name), "septum VM %s", vm->cfg.name);
    TRY(fdt_property_string(buf, "model", name));
    if (vm->irqchip)
        TRY(fdt_property_u32(buf, "interrupt-parent", GIC_PHANDLE));

    TRY(fdt_begin_node(buf, "chosen"));
    TRY(fdt_property_string(buf, "bootargs", vm->cfg.bootargs));
    const char *out = vdev_stdout_path(vm);
    if (out)
        TRY(fdt_property_string(buf, "stdout-path", out));
    if (vm->initrd_data) {
        TRY(fdt_property_u64(buf, "linux,initrd-start", vm->cfg.initrd_load));
        TRY(fdt_property_u64(buf, "linux,initrd-end", vm->cfg.initrd_load + vm->initrd_size));
    }
    /* Entropy of its own, fresh at every boot of the VM (lib/seed.h): without it Linux's random
     * number generator is not ready for most of its boot, and every random number it takes
     * meanwhile (one per system call, for the kernel stack's offset) costs thousands of
     * instructions; with kaslr-seed it randomises its own address, as on the bare board. */
    uint8_t seed[SEED_MIN_BYTES + 8];
    if (seed_draw(seed, sizeof(seed))) {
        int rc = fdt_property(buf, "rng-seed", seed, SEED_MIN_BYTES);
        if (!rc)
            rc = fdt_property(buf, "kaslr-seed", seed + SEED_MIN_BYTES, 8);
        memset(seed, 0, sizeof(seed));
        __asm__ volatile("" ::"r"(seed) : "memory"); /* the wipe is not a dead store */
        TRY(rc);
    }
    TRY(fdt_end_node(buf));

    for (unsigned m = 0; m < vm->cfg.mem_num; m++) {
        snprintf(name, sizeof(name), "memory@%lx", (unsigned long)vm->cfg.mem[m].gpa);
        TRY(fdt_begin_node(buf, name));
        TRY(fdt_property_string(buf, "device_type", "memory"));
        uint64_t mem[2] = {vm->cfg.mem[m].gpa, vm->cfg.mem[m].size};
        TRY(reg64(buf, mem, 2));
        TRY(fdt_end_node(buf));
    }

    for (unsigned d = 0; d < vm->cfg.dev_num; d++) {
        TRY(fdt_begin_node(buf, vm->cfg.dev[d].name));
        TRY(fdt_property_string(buf, "compatible", "septum,passthrough"));
        uint64_t reg[2] = {vm->cfg.dev[d].base, vm->cfg.dev[d].size};
        TRY(reg64(buf, reg, 2));
        if (vm->cfg.dev[d].irq_num && vm->irqchip) {
            uint32_t irqs[3 * VM_DEV_IRQ_MAX];
            for (unsigned i = 0; i < vm->cfg.dev[d].irq_num; i++) {
                irqs[3 * i] = GIC_SPI_TYPE;
                irqs[3 * i + 1] = vm->cfg.dev[d].irq[i] - 32;
                irqs[3 * i + 2] = IRQ_LEVEL_HIGH;
            }
            TRY(prop_cells(buf, "interrupts", irqs, 3 * vm->cfg.dev[d].irq_num));
        }
        TRY(fdt_end_node(buf));
    }

    TRY(fdt_begin_node(buf, "cpus"));
    TRY(fdt_property_u32(buf, "#address-cells", 1));
    TRY(fdt_property_u32(buf, "#size-cells", 0));
    for (unsigned i = 0; i < vm->cfg.vcpu_num; i++) {
        snprintf(name, sizeof(name), "cpu@%u", i);
        TRY(fdt_begin_node(buf, name));
        TRY(fdt_property_string(buf, "device_type", "cpu"));
        TRY(fdt_property_string(buf, "compatible", "arm,armv8"));
        TRY(fdt_property_u32(buf, "reg", i));
        TRY(fdt_property_string(buf, "enable-method", "psci"));
        TRY(fdt_end_node(buf));
    }
    TRY(fdt_end_node(buf));

    TRY(fdt_begin_node(buf, "psci"));
    static const char psci_compat[] = "arm,psci-1.0\0arm,psci-0.2\0arm,psci";
    TRY(fdt_property(buf, "compatible", psci_compat, sizeof(psci_compat)));
    TRY(fdt_property_string(buf, "method", "hvc"));
    TRY(fdt_end_node(buf));

    TRY(fdt_begin_node(buf, "timer"));
    TRY(fdt_property_string(buf, "compatible", "arm,armv8-timer"));
    static const uint32_t timer_irqs[] = {GIC_PPI, 13, IRQ_LEVEL_LOW, GIC_PPI, 14, IRQ_LEVEL_LOW,
                                          GIC_PPI, 11, IRQ_LEVEL_LOW, GIC_PPI, 10, IRQ_LEVEL_LOW};
    if (vm->irqchip)
        TRY(prop_cells(buf, "interrupts", timer_irqs, 12));
    TRY(fdt_property(buf, "always-on", NULL, 0));
    TRY(fdt_end_node(buf));

    if (vm->irqchip)
        TRY(vm->irqchip->dt_node(vm, buf, GIC_PHANDLE));
    TRY(vdev_dt_nodes(vm, buf));

    TRY(hypervisor_node(vm, buf));

    TRY(fdt_end_node(buf));
    return fdt_finish(buf);
}
