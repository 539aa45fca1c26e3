/*
 * The virtual GICv3, an irqchip_t (core/irqchip.h): what only a GICv3 has, over the interrupt state
 * and distributor registers both versions share (vgic_core.c). Each vCPU's redistributor (RD and
 * SGI frames: the private interrupts' registers), GICD_IROUTER (SPI routing by affinity) and the
 * trapped ICC_SGI1R_EL1 (SGIs by affinity and target list).
 *
 * Registers: GICv3 architecture specification (IHI 0069), chapters 12.9 (distributor) and
 * 12.10/12.11 (redistributor). Reserved and unimplemented registers read as zero and ignore
 * writes, as the specification says; accesses of a size a register does not allow are refused.
 */
#include "vgic_core.h"
#include <libfdt.h>
#include <stdio.h>

/* Where the guest finds its redistributors: QEMU virt's address. */
#define VGIC_GICR_BASE   0x080a0000UL
#define VGIC_GICR_STRIDE 0x20000UL /* RD_base + SGI_base frames, per vCPU */

static void vgic_sgi(vcpu_t *v, uint64_t r)
{
    vgic_t *g = vgic_of(v->vm);
    if (!g->present)
        return;
    uint32_t intid = (uint32_t)(r >> SGIR_INTID_SHIFT & SGIR_INTID_MASK);
    spin_lock(&g->lock);
    for (unsigned t = 0; t < v->vm->cfg.vcpu_num; t++) {
        bool hit;
        if (r & SGIR_IRM)
            hit = t != v->id; /* all but self */
        else
            hit = !(r >> SGIR_AFF1_SHIFT & 0xff) && !(r >> SGIR_AFF2_SHIFT & 0xff) &&
                  !(r >> SGIR_AFF3_SHIFT & 0xff) && (r >> SGIR_RS_SHIFT & SGIR_RS_MASK) == t / 16 &&
                  (r & SGIR_TARGETS_MASK) >> (t % 16) & 1;
        if (hit && __atomic_load_n(&v->vm->vcpu[t].state, __ATOMIC_ACQUIRE) != VCPU_OFF)
            vgic_set_pending_locked(g, vgic_virq(g, t, intid), t, intid);
    }
    spin_unlock(&g->lock);
}

/* The vCPU an IROUTER value names: its Aff0 when it is one of the VM's vCPUs (Aff1-3 are zero
 * for every vCPU), else vCPU 0; "any" routing (IRM) picks vCPU 0 too. */
static unsigned route_of(const vgic_t *g, uint64_t r)
{
    if (r & GICD_IROUTER_IRM || (r & ~0xffUL) || (r & 0xff) >= g->vm->cfg.vcpu_num)
        return 0;
    return (unsigned)(r & 0xff);
}

/* GICD_IROUTER<n>: 64-bit, also accessed a word at a time; the private interrupts' slots read
 * as zero. */
static memory_fault_result_t irouter_access(vgic_t *g, uint64_t off, mem_access_t *a)
{
    unsigned n = (unsigned)(off - GICD_IROUTER) / 8, shift = (off & 4) ? 32 : 0;
    if (n < GIC_PRIV_NUM)
        return vgic_raz_wi(a);
    n -= GIC_PRIV_NUM;
    if (a->size < 4)
        return FAULT_UNHANDLED;
    if (!a->write) {
        uint64_t r = __atomic_load_n(&g->irouter[n], __ATOMIC_RELAXED) >> shift;
        a->value = a->size == 8 ? r : (uint32_t)r;
        return FAULT_HANDLED;
    }
    uint64_t mask = a->size == 8 ? ~0UL : 0xffffffffUL << shift;
    spin_lock(&g->lock);
    uint64_t was = g->irouter[n];
    uint64_t now = ((was & ~mask) | ((a->value << shift) & mask)) &
                   (GICD_IROUTER_MASK | GICD_IROUTER_IRM);
    if (now != was) {
        __atomic_store_n(&g->irouter[n], now, __ATOMIC_RELAXED);
        vgic_route_locked(g, GIC_PRIV_NUM + n, route_of(g, now));
    }
    spin_unlock(&g->lock);
    return FAULT_HANDLED;
}

/* CTLR: the group enables are all the guest may change. */
static uint32_t waker(uint64_t v)
{
    _Static_assert((GICR_WAKER_SLEEP | GICR_WAKER_ASLEEP) == 3 * GICR_WAKER_SLEEP, "WAKER bits");
    return (uint32_t)(v & GICR_WAKER_SLEEP) * 3;
}

/* ---- the fast paths (see "register emulation" in vgic_core.c) ----
 * A 32-bit access to word i (the offset rotated: an unaligned one's low bits would be high) of
 * a block of kept words w, the distributor's or a redistributor's SGI frame's, is finished from
 * the words, without the lock, when it needs nothing else:
 * - a read of any word but a pending or active one of interrupts a list register holds (those
 *   are read back from the list registers, under the lock): one load, and one of listed;
 * - a write that changes nothing, as the word's write view says (vgic_words_t): CTLR's group
 *   enables as they are, an IGROUPR as it reads, a set or clear register with no bit set, an
 *   ICFGR whose edge bits (the only ones kept) are as they read, any write to ITARGETSR (RES0
 *   under affinity routing) or to a read-only word. It takes effect at the view's load: had it
 *   come just before or after a change on another CPU, it would have been the same no-op, or
 *   ordered after the change and gone the slow way. */
_Static_assert(offsetof(vgic_words_t, listed) == 4 * VGIC_WORDS_NUM &&
                   offsetof(vgic_words_t, wv) == 8 * VGIC_WORDS_NUM,
               "a word's listed and write view are at its index, scaled, past the words");
static inline bool words_read(const vgic_words_t *w, uint64_t i, mem_access_t *a)
{
    const uint32_t *word = (const uint32_t *)w + i; /* listed: word[VGIC_WORDS_NUM] */
    if (i >= VGIC_WORDS_NUM || *(const volatile uint32_t *)&word[VGIC_WORDS_NUM])
        return false;
    a->value = *word;
    return true;
}

static inline bool words_write_nothing(const vgic_words_t *w, uint64_t i, uint32_t v)
{
    uint64_t n = ((const volatile uint64_t *)w + i)[VGIC_WORDS_NUM]; /* wv[i] */
    return (v & (uint32_t)n) == n >> 32;
}

/* A 32-bit write that changes something of a bitmap register's word (IGROUPR to ICACTIVER):
 * whether off is one, and its op (OP_*). */
static bool bitmap_word(const mem_access_t *a, uint64_t off)
{
    return a->write && a->size == 4 && !(off & 3) && off / 4 - GICD_IGROUPR / 4 < 7 * VGIC_BLK;
}

static unsigned bitmap_op(uint64_t off) { return (unsigned)(off / 0x80) - GICD_IGROUPR / 0x80; }

/* The distributor's registers but what gicd_access finishes itself: a bitmap register's word of
 * SPIs goes straight to the state change (vgic_bitmap_write), the rest the general way. */
static OUT_OF_LINE memory_fault_result_t gicd_slow(vm_memory_t *mem, mem_access_t *a, void *cookie)
{
    vgic_t *g = cookie;
    uint64_t off = a->addr & (VGIC_GICD_SIZE - 1), first = (off & 0x7f) * 8;
    if (bitmap_word(a, off) && first - GIC_PRIV_NUM < VGIC_SPI_NUM)
        return vgic_bitmap_write(g, a->vcpu, (uint32_t)first, bitmap_op(off), (uint32_t)a->value);
    return vgic_gicd_other(mem, a, cookie);
}

/* A redistributor's registers but what gicr_access finishes itself. */
static OUT_OF_LINE memory_fault_result_t gicr_other(vm_memory_t *mem, mem_access_t *a, void *cookie)
{
    vgic_cpu_t *c = cookie;
    uint64_t off = a->addr & (VGIC_GICR_STRIDE - 1);
    memory_fault_result_t res;
    (void)mem;
    if (a->size > 8 || (off & (a->size - 1)))
        return FAULT_UNHANDLED;
    if (off >= GICR_SGI_FRAME) {
        uint64_t p = off - (GICR_SGI_FRAME + GICD_IPRIORITYR), s = off - GICR_SGI_FRAME;
        /* a bitmap register's word of the private interrupts: straight to the state change */
        if (bitmap_word(a, s) && !(s & 0x7f))
            return vgic_bitmap_write(c->g, c->id, 0, bitmap_op(s), (uint32_t)a->value);
        if (p < GIC_PRIV_NUM)
            return vgic_prio_access(c->w.prio, p, a);
        return vgic_per_irq_access(c->g, c->id, off - GICR_SGI_FRAME, VGIC_SERVES_PRIV, a, &res)
                   ? res
                   : vgic_raz_wi(a);
    }
    if (off < RD_WORDS * 4 && a->size == 4) { /* the RD words */
        if (!a->write)
            return vgic_read_only(a, __atomic_load_n(&c->rd.w[off / 4], __ATOMIC_RELAXED));
        if (off == GICR_WAKER)
            __atomic_store_n(&c->rd.w[RD_WAKER], waker(a->value), __ATOMIC_RELAXED);
        return FAULT_HANDLED;
    }
    if ((off & ~4UL) == GICR_TYPER) { /* either half of TYPER, or all of it */
        if (a->size == 8) {
            if (!a->write)
                a->value = c->rd.d[RD_TYPER / 2];
            return FAULT_HANDLED;
        }
        return FAULT_UNHANDLED;
    }
    if (a->size != 4)
        return vgic_raz_wi(a);
    return off == GICR_PIDR2 ? vgic_read_only(a, GIC_PIDR2_ARCH_V3) : vgic_raz_wi(a);
}

/* A redistributor, its RD and SGI frames (cookie: its vCPU's state, so nothing is computed to
 * find it). Reads of the RD frame's first words (a word, or TYPER as a doubleword), a WAKER write
 * and a private priority word written, what a driver touches most here, are finished in a few
 * instructions; the rest goes to gicr_other. */
static memory_fault_result_t gicr_access(vm_memory_t *mem, mem_access_t *a, void *cookie)
{
    vgic_cpu_t *c = cookie;
    /* the offset in its frame (the reservation is the two frames, the stride's multiples) */
    _Static_assert(!(VGIC_GICR_BASE & (VGIC_GICR_STRIDE - 1)) && VGIC_GICR_STRIDE == 2 * 0x10000,
                   "GICR frames: 64 KiB-aligned, the SGI frame's address bit 16 set");
    uint64_t off = a->addr & 0xffff;
    OPAQUE(off);
    if (a->size != 4) {
        if (off == GICR_TYPER && a->size == 8 && !a->write && !(a->addr & GICR_SGI_FRAME)) {
            a->value = c->rd.d[RD_TYPER / 2];
            return FAULT_HANDLED;
        }
        return gicr_other(mem, a, cookie);
    }
    if (a->addr & GICR_SGI_FRAME) {
        /* the SGI frame's words: i, the offset rotated (its low bits would be high); the
         * private interrupts are listed here or nowhere */
        uint64_t i = (off >> 2) | (off << 62);
        if (a->write) {
            /* a priority word: one store of an aligned word */
            if (i - GICD_IPRIORITYR / 4 < GIC_PRIV_NUM / 4) {
                *(volatile uint32_t *)((uintptr_t)&c->w + 4 * i) = (uint32_t)a->value;
                return FAULT_HANDLED;
            }
            if (i < VGIC_WORDS_NUM && words_write_nothing(&c->w, i, (uint32_t)a->value))
                return FAULT_HANDLED;
        } else if (words_read(&c->w, i, a)) {
            return FAULT_HANDLED;
        }
    } else if (!a->write) {
        /* a word from 0x00 to 0x1c: no offset bits set but the word's */
        if (!(off & ~(uint64_t)(RD_WORDS * 4 - 4))) {
            a->value = *(const uint32_t *)((uintptr_t)c->rd.w + off);
            return FAULT_HANDLED;
        }
        if (off == GICR_PIDR2) {
            a->value = GIC_PIDR2_ARCH_V3;
            return FAULT_HANDLED;
        }
    } else if (off == GICR_WAKER) {
        *(volatile uint32_t *)&c->rd.w[RD_WAKER] = waker(a->value);
        return FAULT_HANDLED;
    }
    return gicr_other(mem, a, cookie);
}

/* The distributor (cookie: the vgic_t). A 32-bit read of a word kept, a 64-bit read of an SPI's
 * IROUTER, a write of an SPIs' priority word and the writes that change nothing (an IROUTER half
 * written as it reads too) are finished here in a few instructions; the rest goes to
 * vgic_gicd_other. */
static memory_fault_result_t gicd_access(vm_memory_t *mem, mem_access_t *a, void *cookie)
{
    vgic_t *g = cookie;
    uint64_t off = a->addr & (VGIC_GICD_SIZE - 1); /* the reservation is the frame */
    OPAQUE(off);
    uint64_t i = (off >> 2) | (off << 62); /* a word's index; aligned: rotated, would be high */
    if (a->size == 4) {
        if (!a->write) {
            if (words_read(&g->w, i, a))
                return FAULT_HANDLED;
            if (off == GICD_PIDR2) {
                a->value = GIC_PIDR2_ARCH_V3;
                return FAULT_HANDLED;
            }
            return gicd_slow(mem, a, cookie);
        }
        /* an SPIs' priority word: one store of an aligned word */
        if (i - (GICD_IPRIORITYR + GIC_PRIV_NUM) / 4 < VGIC_SPI_NUM / 4) {
            ((volatile uint32_t *)&g->w)[i] = (uint32_t)a->value;
            return FAULT_HANDLED;
        }
        if (i < VGIC_WORDS_NUM)
            return words_write_nothing(&g->w, i, (uint32_t)a->value) ? FAULT_HANDLED
                                                                     : gicd_slow(mem, a, cookie);
        /* half of an SPI's IROUTER written as it reads (what it holds, or what a guest wrote
         * when it sets only bits kept) */
        uint64_t r = i - (GICD_IROUTER + 8 * GIC_PRIV_NUM) / 4;
        if (r < 2 * VGIC_SPI_NUM && (uint32_t)a->value == ((const uint32_t *)g->irouter)[r])
            return FAULT_HANDLED;
    } else if (a->size == 8 && !a->write) {
        /* an SPI's IROUTER, whole: r aligned (rotated) and below the last; one load */
        uint64_t r = off - (GICD_IROUTER + 8 * GIC_PRIV_NUM);
        if (((r >> 3) | (r << 61)) < VGIC_SPI_NUM) {
            a->value = *(const volatile uint64_t *)((uintptr_t)g->irouter + r);
            return FAULT_HANDLED;
        }
    }
    return gicd_slow(mem, a, cookie);
}

__attribute__((cold)) static int vgic_dt_node(const vm_t *vm, void *fdt, uint32_t phandle)
{
    char name[32];
    fdt32_t reg[8] = {0, cpu_to_fdt32(VGIC_GICD_BASE),
                      0, cpu_to_fdt32(VGIC_GICD_SIZE),
                      0, cpu_to_fdt32(VGIC_GICR_BASE),
                      0, cpu_to_fdt32(VGIC_GICR_STRIDE * vm->cfg.vcpu_num)};
    int rc;
    snprintf(name, sizeof(name), "intc@%lx", VGIC_GICD_BASE);
    if ((rc = fdt_begin_node(fdt, name)) ||
        (rc = fdt_property_string(fdt, "compatible", "arm,gic-v3")) ||
        (rc = fdt_property_u32(fdt, "#interrupt-cells", 3)) ||
        (rc = fdt_property(fdt, "interrupt-controller", NULL, 0)) ||
        (rc = fdt_property(fdt, "reg", reg, sizeof(reg))) ||
        (rc = fdt_property_u32(fdt, "phandle", phandle)))
        return rc;
    return fdt_end_node(fdt);
}

/* The distributor registers only a GICv3 has: IROUTER and the identification. */
static bool gicd_regs(vgic_t *g, uint64_t off, mem_access_t *a, memory_fault_result_t *res)
{
    if (off >= GICD_IROUTER && off < GICD_IROUTER + 8 * VGIC_INTID_NUM)
        *res = irouter_access(g, off, a);
    else if (off == GICD_PIDR2)
        *res = a->size == 4 ? vgic_read_only(a, GIC_PIDR2_ARCH_V3) : FAULT_UNHANDLED;
    else
        return false;
    return true;
}

static void reset_locked(vgic_t *g, unsigned vcpu)
{
    __atomic_store_n(&g->cpu[vcpu].rd.w[RD_WAKER], GICR_WAKER_SLEEP | GICR_WAKER_ASLEEP,
                     __ATOMIC_RELAXED);
    if (vcpu == 0)
        for (unsigned i = 0; i < VGIC_SPI_NUM; i++) {
            __atomic_store_n(&g->irouter[i], 0, __ATOMIC_RELAXED);
            g->route[i] = 0;
        }
}

static const vgic_ops_t vgic_ops = {
    .version = 3,
    .ctlr_fixed = GICD_CTLR_ARE | GICD_CTLR_DS,
    .gicd_serves = VGIC_SERVES_SPI,
    .hw_lrs = true,
    .gicd_regs = gicd_regs,
    .reset_locked = reset_locked,
};

static const irqchip_t vgic_irqchip = {
    .name = "GICv3",
    .vcpu_reset = vgic_vcpu_reset,
    .forward = vgic_forward,
    .update = vgic_update_current,
    .set_level = vgic_set_level,
    .sgi = vgic_sgi,
    .raise_private = vgic_raise_private,
    .dt_node = vgic_dt_node,
};

/* A VM gets a vGICv3 when septum drives the board's GIC as a GICv3; it is then the VM's
 * interrupt controller. The distributor is one reservation, each vCPU's redistributor another,
 * whose cookie is that vCPU's state: its accesses find it without arithmetic. (Each is a region
 * of the VM's table, and every change of the table, a grant mapping's too, costs a little more
 * per region: one per redistributor, not one per frame.) */
__attribute__((cold)) static int vgic_attach(vm_t *vm)
{
    vgic_t *g = vgic_of(vm);
    unsigned n = vm->cfg.vcpu_num;
    if (!vgic_init(g, vm, &vgic_ops))
        return 1;
    g->w.ctl[CTL_TYPER] = (VGIC_INTID_NUM / 32 - 1) | (9U << GICD_TYPER_IDBITS_SHIFT) |
                          ((n - 1) << GICD_TYPER_CPUS_SHIFT) | GICD_TYPER_NO1N;
    bool ok = vm_reserve_memory_at(&vm->mem, VGIC_GICD_BASE, VGIC_GICD_SIZE, gicd_access, g);
    for (unsigned i = 0; i < n && ok; i++) {
        vgic_cpu_t *c = &g->cpu[i];
        c->rd.w[RD_IIDR] = VGIC_IIDR;
        c->rd.d[RD_TYPER / 2] = (uint64_t)i << GICR_TYPER_AFF_SHIFT |
                                (uint64_t)i << GICR_TYPER_PROC_SHIFT |
                                (i + 1 == n ? GICR_TYPER_LAST : 0);
        c->rd.w[RD_WAKER] = GICR_WAKER_SLEEP | GICR_WAKER_ASLEEP;
        ok = vm_reserve_memory_at(&vm->mem, VGIC_GICR_BASE + i * VGIC_GICR_STRIDE, VGIC_GICR_STRIDE,
                                  gicr_access, c);
    }
    if (!ok) {
        g->present = false;
        return -1;
    }
    vm->irqchip = &vgic_irqchip;
    return 0;
}

const vdev_type_t vdev_vgic = {"gicv3", vgic_attach, NULL, NULL, NULL};
