/*
 * The virtual GICv2, an irqchip_t (core/irqchip.h) for VMs on a board whose GIC is a GICv2 with
 * the virtualisation extensions (a GIC-400): what only a GICv2 has, over the interrupt state and
 * distributor registers both versions share (vgic_core.c). The distributor's private words
 * (bitmaps, priorities, configuration, targets of INTIDs 0-31) are banked per vCPU at the one
 * distributor address; SPIs are routed by GICD_ITARGETSR (a CPU mask a byte, the lowest of the
 * VM's vCPUs it names taking the interrupt); SGIs are sent through GICD_SGIR with a target list
 * or a filter, and kept pending per source (GICD_SPENDSGIR, GICD_CPENDSGIR), one list register
 * per source, whose number the guest reads in GICC_IAR. The guest's CPU interface is not
 * emulated: the hardware's virtual CPU interface (GICV), banked per CPU like GICH, is mapped in
 * stage 2 where the guest's device tree puts its GICC, so acknowledging and ending interrupts
 * never trap.
 *
 * Registers: GICv2 architecture specification (Arm IHI 0048B), 4.3 (distributor) and 5.5 (the
 * virtual CPU interface). Reserved and unimplemented registers read as zero and ignore writes;
 * accesses of a size a register does not allow are refused.
 */
#include "vgic_core.h"
#include <lib/console.h>
#include <libfdt.h>
#include <stdio.h>

/* Where the guest finds its CPU interface: QEMU virt's address, two 4 KiB pages (GICC_DIR is in
 * the second). */
#define VGIC2_GICC_BASE 0x08010000UL
#define VGIC2_GICC_SIZE 0x2000UL

/* The vCPUs an ITARGETSR byte names, as a mask of the VM's. */
static uint8_t vcpus_mask(const vgic_t *g) { return (uint8_t)((1U << g->vm->cfg.vcpu_num) - 1); }

/* The vCPU an ITARGETSR byte routes to: the lowest it names, or none. */
static unsigned route_of(uint8_t targets)
{
    return targets ? (unsigned)__builtin_ctz(targets) : VGIC_ROUTE_NONE;
}

/* GICD_ITARGETSR: a byte an interrupt, accessed a byte or a word at a time. The private
 * interrupts' bytes name the reading vCPU and ignore writes; an SPI's keeps the bits that name
 * the VM's vCPUs. With one vCPU (a uniprocessor GIC) every byte reads as zero and ignores
 * writes, and every SPI goes to that vCPU. */
static memory_fault_result_t targets_access(vgic_t *g, unsigned vcpu, uint64_t p, mem_access_t *a)
{
    if (a->size != 1 && a->size != 4)
        return FAULT_UNHANDLED;
    if (g->vm->cfg.vcpu_num == 1)
        return vgic_raz_wi(a);
    if (!a->write) {
        uint32_t v = 0;
        for (unsigned i = 0; i < a->size; i++) {
            uint32_t id = (uint32_t)p + i;
            uint8_t t = id < GIC_PRIV_NUM
                            ? (uint8_t)(1U << vcpu)
                            : __atomic_load_n(&g->targets[id - GIC_PRIV_NUM], __ATOMIC_RELAXED);
            v |= (uint32_t)t << (8 * i);
        }
        a->value = v;
        return FAULT_HANDLED;
    }
    if (p < GIC_PRIV_NUM)
        return FAULT_HANDLED;
    spin_lock(&g->lock);
    for (unsigned i = 0; i < a->size; i++) {
        uint32_t id = (uint32_t)p + i;
        uint8_t t = (uint8_t)(a->value >> (8 * i)) & vcpus_mask(g);
        __atomic_store_n(&g->targets[id - GIC_PRIV_NUM], t, __ATOMIC_RELAXED);
        vgic_route_locked(g, id, route_of(t));
    }
    spin_unlock(&g->lock);
    return FAULT_HANDLED;
}

/* SGI intid pending on vCPU t from vCPU src. */
static void sgi_pend_locked(vgic_t *g, unsigned t, uint32_t intid, unsigned src)
{
    virq_t *q = vgic_virq(g, t, intid);
    q->src |= (uint8_t)(1U << src);
    if (!q->in_lr) {
        q->pending = true; /* else it comes back when the list register frees */
        vgic_keep_state(g, t, intid, q);
    }
    vgic_mark(g, t, intid);
    vgic_notify_locked(g, t);
}

/* GICD_SGIR, written by vCPU self: the SGI goes to the vCPUs of the target list, to every vCPU
 * but self, or to self. vCPUs that are off, target bits beyond the VM's vCPUs and the reserved
 * filter are ignored. */
static memory_fault_result_t sgir_write(vgic_t *g, unsigned self, uint32_t v)
{
    uint32_t intid = v & GICD_SGIR_INTID_MASK;
    unsigned filter = v >> GICD_SGIR_FILTER_SHIFT & 3;
    uint8_t to;
    if (filter == GICD_SGIR_FILTER_LIST)
        to = (uint8_t)(v >> GICD_SGIR_TARGETS_SHIFT);
    else if (filter == GICD_SGIR_FILTER_OTHERS)
        to = (uint8_t) ~(1U << self);
    else if (filter == GICD_SGIR_FILTER_SELF)
        to = (uint8_t)(1U << self);
    else
        return FAULT_HANDLED;
    to &= vcpus_mask(g);
    spin_lock(&g->lock);
    for (; to; to &= (uint8_t)(to - 1)) {
        unsigned t = (unsigned)__builtin_ctz(to);
        if (__atomic_load_n(&g->vm->vcpu[t].state, __ATOMIC_ACQUIRE) != VCPU_OFF)
            sgi_pend_locked(g, t, intid, self);
    }
    spin_unlock(&g->lock);
    return FAULT_HANDLED;
}

/* GICD_SPENDSGIR and GICD_CPENDSGIR (clear): a byte an SGI, each bit a source vCPU, a byte or a
 * word at a time. Clearing the source whose SGI waits in a list register takes it out. */
static memory_fault_result_t sgi_pend_access(vgic_t *g, unsigned vcpu, uint32_t first, bool clear,
                                             mem_access_t *a)
{
    if (a->size != 1 && a->size != 4)
        return FAULT_UNHANDLED;
    spin_lock(&g->lock);
    vgic_sync_if_mine(g, vcpu);
    uint32_t v = 0;
    for (unsigned i = 0; i < a->size; i++) {
        uint32_t id = first + i;
        virq_t *q = vgic_virq(g, vcpu, id);
        uint8_t bits = (uint8_t)(a->value >> (8 * i)) & vcpus_mask(g);
        uint8_t in_lr = q->in_lr && q->pending ? (uint8_t)(1U << q->lr_src) : 0;
        if (!a->write) {
            v |= (uint32_t)(q->src | in_lr) << (8 * i);
        } else if (clear) {
            q->src &= (uint8_t)~bits;
            if (in_lr & bits)
                q->req = (uint8_t)((q->req & ~REQ_PEND) | REQ_UNPEND);
            else if (!q->src && !q->in_lr) {
                q->pending = false;
                vgic_keep_state(g, vcpu, id, q);
            }
        } else {
            for (; bits; bits &= (uint8_t)(bits - 1))
                sgi_pend_locked(g, vcpu, id, (unsigned)__builtin_ctz(bits));
        }
    }
    if (a->write && clear)
        vgic_notify_locked(g, vcpu);
    spin_unlock(&g->lock);
    if (!a->write)
        a->value = v;
    return FAULT_HANDLED;
}

/* The distributor registers only a GICv2 has: the banked private priorities, ITARGETSR, SGIR,
 * CPENDSGIR/SPENDSGIR and the identification. */
static bool gicd_regs(vgic_t *g, uint64_t off, mem_access_t *a, memory_fault_result_t *res)
{
    unsigned vcpu = a->vcpu;
    if (off - GICD_IPRIORITYR < GIC_PRIV_NUM)
        *res = vgic_prio_access(g->cpu[vcpu].w.prio, off - GICD_IPRIORITYR, a);
    else if (off - GICD_ITARGETSR < VGIC_INTID_NUM)
        *res = targets_access(g, vcpu, off - GICD_ITARGETSR, a);
    else if (off == GICD_SGIR)
        *res = a->size != 4 ? FAULT_UNHANDLED
               : a->write   ? sgir_write(g, vcpu, (uint32_t)a->value)
                            : vgic_raz_wi(a);
    else if (off - GICD_CPENDSGIR < 2 * GIC_SGI_NUM)
        *res = sgi_pend_access(g, vcpu, (uint32_t)(off - GICD_CPENDSGIR) % GIC_SGI_NUM,
                               off < GICD_SPENDSGIR, a);
    else if (off == GICD_V2_PIDR2)
        *res = a->size == 4 ? vgic_read_only(a, GIC_PIDR2_ARCH_V2) : FAULT_UNHANDLED;
    else
        return false;
    return true;
}

static void reset_locked(vgic_t *g, unsigned vcpu)
{
    if (vcpu != 0)
        return;
    /* with one vCPU every SPI is that vCPU's; with more, none goes anywhere until targeted */
    uint8_t route = g->vm->cfg.vcpu_num == 1 ? 0 : VGIC_ROUTE_NONE;
    for (unsigned i = 0; i < VGIC_SPI_NUM; i++) {
        __atomic_store_n(&g->targets[i], 0, __ATOMIC_RELAXED);
        g->route[i] = route;
    }
}

static const vgic_ops_t vgic2_ops = {
    .version = 2,
    .ctlr_fixed = 0,
    .gicd_serves = VGIC_SERVES_ALL,
    /* QEMU 7.2's GICv2 re-evaluates only the virtual interface when a guest's EOI deactivates a
     * hardware list register's physical interrupt: a level line that rose again meanwhile (a
     * timer re-armed to a deadline already past) would stay unsignalled until some other write
     * to the GIC. septum's own deactivation (GICC_DIR) re-evaluates the physical side, at the
     * cost of one maintenance interrupt per forwarded interrupt. */
    .hw_lrs = false,
    .gicd_regs = gicd_regs,
    .reset_locked = reset_locked,
};

__attribute__((cold)) static int vgic2_dt_node(const vm_t *vm, void *fdt, uint32_t phandle)
{
    char name[32];
    fdt32_t reg[8] = {0, cpu_to_fdt32(VGIC_GICD_BASE),  0, cpu_to_fdt32(VGIC_GICD_SIZE),
                      0, cpu_to_fdt32(VGIC2_GICC_BASE), 0, cpu_to_fdt32(VGIC2_GICC_SIZE)};
    int rc;
    (void)vm;
    snprintf(name, sizeof(name), "intc@%lx", VGIC_GICD_BASE);
    if ((rc = fdt_begin_node(fdt, name)) ||
        (rc = fdt_property_string(fdt, "compatible", "arm,gic-400")) ||
        (rc = fdt_property_u32(fdt, "#interrupt-cells", 3)) ||
        (rc = fdt_property(fdt, "interrupt-controller", NULL, 0)) ||
        (rc = fdt_property(fdt, "reg", reg, sizeof(reg))) ||
        (rc = fdt_property_u32(fdt, "phandle", phandle)))
        return rc;
    return fdt_end_node(fdt);
}

static const irqchip_t vgic2_irqchip = {
    .name = "GICv2",
    .vcpu_reset = vgic_vcpu_reset,
    .forward = vgic_forward,
    .update = vgic_update_current,
    .set_level = vgic_set_level,
    .sgi = NULL, /* SGIs go through GICD_SGIR */
    .raise_private = vgic_raise_private,
    .dt_node = vgic2_dt_node,
};

/* Map the hardware's virtual CPU interface at the guest's GICC: septum's own mapping (owned, so
 * the guest's region requests cannot move or remove it), device memory, read-write, never
 * executable. Every VM maps the same frames; each CPU reaches its own vCPU's interface there. */
static int map_cpu_interface(vm_t *vm, vgic_t *g)
{
    static char token[2]; /* the regions' owners: septum's, not the guest's */
    for (unsigned n = 0; n < 2; n++) {
        uint64_t hpa = gic_vcpuif_page(n);
        region_req_t q = {REGION_ADD,
                          {VGIC2_GICC_BASE + n * GIC_V2_PAGE, GIC_V2_PAGE, hpa, REGION_DEVICE,
                           REGION_R | REGION_W, &token[n]},
                          .host_vouched = true};
        unsigned failed;
        int rc = hpa ? region_set_soft(vm->mem.regions, 1, &q, &failed) : REGION_EHOST;
        if (rc != REGION_OK) {
            if (n == 1) { /* nothing left behind */
                q.op = REGION_DELETE;
                q.r.gpa = VGIC2_GICC_BASE;
                region_set_soft(vm->mem.regions, 1, &q, &failed);
            }
            log_error("vm %s: cannot map the GIC virtual CPU interface at 0x%lx: %s\n",
                      vm->cfg.name, VGIC2_GICC_BASE, region_strerror(rc));
            g->present = false;
            return -1;
        }
    }
    return 0;
}

/* A VM gets a vGICv2 when septum drives the board's GIC as a GICv2; it is then the VM's
 * interrupt controller: the distributor is one reservation, the CPU interface the hardware's. */
__attribute__((cold)) static int vgic2_attach(vm_t *vm)
{
    vgic_t *g = vgic_of(vm);
    unsigned n = vm->cfg.vcpu_num;
    if (!vgic_init(g, vm, &vgic2_ops))
        return 1;
    g->w.ctl[CTL_TYPER] = (VGIC_INTID_NUM / 32 - 1) | ((n - 1) << GICD_TYPER_V2_CPUS_SHIFT);
    reset_locked(g, 0);
    if (!vm_reserve_memory_at(&vm->mem, VGIC_GICD_BASE, VGIC_GICD_SIZE, vgic_gicd_access, g)) {
        g->present = false;
        return -1;
    }
    if (map_cpu_interface(vm, g) < 0)
        return -1;
    vm->irqchip = &vgic2_irqchip;
    return 0;
}

const vdev_type_t vdev_vgic_v2 = {"gicv2", vgic2_attach, NULL, NULL, NULL};
