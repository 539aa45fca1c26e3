/*
 * What the two virtual GICs share (vdev/vgic_core.c): every interrupt's state, the list
 * registers, the distributor's registers laid out alike in GICv2 and GICv3 (control words,
 * group, enable, pending, active, priority and configuration), and the irqchip_t hooks that only
 * move interrupt state. vdev/vgic.c adds what only a GICv3 has (redistributors, GICD_IROUTER,
 * ICC_SGI1R_EL1), vdev/vgic_v2.c what only a GICv2 has (banked private registers in the
 * distributor, GICD_ITARGETSR, GICD_SGIR, the CPU interface mapped from GICV); each fills a
 * vgic_ops_t with it. Private to the vgic files.
 */
#ifndef VDEV_VGIC_CORE_H
#define VDEV_VGIC_CORE_H
#include <arch/gic.h>
#include <arch/gic_regs.h>
#include <arch/irq_fast.h>
#include <arch/spinlock.h>
#include <core/irq.h>
#include <core/irqchip.h>
#include <core/vdev.h>
#include <core/vm.h>
#include <stddef.h>

/* Where the guest finds its distributor: QEMU virt's address, for either version, so guests
 * built for that board work. */
#define VGIC_GICD_BASE 0x08000000UL
#define VGIC_GICD_SIZE 0x10000UL
#define VGIC_INTID_NUM IRQCHIP_INTID_NUM
#define VGIC_IIDR      0x0100053b /* implementer "septum" 0x53b, revision 1 */
#define VGIC_SPI_NUM   (VGIC_INTID_NUM - GIC_PRIV_NUM)
/* an SPI's route when it names no vCPU of the VM (a GICv2 target list without one): it stays
 * pending and goes nowhere until the guest routes it */
#define VGIC_ROUTE_NONE 0xff

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
    /* GICv2 SGIs: the vCPUs it is pending from, a bit each (one list register serves one
     * source, which the guest reads back from GICC_IAR) */
    uint8_t src, lr_src; /* lr_src: the source of the one in the list register */
} virq_t;

/* The distributor's words from 0x000 to the last ICFGR by offset, as the guest reads them, so
 * that a read of any is one load at the offset (see "register emulation" in vgic_core.c); a
 * redistributor's SGI frame keeps the private interrupts' words in the same layout. In order:
 * the control words (CTLR, TYPER, IIDR, reserved...; CTLR's enable bits are the distributor's
 * group enables), IGROUPR, ISENABLER and ICENABLER (the same word twice), ISPENDR and ICPENDR,
 * ISACTIVER and ICACTIVER (each the same twice: the interrupts' pending and active state where
 * no list register holds it), IPRIORITYR (a byte per interrupt), ITARGETSR (RES0 here: a GICv2
 * keeps its targets apart) and ICFGR. A block keeps only the interrupts it serves (the
 * distributor's private words and the SGI frame's SPI words stay zero, so they read as zero);
 * the words past the last INTID are reserved and stay zero too. Written under the VM's lock,
 * but for the priorities (see prio()); read without it. */
enum { CTL_CTLR, CTL_TYPER, CTL_IIDR, CTL_WORDS = GICD_IGROUPR / 4 };
#define VGIC_BLK 32 /* words in a register block of 0x80 bytes */
typedef struct vgic_words {
    uint32_t ctl[CTL_WORDS];
    uint32_t group[VGIC_BLK], enable[VGIC_BLK], enable_c[VGIC_BLK];
    uint32_t pend[VGIC_BLK], pend_c[VGIC_BLK], act[VGIC_BLK], act_c[VGIC_BLK];
    uint32_t prio[8 * VGIC_BLK], targets[8 * VGIC_BLK], cfg[VGIC_INTID_NUM / 16];
    /* Not registers: a word each of those above, at the same index. listed: for a pending or
     * active word, which of its interrupts a list register holds (in_lr); zero for the others.
     * wv, the write view: the bits of the word a write sets (low half) and what they are (high
     * half), so that a write that sets them as they are, which changes nothing, is seen in one
     * load; the bits are those kept (CTLR's enables, IGROUPR, ICFGR's edge bits, each as
     * kept), all of a set or clear register's (as zero: no bit set is a no-op), none of
     * ITARGETSR's or a read-only word's. Priorities are written on their own (see prio()). */
    uint32_t listed[GICD_ICFGR / 4 + VGIC_INTID_NUM / 16];
    uint64_t wv[GICD_ICFGR / 4 + VGIC_INTID_NUM / 16];
} vgic_words_t;
#define VGIC_WORDS_NUM (offsetof(vgic_words_t, listed) / 4) /* the registers' */
/* a set register's twin, the clear register, is the next block */
#define VGIC_TWIN VGIC_BLK
_Static_assert(offsetof(vgic_words_t, group) == GICD_IGROUPR &&
                   offsetof(vgic_words_t, enable) == GICD_ISENABLER &&
                   offsetof(vgic_words_t, enable_c) == GICD_ICENABLER &&
                   offsetof(vgic_words_t, pend) == GICD_ISPENDR &&
                   offsetof(vgic_words_t, pend_c) == GICD_ICPENDR &&
                   offsetof(vgic_words_t, act) == GICD_ISACTIVER &&
                   offsetof(vgic_words_t, act_c) == GICD_ICACTIVER &&
                   offsetof(vgic_words_t, prio) == GICD_IPRIORITYR &&
                   offsetof(vgic_words_t, cfg) == GICD_ICFGR,
               "vgic_words_t is the register map");

/* A redistributor's RD frame from 0x00 to 0x1f (CTLR, IIDR, TYPER, STATUSR, WAKER, two reserved
 * words) as the guest reads it; as doublewords, the second is TYPER. GICv3 only. */
enum { RD_IIDR = 1, RD_TYPER = 2, RD_WAKER = 5, RD_WORDS = 8 };
typedef union vgic_rd {
    uint32_t w[RD_WORDS];
    uint64_t d[RD_WORDS / 2];
} vgic_rd_t;

typedef struct vgic_cpu {
    vgic_rd_t rd; /* first: the redistributor's reservation cookie is this vgic_cpu_t */
    /* the SGI frame's words: the private interrupts' (see vgic_words_t) */
    vgic_words_t w;
    struct vgic *g;
    unsigned id;
    virq_t priv[GIC_PRIV_NUM];
    /* interrupts that may wait for a list register: a superset, kept so that filling the list
     * registers looks only at these instead of every INTID */
    uint64_t maybe[VGIC_INTID_NUM / 64];
    uint16_t lr_intid[16];
    uint32_t lr_used;
    /* what the IRQ vector may forward into these list registers itself (see "the lean
     * interrupt path" in vgic_core.c): a table of vgic_core.c's, apart so that attaching the
     * VM does not clear it (each vCPU's reset does) */
    irq_fast_t *fast;
} vgic_cpu_t;

struct vgic;
/* Which interrupts a per-interrupt register block serves: a redistributor's the private ones, a
 * GICv3 distributor's the SPIs, a GICv2 distributor's all (its private words banked per vCPU). */
typedef enum { VGIC_SERVES_PRIV, VGIC_SERVES_SPI, VGIC_SERVES_ALL } vgic_serves_t;

typedef struct vgic_ops {
    unsigned version;    /* the physical GIC's it virtualises */
    uint32_t ctlr_fixed; /* GICD_CTLR bits that always read as set */
    vgic_serves_t gicd_serves;
    /* Forwarded physical interrupts go in list registers with the hardware bit (the guest's
     * deactivation deactivates the physical one); else with the EOI bit, and septum deactivates
     * the physical interrupt on the maintenance interrupt that follows the guest's. */
    bool hw_lrs;
    /* The distributor registers only this version has (a GICv2's banked private priorities
     * included): true if off is one of them, with *res the access's result. */
    bool (*gicd_regs)(struct vgic *g, uint64_t off, mem_access_t *a, memory_fault_result_t *res);
    /* vCPU vcpu starts (and, for vCPU 0, the VM): this version's own state is reset. Locked. */
    void (*reset_locked)(struct vgic *g, unsigned vcpu);
} vgic_ops_t;

typedef struct vgic {
    /* first: the distributor's reservation cookie is this vgic_t. The SPIs' words (the private
     * interrupts' stay zero: each vCPU has its own in its SGI frame's) */
    vgic_words_t w;
    /* GICv3: GICD_IROUTER as written (next to the words: a fast path reaches either from the
     * cookie with an immediate offset) */
    uint64_t irouter[VGIC_SPI_NUM];
    bool present;
    spinlock_t lock;
    vm_t *vm;
    const vgic_ops_t *ops;
    virq_t spi[VGIC_SPI_NUM];
    /* each SPI's vCPU (VGIC_ROUTE_NONE: none), from the version's routing register */
    uint8_t route[VGIC_SPI_NUM];
    uint8_t targets[VGIC_SPI_NUM]; /* GICv2: GICD_ITARGETSR as written */
    vgic_cpu_t cpu[VM_VCPU_MAX];
    uint64_t overflows;
} vgic_t;

/* The slow paths of register emulation: out of line, called with the callback's own arguments in
 * the same registers (GCC would otherwise drop or reorder them, and the fast paths would pay for
 * the shuffle). OPAQUE(x) keeps the compiler from folding what it knows of x into a constant
 * that takes an extra instruction to build (it emits nothing). */
#define OPAQUE(x) __asm__("" : "+r"(x))
#if __has_attribute(noipa)
#define OUT_OF_LINE __attribute__((noipa))
#else
#define OUT_OF_LINE __attribute__((noinline))
#endif

/* The VM's vGIC state, and one interrupt's (private ones are vcpu's). */
vgic_t *vgic_of(const vm_t *vm);
virq_t *vgic_virq(vgic_t *g, unsigned vcpu, uint32_t intid);
/* Set up g for vm with ops: true if the physical GIC is of ops' version (else g is untouched:
 * it may be the other version's).
 * The control words and routes are the version's to fill after. */
bool vgic_init(vgic_t *g, vm_t *vm, const vgic_ops_t *ops);

/* Under g's lock: intid (vcpu's, or an SPI) may now wait for a list register; make it pending;
 * after a change that may concern vcpu (or every vCPU), update it here or kick its CPU. */
void vgic_mark(vgic_t *g, unsigned vcpu, uint32_t intid);
void vgic_set_pending_locked(vgic_t *g, virq_t *q, unsigned vcpu, uint32_t intid);
void vgic_notify_locked(vgic_t *g, unsigned vcpu);
void vgic_notify_all_locked(vgic_t *g);
/* Word i of w is now v (stored here), its write view with it. Locked. */
void vgic_word_set(vgic_words_t *w, unsigned i, uint32_t v);
/* After q's pending or active state changed: the kept words follow. Locked. */
void vgic_keep_state(vgic_t *g, unsigned vcpu, uint32_t intid, const virq_t *q);
/* For reads: if the calling CPU runs vcpu, bring its list-register state in first. */
void vgic_sync_if_mine(vgic_t *g, unsigned vcpu);
/* An SPI's route changed to vcpu (or VGIC_ROUTE_NONE): a pending one goes there. Locked. */
void vgic_route_locked(vgic_t *g, uint32_t intid, unsigned vcpu);

/* The hooks both versions' irqchip_t share. */
void vgic_vcpu_reset(vcpu_t *v);
void vgic_forward(vcpu_t *v, uint32_t intid);
void vgic_update_current(vcpu_t *v);
void vgic_set_level(vm_t *vm, uint32_t intid, bool level);
void vgic_raise_private(vm_t *vm, unsigned vcpu, uint32_t intid);

/* Register emulation pieces. */
memory_fault_result_t vgic_raz_wi(mem_access_t *a);
memory_fault_result_t vgic_read_only(mem_access_t *a, uint32_t v);
/* IPRIORITYR: p is the offset into prios (a byte each, in the register's layout). */
memory_fault_result_t vgic_prio_access(uint32_t *prios, uint64_t p, mem_access_t *a);
/* A 32-bit write of val to the bitmap register op (OP_*: IGROUPR to ICACTIVER) of the 32
 * interrupts from first (vcpu's if private), which the block written serves: for a version's
 * own decoding, which skips the general one. */
memory_fault_result_t vgic_bitmap_write(vgic_t *g, unsigned vcpu, uint32_t first, unsigned op,
                                        uint32_t val);
/* The per-interrupt registers from IGROUPR to ICFGR of a block serving which interrupts; off
 * is aligned to the access's size. False if off is in none of them. */
bool vgic_per_irq_access(vgic_t *g, unsigned vcpu, uint64_t off, vgic_serves_t serves,
                         mem_access_t *a, memory_fault_result_t *res);
/* The distributor's reservation callback (cookie: the vgic_t), and its slow path (what a
 * version's own fast path did not finish). */
memory_fault_result_t vgic_gicd_access(vm_memory_t *mem, mem_access_t *a, void *cookie);
OUT_OF_LINE memory_fault_result_t vgic_gicd_other(vm_memory_t *mem, mem_access_t *a, void *cookie);
#endif
