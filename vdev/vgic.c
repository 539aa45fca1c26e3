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
 * One lock per VM guards the interrupts' state; functions named *_locked expect it held. What a
 * register read needs no lock for is kept as the guest reads it (see "register emulation"):
 * the distributor's first words, each redistributor's RD-frame words, priorities.
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
/* ICFGR0 after reset: the 16 SGIs, edge-triggered (the upper bit of each pair) */
#define CFG_SGIS 0xaaaaaaaaU

typedef struct virq {
    bool enabled, pending, active, edge, group1, hw, level, in_lr;
    uint8_t lr, req;
} virq_t;

/* A redistributor's RD frame from 0x00 to 0x1f (CTLR, IIDR, TYPER, STATUSR, WAKER, two reserved
 * words) as the guest reads it; as doublewords, the second is TYPER. */
enum { RD_IIDR = 1, RD_TYPER = 2, RD_WAKER = 5, RD_WORDS = 8 };
typedef union vgic_rd {
    uint32_t w[RD_WORDS];
    uint64_t d[RD_WORDS / 2];
} vgic_rd_t;

typedef struct vgic_cpu {
    vgic_rd_t rd; /* first: the redistributor's reservation cookie is this vgic_cpu_t */
    /* the private interrupts' priorities, a byte each in IPRIORITYR's layout */
    uint32_t prio[GIC_PRIV_NUM / 4];
    /* their IGROUPR0, ISENABLER0 and ICFGR0-1 as the guest reads them (see "register
     * emulation") */
    uint32_t group0, enable0, cfg0[2];
    struct vgic *g;
    unsigned id;
    virq_t priv[GIC_PRIV_NUM];
    /* interrupts that may wait for a list register: a superset, kept so that filling the list
     * registers looks only at these instead of every INTID */
    uint64_t maybe[VGIC_INTID_NUM / 64];
    uint16_t lr_intid[16];
    uint32_t lr_used;
} vgic_cpu_t;

/* The distributor's words from 0x00 to 0x7c (CTLR, TYPER, IIDR, reserved...) as the guest
 * reads them; CTLR's enable bits are the distributor's group enables. */
enum { CTL_CTLR, CTL_TYPER, CTL_IIDR, CTL_WORDS = GICD_IGROUPR / 4 };

typedef struct vgic {
    uint32_t ctl[CTL_WORDS]; /* first: the distributor's reservation cookie is this vgic_t */
    /* the SPIs' priorities, a byte each as in IPRIORITYR, at their INTID (the private
     * interrupts' first bytes are unused: each vCPU has its own) */
    uint32_t prio[VGIC_INTID_NUM / 4];
    /* the SPIs' IGROUPR, ISENABLER and ICFGR words as the guest reads them, at their own index
     * (the first ones unused) */
    uint32_t group[VGIC_INTID_NUM / 32], enable[VGIC_INTID_NUM / 32], cfg[VGIC_INTID_NUM / 16];
    bool present;
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

/* Priorities are written by the guest without the lock (one store of a byte or of a word of
 * four): whoever reads one under the lock sees the old value or the new, as the guest's write
 * could have landed just before or after. */
static unsigned prio(const vgic_t *g, const vgic_cpu_t *c, uint32_t intid)
{
    const uint8_t *p = intid < GIC_PRIV_NUM ? (const uint8_t *)c->prio : (const uint8_t *)g->prio;
    return ((const volatile uint8_t *)p)[intid];
}

static uint32_t gicd_ctlr(const vgic_t *g)
{
    return __atomic_load_n(&g->ctl[CTL_CTLR], __ATOMIC_RELAXED);
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

static uint64_t lr_value(const virq_t *q, uint32_t intid, unsigned prio, uint64_t state)
{
    uint64_t v = intid | (uint64_t)prio << ICH_LR_PRIO_SHIFT | state << ICH_LR_STATE_SHIFT;
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
 * left waiting. The caller's CPU runs vcpu. Each round scans the waiting interrupts for the
 * best; when the scan found only one that could go and a free register took it, another scan
 * would find nothing (placing it changed nothing else), so there is none: one interrupt, the
 * common case (a timer tick), costs one scan. */
static void fill_lrs_locked(vgic_t *g, unsigned vcpu)
{
    vgic_cpu_t *c = &g->cpu[vcpu];
    bool waiting = false;
    for (;;) {
        uint32_t best = VGIC_INTID_NUM;
        unsigned best_prio = 0x100, eligible = 0;
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
                if (!(gicd_ctlr(g) & (q->group1 ? GICD_CTLR_EN_G1 : GICD_CTLR_EN_G0)))
                    continue;
                unsigned p = prio(g, c, id);
                eligible++;
                if (p < best_prio) {
                    best = id;
                    best_prio = p;
                }
            }
        if (best == VGIC_INTID_NUM)
            break;
        uint32_t free = ~c->lr_used & ((1U << lr_num) - 1);
        unsigned i;
        bool again = true;
        if (free) {
            i = (unsigned)__builtin_ctz(free);
            again = eligible > 1;
        } else {
            /* full: a better interrupt displaces the worst one the guest has not taken yet,
             * which goes back to waiting here, so delivery follows priority as on hardware */
            unsigned worst = lr_num, worst_prio = 0;
            for (unsigned k = 0; k < lr_num; k++) {
                virq_t *o = virq(g, vcpu, c->lr_intid[k]);
                unsigned p = prio(g, c, c->lr_intid[k]);
                if (o->pending && !o->active && p >= worst_prio) {
                    worst = k;
                    worst_prio = p;
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
        gic_write_lr(i, lr_value(q, best, best_prio, ICH_LR_PENDING));
        c->lr_used |= 1U << i;
        c->lr_intid[i] = (uint16_t)best;
        q->in_lr = true;
        q->lr = (uint8_t)i;
        if (!again)
            break;
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

static void vgic_raise_private(vm_t *vm, unsigned vcpu, uint32_t intid)
{
    vgic_t *g = gic_of(vm);
    if (!g->present || vcpu >= vm->cfg.vcpu_num || intid < GIC_SGI_NUM || intid >= GIC_PRIV_NUM)
        return;
    spin_lock(&g->lock);
    set_pending_locked(g, virq(g, vcpu, intid), vcpu, intid); /* kicks its CPU if elsewhere */
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
    for (unsigned w = 0; w < GIC_PRIV_NUM / 4; w++)
        __atomic_store_n(&c->prio[w], 0, __ATOMIC_RELAXED);
    __atomic_store_n(&c->group0, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&c->enable0, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&c->cfg0[0], CFG_SGIS, __ATOMIC_RELAXED); /* SGIs are edge-triggered */
    __atomic_store_n(&c->cfg0[1], 0, __ATOMIC_RELAXED);
    c->lr_used = 0;
    __atomic_store_n(&c->rd.w[RD_WAKER], GICR_WAKER_SLEEP | GICR_WAKER_ASLEEP, __ATOMIC_RELAXED);
    for (unsigned w = 0; w < VGIC_INTID_NUM / 64; w++)
        c->maybe[w] = 0;
    if (v->id == 0) {
        /* vCPU 0 starting means the VM starts: the distributor is reset too */
        for (unsigned i = 0; i < SPI_NUM; i++) {
            if (g->spi[i].hw && (g->spi[i].pending || g->spi[i].active))
                gic_deactivate(GIC_PRIV_NUM + i);
            g->spi[i] = (virq_t){0};
            __atomic_store_n(&g->irouter[i], 0, __ATOMIC_RELAXED);
        }
        for (unsigned w = GIC_PRIV_NUM / 4; w < VGIC_INTID_NUM / 4; w++)
            __atomic_store_n(&g->prio[w], 0, __ATOMIC_RELAXED);
        for (unsigned w = 0; w < VGIC_INTID_NUM / 32; w++) {
            __atomic_store_n(&g->group[w], 0, __ATOMIC_RELAXED);
            __atomic_store_n(&g->enable[w], 0, __ATOMIC_RELAXED);
            __atomic_store_n(&g->cfg[2 * w], 0, __ATOMIC_RELAXED);
            __atomic_store_n(&g->cfg[2 * w + 1], 0, __ATOMIC_RELAXED);
        }
        __atomic_store_n(&g->ctl[CTL_CTLR], GICD_CTLR_ARE | GICD_CTLR_DS, __ATOMIC_RELAXED);
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

/* ---- register emulation ----
 *
 * Every access is found from its offset, never by a scan of ranges. The distributor is one
 * reservation, each redistributor (RD and SGI frames) another, and each callback first
 * finishes, in a dozen instructions and without the lock, the accesses a driver makes most that
 * need none: a read of a word of the distributor's control block or of an RD frame (CTLR, TYPER,
 * IIDR, WAKER...) from a copy kept as the guest reads it (written only when the register
 * changes: at attach, at reset, by a CTLR or WAKER write), a WAKER write, and a priority word
 * written, stored as the guest wrote it (a byte per interrupt, in IPRIORITYR's layout). Each is
 * one load or one store of a word that no other state depends on: a reader under the lock sees
 * the value before or after, as it would had the guest's access come a little earlier or later.
 * Everything else goes out of line: per-interrupt registers by the offset's 128-byte block (a
 * switch: one range test per kind, no scan), under the VM's lock where they touch interrupts'
 * state. make bench counts the fast paths' instructions; OPAQUE(x) keeps the compiler from
 * folding what it knows of x into a constant that takes an extra instruction to build (it emits
 * nothing).
 */
#define OPAQUE(x) __asm__("" : "+r"(x))
/* The slow paths: out of line, called with the callback's own arguments in the same registers
 * (GCC would otherwise drop or reorder them, and the fast paths would pay for the shuffle). */
#if __has_attribute(noipa)
#define OUT_OF_LINE __attribute__((noipa))
#else
#define OUT_OF_LINE __attribute__((noinline))
#endif

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

/* The IGROUPR (OP_GROUP) or ISENABLER/ICENABLER word kept for the 32 interrupts from first. */
static uint32_t *shadow_word(vgic_t *g, unsigned vcpu, uint32_t first, unsigned op)
{
    if (op == OP_GROUP)
        return first < GIC_PRIV_NUM ? &g->cpu[vcpu].group0 : &g->group[first / 32];
    return first < GIC_PRIV_NUM ? &g->cpu[vcpu].enable0 : &g->enable[first / 32];
}

static void bits_write(vgic_t *g, unsigned vcpu, uint32_t first, unsigned op, uint32_t val)
{
    /* IGROUPR sets every bit; the others act on the bits that are set */
    uint32_t todo = op == OP_GROUP ? ~0U : val;
    for (; todo; todo &= todo - 1) {
        unsigned i = (unsigned)__builtin_ctz(todo);
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
    }
    if (op <= OP_CENABLE) {
        uint32_t *w = shadow_word(g, vcpu, first, op);
        uint32_t was = __atomic_load_n(w, __ATOMIC_RELAXED);
        __atomic_store_n(w,
                         op == OP_GROUP     ? val
                         : op == OP_SENABLE ? was | val
                                            : was & ~val,
                         __ATOMIC_RELAXED);
    }
    if (val && op != OP_GROUP) {
        if (first < GIC_PRIV_NUM)
            notify_locked(g, vcpu);
        else
            notify_all_locked(g);
    }
}

static memory_fault_result_t raz_wi(mem_access_t *a)
{
    if (!a->write)
        a->value = 0;
    return FAULT_HANDLED;
}

/* A read-only register: reads give v, writes are ignored. */
static memory_fault_result_t read_only(mem_access_t *a, uint32_t v)
{
    if (!a->write)
        a->value = v;
    return FAULT_HANDLED;
}

/* IPRIORITYR: p is the offset into prios (a byte each, in the register's layout); a byte, or an
 * aligned word of four. No lock (see above). */
static inline memory_fault_result_t prio_access(uint32_t *prios, uint64_t p, mem_access_t *a)
{
    if (a->size == 4 && !(p & 3)) {
        if (a->write)
            __atomic_store_n(&prios[p / 4], (uint32_t)a->value, __ATOMIC_RELAXED);
        else
            a->value = __atomic_load_n(&prios[p / 4], __ATOMIC_RELAXED);
        return FAULT_HANDLED;
    }
    if (a->size != 1)
        return FAULT_UNHANDLED;
    uint8_t *b = (uint8_t *)prios + p;
    if (a->write)
        __atomic_store_n(b, (uint8_t)a->value, __ATOMIC_RELAXED);
    else
        a->value = __atomic_load_n(b, __ATOMIC_RELAXED);
    return FAULT_HANDLED;
}

/* A bitmap register (op) of the 32 interrupts from first. A redistributor (priv) has only the
 * private interrupts' word, the distributor only the SPIs'; the other words read as zero. */
static memory_fault_result_t bitmap_access(vgic_t *g, unsigned vcpu, uint32_t first, unsigned op,
                                           bool priv, mem_access_t *a)
{
    if (a->size != 4)
        return FAULT_UNHANDLED;
    if (priv != (first < GIC_PRIV_NUM) || first >= VGIC_INTID_NUM)
        return raz_wi(a);
    /* group and enable bits read from the words kept (the list registers hold neither) */
    if (!a->write && op <= OP_CENABLE)
        return read_only(a, __atomic_load_n(shadow_word(g, vcpu, first, op), __ATOMIC_RELAXED));
    if (a->write && op != OP_GROUP && !(uint32_t)a->value)
        return FAULT_HANDLED; /* no bit set: nothing to do */
    spin_lock(&g->lock);
    if (a->write) {
        bits_write(g, vcpu, first, op, (uint32_t)a->value);
    } else {
        if (priv)
            sync_if_mine(g, vcpu);
        else
            for (unsigned t = 0; t < g->vm->cfg.vcpu_num; t++)
                sync_if_mine(g, t);
        a->value = bits_read(g, vcpu, first, op);
    }
    spin_unlock(&g->lock);
    return FAULT_HANDLED;
}

/* ICFGR for the 16 interrupts from first: the upper bit of each pair is "edge" (SGIs always
 * are); the words of the other kind of interrupt read as zero, as for the bitmaps. */
static memory_fault_result_t cfg_access(vgic_t *g, unsigned vcpu, uint32_t first, bool priv,
                                        mem_access_t *a)
{
    if (a->size != 4)
        return FAULT_UNHANDLED;
    if (priv != (first < GIC_PRIV_NUM))
        return raz_wi(a);
    uint32_t *word = priv ? &g->cpu[vcpu].cfg0[first / 16] : &g->cfg[first / 16];
    if (!a->write) /* as kept: no lock */
        return read_only(a, __atomic_load_n(word, __ATOMIC_RELAXED));
    uint32_t v = 0;
    spin_lock(&g->lock);
    for (unsigned i = 0; i < 16; i++) {
        virq_t *q = virq(g, vcpu, first + i);
        if (first + i >= GIC_SGI_NUM)
            q->edge = a->value >> (2 * i + 1) & 1;
        v |= (uint32_t)q->edge << (2 * i + 1);
    }
    __atomic_store_n(word, v, __ATOMIC_RELAXED);
    spin_unlock(&g->lock);
    return FAULT_HANDLED;
}

/* The per-interrupt registers from IGROUPR to ICFGR, laid out alike in the distributor and in
 * a redistributor's SGI frame (priv), by off's 128-byte block; off is aligned to the access's
 * size. False if off is in none of them. */
static bool per_irq_access(vgic_t *g, unsigned vcpu, uint64_t off, bool priv, mem_access_t *a,
                           memory_fault_result_t *res)
{
    switch (off >> 7) {
    case GICD_IGROUPR >> 7:
    case GICD_ISENABLER >> 7:
    case GICD_ICENABLER >> 7:
    case GICD_ISPENDR >> 7:
    case GICD_ICPENDR >> 7:
    case GICD_ISACTIVER >> 7:
    case GICD_ICACTIVER >> 7: /* OP_* in the registers' order */
        *res = bitmap_access(g, vcpu, (uint32_t)(off & 0x7f) * 8,
                             (unsigned)(off >> 7) - (GICD_IGROUPR >> 7), priv, a);
        return true;
    case GICD_IPRIORITYR >> 7:
    case (GICD_IPRIORITYR >> 7) + 1:
        /* the other kind of interrupt's words (their own were taken before) */
        *res = a->size == 1 || a->size == 4 ? raz_wi(a) : FAULT_UNHANDLED;
        return true;
    case GICD_ICFGR >> 7:
        if (off >= GICD_ICFGR + VGIC_INTID_NUM / 4)
            return false;
        *res = cfg_access(g, vcpu, (uint32_t)(off - GICD_ICFGR) * 4, priv, a);
        return true;
    default: return false;
    }
}

/* GICD_IROUTER<n>: 64-bit, also accessed a word at a time; the private interrupts' slots read
 * as zero. */
static memory_fault_result_t irouter_access(vgic_t *g, uint64_t off, mem_access_t *a)
{
    unsigned n = (unsigned)(off - GICD_IROUTER) / 8, shift = (off & 4) ? 32 : 0;
    if (n < GIC_PRIV_NUM)
        return raz_wi(a);
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
        mark(g, 0, GIC_PRIV_NUM + n); /* a pending SPI may now be another vCPU's */
        notify_all_locked(g);
    }
    spin_unlock(&g->lock);
    return FAULT_HANDLED;
}

/* CTLR: the group enables are all the guest may change. */
static memory_fault_result_t gicd_ctlr_write(vgic_t *g, uint32_t v)
{
    spin_lock(&g->lock);
    __atomic_store_n(&g->ctl[CTL_CTLR],
                     (v & (GICD_CTLR_EN_G0 | GICD_CTLR_EN_G1)) | GICD_CTLR_ARE | GICD_CTLR_DS,
                     __ATOMIC_RELAXED);
    notify_all_locked(g);
    spin_unlock(&g->lock);
    return FAULT_HANDLED;
}

/* The distributor's registers but the two gicd_access finishes itself. */
static OUT_OF_LINE memory_fault_result_t gicd_other(vm_memory_t *mem, mem_access_t *a, void *cookie)
{
    vgic_t *g = cookie;
    uint64_t off = a->addr & (VGIC_GICD_SIZE - 1);
    uint64_t p = off - (GICD_IPRIORITYR + GIC_PRIV_NUM);
    memory_fault_result_t res;
    (void)mem;
    if (a->size > 8 || (off & (a->size - 1)))
        return FAULT_UNHANDLED;
    if (off < CTL_WORDS * 4) { /* the control words: 32-bit only */
        if (a->size != 4)
            return FAULT_UNHANDLED;
        if (!a->write)
            return read_only(a, __atomic_load_n(&g->ctl[off / 4], __ATOMIC_RELAXED));
        return off == GICD_CTLR ? gicd_ctlr_write(g, (uint32_t)a->value) : FAULT_HANDLED;
    }
    if (p < SPI_NUM)
        return prio_access(g->prio, p + GIC_PRIV_NUM, a);
    if (off >= GICD_IROUTER && off < GICD_IROUTER + 8 * VGIC_INTID_NUM)
        return irouter_access(g, off, a);
    if (per_irq_access(g, a->vcpu, off, false, a, &res))
        return res;
    /* identification, reserved space: 32-bit only */
    if (a->size != 4)
        return FAULT_UNHANDLED;
    return off == GICD_PIDR2 ? read_only(a, GIC_PIDR2_ARCH_V3) : raz_wi(a);
}

/* The distributor. A read of a control word (TYPER, CTLR...) and a write of an SPIs' priority
 * word, the registers a driver touches most, are finished here in a few instructions; the rest
 * goes to gicd_other. */
static memory_fault_result_t gicd_access(vm_memory_t *mem, mem_access_t *a, void *cookie)
{
    vgic_t *g = cookie;
    uint64_t off = a->addr & (VGIC_GICD_SIZE - 1); /* the reservation is the frame */
    OPAQUE(off);
    if (a->size == 4) {
        if (!a->write) {
            /* a control word: no offset bits set but a word's from 0x00 to 0x7c */
            if (!(off & ~(uint64_t)(GICD_IGROUPR - 4))) {
                a->value = *(const uint32_t *)((uintptr_t)g->ctl + off);
                return FAULT_HANDLED;
            }
        } else {
            /* an SPIs' priority word: p aligned (rotated, its low bits would be high) and
             * below the last; one store of an aligned word */
            uint64_t p = off - (GICD_IPRIORITYR + GIC_PRIV_NUM);
            if (((p >> 2) | (p << 62)) < SPI_NUM / 4) {
                *(volatile uint32_t *)((uintptr_t)g->prio + GIC_PRIV_NUM + p) = (uint32_t)a->value;
                return FAULT_HANDLED;
            }
        }
    }
    return gicd_other(mem, a, cookie);
}

/* GICR_WAKER as read after the guest wrote v: ProcessorSleep kept, ChildrenAsleep following it
 * at once (SLEEP times 3 is both). */
static uint32_t waker(uint64_t v)
{
    _Static_assert((GICR_WAKER_SLEEP | GICR_WAKER_ASLEEP) == 3 * GICR_WAKER_SLEEP, "WAKER bits");
    return (uint32_t)(v & GICR_WAKER_SLEEP) * 3;
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
        uint64_t p = off - (GICR_SGI_FRAME + GICD_IPRIORITYR);
        if (p < GIC_PRIV_NUM)
            return prio_access(c->prio, p, a);
        return per_irq_access(c->g, c->id, off - GICR_SGI_FRAME, true, a, &res) ? res : raz_wi(a);
    }
    if (off < RD_WORDS * 4 && a->size == 4) { /* the RD words */
        if (!a->write)
            return read_only(a, __atomic_load_n(&c->rd.w[off / 4], __ATOMIC_RELAXED));
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
        return raz_wi(a);
    return off == GICR_PIDR2 ? read_only(a, GIC_PIDR2_ARCH_V3) : raz_wi(a);
}

/* A redistributor, its RD and SGI frames (cookie: its vCPU's state, so nothing is computed to
 * find it). Reads of the RD frame's first words (a word, or TYPER as a doubleword), a WAKER write
 * and a private priority word written, what a driver touches most here, are finished in a few
 * instructions; the rest goes to gicr_other. */
static memory_fault_result_t gicr_access(vm_memory_t *mem, mem_access_t *a, void *cookie)
{
    vgic_cpu_t *c = cookie;
    uint64_t off = a->addr & (VGIC_GICR_STRIDE - 1); /* the reservation is the two frames */
    OPAQUE(off);
    if (!a->write) {
        if (off == GICR_TYPER && a->size == 8) {
            a->value = c->rd.d[RD_TYPER / 2];
            return FAULT_HANDLED;
        }
        /* a word from 0x00 to 0x1c: no offset bits set but the word's */
        if (a->size == 4 && !(off & ~(uint64_t)(RD_WORDS * 4 - 4))) {
            a->value = *(const uint32_t *)((uintptr_t)c->rd.w + off);
            return FAULT_HANDLED;
        }
    } else if (a->size == 4) {
        if (off == GICR_WAKER) {
            *(volatile uint32_t *)&c->rd.w[RD_WAKER] = waker(a->value);
            return FAULT_HANDLED;
        }
        /* a priority word: p aligned (rotated, its low bits would be high) and below the last */
        uint64_t p = off - (GICR_SGI_FRAME + GICD_IPRIORITYR);
        if (((p >> 2) | (p << 62)) < GIC_PRIV_NUM / 4) {
            *(volatile uint32_t *)((uintptr_t)c->prio + p) = (uint32_t)a->value;
            return FAULT_HANDLED;
        }
    }
    return gicr_other(mem, a, cookie);
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
    .raise_private = vgic_raise_private,
    .dt_node = vgic_dt_node,
};

/* A VM gets a vGICv3 when septum drives the board's GIC as a GICv3; it is then the VM's
 * interrupt controller. The distributor is one reservation, each vCPU's redistributor another,
 * whose cookie is that vCPU's state: its accesses find it without arithmetic. (Each is a region
 * of the VM's table, and every change of the table, a grant mapping's too, costs a little more
 * per region: one per redistributor, not one per frame.) */
static int vgic_attach(vm_t *vm)
{
    vgic_t *g = gic_of(vm);
    unsigned n = vm->cfg.vcpu_num;
    *g = (vgic_t){.present = irq_gic_version() == 3, .vm = vm};
    if (!g->present)
        return 1;
    g->ctl[CTL_CTLR] = GICD_CTLR_ARE | GICD_CTLR_DS;
    g->ctl[CTL_TYPER] = (VGIC_INTID_NUM / 32 - 1) | (9U << GICD_TYPER_IDBITS_SHIFT) |
                        ((n - 1) << GICD_TYPER_CPUS_SHIFT) | GICD_TYPER_NO1N;
    g->ctl[CTL_IIDR] = VGIC_IIDR;
    bool ok = vm_reserve_memory_at(&vm->mem, VGIC_GICD_BASE, VGIC_GICD_SIZE, gicd_access, g);
    for (unsigned i = 0; i < n && ok; i++) {
        vgic_cpu_t *c = &g->cpu[i];
        c->g = g;
        c->id = i;
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
