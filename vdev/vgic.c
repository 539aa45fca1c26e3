/*
 * The virtual GICv3 (see vdev/vgic.h). Every interrupt's state lives here (enable, pending,
 * active, priority, group, configuration, routing) until it is placed in a list register; from
 * then until the guest deactivates it, the list register holds its pending and active state,
 * and changes the emulated registers ask for are applied when its vCPU next syncs. When more
 * interrupts are pending than there are list registers, the rest wait here and the underflow
 * maintenance interrupt (at most one list register still valid) brings them in. Level-sensitive
 * interrupts without a hardware line carry the EOI flag, so their deactivation is seen and the
 * line sampled again.
 *
 * One lock per VM guards all of it; functions named *_locked expect it held.
 *
 * Registers: GICv3 architecture specification (IHI 0069), chapters 12.9 (distributor) and
 * 12.10/12.11 (redistributor). Reserved and unimplemented registers read as zero and ignore
 * writes, as the specification says; accesses of a size a register does not allow are refused.
 */
#include <arch/gic.h>
#include <arch/gic_regs.h>
#include <arch/spinlock.h>
#include <core/irq.h>
#include <core/irqchip.h>
#include <core/vdev.h>
#include <core/vm.h>
#include <lib/console.h>
#include <libfdt.h>
#include <stdio.h>

/* Where the guest finds it: QEMU virt's addresses, so guests built for that board work. */
#define VGIC_GICD_BASE   0x08000000UL
#define VGIC_GICD_SIZE   0x10000UL
#define VGIC_GICR_BASE   0x080a0000UL
#define VGIC_GICR_STRIDE 0x20000UL /* RD_base + SGI_base frames, per vCPU */
#define VGIC_INTID_NUM   IRQCHIP_INTID_NUM

#define VGIC_IIDR 0x0100053b /* implementer "septum" 0x53b, revision 1 */

#define SPI_NUM (VGIC_INTID_NUM - GIC_PRIV_NUM)

/* bit operations on the interrupt bitmaps */
enum { OP_GROUP, OP_SENABLE, OP_CENABLE, OP_SPEND, OP_CPEND, OP_SACTIVE, OP_CACTIVE };
/* requests for an interrupt in a list register, applied by its vCPU */
#define REQ_PEND     1U /* pending again (an edge while it is active) */
#define REQ_UNPEND   2U
#define REQ_UNACTIVE 4U

typedef struct virq {
    uint8_t prio;
    bool enabled, pending, active, edge, group1, hw, level, in_lr;
    uint8_t lr, req;
} virq_t;

typedef struct vgic_cpu {
    virq_t priv[GIC_PRIV_NUM];
    /* interrupts that may wait for a list register: a superset, kept so that filling the list
     * registers looks only at these instead of every INTID */
    uint64_t maybe[VGIC_INTID_NUM / 64];
    uint16_t lr_intid[16];
    uint32_t lr_used;
    uint32_t waker;
} vgic_cpu_t;

typedef struct vgic {
    bool present;
    uint32_t ctlr;
    spinlock_t lock;
    vm_t *vm;
    virq_t spi[SPI_NUM];
    uint64_t irouter[SPI_NUM];
    vgic_cpu_t cpu[VM_VCPU_MAX];
    uint64_t overflows;
} vgic_t;

static vgic_t vgics[VM_MAX];
static unsigned lr_num;

static vgic_t *gic_of(const vm_t *vm) { return &vgics[vm->id]; }

static virq_t *virq(vgic_t *g, unsigned vcpu, uint32_t intid)
{
    return intid < GIC_PRIV_NUM ? &g->cpu[vcpu].priv[intid] : &g->spi[intid - GIC_PRIV_NUM];
}

/* The vCPU an SPI goes to: IROUTER's Aff0 when it names one of the VM's vCPUs (Aff1-3 are
 * zero for every vCPU), else vCPU 0; "any" routing (IRM) picks vCPU 0 too. */
static unsigned spi_target(const vgic_t *g, uint32_t intid)
{
    uint64_t r = g->irouter[intid - GIC_PRIV_NUM];
    if (r & GICD_IROUTER_IRM || (r & ~0xffUL) || (r & 0xff) >= g->vm->cfg.vcpu_num)
        return 0;
    return (unsigned)(r & 0xff);
}

static bool owned_by(const vgic_t *g, uint32_t intid, unsigned vcpu)
{
    return intid < GIC_PRIV_NUM || spi_target(g, intid) == vcpu;
}

/* intid (vcpu's, or an SPI) may now be waiting for a list register. */
static void mark(vgic_t *g, unsigned vcpu, uint32_t intid)
{
    unsigned t = intid < GIC_PRIV_NUM ? vcpu : spi_target(g, intid);
    g->cpu[t].maybe[intid / 64] |= 1UL << (intid % 64);
}

static uint64_t lr_value(const virq_t *q, uint32_t intid, uint64_t state)
{
    uint64_t v = intid | (uint64_t)q->prio << ICH_LR_PRIO_SHIFT | state << ICH_LR_STATE_SHIFT;
    if (q->group1)
        v |= ICH_LR_GROUP1;
    if (q->hw)
        v |= ICH_LR_HW | (uint64_t)intid << ICH_LR_PINTID_SHIFT;
    else if (!q->edge)
        v |= ICH_LR_EOI;
    return v;
}

/* Read the list registers back (the caller's CPU runs vcpu), apply requests, free the ones the
 * guest is done with. */
static void sync_lrs_locked(vgic_t *g, unsigned vcpu)
{
    vgic_cpu_t *c = &g->cpu[vcpu];
    for (uint32_t used = c->lr_used; used; used &= used - 1) {
        unsigned i = (unsigned)__builtin_ctz(used);
        uint32_t intid = c->lr_intid[i];
        virq_t *q = virq(g, vcpu, intid);
        uint64_t lr = gic_read_lr(i), st = lr >> ICH_LR_STATE_SHIFT;
        if (q->req & REQ_UNPEND)
            st &= ~ICH_LR_PENDING;
        if (q->req & REQ_UNACTIVE) {
            if (q->hw && (st & ICH_LR_ACTIVE))
                gic_deactivate(intid);
            st &= ~ICH_LR_ACTIVE;
        }
        /* pending again: into the list register only if the guest may take it from there
         * (enabled, no hardware line); otherwise it waits here until the register frees */
        uint8_t keep = 0;
        if (q->req & REQ_PEND) {
            if (!q->hw && q->enabled)
                st |= ICH_LR_PENDING;
            else
                keep = REQ_PEND;
        }
        /* a disabled interrupt that the guest has not taken yet leaves the list register */
        bool retract = !q->enabled && st == ICH_LR_PENDING && !q->hw;
        q->req = keep;
        q->pending = st & ICH_LR_PENDING;
        q->active = st & ICH_LR_ACTIVE;
        if (st == 0 || retract) {
            gic_write_lr(i, 0);
            c->lr_used &= ~(1U << i);
            q->in_lr = false;
            q->req = 0;
            if (keep || (!q->edge && q->level))
                q->pending = true; /* pended meanwhile, or the line is still up */
            if (q->pending)
                mark(g, vcpu, intid);
        } else if (st != lr >> ICH_LR_STATE_SHIFT) {
            gic_write_lr(i, (lr & ~(3UL << ICH_LR_STATE_SHIFT)) | st << ICH_LR_STATE_SHIFT);
        }
    }
}

/* Put the best waiting interrupts into free list registers; underflow maintenance if some are
 * left waiting. The caller's CPU runs vcpu. */
static void fill_lrs_locked(vgic_t *g, unsigned vcpu)
{
    vgic_cpu_t *c = &g->cpu[vcpu];
    bool waiting = false;
    for (;;) {
        uint32_t best = VGIC_INTID_NUM;
        unsigned best_prio = 0x100;
        for (unsigned w = 0; w < VGIC_INTID_NUM / 64; w++)
            for (uint64_t bits = c->maybe[w]; bits; bits &= bits - 1) {
                uint32_t id = w * 64 + (uint32_t)__builtin_ctzl(bits);
                virq_t *q = virq(g, vcpu, id);
                if (!q->pending || q->in_lr || q->active || !owned_by(g, id, vcpu)) {
                    c->maybe[w] &= ~(1UL << (id % 64)); /* not waiting (any more) */
                    continue;
                }
                if (!q->enabled)
                    continue;
                if (!(g->ctlr & (q->group1 ? GICD_CTLR_EN_G1 : GICD_CTLR_EN_G0)))
                    continue;
                if (q->prio < best_prio) {
                    best = id;
                    best_prio = q->prio;
                }
            }
        if (best == VGIC_INTID_NUM)
            break;
        uint32_t free = ~c->lr_used & ((1U << lr_num) - 1);
        unsigned i;
        if (free) {
            i = (unsigned)__builtin_ctz(free);
        } else {
            /* full: a better interrupt displaces the worst one the guest has not taken yet,
             * which goes back to waiting here, so delivery follows priority as on hardware */
            unsigned worst = lr_num, worst_prio = 0;
            for (unsigned k = 0; k < lr_num; k++) {
                virq_t *o = virq(g, vcpu, c->lr_intid[k]);
                if (o->pending && !o->active && o->prio >= worst_prio) {
                    worst = k;
                    worst_prio = o->prio;
                }
            }
            g->overflows++;
            if (worst == lr_num || worst_prio <= best_prio) {
                waiting = true;
                break;
            }
            virq_t *o = virq(g, vcpu, c->lr_intid[worst]);
            gic_write_lr(worst, 0);
            o->in_lr = false; /* still pending */
            mark(g, vcpu, c->lr_intid[worst]);
            c->lr_used &= ~(1U << worst);
            i = worst;
        }
        virq_t *q = virq(g, vcpu, best);
        gic_write_lr(i, lr_value(q, best, ICH_LR_PENDING));
        c->lr_used |= 1U << i;
        c->lr_intid[i] = (uint16_t)best;
        q->in_lr = true;
        q->lr = (uint8_t)i;
    }
    gic_set_hcr(ICH_HCR_EN | (waiting ? ICH_HCR_UIE : 0));
}

static void update_locked(vgic_t *g, unsigned vcpu)
{
    sync_lrs_locked(g, vcpu);
    fill_lrs_locked(g, vcpu);
}

/* After a change that may concern vcpu: update it here, or kick the CPU it runs on. */
static void notify_locked(vgic_t *g, unsigned vcpu)
{
    vcpu_t *cur = vcpu_current(), *v = &g->vm->vcpu[vcpu];
    if (cur == v)
        update_locked(g, vcpu);
    else if (__atomic_load_n(&v->state, __ATOMIC_ACQUIRE) == VCPU_RUNNING)
        irq_kick(v->pcpu);
}

static void notify_all_locked(vgic_t *g)
{
    for (unsigned i = 0; i < g->vm->cfg.vcpu_num; i++)
        notify_locked(g, i);
}

/* Make q pending (it is vcpu's, or an SPI). */
static void set_pending_locked(vgic_t *g, virq_t *q, unsigned vcpu, uint32_t intid)
{
    if (q->in_lr)
        q->req = (uint8_t)((q->req & ~REQ_UNPEND) | REQ_PEND);
    else
        q->pending = true;
    mark(g, vcpu, intid);
    notify_locked(g, vcpu);
}

static void vgic_set_level(vm_t *vm, uint32_t intid, bool level)
{
    vgic_t *g = gic_of(vm);
    if (!g->present || intid < GIC_PRIV_NUM || intid >= VGIC_INTID_NUM)
        return;
    spin_lock(&g->lock);
    virq_t *q = virq(g, 0, intid);
    bool rise = level && !q->level;
    q->level = level;
    if (rise)
        set_pending_locked(g, q, spi_target(g, intid), intid);
    else if (!level && !q->edge && !q->in_lr)
        q->pending = false; /* a level interrupt not yet delivered goes away with its line */
    spin_unlock(&g->lock);
}

static void vgic_forward(vcpu_t *v, uint32_t intid)
{
    vgic_t *g = gic_of(v->vm);
    spin_lock(&g->lock);
    virq_t *q = virq(g, v->id, intid);
    /* the list register that held it last time may not have been read back since the guest
     * finished with it: sync first, or that stale state would overwrite the new pending */
    sync_lrs_locked(g, v->id);
    q->hw = true;
    q->pending = true;
    mark(g, v->id, intid);
    fill_lrs_locked(g, v->id);
    if (intid >= GIC_PRIV_NUM && spi_target(g, intid) != v->id)
        notify_locked(g, spi_target(g, intid)); /* the guest routed it to another vCPU */
    spin_unlock(&g->lock);
}

static void vgic_update_current(vcpu_t *v)
{
    vgic_t *g = gic_of(v->vm);
    if (!g->present)
        return;
    spin_lock(&g->lock);
    update_locked(g, v->id);
    spin_unlock(&g->lock);
}

static void vgic_vcpu_reset(vcpu_t *v)
{
    vgic_t *g = gic_of(v->vm);
    lr_num = gic_lr_num();
    if (lr_num > 16)
        lr_num = 16;
    if (!g->present)
        return;
    spin_lock(&g->lock);
    vgic_cpu_t *c = &g->cpu[v->id];
    /* a forwarded interrupt the old guest never finished stays active in the GIC: end it */
    for (uint32_t id = 0; id < GIC_PRIV_NUM; id++)
        if (c->priv[id].hw && (c->priv[id].pending || c->priv[id].active || c->priv[id].in_lr))
            gic_deactivate(id);
    for (uint32_t id = 0; id < GIC_PRIV_NUM; id++)
        c->priv[id] = (virq_t){.edge = id < GIC_SGI_NUM, .group1 = false};
    c->lr_used = 0;
    c->waker = GICR_WAKER_SLEEP;
    for (unsigned w = 0; w < VGIC_INTID_NUM / 64; w++)
        c->maybe[w] = 0;
    if (v->id == 0) {
        /* vCPU 0 starting means the VM starts: the distributor is reset too */
        for (unsigned i = 0; i < SPI_NUM; i++) {
            if (g->spi[i].hw && (g->spi[i].pending || g->spi[i].active))
                gic_deactivate(GIC_PRIV_NUM + i);
            g->spi[i] = (virq_t){0};
            g->irouter[i] = 0;
        }
        g->ctlr = 0;
    }
    gic_vcpu_reset();
    spin_unlock(&g->lock);
}

static void vgic_sgi(vcpu_t *v, uint64_t r)
{
    vgic_t *g = gic_of(v->vm);
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
            set_pending_locked(g, virq(g, t, intid), t, intid);
    }
    spin_unlock(&g->lock);
}

/* ---- register emulation ---- */

/* For reads: the calling CPU runs vcpu, so bring its list-register state in first. */
static void sync_if_mine(vgic_t *g, unsigned vcpu)
{
    vcpu_t *cur = vcpu_current();
    if (cur && cur->vm == g->vm && cur->id == vcpu)
        sync_lrs_locked(g, vcpu);
}

/* 32 interrupts from first (private ones are vcpu's): read one bitmap register. */
static uint32_t bits_read(vgic_t *g, unsigned vcpu, uint32_t first, unsigned op)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < 32; i++) {
        const virq_t *q = virq(g, vcpu, first + i);
        bool b = op == OP_GROUP                         ? q->group1
                 : op == OP_SENABLE || op == OP_CENABLE ? q->enabled
                 : op == OP_SPEND || op == OP_CPEND     ? q->pending
                                                        : q->active;
        v |= (uint32_t)b << i;
    }
    return v;
}

static void bits_write(vgic_t *g, unsigned vcpu, uint32_t first, unsigned op, uint32_t val)
{
    bool any = false;
    for (unsigned i = 0; i < 32; i++) {
        if (op != OP_GROUP && !(val >> i & 1))
            continue;
        uint32_t id = first + i;
        virq_t *q = virq(g, vcpu, id);
        switch (op) {
        case OP_GROUP: q->group1 = val >> i & 1; break;
        case OP_SENABLE: q->enabled = true; break;
        case OP_CENABLE: q->enabled = false; break;
        case OP_SPEND:
            if (q->in_lr)
                q->req = (uint8_t)((q->req & ~REQ_UNPEND) | REQ_PEND);
            else
                q->pending = true;
            mark(g, vcpu, id);
            break;
        case OP_CPEND:
            if (q->in_lr)
                q->req = (uint8_t)((q->req & ~REQ_PEND) | REQ_UNPEND);
            q->pending = false;
            break;
        case OP_SACTIVE:
            if (!q->in_lr)
                q->active = true;
            break;
        case OP_CACTIVE:
            if (q->in_lr)
                q->req |= REQ_UNACTIVE;
            else if (q->active && q->hw)
                gic_deactivate(id);
            q->active = false;
            break;
        }
        any = true;
    }
    if (any && op != OP_GROUP) {
        if (first < GIC_PRIV_NUM)
            notify_locked(g, vcpu);
        else
            notify_all_locked(g);
    }
}

/* The bitmap and priority/config registers shared by GICD and the GICR SGI frame. off is the
 * offset within the frame; first_word is the lowest bitmap word this frame has. Returns false
 * for an offset outside these registers. */
static bool common_regs(vgic_t *g, unsigned vcpu, uint64_t off, mem_access_t *a, bool priv,
                        memory_fault_result_t *res)
{
    static const struct {
        uint32_t base;
        unsigned op;
    } maps[] = {{GICD_IGROUPR, OP_GROUP},     {GICD_ISENABLER, OP_SENABLE},
                {GICD_ICENABLER, OP_CENABLE}, {GICD_ISPENDR, OP_SPEND},
                {GICD_ICPENDR, OP_CPEND},     {GICD_ISACTIVER, OP_SACTIVE},
                {GICD_ICACTIVER, OP_CACTIVE}};
    *res = FAULT_HANDLED;
    for (unsigned m = 0; m < sizeof(maps) / sizeof(maps[0]); m++) {
        if (off < maps[m].base || off >= maps[m].base + 0x80)
            continue;
        if (a->size != 4) {
            *res = FAULT_UNHANDLED;
            return true;
        }
        uint32_t word = (uint32_t)(off - maps[m].base) / 4, first = word * 32;
        /* private interrupts live in the redistributor only; SPIs in the distributor only */
        if ((priv && word != 0) || (!priv && word == 0) || first >= VGIC_INTID_NUM) {
            if (!a->write)
                a->value = 0;
            return true;
        }
        if (a->write) {
            bits_write(g, vcpu, first, maps[m].op, (uint32_t)a->value);
        } else {
            if (priv)
                sync_if_mine(g, vcpu);
            else
                for (unsigned t = 0; t < g->vm->cfg.vcpu_num; t++)
                    sync_if_mine(g, t);
            a->value = bits_read(g, vcpu, first, maps[m].op);
        }
        return true;
    }
    if (off >= GICD_IPRIORITYR && off < GICD_IPRIORITYR + VGIC_INTID_NUM) {
        uint32_t first = (uint32_t)(off - GICD_IPRIORITYR);
        if ((a->size != 1 && a->size != 4) ||
            (priv ? first >= GIC_PRIV_NUM : first < GIC_PRIV_NUM)) {
            if (a->size != 1 && a->size != 4)
                *res = FAULT_UNHANDLED;
            else if (!a->write)
                a->value = 0;
            return true;
        }
        for (unsigned i = 0; i < a->size; i++) {
            virq_t *q = virq(g, vcpu, first + i);
            if (a->write)
                q->prio = (uint8_t)(a->value >> (8 * i));
            else
                a->value = (i ? a->value : 0) | (uint64_t)q->prio << (8 * i);
        }
        return true;
    }
    if (off >= GICD_ICFGR && off < GICD_ICFGR + VGIC_INTID_NUM / 4) {
        uint32_t first = (uint32_t)(off - GICD_ICFGR) * 4;
        if (a->size != 4) {
            *res = FAULT_UNHANDLED;
            return true;
        }
        if (priv ? first >= GIC_PRIV_NUM : first < GIC_PRIV_NUM) {
            if (!a->write)
                a->value = 0;
            return true;
        }
        uint32_t v = 0;
        for (unsigned i = 0; i < 16; i++) {
            virq_t *q = virq(g, vcpu, first + i);
            if (a->write && first + i >= GIC_SGI_NUM)
                q->edge = a->value >> (2 * i + 1) & 1; /* SGIs are always edge */
            v |= (uint32_t)q->edge << (2 * i + 1);
        }
        if (!a->write)
            a->value = v;
        return true;
    }
    return false;
}

static memory_fault_result_t gicd_access(vm_memory_t *mem, mem_access_t *a, void *cookie)
{
    vgic_t *g = cookie;
    uint64_t off = a->addr - VGIC_GICD_BASE;
    memory_fault_result_t res = FAULT_HANDLED;
    (void)mem;
    if (a->size > 8 || (off & (a->size - 1)))
        return FAULT_UNHANDLED;
    spin_lock(&g->lock);
    if (off >= GICD_IROUTER + 8 * GIC_PRIV_NUM && off < GICD_IROUTER + 8 * VGIC_INTID_NUM) {
        /* 64-bit registers, also written 32 bits at a time */
        unsigned n = (unsigned)(off - GICD_IROUTER) / 8 - GIC_PRIV_NUM;
        unsigned shift = (off & 4) ? 32 : 0;
        if (a->size < 4) {
            res = FAULT_UNHANDLED;
        } else if (a->write) {
            uint64_t mask = a->size == 8 ? ~0UL : 0xffffffffUL << shift;
            uint64_t was = g->irouter[n];
            g->irouter[n] = ((was & ~mask) | ((a->value << shift) & mask)) &
                            (GICD_IROUTER_MASK | GICD_IROUTER_IRM);
            if (was != g->irouter[n]) {
                mark(g, 0, GIC_PRIV_NUM + n); /* a pending SPI may now be another vCPU's */
                notify_all_locked(g);
            }
        } else {
            a->value = g->irouter[n] >> shift;
        }
    } else if (!common_regs(g, a->vcpu, off, a, false, &res)) {
        uint32_t v = 0;
        if (a->size != 4) {
            res = (off >= GICD_IROUTER && off < GICD_IROUTER + 8 * VGIC_INTID_NUM)
                      ? FAULT_HANDLED
                      : FAULT_UNHANDLED;
            if (!a->write)
                a->value = 0;
        } else {
            switch (off) {
            case GICD_CTLR:
                if (a->write) {
                    g->ctlr = (uint32_t)a->value & (GICD_CTLR_EN_G0 | GICD_CTLR_EN_G1);
                    notify_all_locked(g);
                }
                v = g->ctlr | GICD_CTLR_ARE | GICD_CTLR_DS;
                break;
            case GICD_TYPER:
                v = (VGIC_INTID_NUM / 32 - 1) | (9U << GICD_TYPER_IDBITS_SHIFT) |
                    ((g->vm->cfg.vcpu_num - 1) << GICD_TYPER_CPUS_SHIFT) | GICD_TYPER_NO1N;
                break;
            case GICD_IIDR: v = VGIC_IIDR; break;
            case GICD_PIDR2: v = GIC_PIDR2_ARCH_V3; break;
            default: break; /* reserved or unimplemented: RAZ/WI */
            }
            if (!a->write)
                a->value = v;
        }
    }
    spin_unlock(&g->lock);
    return res;
}

static memory_fault_result_t gicr_access(vm_memory_t *mem, mem_access_t *a, void *cookie)
{
    vgic_t *g = cookie;
    uint64_t rel = a->addr - VGIC_GICR_BASE;
    unsigned vcpu = (unsigned)(rel / VGIC_GICR_STRIDE);
    uint64_t off = rel % VGIC_GICR_STRIDE;
    memory_fault_result_t res = FAULT_HANDLED;
    (void)mem;
    if (a->size > 8 || (off & (a->size - 1)) || vcpu >= g->vm->cfg.vcpu_num)
        return FAULT_UNHANDLED;
    spin_lock(&g->lock);
    if (off >= GICR_SGI_FRAME) {
        if (!common_regs(g, vcpu, off - GICR_SGI_FRAME, a, true, &res) && !a->write)
            a->value = 0; /* RAZ/WI */
    } else if (off == GICR_TYPER || off == GICR_TYPER + 4) {
        uint64_t t = (uint64_t)vcpu << GICR_TYPER_AFF_SHIFT |
                     (uint64_t)vcpu << GICR_TYPER_PROC_SHIFT |
                     (vcpu + 1 == g->vm->cfg.vcpu_num ? GICR_TYPER_LAST : 0);
        if (a->size != 8 && a->size != 4)
            res = FAULT_UNHANDLED;
        else if (!a->write) /* read-only: writes are ignored */
            a->value = a->size == 8 ? t : (uint32_t)(t >> (off == GICR_TYPER ? 0 : 32));
    } else if (a->size != 4) {
        if (!a->write)
            a->value = 0;
    } else {
        uint32_t v = 0;
        switch (off) {
        case GICR_IIDR: v = VGIC_IIDR; break;
        case GICR_WAKER:
            if (a->write)
                g->cpu[vcpu].waker = (uint32_t)a->value & GICR_WAKER_SLEEP;
            v = g->cpu[vcpu].waker |
                ((g->cpu[vcpu].waker & GICR_WAKER_SLEEP) ? GICR_WAKER_ASLEEP : 0);
            break;
        case GICR_PIDR2: v = GIC_PIDR2_ARCH_V3; break;
        default: break; /* CTLR (no LPIs), PROPBASER, PENDBASER...: RAZ/WI */
        }
        if (!a->write)
            a->value = v;
    }
    spin_unlock(&g->lock);
    return res;
}

static int vgic_dt_node(const vm_t *vm, void *fdt, uint32_t phandle)
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

static const irqchip_t vgic_irqchip = {
    .name = "GICv3",
    .vcpu_reset = vgic_vcpu_reset,
    .forward = vgic_forward,
    .update = vgic_update_current,
    .set_level = vgic_set_level,
    .sgi = vgic_sgi,
    .dt_node = vgic_dt_node,
};

/* A VM gets a vGICv3 when septum drives the board's GIC as a GICv3; it is then the VM's
 * interrupt controller. */
static int vgic_attach(vm_t *vm)
{
    vgic_t *g = gic_of(vm);
    *g = (vgic_t){.present = irq_gic_version() == 3, .vm = vm};
    if (!g->present)
        return 1;
    if (!vm_reserve_memory_at(&vm->mem, VGIC_GICD_BASE, VGIC_GICD_SIZE, gicd_access, g) ||
        !vm_reserve_memory_at(&vm->mem, VGIC_GICR_BASE, VGIC_GICR_STRIDE * vm->cfg.vcpu_num,
                              gicr_access, g)) {
        g->present = false;
        return -1;
    }
    vm->irqchip = &vgic_irqchip;
    return 0;
}

const vdev_type_t vdev_vgic = {"gicv3", vgic_attach, NULL, NULL, NULL};
