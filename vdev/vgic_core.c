/*
 * The virtual GIC's interrupt state and list registers, for both versions (see vgic_core.h).
 * Every interrupt's state lives here (enable, pending, active, priority, group, configuration,
 * routing) until it is placed in a list register; from then until the guest deactivates it, the
 * list register holds its pending and active state, and changes the emulated registers ask for
 * are applied when its vCPU next syncs. When more interrupts are pending than there are list
 * registers, the rest wait here and the underflow maintenance interrupt (at most one list
 * register still valid) brings them in. Level-sensitive interrupts without a hardware line carry
 * the EOI flag, so their deactivation is seen and the line sampled again. The list registers are
 * read and written in ICH_LR<n>_EL2's layout on either version (arch/gic.h translates GICH's).
 *
 * One lock per VM guards the interrupts' state; functions named *_locked expect it held. What a
 * register read needs no lock for is kept as the guest reads it (see "register emulation"):
 * every distributor and SGI-frame register word at its offset (vgic_words_t), the RD-frame
 * words.
 *
 * Registers: GICv3 architecture specification (IHI 0069), 12.9 (distributor); GICv2 (IHI 0048),
 * 4.3. Reserved and unimplemented registers read as zero and ignore writes, as the
 * specifications say; accesses of a size a register does not allow are refused.
 */
#include "vgic_core.h"

#define SPI_NUM VGIC_SPI_NUM

static vgic_t vgics[VM_MAX];
static irq_fast_t fast_tables[VM_MAX][VM_VCPU_MAX];
static unsigned lr_num;

vgic_t *vgic_of(const vm_t *vm) { return &vgics[vm->id]; }

virq_t *vgic_virq(vgic_t *g, unsigned vcpu, uint32_t intid)
{
    return intid < GIC_PRIV_NUM ? &g->cpu[vcpu].priv[intid] : &g->spi[intid - GIC_PRIV_NUM];
}

/* Word i's write view when it holds kept (see vgic_words_t). */
static uint64_t write_view(unsigned i, uint32_t kept)
{
    uint32_t mask = ~0U, as = 0; /* all bits count, as zero: a set or clear register */
    if (i == CTL_CTLR)
        mask = as = GICD_CTLR_EN_G0 | GICD_CTLR_EN_G1;
    else if (i < GICD_IGROUPR / 4 || (i >= GICD_ITARGETSR / 4 && i < GICD_ICFGR / 4))
        mask = 0; /* read-only, reserved, or ITARGETSR: nothing a write does */
    else if (i < GICD_ISENABLER / 4)
        as = ~0U; /* IGROUPR */
    else if (i >= GICD_ICFGR / 4)
        mask = as = 0xaaaaaaaaU; /* ICFGR's edge bits */
    return mask | (uint64_t)(kept & as & mask) << 32;
}

void vgic_word_set(vgic_words_t *w, unsigned i, uint32_t v)
{
    __atomic_store_n(&((uint32_t *)w)[i], v, __ATOMIC_RELAXED);
    __atomic_store_n(&w->wv[i], write_view(i, v), __ATOMIC_RELAXED);
}

/* Every word's write view at attach, the words all zero but the control words: a zero view is
 * a word no write changes (read-only, reserved, ITARGETSR), so only the others are written, a
 * run of equal views at a time (this runs at boot, per VM and vCPU). */
static void words_init(vgic_words_t *w)
{
    w->wv[CTL_CTLR] = write_view(CTL_CTLR, w->ctl[CTL_CTLR]);
    uint64_t all = write_view(GICD_IGROUPR / 4, 0), cfg = write_view(GICD_ICFGR / 4, 0);
    for (unsigned i = GICD_IGROUPR / 4; i < GICD_ITARGETSR / 4; i++)
        w->wv[i] = all; /* IGROUPR to IPRIORITYR: every bit counts, all zero */
    for (unsigned i = GICD_ICFGR / 4; i < VGIC_WORDS_NUM; i++)
        w->wv[i] = cfg;
}

/* The kept words that hold intid's bits (vcpu's SGI frame's, or the distributor's). */
static vgic_words_t *words_of(vgic_t *g, unsigned vcpu, uint32_t intid)
{
    return intid < GIC_PRIV_NUM ? &g->cpu[vcpu].w : &g->w;
}

/* A set register's word and its twin, the clear register's, which reads the same. */
static void set_twins(uint32_t *word, uint32_t v)
{
    __atomic_store_n(word, v, __ATOMIC_RELAXED);
    __atomic_store_n(&word[VGIC_TWIN], v, __ATOMIC_RELAXED);
}

/* After q's pending or active state changed (q is intid's, vcpu's if private): its bits in the
 * kept ISPENDR/ICPENDR and ISACTIVER/ICACTIVER words, which a read gives unless a list register
 * of the reading vCPU holds one of the word's interrupts (see "register emulation"). Locked. */
void vgic_keep_state(vgic_t *g, unsigned vcpu, uint32_t intid, const virq_t *q)
{
    vgic_words_t *w = words_of(g, vcpu, intid);
    unsigned i = intid / 32;
    uint32_t bit = 1U << (intid % 32);
    uint32_t p = (w->pend[i] & ~bit) | (q->pending ? bit : 0);
    uint32_t a = (w->act[i] & ~bit) | (q->active ? bit : 0);
    set_twins(&w->pend[i], p);
    set_twins(&w->act[i], a);
}

/* q (intid, vcpu's if private) goes in or out of a list register. Locked. */
static void set_listed(vgic_t *g, unsigned vcpu, virq_t *q, uint32_t intid, bool in)
{
    vgic_words_t *w = words_of(g, vcpu, intid);
    unsigned i = GICD_ISPENDR / 4 + intid / 32;
    uint32_t bit = 1U << (intid % 32), now = in ? w->listed[i] | bit : w->listed[i] & ~bit;
    q->in_lr = in;
    for (unsigned k = 0; k < 4; k++) /* ISPENDR, ICPENDR, ISACTIVER, ICACTIVER */
        __atomic_store_n(&w->listed[i + k * VGIC_BLK], now, __ATOMIC_RELAXED);
}

/* Priorities are written by the guest without the lock (one store of a byte or of a word of
 * four): whoever reads one under the lock sees the old value or the new, as the guest's write
 * could have landed just before or after. */
static const uint8_t *prio_byte(const vgic_t *g, const vgic_cpu_t *c, uint32_t intid)
{
    return (const uint8_t *)(intid < GIC_PRIV_NUM ? c->w.prio : g->w.prio) + intid;
}

static unsigned prio(const vgic_t *g, const vgic_cpu_t *c, uint32_t intid)
{
    return *(const volatile uint8_t *)prio_byte(g, c, intid);
}

static uint32_t gicd_ctlr(const vgic_t *g)
{
    return __atomic_load_n(&g->w.ctl[CTL_CTLR], __ATOMIC_RELAXED);
}

/* The vCPU an SPI goes to (VGIC_ROUTE_NONE: none), as its routing register last said. */
static unsigned spi_target(const vgic_t *g, uint32_t intid)
{
    return g->route[intid - GIC_PRIV_NUM];
}

static bool owned_by(const vgic_t *g, uint32_t intid, unsigned vcpu)
{
    return intid < GIC_PRIV_NUM || spi_target(g, intid) == vcpu;
}

/* intid (vcpu's, or an SPI) may now be waiting for a list register. */
void vgic_mark(vgic_t *g, unsigned vcpu, uint32_t intid)
{
    unsigned t = intid < GIC_PRIV_NUM ? vcpu : spi_target(g, intid);
    if (t != VGIC_ROUTE_NONE)
        g->cpu[t].maybe[intid / 64] |= 1UL << (intid % 64);
}

static uint64_t lr_value(const vgic_t *g, virq_t *q, uint32_t intid, unsigned prio, uint64_t state)
{
    uint64_t v = intid | (uint64_t)prio << ICH_LR_PRIO_SHIFT | state << ICH_LR_STATE_SHIFT;
    if (q->src) {
        /* a GICv2 SGI: one source a list register, the lowest first; the others stay pending
         * here and come in when this one is done */
        unsigned s = (unsigned)__builtin_ctz(q->src);
        q->src &= (uint8_t) ~(1U << s);
        q->lr_src = (uint8_t)s;
        v |= (uint64_t)s << ICH_LR_V2_SRC_SHIFT;
    }
    if (q->group1)
        v |= ICH_LR_GROUP1;
    if (q->hw && g->ops->hw_lrs)
        v |= ICH_LR_HW | (uint64_t)intid << ICH_LR_PINTID_SHIFT;
    else if (q->hw || !q->edge)
        v |= ICH_LR_EOI; /* a level line to sample again, or a physical one septum ends */
    return v;
}

/* A GICv2 SGI leaves list register value lr before the guest took it: its source is pending
 * again. */
static void give_back_source(const vgic_t *g, virq_t *q, uint32_t intid, uint64_t lr)
{
    if (intid < GIC_SGI_NUM && !(lr & ICH_LR_HW) && g->ops->version == 2)
        q->src |= (uint8_t)(1U << (lr >> ICH_LR_V2_SRC_SHIFT & ICH_LR_V2_SRC_MASK));
}

/* ---- the lean interrupt path (arch/irq_fast.h, vectors.S) ----
 *
 * A forwarded interrupt (hardware bit) the guest is done with keeps its list register, empty
 * ("parked"), as long as it may be taken again without septum deciding anything: enabled, its
 * group enabled, routed to this vCPU, no request waiting for a sync. Its entry in the vCPU's
 * table lets the IRQ vector make it pending in that register on its own, with the priority byte
 * the guest last wrote. Why the state stays right:
 * - The shadow never disagrees with the list registers: a parked interrupt is in_lr, in its
 *   register, as any listed one, and sync reads every used register back, so whatever the vector
 *   wrote (pending, then active, then done) is seen as if fill had written it.
 * - Only the vCPU's own CPU writes its list registers and publishes its entries, with interrupts
 *   masked, so the vector never runs beside a sync or a fill of the same registers.
 * - Everything that could make the interrupt ineligible happens under the lock and revokes its
 *   entries first (any CPU may: a disable, a group or routing change, a pending or active
 *   request, the distributor's CTLR), and the vCPU's next sync decides again: a parked register
 *   that is no longer eligible is freed. A vector that read the entry just before a revocation
 *   on another CPU delivers as the GIC would an interrupt signalled just before the disable.
 * - Filling, when every register is used, takes a parked one first: parking never keeps an
 *   interrupt waiting, and priority order among waiting interrupts is fill's, unchanged.
 * Either version attaches its tables; the vector has a half for each (arch/irq_fast.h). A
 * vGICv2 lists forwarded interrupts with the EOI bit, not the hardware bit (hw_lrs): the
 * guest's end of one leaves its register invalid with EOI set, which raises the maintenance
 * interrupt; the sync that follows ends the physical interrupt and, if it stays parked, clears
 * the register (EOI and all), which stops the maintenance interrupt and makes the register
 * empty for the vector. A parked register's physical interrupt is therefore never active, and
 * one holding the EOI bit always is: phys_active says which.
 */

/* Whether q, listed in one of vcpu's registers, may be made pending there by the vector. */
static bool fast_ok(const vgic_t *g, const virq_t *q, uint32_t intid, unsigned vcpu)
{
    return q->hw && q->enabled && !q->req && owned_by(g, intid, vcpu) &&
           (gicd_ctlr(g) & (q->group1 ? GICD_CTLR_EN_G1 : GICD_CTLR_EN_G0));
}

/* Whether forwarded q's physical interrupt, listed without the hardware bit as list register
 * value lr, is still active for septum to end: the EOI bit is there until septum ends it (a
 * parked register is cleared then). */
static bool phys_active(const virq_t *q, uint64_t lr)
{
    return q->hw && (lr & (ICH_LR_HW | ICH_LR_EOI)) == ICH_LR_EOI;
}

/* q was put in, or stays in, vcpu's list register i: publish its entry or revoke it. */
static void fast_update(vgic_t *g, unsigned vcpu, virq_t *q, uint32_t intid, unsigned i)
{
    vgic_cpu_t *c = &g->cpu[vcpu];
    if (fast_ok(g, q, intid, vcpu)) /* a hardware interrupt: lr_value takes no SGI source */
        irq_fast_publish(c->fast, intid, i, lr_value(g, q, intid, 0, ICH_LR_PENDING),
                         prio_byte(g, c, intid));
    else
        irq_fast_revoke(c->fast, intid);
}

/* Any CPU, before intid's state changes: the vector leaves it to C (vcpu's, or an SPI, which
 * may be listed on any vCPU). */
static void fast_revoke(vgic_t *g, unsigned vcpu, uint32_t intid)
{
    if (intid < GIC_PRIV_NUM) {
        irq_fast_revoke(g->cpu[vcpu].fast, intid);
        return;
    }
    for (unsigned t = 0; t < g->vm->cfg.vcpu_num; t++)
        irq_fast_revoke(g->cpu[t].fast, intid);
}

/* Any CPU: every entry of every vCPU (those of listed interrupts are the only ones). */
static void fast_revoke_all_locked(vgic_t *g)
{
    for (unsigned t = 0; t < g->vm->cfg.vcpu_num; t++) {
        vgic_cpu_t *c = &g->cpu[t];
        for (uint32_t used = c->lr_used; used; used &= used - 1)
            irq_fast_revoke(c->fast, c->lr_intid[__builtin_ctz(used)]);
    }
}

/* Read the list registers back (the caller's CPU runs vcpu), apply requests, free the ones the
 * guest is done with (a forwarded one stays parked while the vector may use it). */
static void sync_lrs_locked(vgic_t *g, unsigned vcpu)
{
    vgic_cpu_t *c = &g->cpu[vcpu];
    for (uint32_t used = c->lr_used; used; used &= used - 1) {
        unsigned i = (unsigned)__builtin_ctz(used);
        uint32_t intid = c->lr_intid[i];
        virq_t *q = vgic_virq(g, vcpu, intid);
        uint64_t lr = gic_read_lr(i), st = lr >> ICH_LR_STATE_SHIFT;
        bool was_pending = q->pending, was_active = q->active;
        if (q->req & REQ_UNPEND)
            st &= ~ICH_LR_PENDING;
        if (q->req & REQ_UNACTIVE) {
            if (q->hw && g->ops->hw_lrs && (st & ICH_LR_ACTIVE))
                gic_deactivate(intid); /* else when the list register frees, below */
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
        if (retract)
            give_back_source(g, q, intid, lr);
        q->req = keep;
        q->pending = st & ICH_LR_PENDING;
        q->active = st & ICH_LR_ACTIVE;
        bool parked = st == 0 && fast_ok(g, q, intid, vcpu);
        if ((st == 0 && !parked) || retract) {
            irq_fast_revoke(c->fast, intid);
            if (phys_active(q, lr))
                gic_deactivate(intid); /* the guest is done with it: septum ends it */
            gic_write_lr(i, 0);
            c->lr_used &= ~(1U << i);
            set_listed(g, vcpu, q, intid, false);
            q->req = 0;
            if (keep || (!q->edge && q->level) || q->src)
                q->pending = true; /* pended meanwhile, the line is still up, or more sources */
            if (q->pending) {
                vgic_mark(g, vcpu, intid);
                if (!owned_by(g, intid, vcpu))
                    vgic_notify_locked(g, spi_target(g, intid)); /* routed elsewhere meanwhile */
            }
        } else {
            if (parked && phys_active(q, lr)) {
                /* a GICv2's: septum ends it and clears the register, which stays parked */
                gic_deactivate(intid);
                gic_write_lr(i, 0);
            } else if (st != lr >> ICH_LR_STATE_SHIFT)
                gic_write_lr(i, (lr & ~(3UL << ICH_LR_STATE_SHIFT)) | st << ICH_LR_STATE_SHIFT);
            fast_update(g, vcpu, q, intid, i);
        }
        if (q->pending != was_pending || q->active != was_active)
            vgic_keep_state(g, vcpu, intid, q);
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
                virq_t *q = vgic_virq(g, vcpu, id);
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
            /* full: a parked register (empty since the sync before) goes first; else a
             * better interrupt displaces the worst one the guest has not taken yet, which
             * goes back to waiting here, so delivery follows priority as on hardware */
            unsigned worst = lr_num, worst_prio = 0;
            for (unsigned k = 0; k < lr_num; k++) {
                virq_t *o = vgic_virq(g, vcpu, c->lr_intid[k]);
                unsigned p = prio(g, c, c->lr_intid[k]);
                if (!o->pending && !o->active) {
                    worst = k;
                    worst_prio = 0x100;
                    break;
                }
                if (o->pending && !o->active && p >= worst_prio) {
                    worst = k;
                    worst_prio = p;
                }
            }
            if (worst_prio <= 0xff)
                g->overflows++;
            if (worst == lr_num || worst_prio <= best_prio) {
                waiting = true;
                break;
            }
            virq_t *o = vgic_virq(g, vcpu, c->lr_intid[worst]);
            irq_fast_revoke(c->fast, c->lr_intid[worst]);
            give_back_source(g, o, c->lr_intid[worst], gic_read_lr(worst));
            gic_write_lr(worst, 0);
            set_listed(g, vcpu, o, c->lr_intid[worst], false); /* pending, unless parked */
            if (o->pending)
                vgic_mark(g, vcpu, c->lr_intid[worst]);
            c->lr_used &= ~(1U << worst);
            i = worst;
        }
        virq_t *q = vgic_virq(g, vcpu, best);
        gic_write_lr(i, lr_value(g, q, best, best_prio, ICH_LR_PENDING));
        c->lr_used |= 1U << i;
        c->lr_intid[i] = (uint16_t)best;
        set_listed(g, vcpu, q, best, true);
        q->lr = (uint8_t)i;
        fast_update(g, vcpu, q, best, i);
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
void vgic_notify_locked(vgic_t *g, unsigned vcpu)
{
    if (vcpu == VGIC_ROUTE_NONE)
        return;
    vcpu_t *cur = vcpu_current(), *v = &g->vm->vcpu[vcpu];
    if (cur == v)
        update_locked(g, vcpu);
    else if (__atomic_load_n(&v->state, __ATOMIC_ACQUIRE) == VCPU_RUNNING)
        irq_kick(v->pcpu);
}

void vgic_notify_all_locked(vgic_t *g)
{
    for (unsigned i = 0; i < g->vm->cfg.vcpu_num; i++)
        vgic_notify_locked(g, i);
}

/* Make q pending (it is vcpu's, or an SPI). */
void vgic_set_pending_locked(vgic_t *g, virq_t *q, unsigned vcpu, uint32_t intid)
{
    if (q->in_lr) {
        fast_revoke(g, vcpu, intid);
        q->req = (uint8_t)((q->req & ~REQ_UNPEND) | REQ_PEND);
    } else {
        q->pending = true;
        vgic_keep_state(g, vcpu, intid, q);
    }
    vgic_mark(g, vcpu, intid);
    vgic_notify_locked(g, vcpu);
}

void vgic_set_level(vm_t *vm, uint32_t intid, bool level)
{
    vgic_t *g = vgic_of(vm);
    if (!g->present || intid < GIC_PRIV_NUM || intid >= VGIC_INTID_NUM)
        return;
    spin_lock(&g->lock);
    virq_t *q = vgic_virq(g, 0, intid);
    bool rise = level && !q->level;
    q->level = level;
    if (rise)
        vgic_set_pending_locked(g, q, spi_target(g, intid), intid);
    else if (!level && !q->edge && !q->in_lr) {
        q->pending = false; /* a level interrupt not yet delivered goes away with its line */
        vgic_keep_state(g, 0, intid, q);
    }
    spin_unlock(&g->lock);
}

void vgic_raise_private(vm_t *vm, unsigned vcpu, uint32_t intid)
{
    vgic_t *g = vgic_of(vm);
    if (!g->present || vcpu >= vm->cfg.vcpu_num || intid < GIC_SGI_NUM || intid >= GIC_PRIV_NUM)
        return;
    spin_lock(&g->lock);
    vgic_set_pending_locked(g, vgic_virq(g, vcpu, intid), vcpu,
                            intid); /* kicks its CPU if elsewhere */
    spin_unlock(&g->lock);
}

void vgic_forward(vcpu_t *v, uint32_t intid)
{
    vgic_t *g = vgic_of(v->vm);
    spin_lock(&g->lock);
    virq_t *q = vgic_virq(g, v->id, intid);
    vgic_cpu_t *c = &g->cpu[v->id];
    /* the list register that held it last time may not have been read back since the guest
     * finished with it: sync first, or that stale state would overwrite the new pending */
    sync_lrs_locked(g, v->id);
    q->hw = true;
    if (q->in_lr && c->lr_used >> q->lr & 1 && c->lr_intid[q->lr] == intid && !q->pending &&
        !q->active) {
        /* parked here (the vector did not take it: its entry was revoked, or another
         * interrupt came first): pending in its register, as the vector would have made it */
        gic_write_lr(q->lr, lr_value(g, q, intid, prio(g, c, intid), ICH_LR_PENDING));
        fast_update(g, v->id, q, intid, q->lr);
    } else if (q->in_lr) {
        /* still taken, or listed on another vCPU (an SPI the guest routed elsewhere): pending
         * again once its register is read back */
        vgic_set_pending_locked(g, q, intid < GIC_PRIV_NUM ? v->id : spi_target(g, intid), intid);
    } else {
        q->pending = true;
        vgic_keep_state(g, v->id, intid, q);
        vgic_mark(g, v->id, intid);
        fill_lrs_locked(g, v->id);
    }
    if (intid >= GIC_PRIV_NUM && spi_target(g, intid) != v->id)
        vgic_notify_locked(g, spi_target(g, intid)); /* the guest routed it to another vCPU */
    spin_unlock(&g->lock);
}

void vgic_update_current(vcpu_t *v)
{
    vgic_t *g = vgic_of(v->vm);
    if (!g->present)
        return;
    spin_lock(&g->lock);
    update_locked(g, v->id);
    spin_unlock(&g->lock);
}

__attribute__((cold)) bool vgic_init(vgic_t *g, vm_t *vm, const vgic_ops_t *ops)
{
    if (irq_gic_version() != ops->version)
        return false; /* the other version's, if any, is g */
    *g = (vgic_t){.present = true, .vm = vm, .ops = ops};
    g->w.ctl[CTL_CTLR] = ops->ctlr_fixed;
    g->w.ctl[CTL_IIDR] = VGIC_IIDR;
    words_init(&g->w);
    for (unsigned i = 0; i < vm->cfg.vcpu_num; i++) {
        g->cpu[i].g = g;
        g->cpu[i].id = i;
        g->cpu[i].fast = &fast_tables[vm->id][i];
        words_init(&g->cpu[i].w);
    }
    return true;
}

void vgic_route_locked(vgic_t *g, uint32_t intid, unsigned vcpu)
{
    if (intid < GIC_PRIV_NUM || intid >= VGIC_INTID_NUM || g->route[intid - GIC_PRIV_NUM] == vcpu)
        return;
    fast_revoke(g, 0, intid);
    g->route[intid - GIC_PRIV_NUM] = (uint8_t)vcpu;
    vgic_mark(g, 0, intid); /* if it is pending, it now waits on vcpu */
    vgic_notify_locked(g, vcpu);
}

/* The kept words of the interrupts from first to end (multiples of 32) back to zero. */
static __attribute__((cold)) void clear_words(vgic_words_t *w, uint32_t first, uint32_t end)
{
    for (uint32_t i = first / 32; i < end / 32; i++) {
        uint32_t *bits[] = {w->enable, w->enable_c, w->pend, w->pend_c, w->act, w->act_c};
        for (unsigned k = 0; k < sizeof(bits) / sizeof(bits[0]); k++)
            __atomic_store_n(&bits[k][i], 0, __ATOMIC_RELAXED);
        vgic_word_set(w, GICD_IGROUPR / 4 + i, 0);
    }
    for (uint32_t i = first / 4; i < end / 4; i++)
        __atomic_store_n(&w->prio[i], 0, __ATOMIC_RELAXED);
    for (uint32_t i = first / 16; i < end / 16; i++)
        vgic_word_set(w, GICD_ICFGR / 4 + i, 0);
}

__attribute__((cold)) void vgic_vcpu_reset(vcpu_t *v)
{
    vgic_t *g = vgic_of(v->vm);
    lr_num = gic_lr_num();
    if (lr_num > 16)
        lr_num = 16;
    if (!g->present)
        return;
    spin_lock(&g->lock);
    vgic_cpu_t *c = &g->cpu[v->id];
    /* a forwarded interrupt the old guest never finished stays active in the GIC: end it; a
     * listed one is active while its register is live or ends with septum (a parked one is
     * not: the guest or septum ended it, and a GICv2 may not be asked to end it again) */
    for (uint32_t id = 0; id < GIC_PRIV_NUM; id++) {
        const virq_t *q = &c->priv[id];
        uint64_t lr = q->in_lr ? gic_read_lr(q->lr) : 0;
        if (q->hw &&
            (q->in_lr ? lr >> ICH_LR_STATE_SHIFT || phys_active(q, lr) : q->pending || q->active))
            gic_deactivate(id);
    }
    for (uint32_t id = 0; id < GIC_PRIV_NUM; id++)
        c->priv[id] = (virq_t){.edge = id < GIC_SGI_NUM, .group1 = false};
    /* SPIs this vCPU listed are no longer listed (its registers are cleared below) */
    for (uint32_t used = c->lr_used; used; used &= used - 1) {
        uint32_t id = c->lr_intid[__builtin_ctz(used)];
        if (id >= GIC_PRIV_NUM && g->spi[id - GIC_PRIV_NUM].in_lr) {
            virq_t *q = &g->spi[id - GIC_PRIV_NUM];
            set_listed(g, v->id, q, id, false);
            q->req = 0;
            if (q->pending)
                vgic_mark(g, v->id, id);
        }
    }
    for (uint32_t id = 0; id < IRQ_FAST_NUM; id++)
        irq_fast_revoke(c->fast, id);
    irq_fast_attach(c->fast);
    clear_words(&c->w, 0, GIC_PRIV_NUM);
    vgic_word_set(&c->w, GICD_ICFGR / 4, CFG_SGIS); /* SGIs are edge-triggered */
    c->lr_used = 0;
    for (unsigned w = GICD_ISPENDR / 4; w < GICD_IPRIORITYR / 4; w++)
        __atomic_store_n(&c->w.listed[w], 0, __ATOMIC_RELAXED);
    for (unsigned w = 0; w < VGIC_INTID_NUM / 64; w++)
        c->maybe[w] = 0;
    if (v->id == 0) {
        /* vCPU 0 starting means the VM starts: the distributor is reset too */
        for (unsigned i = 0; i < SPI_NUM; i++) {
            if (g->spi[i].hw && (g->spi[i].pending || g->spi[i].active))
                gic_deactivate(GIC_PRIV_NUM + i);
            g->spi[i] = (virq_t){0};
        }
        clear_words(&g->w, GIC_PRIV_NUM, VGIC_INTID_NUM);
        for (unsigned w = GICD_ISPENDR / 4; w < GICD_IPRIORITYR / 4; w++)
            __atomic_store_n(&g->w.listed[w], 0, __ATOMIC_RELAXED);
        vgic_word_set(&g->w, CTL_CTLR, g->ops->ctlr_fixed);
    }
    g->ops->reset_locked(g, v->id);
    gic_vcpu_reset();
    spin_unlock(&g->lock);
}

/* ---- register emulation ----
 *
 * Every access is found from its offset, never by a scan of ranges. The distributor is one
 * reservation, each GICv3 redistributor (RD and SGI frames) another. Every register word of the
 * distributor and of each SGI frame is kept at its offset as the guest reads it (vgic_words_t),
 * written under the lock with the state it mirrors (the group, enable and configuration words,
 * CTLR; the pending and active words by vgic_keep_state at each change of an interrupt's
 * pending or active state), or, for priorities, stored as the guest wrote them (a byte per
 * interrupt, in IPRIORITYR's layout). So a callback can finish without the lock, in one or two
 * loads, a read of any word (the vGICv3's, vgic.c, does; a pending or active word with an
 * interrupt in a list register is the exception: the list register holds that state, so the
 * read takes the lock and brings the reader's list registers in first), a priority word
 * written, and a write that changes nothing (the word's write view says so, see vgic_words_t).
 * Each is one aligned load or store: a reader sees the value before or after a change, as it
 * would had the guest's access come a little earlier or later. Everything else goes out of
 * line: per-interrupt registers by the offset's 128-byte block (a switch: one range test per
 * kind, no scan), under the VM's lock where they touch interrupts' state; a state write
 * touches the list registers only when it must (see bits_write). make bench counts the fast
 * paths' instructions.
 */

/* For reads: the calling CPU runs vcpu, so bring its list-register state in first. */
void vgic_sync_if_mine(vgic_t *g, unsigned vcpu)
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
        const virq_t *q = vgic_virq(g, vcpu, first + i);
        bool b = op == OP_GROUP                         ? q->group1
                 : op == OP_SENABLE || op == OP_CENABLE ? q->enabled
                 : op == OP_SPEND || op == OP_CPEND     ? q->pending
                                                        : q->active;
        v |= (uint32_t)b << i;
    }
    return v;
}

/* The IGROUPR (OP_GROUP) or ISENABLER word kept for the 32 interrupts from first. */
static uint32_t *shadow_word(vgic_t *g, unsigned vcpu, uint32_t first, unsigned op)
{
    vgic_words_t *w = words_of(g, vcpu, first);
    return op == OP_GROUP ? &w->group[first / 32] : &w->enable[first / 32];
}

/* Whether q, not listed, is pending and may go in a list register now (its group's enable is
 * fill's to check). */
static bool deliverable(const virq_t *q)
{
    return q->pending && q->enabled && !q->active && !q->in_lr;
}

/* A set or clear register (or IGROUPR) of the 32 interrupts from first written with val. Only
 * the interrupts it changes are touched, and the list registers only when they must be: a
 * listed interrupt with a request, or one that became deliverable (then its vCPU fills, here or
 * when kicked); the rest is the interrupts' state and the kept words. Out of line: inlined
 * into its one caller, it would make the idle path's frame its own. */
static OUT_OF_LINE void bits_write(vgic_t *g, unsigned vcpu, uint32_t first, unsigned op,
                                   uint32_t val)
{
    /* a GICv2's SGIs are made pending and cleared per source, through GICD_SPENDSGIR and
     * GICD_CPENDSGIR: their ISPENDR0 and ICPENDR0 bits ignore writes */
    if (g->ops->version == 2 && first == 0 && (op == OP_SPEND || op == OP_CPEND))
        val &= ~((1U << GIC_SGI_NUM) - 1);
    uint32_t *w = op <= OP_CENABLE ? shadow_word(g, vcpu, first, op) : NULL;
    uint32_t was = w ? __atomic_load_n(w, __ATOMIC_RELAXED) : 0;
    /* IGROUPR: the bits that change; ISENABLER, ICENABLER: those that change; the others: the
     * bits set */
    uint32_t changed = op == OP_GROUP     ? val ^ was
                       : op == OP_SENABLE ? val & ~was
                       : op == OP_CENABLE ? val & was
                                          : val;
    uint32_t notify = 0; /* the vCPUs to update, a bit each */
    for (; changed; changed &= changed - 1) {
        unsigned i = (unsigned)__builtin_ctz(changed);
        uint32_t id = first + i;
        virq_t *q = vgic_virq(g, vcpu, id);
        bool listed = q->in_lr, sync = false;
        if (listed)
            fast_revoke(g, vcpu, id); /* its next sync decides again */
        switch (op) {
        case OP_GROUP: q->group1 = val >> i & 1; break;
        case OP_SENABLE:
            q->enabled = true;
            sync = listed; /* a request may wait for it (pending again while disabled) */
            break;
        case OP_CENABLE:
            q->enabled = false;
            sync = listed; /* pending there and not taken yet: it leaves */
            break;
        case OP_SPEND:
            if (listed)
                q->req = (uint8_t)((q->req & ~REQ_UNPEND) | REQ_PEND);
            else
                q->pending = true;
            sync = listed;
            break;
        case OP_CPEND:
            if (listed)
                q->req = (uint8_t)((q->req & ~REQ_PEND) | REQ_UNPEND);
            q->pending = false;
            sync = listed;
            break;
        case OP_SACTIVE:
            if (!listed)
                q->active = true;
            break;
        case OP_CACTIVE:
            if (listed)
                q->req |= REQ_UNACTIVE;
            else if (q->active && q->hw)
                gic_deactivate(id);
            q->active = false;
            sync = listed;
            break;
        }
        if (op >= OP_SPEND)
            vgic_keep_state(g, vcpu, id, q);
        unsigned t = id < GIC_PRIV_NUM ? vcpu : spi_target(g, id);
        if (sync) /* an SPI may be listed on a vCPU it is no longer routed to */
            notify |= id < GIC_PRIV_NUM ? 1U << vcpu : ~0U;
        else if (deliverable(q) && t != VGIC_ROUTE_NONE) {
            vgic_mark(g, vcpu, id);
            notify |= 1U << t;
        }
    }
    if (op == OP_GROUP)
        vgic_word_set(words_of(g, vcpu, first), GICD_IGROUPR / 4 + first / 32, val);
    else if (w) {
        set_twins(w, op == OP_SENABLE ? was | val : was & ~val);
    }
    for (unsigned t = 0; t < g->vm->cfg.vcpu_num; t++)
        if (notify >> t & 1)
            vgic_notify_locked(g, t);
}

/* What a driver writes most: an idle interrupt enabled or disabled, made pending or not while
 * disabled. When no list register holds any interrupt the write changes and none of them becomes
 * deliverable (enabled while pending, or pending while enabled), the write changes their state
 * and the kept words and nothing else: no list register, no vCPU to look again, no entry of the
 * lean interrupt path (those are listed ones only). The kept words say all that in three loads
 * (an interrupt's pending word is its own state while it is not listed). False if bits_write
 * must do it: a listed or deliverable interrupt, another register, or a GICv2's SGIs (made
 * pending per source). Locked. */
static bool idle_write_locked(vgic_t *g, unsigned vcpu, uint32_t first, unsigned op, uint32_t val)
{
    vgic_words_t *w = words_of(g, vcpu, first);
    unsigned i = first / 32;
    uint32_t en = w->enable[i], pend = w->pend[i], busy = w->listed[GICD_ISPENDR / 4 + i];
    uint32_t *word, now, changed;
    switch (op) {
    case OP_SENABLE: word = &w->enable[i], changed = val & ~en, now = en | val, busy |= pend; break;
    case OP_CENABLE: word = &w->enable[i], changed = val & en, now = en & ~val; break;
    case OP_SPEND: word = &w->pend[i], changed = val, now = pend | val, busy |= en; break;
    case OP_CPEND: word = &w->pend[i], changed = val, now = pend & ~val; break;
    default: return false;
    }
    if ((changed & busy) || (first == 0 && op >= OP_SPEND && g->ops->version == 2))
        return false;
    for (uint32_t b = changed; b; b &= b - 1) {
        virq_t *q = vgic_virq(g, vcpu, first + (uint32_t)__builtin_ctz(b));
        if (op <= OP_CENABLE)
            q->enabled = op == OP_SENABLE;
        else
            q->pending = op == OP_SPEND;
    }
    set_twins(word, now);
    return true;
}

memory_fault_result_t vgic_bitmap_write(vgic_t *g, unsigned vcpu, uint32_t first, unsigned op,
                                        uint32_t val)
{
    spin_lock(&g->lock);
    if (!idle_write_locked(g, vcpu, first, op, val))
        bits_write(g, vcpu, first, op, val);
    spin_unlock(&g->lock);
    return FAULT_HANDLED;
}

memory_fault_result_t vgic_raz_wi(mem_access_t *a)
{
    if (!a->write)
        a->value = 0;
    return FAULT_HANDLED;
}

/* A read-only register: reads give v, writes are ignored. */
memory_fault_result_t vgic_read_only(mem_access_t *a, uint32_t v)
{
    if (!a->write)
        a->value = v;
    return FAULT_HANDLED;
}

/* IPRIORITYR: p is the offset into prios (a byte each, in the register's layout); a byte, or an
 * aligned word of four. No lock (see above). */
memory_fault_result_t vgic_prio_access(uint32_t *prios, uint64_t p, mem_access_t *a)
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

/* Whether a block serving which interrupts has the word of those from first (the other words
 * read as zero). */
static bool serves_word(vgic_serves_t serves, uint32_t first)
{
    return serves == VGIC_SERVES_ALL || (serves == VGIC_SERVES_PRIV) == (first < GIC_PRIV_NUM);
}

/* A bitmap register (op) of the 32 interrupts from first. */
static memory_fault_result_t bitmap_access(vgic_t *g, unsigned vcpu, uint32_t first, unsigned op,
                                           vgic_serves_t serves, mem_access_t *a)
{
    if (a->size != 4)
        return FAULT_UNHANDLED;
    if (!serves_word(serves, first) || first >= VGIC_INTID_NUM)
        return vgic_raz_wi(a);
    /* group and enable bits read from the words kept (the list registers hold neither) */
    if (!a->write && op <= OP_CENABLE)
        return vgic_read_only(a,
                              __atomic_load_n(shadow_word(g, vcpu, first, op), __ATOMIC_RELAXED));
    if (a->write && op != OP_GROUP && !(uint32_t)a->value)
        return FAULT_HANDLED; /* no bit set: nothing to do */
    if (a->write)
        return vgic_bitmap_write(g, vcpu, first, op, (uint32_t)a->value);
    spin_lock(&g->lock);
    if (first < GIC_PRIV_NUM)
        vgic_sync_if_mine(g, vcpu);
    else
        for (unsigned t = 0; t < g->vm->cfg.vcpu_num; t++)
            vgic_sync_if_mine(g, t);
    a->value = bits_read(g, vcpu, first, op);
    spin_unlock(&g->lock);
    return FAULT_HANDLED;
}

/* ICFGR for the 16 interrupts from first: the upper bit of each pair is "edge" (SGIs always
 * are); the words of the other kind of interrupt read as zero, as for the bitmaps. */
static memory_fault_result_t cfg_access(vgic_t *g, unsigned vcpu, uint32_t first,
                                        vgic_serves_t serves, mem_access_t *a)
{
    if (a->size != 4)
        return FAULT_UNHANDLED;
    if (!serves_word(serves, first))
        return vgic_raz_wi(a);
    uint32_t *word = &words_of(g, vcpu, first)->cfg[first / 16];
    if (!a->write) /* as kept: no lock */
        return vgic_read_only(a, __atomic_load_n(word, __ATOMIC_RELAXED));
    uint32_t v = 0;
    spin_lock(&g->lock);
    for (unsigned i = 0; i < 16; i++) {
        virq_t *q = vgic_virq(g, vcpu, first + i);
        if (first + i >= GIC_SGI_NUM)
            q->edge = a->value >> (2 * i + 1) & 1;
        v |= (uint32_t)q->edge << (2 * i + 1);
    }
    vgic_word_set(words_of(g, vcpu, first), GICD_ICFGR / 4 + first / 16, v);
    spin_unlock(&g->lock);
    return FAULT_HANDLED;
}

/* The per-interrupt registers from IGROUPR to ICFGR, laid out alike in the distributor and in
 * a redistributor's SGI frame, by off's 128-byte block; off is aligned to the access's
 * size. False if off is in none of them. */
bool vgic_per_irq_access(vgic_t *g, unsigned vcpu, uint64_t off, vgic_serves_t serves,
                         mem_access_t *a, memory_fault_result_t *res)
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
                             (unsigned)(off >> 7) - (GICD_IGROUPR >> 7), serves, a);
        return true;
    case GICD_IPRIORITYR >> 7:
    case (GICD_IPRIORITYR >> 7) + 1:
        /* the other kind of interrupt's words (their own were taken before) */
        *res = a->size == 1 || a->size == 4 ? vgic_raz_wi(a) : FAULT_UNHANDLED;
        return true;
    case GICD_ICFGR >> 7:
        if (off >= GICD_ICFGR + VGIC_INTID_NUM / 4)
            return false;
        *res = cfg_access(g, vcpu, (uint32_t)(off - GICD_ICFGR) * 4, serves, a);
        return true;
    default: return false;
    }
}

/* CTLR: the group enables are all the guest may change. */
static memory_fault_result_t gicd_ctlr_write(vgic_t *g, uint32_t v)
{
    spin_lock(&g->lock);
    fast_revoke_all_locked(g);
    vgic_word_set(&g->w, CTL_CTLR, (v & (GICD_CTLR_EN_G0 | GICD_CTLR_EN_G1)) | g->ops->ctlr_fixed);
    vgic_notify_all_locked(g);
    spin_unlock(&g->lock);
    return FAULT_HANDLED;
}

/* The distributor's registers but the two gicd_access finishes itself. */
OUT_OF_LINE memory_fault_result_t vgic_gicd_other(vm_memory_t *mem, mem_access_t *a, void *cookie)
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
            return vgic_read_only(a, __atomic_load_n(&g->w.ctl[off / 4], __ATOMIC_RELAXED));
        return off == GICD_CTLR ? gicd_ctlr_write(g, (uint32_t)a->value) : FAULT_HANDLED;
    }
    if (p < SPI_NUM)
        return vgic_prio_access(g->w.prio, p + GIC_PRIV_NUM, a);
    if (g->ops->gicd_regs(g, off, a, &res))
        return res;
    if (vgic_per_irq_access(g, a->vcpu, off, g->ops->gicd_serves, a, &res))
        return res;
    /* reserved space: 32-bit only */
    return a->size == 4 ? vgic_raz_wi(a) : FAULT_UNHANDLED;
}

/* The distributor. A read of a control word (TYPER, CTLR...) and a write of an SPIs' priority
 * word, the registers a driver touches most, are finished here in a few instructions; the rest
 * goes to gicd_other. */
memory_fault_result_t vgic_gicd_access(vm_memory_t *mem, mem_access_t *a, void *cookie)
{
    vgic_t *g = cookie;
    uint64_t off = a->addr & (VGIC_GICD_SIZE - 1); /* the reservation is the frame */
    OPAQUE(off);
    if (a->size == 4) {
        if (!a->write) {
            /* a control word: no offset bits set but a word's from 0x00 to 0x7c */
            if (!(off & ~(uint64_t)(GICD_IGROUPR - 4))) {
                a->value = *(const uint32_t *)((uintptr_t)g->w.ctl + off);
                return FAULT_HANDLED;
            }
        } else {
            /* an SPIs' priority word: p aligned (rotated, its low bits would be high) and
             * below the last; one store of an aligned word */
            uint64_t p = off - (GICD_IPRIORITYR + GIC_PRIV_NUM);
            if (((p >> 2) | (p << 62)) < SPI_NUM / 4) {
                *(volatile uint32_t *)((uintptr_t)g->w.prio + GIC_PRIV_NUM +
                                       p) = (uint32_t)a->value;
                return FAULT_HANDLED;
            }
        }
    }
    return vgic_gicd_other(mem, a, cookie);
}
