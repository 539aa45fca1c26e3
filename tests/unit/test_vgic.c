/*
 * Unit tests of the virtual GICv3 (vdev/vgic.c) through its public face only: the irqchip_t it
 * installs at attach, and its distributor and redistributor registers reached through the VM's
 * reservations, written exactly as a guest writes them. The list registers are the fake arch's
 * (four per CPU, as QEMU's GICv3 has), and the test plays the guest's CPU interface on them
 * (acknowledge, end of interrupt) and the maintenance interrupt (irqchip update). Covered: the
 * list registers fill in priority order; more pending than list registers wait and ask for the
 * underflow interrupt; a better interrupt displaces the worst one the guest has not taken;
 * SPIs go where GICD_IROUTER says, SGIs where ICC_SGI1R says; forwarded interrupts carry the
 * hardware bit; level interrupts carry the EOI bit and come back while their line is high.
 * The lean interrupt path: the table the IRQ vector reads (arch/irq_fast.h) lets it forward a
 * parked interrupt only while that is what the vGIC would do itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arch/gic.h>
#include <arch/irq_fast.h>
#include <core/irq.h>
#include <core/vdev.h>
#include <fake_arch.h>
#include <test_vm.h>

extern const vdev_type_t vdev_vgic;

/* core/irq.c, faked: septum drives a GICv3, and kicks to other CPUs are counted. */
static unsigned kicks[FAKE_CPU_NUM];
unsigned irq_gic_version(void) { return 3; }
void irq_kick(unsigned pcpu) { kicks[pcpu]++; }

/* Kicks to CPU n since the last look. (Any distributor write that may concern every vCPU, such
 * as GICD_CTLR, kicks the others too: only the kicks an action causes are checked.) */
static unsigned kicked(unsigned n)
{
    unsigned k = kicks[n];
    kicks[n] = 0;
    return k;
}

/* The guest's view: QEMU virt's addresses and the GICv3 register map (IHI 0069). */
#define GICD        0x08000000UL
#define GICR        0x080a0000UL
#define GICR_STRIDE 0x20000UL
#define SGI_FRAME   0x10000UL
#define CTLR        0x0000
#define TYPER       0x0004
#define GICR_TYPER  0x0008
#define GICR_WAKER  0x0014
#define PIDR2       0xffe8
#define IGROUPR     0x0080
#define ISENABLER   0x0100
#define ICENABLER   0x0180
#define ISPENDR     0x0200
#define ICPENDR     0x0280
#define ISACTIVER   0x0300
#define ICACTIVER   0x0380
#define IPRIORITYR  0x0400
#define ICFGR       0x0c00
#define IROUTER     0x6000
#define CTLR_G1     (1U << 1)
#define CTLR_ARE    (1U << 4)
#define CTLR_DS     (1U << 6)
#define IROUTER_IRM (1UL << 31)
#define SPURIOUS    1023

static vm_t vm;
static const irqchip_t *chip;

/* One access by the vCPU the test runs on, through the VM's reservations. */
static memory_fault_result_t guest_access(uint64_t addr, unsigned size, bool write, uint64_t *value)
{
    mem_access_t a = {addr, size, write, write ? *value : 0, vcpu_current()->id};
    memory_fault_result_t r = vm_memory_handle_fault(&vm.mem, &a);
    if (!write)
        *value = a.value;
    return r;
}

static void mmio_write(uint64_t addr, unsigned size, uint64_t value)
{
    assert_int_equal(guest_access(addr, size, true, &value), FAULT_HANDLED);
}

static uint64_t mmio_read(uint64_t addr, unsigned size)
{
    uint64_t v = 0xdeadbeefdeadbeefULL;
    assert_int_equal(guest_access(addr, size, false, &v), FAULT_HANDLED);
    return v;
}

/* A bank of per-interrupt registers: the calling vCPU's redistributor for private interrupts,
 * the distributor for SPIs, as a guest picks it. */
static uint64_t bank(uint32_t intid)
{
    return intid < 32 ? GICR + vcpu_current()->id * GICR_STRIDE + SGI_FRAME : GICD;
}

static void set_bit(unsigned reg, uint32_t intid)
{
    mmio_write(bank(intid) + reg + 4 * (intid / 32), 4, 1U << (intid % 32));
}

static bool get_bit(unsigned reg, uint32_t intid)
{
    return mmio_read(bank(intid) + reg + 4 * (intid / 32), 4) >> (intid % 32) & 1;
}

/* What guest_gic_enable() in the guest SDK does: group 1, a priority, enabled, and the
 * distributor's group 1 on (read-modify-write, as the guest does). */
static void guest_enable(uint32_t intid, uint8_t prio)
{
    mmio_write(GICD + CTLR, 4, mmio_read(GICD + CTLR, 4) | CTLR_G1);
    uint64_t grp = bank(intid) + IGROUPR + 4 * (intid / 32);
    mmio_write(grp, 4, mmio_read(grp, 4) | 1U << (intid % 32));
    mmio_write(bank(intid) + IPRIORITYR + intid, 1, prio);
    set_bit(ISENABLER, intid);
}

/* Configure an SPI as edge-triggered (ICFGR: 2 bits each, the upper one is edge). */
static void guest_edge(uint32_t intid)
{
    uint64_t cfg = bank(intid) + ICFGR + 4 * (intid / 16);
    mmio_write(cfg, 4, mmio_read(cfg, 4) | 2U << (2 * (intid % 16)));
}

static void distributor(bool on) { mmio_write(GICD + CTLR, 4, on ? CTLR_G1 : 0); }

/* The list register the vGIC should write for a group-1 interrupt. */
static uint64_t lr_want(uint32_t intid, uint8_t prio, uint64_t state, bool level, bool hw)
{
    uint64_t v = intid | (uint64_t)prio << ICH_LR_PRIO_SHIFT | state << ICH_LR_STATE_SHIFT |
                 ICH_LR_GROUP1;
    if (hw)
        v |= ICH_LR_HW | (uint64_t)intid << ICH_LR_PINTID_SHIFT;
    else if (level)
        v |= ICH_LR_EOI;
    return v;
}

static unsigned lrs_valid(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < fake_cpu()->lr_num; i++)
        n += (fake_cpu()->lr[i] >> ICH_LR_STATE_SHIFT) != 0;
    return n;
}

static uint64_t hcr(void) { return fake_cpu()->sysreg.ich_hcr_el2; }

/* The maintenance interrupt: the hardware raises it (checked here), septum's IRQ handler asks
 * the controller to update the vCPU's list registers. */
static void maintenance(uint64_t want_misr)
{
    assert_int_equal(fake_gic_misr() & want_misr, want_misr);
    chip->update(vcpu_current());
}

/* The guest takes the best pending interrupt and ends it; the vINTID. */
static uint32_t guest_handle(void)
{
    uint32_t id = fake_gic_guest_ack();
    assert_int_not_equal(id, SPURIOUS);
    assert_true(fake_gic_guest_eoi(id));
    return id;
}

/* A VM with two vCPUs on CPUs 0 and 1, both running, each reset on its own CPU as the run loop
 * does (vCPU 0 first: its reset is the distributor's too). The test then runs on vCPU 0. */
static int setup(void **state)
{
    (void)state;
    fake_arch_reset();
    memset(kicks, 0, sizeof(kicks));
    test_vm_init(&vm, 0, "gic", 2);
    assert_int_equal(vdev_vgic.attach(&vm), 0);
    chip = vm.irqchip;
    assert_non_null(chip);
    assert_string_equal(chip->name, "GICv3");
    chip->vcpu_reset(test_vm_run(&vm, 0));
    vm.vcpu[1].state = VCPU_RUNNING;
    chip->vcpu_reset(test_vm_run(&vm, 1));
    test_vm_run(&vm, 0);
    assert_int_equal(fake_cpu_n(0)->vcpu_resets, 1);
    assert_int_equal(fake_cpu_n(1)->vcpu_resets, 1);
    return 0;
}

static void test_identification(void **state)
{
    (void)state;
    assert_int_equal(mmio_read(GICD + PIDR2, 4) & 0xf0, 0x30); /* GICv3 */
    uint32_t typer = (uint32_t)mmio_read(GICD + TYPER, 4);
    assert_int_equal(typer & 0x1f, 256 / 32 - 1); /* ITLinesNumber: 256 INTIDs */
    assert_int_equal(typer >> 5 & 7, 1);          /* CPUNumber: two vCPUs */
    assert_int_equal(mmio_read(GICD + CTLR, 4), CTLR_ARE | CTLR_DS);
    /* one redistributor per vCPU, its affinity the vCPU's, Last on the last one */
    uint64_t t0 = mmio_read(GICR + GICR_TYPER, 8),
             t1 = mmio_read(GICR + GICR_STRIDE + GICR_TYPER, 8);
    assert_int_equal(t0 >> 32, 0);
    assert_int_equal(t1 >> 32, 1);
    assert_int_equal(t0 & (1 << 4), 0);
    assert_int_equal(t1 & (1 << 4), 1 << 4);
    /* the redistributor wakes up when asked */
    assert_int_equal(mmio_read(GICR + GICR_WAKER, 4), 6);
    mmio_write(GICR + GICR_WAKER, 4, 0);
    assert_int_equal(mmio_read(GICR + GICR_WAKER, 4), 0);
    /* sizes a register does not allow are refused, so the guest gets an abort */
    uint64_t v = 1;
    assert_int_equal(guest_access(GICD + ISENABLER + 4, 2, true, &v), FAULT_UNHANDLED);
    assert_int_equal(guest_access(GICD + ISENABLER + 2, 4, true, &v), FAULT_UNHANDLED);
    /* no third redistributor */
    assert_int_equal(guest_access(GICR + 2 * GICR_STRIDE, 4, false, &v), FAULT_UNHANDLED);
}

/* Interrupts pended while the distributor is off wait; turning it on fills the list registers
 * best priority first, and the guest takes them in that order. */
static void test_fill_in_priority_order(void **state)
{
    (void)state;
    guest_enable(40, 0x80);
    guest_enable(41, 0x40);
    guest_enable(42, 0x60);
    for (uint32_t id = 40; id <= 42; id++)
        guest_edge(id);
    distributor(false);
    mmio_write(GICD + ISPENDR + 4, 4, 7U << 8); /* SPIs 40-42 in one write */
    assert_int_equal(lrs_valid(), 0);
    assert_int_equal(mmio_read(GICD + ISPENDR + 4, 4), 7U << 8);

    distributor(true);
    assert_int_equal(fake_cpu()->lr[0], lr_want(41, 0x40, ICH_LR_PENDING, false, false));
    assert_int_equal(fake_cpu()->lr[1], lr_want(42, 0x60, ICH_LR_PENDING, false, false));
    assert_int_equal(fake_cpu()->lr[2], lr_want(40, 0x80, ICH_LR_PENDING, false, false));
    assert_int_equal(fake_cpu()->lr[3], 0);
    assert_int_equal(hcr(), ICH_HCR_EN); /* nothing waits: no underflow interrupt wanted */

    /* the guest acknowledges the best: active, seen as such in ISACTIVER */
    assert_int_equal(fake_gic_guest_ack(), 41);
    assert_true(get_bit(ISACTIVER, 41));
    assert_false(get_bit(ISPENDR, 41));
    assert_true(fake_gic_guest_eoi(41));
    assert_int_equal(guest_handle(), 42);
    assert_int_equal(guest_handle(), 40);
    assert_int_equal(fake_gic_guest_ack(), SPURIOUS);
    chip->update(vcpu_current());
    assert_int_equal(lrs_valid(), 0);
    assert_int_equal(mmio_read(GICD + ISPENDR + 4, 4), 0);
    assert_int_equal(mmio_read(GICD + ISACTIVER + 4, 4), 0);

    /* a disabled interrupt is never listed, a group the distributor has off neither */
    mmio_write(GICD + ICENABLER + 4, 4, 1U << 8);
    set_bit(ISPENDR, 40);
    assert_int_equal(lrs_valid(), 0);
    uint64_t grp = GICD + IGROUPR + 4;
    mmio_write(grp, 4, mmio_read(grp, 4) & ~(1U << 9)); /* 41 to group 0, which is off */
    set_bit(ISPENDR, 41);
    assert_int_equal(lrs_valid(), 0);
    set_bit(ISENABLER, 40);
    assert_int_equal(fake_cpu()->lr[0], lr_want(40, 0x80, ICH_LR_PENDING, false, false));
    assert_int_equal(lrs_valid(), 1);
}

/* Six pending, four list registers: the best four are listed, the other two wait and the
 * underflow interrupt is asked for; when the guest has taken three, it fires and brings the
 * two in. */
static void test_overflow_waits_for_underflow(void **state)
{
    (void)state;
    for (uint32_t id = 40; id < 46; id++) {
        guest_enable(id, (uint8_t)(0x10 * (id - 39)));
        guest_edge(id);
    }
    distributor(false);
    mmio_write(GICD + ISPENDR + 4, 4, 0x3fU << 8);
    distributor(true);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(fake_cpu()->lr[i],
                         lr_want(40 + i, (uint8_t)(0x10 * (i + 1)), ICH_LR_PENDING, false, false));
    assert_int_equal(hcr(), ICH_HCR_EN | ICH_HCR_UIE);
    assert_int_equal(mmio_read(GICD + ISPENDR + 4, 4), 0x3fU << 8); /* all six still pending */
    assert_int_equal(fake_gic_misr() & ICH_MISR_U, 0); /* four valid: no underflow yet */

    assert_int_equal(guest_handle(), 40);
    assert_int_equal(guest_handle(), 41);
    assert_int_equal(guest_handle(), 42);
    maintenance(ICH_MISR_U); /* one list register still valid */
    assert_int_equal(lrs_valid(), 3);
    assert_int_not_equal(fake_gic_find_lr(43), -1);
    assert_int_equal(fake_cpu()->lr[fake_gic_find_lr(44)],
                     lr_want(44, 0x50, ICH_LR_PENDING, false, false));
    assert_int_equal(fake_cpu()->lr[fake_gic_find_lr(45)],
                     lr_want(45, 0x60, ICH_LR_PENDING, false, false));
    assert_int_equal(hcr(), ICH_HCR_EN); /* nothing waits any more */

    assert_int_equal(guest_handle(), 43);
    assert_int_equal(guest_handle(), 44);
    assert_int_equal(guest_handle(), 45);
    chip->update(vcpu_current());
    assert_int_equal(lrs_valid(), 0);
    assert_int_equal(mmio_read(GICD + ISPENDR + 4, 4), 0);
}

/* All list registers full: a better interrupt displaces the worst one the guest has not taken,
 * which waits again; a worse or equal one waits; interrupts the guest has taken are never
 * displaced, not even when they are pending again. */
static void test_displacement(void **state)
{
    (void)state;
    static const uint8_t prio[] = {0x80, 0x90, 0xa0, 0xb0};
    for (uint32_t id = 40; id < 44; id++) {
        guest_enable(id, prio[id - 40]);
        guest_edge(id);
        set_bit(ISPENDR, id);
    }
    static const struct {
        uint32_t id;
        uint8_t prio;
    } more[] = {{50, 0x20}, {51, 0xc0}, {52, 0x00}, {53, 0xa0}};
    for (unsigned i = 0; i < 4; i++) {
        guest_enable(more[i].id, more[i].prio);
        guest_edge(more[i].id);
    }
    assert_int_equal(lrs_valid(), 4);
    assert_int_equal(hcr(), ICH_HCR_EN);

    set_bit(ISPENDR, 50);
    assert_int_equal(fake_gic_find_lr(43), -1); /* 0xb0, the worst, made room */
    assert_int_equal(fake_cpu()->lr[3], lr_want(50, 0x20, ICH_LR_PENDING, false, false));
    assert_true(get_bit(ISPENDR, 43)); /* still pending, waiting */
    assert_int_equal(hcr(), ICH_HCR_EN | ICH_HCR_UIE);

    /* worse than everything listed, or only as good as the worst (0xa0): they wait */
    uint64_t before[4];
    memcpy(before, fake_cpu()->lr, sizeof(before));
    set_bit(ISPENDR, 51);
    set_bit(ISPENDR, 53);
    assert_memory_equal(before, fake_cpu()->lr, sizeof(before));

    /* the guest takes all four (active), and 40 comes again (pending and active in its list
     * register): even the best interrupt displaces none of them */
    assert_int_equal(fake_gic_guest_ack(), 50);
    assert_int_equal(fake_gic_guest_ack(), 40);
    assert_int_equal(fake_gic_guest_ack(), 41);
    assert_int_equal(fake_gic_guest_ack(), 42);
    set_bit(ISPENDR, 40);
    assert_int_equal(fake_cpu()->lr[0],
                     lr_want(40, 0x80, ICH_LR_PENDING | ICH_LR_ACTIVE, false, false));
    memcpy(before, fake_cpu()->lr, sizeof(before));
    set_bit(ISPENDR, 52);
    assert_memory_equal(before, fake_cpu()->lr, sizeof(before));
    assert_int_equal(hcr(), ICH_HCR_EN | ICH_HCR_UIE);

    /* the guest ends them (40 stays, pending): the waiting ones come in, best first, and the
     * worst (51) still waits */
    for (uint32_t id = 40; id < 43; id++)
        assert_true(fake_gic_guest_eoi(id));
    assert_true(fake_gic_guest_eoi(50));
    maintenance(ICH_MISR_U);
    assert_int_equal(fake_cpu()->lr[0], lr_want(40, 0x80, ICH_LR_PENDING, false, false));
    assert_int_equal(fake_cpu()->lr[1], lr_want(52, 0x00, ICH_LR_PENDING, false, false));
    assert_int_equal(fake_cpu()->lr[2], lr_want(53, 0xa0, ICH_LR_PENDING, false, false));
    assert_int_equal(fake_cpu()->lr[3], lr_want(43, 0xb0, ICH_LR_PENDING, false, false));
    assert_int_equal(hcr(), ICH_HCR_EN | ICH_HCR_UIE);
    assert_int_equal(guest_handle(), 52);
    assert_int_equal(guest_handle(), 40);
    assert_int_equal(guest_handle(), 53);
    maintenance(ICH_MISR_U);
    assert_int_equal(fake_cpu()->lr[0], lr_want(51, 0xc0, ICH_LR_PENDING, false, false));
    assert_int_equal(hcr(), ICH_HCR_EN);
}

/* An SPI goes to the vCPU its IROUTER names (Aff0, the rest zero), else to vCPU 0: another
 * vCPU's CPU is kicked and lists it on its next update. */
static void test_spi_routing(void **state)
{
    (void)state;
    for (uint32_t id = 50; id < 56; id++)
        guest_enable(id, 0x80);
    mmio_write(GICD + IROUTER + 8 * 50, 8, 1);
    assert_int_equal(mmio_read(GICD + IROUTER + 8 * 50, 8), 1);
    /* 32 bits at a time, as a 32-bit guest writes it */
    mmio_write(GICD + IROUTER + 8 * 51, 4, 1);
    mmio_write(GICD + IROUTER + 8 * 51 + 4, 4, 0);
    assert_int_equal(mmio_read(GICD + IROUTER + 8 * 51, 8), 1);
    mmio_write(GICD + IROUTER + 8 * 52, 8, 7);               /* no vCPU 7 */
    mmio_write(GICD + IROUTER + 8 * 53, 8, IROUTER_IRM | 1); /* "any": vCPU 0 */
    mmio_write(GICD + IROUTER + 8 * 54, 8, 1UL << 8);        /* Aff1 = 1: no such vCPU */
    /* reserved bits are not kept */
    mmio_write(GICD + IROUTER + 8 * 55, 8, 0xff00000000UL | 0xffUL << 40 | 1);
    assert_int_equal(mmio_read(GICD + IROUTER + 8 * 55, 8), 0xff00000000UL | 1);

    /* a device raises 50's line while vCPU 0 runs here: vCPU 1's CPU is kicked */
    kicked(1);
    chip->set_level(&vm, 50, true);
    assert_int_equal(kicked(1), 1);
    assert_int_equal(lrs_valid(), 0);
    chip->set_level(&vm, 51, true);
    assert_int_equal(kicked(1), 1);
    for (uint32_t id = 52; id <= 54; id++)
        chip->set_level(&vm, id, true);
    assert_int_equal(kicked(1), 0);
    assert_int_equal(lrs_valid(), 3);
    for (uint32_t id = 52; id <= 54; id++)
        assert_int_not_equal(fake_gic_find_lr(id), -1);

    /* vCPU 1's CPU takes the kick */
    test_vm_run(&vm, 1);
    chip->update(vcpu_current());
    assert_int_equal(fake_cpu()->lr[0], lr_want(50, 0x80, ICH_LR_PENDING, true, false));
    assert_int_equal(fake_cpu()->lr[1], lr_want(51, 0x80, ICH_LR_PENDING, true, false));
    assert_int_equal(lrs_valid(), 2);

    /* a pending SPI that is re-routed goes with it: 55 pends for vCPU 1 while disabled, then
     * moves to vCPU 0 and is enabled there */
    test_vm_run(&vm, 0);
    mmio_write(GICD + IROUTER + 8 * 55, 8, 1);
    mmio_write(GICD + ICENABLER + 4, 4, 1U << (55 - 32));
    chip->set_level(&vm, 55, true);
    assert_int_equal(fake_gic_find_lr(55), -1);
    mmio_write(GICD + IROUTER + 8 * 55, 8, 0);
    set_bit(ISENABLER, 55);
    assert_int_not_equal(fake_gic_find_lr(55), -1);

    /* an SPI routed to a vCPU that is off: no kick (its CPU is not in a guest) */
    vm.vcpu[1].state = VCPU_OFF;
    guest_enable(60, 0x80);
    mmio_write(GICD + IROUTER + 8 * 60, 8, 1);
    kicked(1);
    chip->set_level(&vm, 60, true);
    assert_int_equal(kicked(1), 0);
    assert_int_equal(fake_gic_find_lr(60), -1);
}

/* SGIs through the irqchip's sgi hook (a trapped ICC_SGI1R_EL1 write): target list, IRM, range
 * selector and affinity; never to a vCPU that is off. */
static void test_sgi(void **state)
{
    (void)state;
    const uint64_t sgi3 = 3UL << SGIR_INTID_SHIFT;
    /* each vCPU enables SGI 3 in its own redistributor */
    guest_enable(3, 0x60);
    test_vm_run(&vm, 1);
    guest_enable(3, 0x60);
    test_vm_run(&vm, 0);
    kicked(1);

    chip->sgi(vcpu_current(), sgi3 | 1 << 1); /* target list: vCPU 1 */
    assert_int_equal(kicked(1), 1);
    assert_int_equal(lrs_valid(), 0);
    /* ... visible in vCPU 1's redistributor, not in vCPU 0's */
    assert_true(mmio_read(GICR + GICR_STRIDE + SGI_FRAME + ISPENDR, 4) & 1 << 3);
    assert_false(mmio_read(GICR + SGI_FRAME + ISPENDR, 4) & 1 << 3);
    test_vm_run(&vm, 1);
    chip->update(vcpu_current());
    assert_int_equal(fake_cpu()->lr[0], lr_want(3, 0x60, ICH_LR_PENDING, false, false));
    assert_int_equal(guest_handle(), 3);
    chip->update(vcpu_current());

    /* to itself: listed at once, no kick */
    test_vm_run(&vm, 0);
    chip->sgi(vcpu_current(), sgi3 | 1 << 0);
    assert_int_equal(fake_cpu()->lr[0], lr_want(3, 0x60, ICH_LR_PENDING, false, false));
    assert_int_equal(kicked(1), 0);
    assert_int_equal(guest_handle(), 3);
    chip->update(vcpu_current());

    /* IRM: every vCPU but the sender */
    chip->sgi(vcpu_current(), sgi3 | SGIR_IRM);
    assert_int_equal(kicked(1), 1);
    assert_int_equal(lrs_valid(), 0);
    test_vm_run(&vm, 1);
    chip->update(vcpu_current());
    assert_int_equal(guest_handle(), 3);
    chip->update(vcpu_current());
    test_vm_run(&vm, 0);

    /* a target list for Aff0 16-31 (RS = 1), for Aff1 = 1, or for nobody: no vCPU is hit */
    chip->sgi(vcpu_current(), sgi3 | 1UL << SGIR_RS_SHIFT | 3);
    chip->sgi(vcpu_current(), sgi3 | 1UL << SGIR_AFF1_SHIFT | 3);
    chip->sgi(vcpu_current(), sgi3);
    assert_int_equal(kicked(1), 0);
    assert_int_equal(lrs_valid(), 0);
    assert_int_equal(mmio_read(GICR + GICR_STRIDE + SGI_FRAME + ISPENDR, 4), 0);

    /* a vCPU that is off gets nothing */
    vm.vcpu[1].state = VCPU_OFF;
    chip->sgi(vcpu_current(), sgi3 | 1 << 1);
    assert_int_equal(kicked(1), 0);
    assert_int_equal(mmio_read(GICR + GICR_STRIDE + SGI_FRAME + ISPENDR, 4), 0);
}

/* A private interrupt raised from anywhere (an event-channel upcall, PPI 31): listed at once on
 * the caller's own vCPU, the other vCPU's CPU kicked; what is no PPI or no vCPU is ignored. (A PPI
 * is level-sensitive after reset: listed with the EOI bit, and not pending again after.) */
static void test_raise_private(void **state)
{
    (void)state;
    guest_enable(31, 0x50);
    test_vm_run(&vm, 1);
    guest_enable(31, 0x50);
    test_vm_run(&vm, 0);
    kicked(1);
    chip->raise_private(&vm, 1, 31);
    assert_int_equal(kicked(1), 1);
    assert_int_equal(lrs_valid(), 0);
    assert_true(mmio_read(GICR + GICR_STRIDE + SGI_FRAME + ISPENDR, 4) & 1U << 31);
    test_vm_run(&vm, 1);
    chip->update(vcpu_current());
    assert_int_equal(fake_cpu()->lr[0], lr_want(31, 0x50, ICH_LR_PENDING, true, false));
    assert_int_equal(guest_handle(), 31);
    chip->update(vcpu_current());
    test_vm_run(&vm, 0);
    chip->raise_private(&vm, 0, 31);
    assert_int_equal(kicked(1), 0);
    assert_int_equal(fake_cpu()->lr[0], lr_want(31, 0x50, ICH_LR_PENDING, true, false));
    assert_int_equal(guest_handle(), 31);
    chip->update(vcpu_current());
    /* an SGI, an SPI, a vCPU the VM does not have: nothing */
    chip->raise_private(&vm, 1, 3);
    chip->raise_private(&vm, 1, 40);
    chip->raise_private(&vm, 2, 31);
    chip->raise_private(&vm, 0xffffffffU, 31);
    assert_int_equal(kicked(1), 0);
    assert_int_equal(lrs_valid(), 0);
    assert_int_equal(mmio_read(GICR + GICR_STRIDE + SGI_FRAME + ISPENDR, 4), 0);
}

/* A forwarded physical interrupt is listed with the hardware bit and its physical INTID (no EOI
 * bit: the guest's deactivation goes to the physical GIC). septum deactivates it itself only
 * when the guest cannot: it cleared the active state through the distributor, or its vCPU was
 * reset with the interrupt unfinished. */
static void test_hw_forwarded(void **state)
{
    (void)state;
    guest_enable(GIC_INTID_VTIMER, 0x80);
    chip->forward(vcpu_current(), GIC_INTID_VTIMER);
    assert_int_equal(fake_cpu()->lr[0],
                     lr_want(GIC_INTID_VTIMER, 0x80, ICH_LR_PENDING, true, true));
    assert_int_equal(guest_handle(), GIC_INTID_VTIMER);
    assert_int_equal(fake_cpu()->guest_deactivated_num, 1);
    assert_int_equal(fake_cpu()->guest_deactivated[0], GIC_INTID_VTIMER);

    /* the next tick: the old list register was never read back; the new one is pending */
    chip->forward(vcpu_current(), GIC_INTID_VTIMER);
    assert_int_equal(lrs_valid(), 1);
    int lr = fake_gic_find_lr(GIC_INTID_VTIMER);
    assert_int_not_equal(lr, -1);
    assert_int_equal(fake_cpu()->lr[lr],
                     lr_want(GIC_INTID_VTIMER, 0x80, ICH_LR_PENDING, true, true));
    assert_int_equal(fake_cpu()->deactivated_num, 0);

    /* the guest takes it, then clears its active state through the redistributor */
    assert_int_equal(fake_gic_guest_ack(), GIC_INTID_VTIMER);
    set_bit(ICACTIVER, GIC_INTID_VTIMER);
    assert_int_equal(fake_cpu()->deactivated_num, 1);
    assert_int_equal(fake_cpu()->deactivated[0], GIC_INTID_VTIMER);
    assert_int_equal(lrs_valid(), 0);

    /* taken and never finished when the vCPU restarts: septum ends it */
    chip->forward(vcpu_current(), GIC_INTID_VTIMER);
    assert_int_equal(fake_gic_guest_ack(), GIC_INTID_VTIMER);
    chip->vcpu_reset(vcpu_current());
    assert_int_equal(fake_cpu()->deactivated_num, 2);
    assert_int_equal(fake_cpu()->deactivated[1], GIC_INTID_VTIMER);
    assert_int_equal(lrs_valid(), 0);

    /* a forwarded SPI the guest routed to vCPU 1 goes there, hardware bit and all */
    guest_enable(48, 0x70);
    mmio_write(GICD + IROUTER + 8 * 48, 8, 1);
    kicked(1);
    chip->forward(vcpu_current(), 48);
    assert_int_equal(fake_gic_find_lr(48), -1);
    assert_int_equal(kicked(1), 1);
    test_vm_run(&vm, 1);
    chip->update(vcpu_current());
    assert_int_equal(fake_cpu()->lr[0], lr_want(48, 0x70, ICH_LR_PENDING, true, true));
}

/* ---- the lean interrupt path ----
 *
 * A physical interrupt on the test's CPU, as the IRQ vector takes it: what vectors.S decides
 * from the CPU's table and ICH_ELRSR_EL2 (irq_fast_decide is that decision in C), else the
 * controller's forward, as irq_handle calls it. True when the vector finished it alone. */
static bool physical(uint32_t intid)
{
    unsigned lr;
    uint64_t value;
    if (irq_fast_decide(arch_pcpu()->irq_fast, intid, gic_read_elrsr(), &lr, &value)) {
        gic_write_lr(lr, value);
        return true;
    }
    chip->forward(vcpu_current(), intid);
    return false;
}

/* The timer's first tick takes the slow path and lists it; once the guest is done with it, its
 * register stays parked (empty, still its own) and every later tick is the vector's alone,
 * with the priority the guest wrote last. The vGIC sees what the vector wrote: pending and
 * active read back as the list register holds them. */
static void test_fast_timer(void **state)
{
    (void)state;
    uint64_t prio27 = GICR + SGI_FRAME + IPRIORITYR + 27;
    guest_enable(GIC_INTID_VTIMER, 0x80);
    assert_false(physical(GIC_INTID_VTIMER));
    assert_int_equal(fake_cpu()->lr[0],
                     lr_want(GIC_INTID_VTIMER, 0x80, ICH_LR_PENDING, true, true));
    /* its register is not empty (the guest has not taken it): the vector would go to C */
    unsigned lr;
    uint64_t value;
    assert_false(
        irq_fast_decide(arch_pcpu()->irq_fast, GIC_INTID_VTIMER, gic_read_elrsr(), &lr, &value));
    assert_int_equal(guest_handle(), GIC_INTID_VTIMER);
    assert_true(
        irq_fast_decide(arch_pcpu()->irq_fast, GIC_INTID_VTIMER, gic_read_elrsr(), &lr, &value));
    assert_int_equal(lr, 0);
    for (unsigned tick = 0; tick < 3; tick++) {
        assert_true(physical(GIC_INTID_VTIMER));
        assert_int_equal(fake_cpu()->lr[0],
                         lr_want(GIC_INTID_VTIMER, 0x80, ICH_LR_PENDING, true, true));
        assert_true(get_bit(ISPENDR, GIC_INTID_VTIMER)); /* read back from the register */
        assert_int_equal(fake_gic_guest_ack(), GIC_INTID_VTIMER);
        assert_true(get_bit(ISACTIVER, GIC_INTID_VTIMER));
        assert_true(fake_gic_guest_eoi(GIC_INTID_VTIMER));
        chip->update(vcpu_current()); /* a kick meanwhile: the register stays parked */
        assert_false(get_bit(ISPENDR, GIC_INTID_VTIMER));
        assert_false(get_bit(ISACTIVER, GIC_INTID_VTIMER));
    }
    assert_int_equal(fake_cpu()->guest_deactivated_num, 4);
    /* a priority written while parked is the one the next tick carries */
    mmio_write(prio27, 1, 0x40);
    assert_true(physical(GIC_INTID_VTIMER));
    assert_int_equal(fake_cpu()->lr[0],
                     lr_want(GIC_INTID_VTIMER, 0x40, ICH_LR_PENDING, true, true));
    /* the guest masks it by priority (PMR is the hardware's): it stays pending in its register,
     * and the next physical tick cannot come before the guest has deactivated this one */
    assert_int_equal(lrs_valid(), 1);
    assert_int_equal(fake_cpu()->deactivated_num, 0);
    /* vCPU 1's table is its own: nothing of vCPU 0's timer there */
    assert_false(irq_fast_published(fake_cpu_n(1)->pcpu.irq_fast, GIC_INTID_VTIMER));
}

/* The guest disables the timer's PPI: the vector leaves the next tick to C, which keeps it
 * pending and unlisted, and lists it once the guest enables it again. The same for a group the
 * distributor has off, and for a pending request from another vCPU (only a sync applies it). */
static void test_fast_disabled(void **state)
{
    (void)state;
    guest_enable(GIC_INTID_VTIMER, 0x80);
    assert_false(physical(GIC_INTID_VTIMER));
    assert_int_equal(guest_handle(), GIC_INTID_VTIMER);
    assert_true(physical(GIC_INTID_VTIMER));
    assert_int_equal(guest_handle(), GIC_INTID_VTIMER);

    set_bit(ICENABLER, GIC_INTID_VTIMER);
    assert_false(irq_fast_published(arch_pcpu()->irq_fast, GIC_INTID_VTIMER));
    assert_false(physical(GIC_INTID_VTIMER));
    assert_int_equal(lrs_valid(), 0);
    assert_int_equal(fake_gic_guest_ack(), SPURIOUS);
    assert_true(get_bit(ISPENDR, GIC_INTID_VTIMER));
    set_bit(ISENABLER, GIC_INTID_VTIMER);
    assert_int_equal(fake_cpu()->lr[fake_gic_find_lr(GIC_INTID_VTIMER)],
                     lr_want(GIC_INTID_VTIMER, 0x80, ICH_LR_PENDING, true, true));
    assert_int_equal(guest_handle(), GIC_INTID_VTIMER);
    chip->update(vcpu_current());
    assert_true(irq_fast_published(arch_pcpu()->irq_fast, GIC_INTID_VTIMER));

    /* group 1 off at the distributor: not delivered, by either path */
    distributor(false);
    assert_false(physical(GIC_INTID_VTIMER));
    assert_int_equal(lrs_valid(), 0);
    distributor(true);
    assert_int_equal(guest_handle(), GIC_INTID_VTIMER);
    chip->update(vcpu_current());
    assert_true(irq_fast_published(arch_pcpu()->irq_fast, GIC_INTID_VTIMER));

    /* vCPU 1 asks for the timer of vCPU 0 to be pending (its redistributor is reachable): the
     * entry goes at once, under the lock, before vCPU 0 has seen the kick */
    test_vm_run(&vm, 1);
    mmio_write(GICR + SGI_FRAME + ISPENDR, 4, 1U << GIC_INTID_VTIMER);
    assert_int_equal(kicked(0), 1);
    assert_false(irq_fast_published(fake_cpu_n(0)->pcpu.irq_fast, GIC_INTID_VTIMER));
    test_vm_run(&vm, 0);
    chip->update(vcpu_current());
    assert_int_equal(guest_handle(), GIC_INTID_VTIMER);
    chip->update(vcpu_current());
    assert_true(physical(GIC_INTID_VTIMER));
}

/* Every list register used: a parked one is taken first (the vector's entry goes with it), so
 * parking never keeps an interrupt waiting; a timer tick then goes to C and waits, in priority
 * order, for the underflow interrupt. */
static void test_fast_full(void **state)
{
    (void)state;
    guest_enable(GIC_INTID_VTIMER, 0x80);
    assert_false(physical(GIC_INTID_VTIMER));
    assert_int_equal(guest_handle(), GIC_INTID_VTIMER);
    for (uint32_t id = 40; id < 44; id++) {
        guest_enable(id, 0x40);
        guest_edge(id);
    }
    mmio_write(GICD + ISPENDR + 4, 4, 0xfU << 8);
    assert_int_equal(lrs_valid(), 4);
    assert_int_equal(fake_gic_find_lr(GIC_INTID_VTIMER), -1);
    assert_false(irq_fast_published(arch_pcpu()->irq_fast, GIC_INTID_VTIMER));
    assert_int_equal(hcr(), ICH_HCR_EN); /* nothing waits: the parked register was free */

    assert_false(physical(GIC_INTID_VTIMER));
    assert_int_equal(fake_gic_find_lr(GIC_INTID_VTIMER), -1); /* worse than all four */
    assert_int_equal(hcr(), ICH_HCR_EN | ICH_HCR_UIE);
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(guest_handle() / 4, 10); /* 40-43 */
    maintenance(ICH_MISR_U);
    assert_int_not_equal(fake_gic_find_lr(GIC_INTID_VTIMER), -1);
    assert_int_equal(guest_handle(), 42);
    assert_int_equal(guest_handle(), GIC_INTID_VTIMER);
    chip->update(vcpu_current());
    assert_true(physical(GIC_INTID_VTIMER));

    /* an SPI made pending while the timer is pending in its parked register: both listed,
     * taken in priority order */
    mmio_write(GICD + IPRIORITYR + 40, 1, 0x10);
    set_bit(ISPENDR, 40);
    assert_int_equal(fake_cpu()->lr[fake_gic_find_lr(40)],
                     lr_want(40, 0x10, ICH_LR_PENDING, false, false));
    assert_int_equal(guest_handle(), 40);
    assert_int_equal(guest_handle(), GIC_INTID_VTIMER);
}

/* A forwarded SPI the guest routes to the vCPU whose CPU takes it is forwarded by the vector
 * too; routed elsewhere, its entry goes and the other vCPU gets it through a sync. A reset
 * drops every entry of the vCPU. */
static void test_fast_spi_and_reset(void **state)
{
    (void)state;
    guest_enable(48, 0x70);
    assert_false(physical(48));
    assert_int_equal(guest_handle(), 48);
    assert_true(physical(48));
    assert_int_equal(fake_cpu()->lr[0], lr_want(48, 0x70, ICH_LR_PENDING, true, true));
    assert_int_equal(guest_handle(), 48);

    mmio_write(GICD + IROUTER + 8 * 48, 8, 1);
    assert_false(irq_fast_published(arch_pcpu()->irq_fast, 48));
    chip->update(vcpu_current()); /* freed: no longer this vCPU's */
    assert_false(physical(48));
    assert_int_equal(fake_gic_find_lr(48), -1);
    test_vm_run(&vm, 1);
    chip->update(vcpu_current());
    assert_int_equal(fake_cpu()->lr[0], lr_want(48, 0x70, ICH_LR_PENDING, true, true));
    assert_int_equal(guest_handle(), 48);

    test_vm_run(&vm, 0);
    mmio_write(GICD + IROUTER + 8 * 48, 8, 0);
    guest_enable(GIC_INTID_VTIMER, 0x80);
    assert_false(physical(GIC_INTID_VTIMER));
    assert_int_equal(guest_handle(), GIC_INTID_VTIMER);
    chip->update(vcpu_current());
    assert_true(irq_fast_published(arch_pcpu()->irq_fast, GIC_INTID_VTIMER));
    chip->vcpu_reset(vcpu_current());
    assert_non_null(arch_pcpu()->irq_fast);
    assert_false(irq_fast_published(arch_pcpu()->irq_fast, GIC_INTID_VTIMER));
    assert_false(irq_fast_published(arch_pcpu()->irq_fast, 48));
    guest_enable(GIC_INTID_VTIMER, 0x80); /* the reset disabled it */
    assert_false(physical(GIC_INTID_VTIMER));
    assert_int_equal(fake_cpu()->lr[0],
                     lr_want(GIC_INTID_VTIMER, 0x80, ICH_LR_PENDING, true, true));
}

/* A level interrupt (a virtual device's line) is listed with the EOI bit; when the guest ends
 * it with the line still high, the EOI maintenance interrupt lists it again; once the line is
 * low it is not. An interrupt not yet listed goes away with its line. */
static void test_level(void **state)
{
    (void)state;
    const uint32_t uart = 33; /* level-sensitive, the configuration after reset */
    guest_enable(uart, 0xa0);
    chip->set_level(&vm, uart, true);
    assert_int_equal(fake_cpu()->lr[0], lr_want(uart, 0xa0, ICH_LR_PENDING, true, false));

    assert_int_equal(guest_handle(), uart); /* line still high */
    maintenance(ICH_MISR_EOI);
    assert_int_equal(lrs_valid(), 1);
    int lr = fake_gic_find_lr(uart);
    assert_int_not_equal(lr, -1);
    assert_int_equal(fake_cpu()->lr[lr], lr_want(uart, 0xa0, ICH_LR_PENDING, true, false));

    /* the guest takes it, its handler clears the device's condition: the line drops */
    assert_int_equal(fake_gic_guest_ack(), uart);
    chip->set_level(&vm, uart, false);
    assert_true(fake_gic_guest_eoi(uart));
    maintenance(ICH_MISR_EOI);
    assert_int_equal(lrs_valid(), 0);
    assert_false(get_bit(ISPENDR, uart));
    assert_int_equal(fake_gic_misr() & ICH_MISR_EOI, 0);

    /* raised and lowered while disabled: nothing is left pending */
    mmio_write(GICD + ICENABLER + 4, 4, 1U << (uart - 32));
    chip->set_level(&vm, uart, true);
    assert_true(get_bit(ISPENDR, uart));
    chip->set_level(&vm, uart, false);
    assert_false(get_bit(ISPENDR, uart));
    set_bit(ISENABLER, uart);
    assert_int_equal(lrs_valid(), 0);

    /* a line held high stays one interrupt (no second edge), and an edge-configured SPI needs no
     * EOI maintenance */
    chip->set_level(&vm, uart, true);
    chip->set_level(&vm, uart, true);
    assert_int_equal(lrs_valid(), 1);
    guest_enable(34, 0xa0);
    guest_edge(34);
    chip->set_level(&vm, 34, true);
    assert_int_equal(fake_cpu()->lr[fake_gic_find_lr(34)],
                     lr_want(34, 0xa0, ICH_LR_PENDING, false, false));
}

/* A listed interrupt the guest has not taken yet leaves its list register when it is disabled
 * (and stays pending), and comes back when it is enabled again. */
static void test_disable_retracts(void **state)
{
    (void)state;
    guest_enable(40, 0x80);
    guest_edge(40);
    set_bit(ISPENDR, 40);
    assert_int_equal(lrs_valid(), 1);
    set_bit(ICENABLER, 40);
    assert_int_equal(lrs_valid(), 0);
    assert_true(get_bit(ISPENDR, 40));
    set_bit(ISENABLER, 40);
    assert_int_equal(fake_cpu()->lr[0], lr_want(40, 0x80, ICH_LR_PENDING, false, false));
    /* ICPENDR takes it back out */
    set_bit(ICPENDR, 40);
    assert_int_equal(lrs_valid(), 0);
    assert_false(get_bit(ISPENDR, 40));
}

/* One interrupt that can go is listed after a single scan; the others that could not go then
 * (disabled, their group off) are listed as soon as they can, best first. */
static void test_single_then_waiting(void **state)
{
    (void)state;
    guest_enable(40, 0x80);
    guest_enable(41, 0x40);
    guest_enable(42, 0x60);
    for (uint32_t id = 40; id <= 42; id++)
        guest_edge(id);
    mmio_write(GICD + ICENABLER + 4, 4, 1U << (41 - 32));
    uint64_t grp = GICD + IGROUPR + 4;
    mmio_write(grp, 4, mmio_read(grp, 4) & ~(1U << (42 - 32))); /* group 0, which is off */
    set_bit(ISPENDR, 41);
    set_bit(ISPENDR, 42);
    assert_int_equal(lrs_valid(), 0);
    set_bit(ISPENDR, 40);
    assert_int_equal(fake_cpu()->lr[0], lr_want(40, 0x80, ICH_LR_PENDING, false, false));
    assert_int_equal(lrs_valid(), 1);
    set_bit(ISENABLER, 41);
    assert_int_equal(fake_cpu()->lr[1], lr_want(41, 0x40, ICH_LR_PENDING, false, false));
    mmio_write(GICD + CTLR, 4, CTLR_G1 | 1); /* group 0 on */
    assert_int_equal(fake_cpu()->lr[2],
                     lr_want(42, 0x60, ICH_LR_PENDING, false, false) & ~ICH_LR_GROUP1);
    assert_int_equal(lrs_valid(), 3);
    assert_int_equal(guest_handle(), 41);
    assert_int_equal(guest_handle(), 42);
    assert_int_equal(guest_handle(), 40);
    chip->update(vcpu_current());
    assert_int_equal(lrs_valid(), 0);
    assert_int_equal(hcr(), ICH_HCR_EN);
}

/* Group, enable and configuration bits read back as written, through either enable register,
 * and a reset clears them: a vCPU's own for its private interrupts, vCPU 0's (the VM's) for the
 * SPIs too. */
static void test_kept_words_reset(void **state)
{
    (void)state;
    uint64_t rd1 = GICR + GICR_STRIDE + SGI_FRAME;
    mmio_write(rd1 + IGROUPR, 4, 0xffffffff);
    mmio_write(rd1 + ISENABLER, 4, 0x08000001);
    mmio_write(rd1 + ICFGR + 4, 4, 0x80000002);
    mmio_write(GICD + IGROUPR + 8, 4, 0x0000ffff);
    mmio_write(GICD + ISENABLER + 8, 4, 0x00ff00ff);
    mmio_write(GICD + ICENABLER + 8, 4, 0x000000f0);
    mmio_write(GICD + ICFGR + 0x10, 4, 0x22222222);
    assert_int_equal(mmio_read(rd1 + IGROUPR, 4), 0xffffffff);
    assert_int_equal(mmio_read(rd1 + ICENABLER, 4), 0x08000001);
    assert_int_equal(mmio_read(rd1 + ICFGR + 4, 4), 0x80000002);
    assert_int_equal(mmio_read(GICD + IGROUPR + 8, 4), 0x0000ffff);
    assert_int_equal(mmio_read(GICD + ISENABLER + 8, 4), 0x00ff000f);
    assert_int_equal(mmio_read(GICD + ICENABLER + 8, 4), 0x00ff000f);
    assert_int_equal(mmio_read(GICD + ICFGR + 0x10, 4), 0x22222222);
    /* writing no bit to a set/clear register changes nothing */
    mmio_write(GICD + ICENABLER + 8, 4, 0);
    mmio_write(GICD + ISPENDR + 8, 4, 0);
    assert_int_equal(mmio_read(GICD + ISENABLER + 8, 4), 0x00ff000f);
    assert_int_equal(mmio_read(GICD + ISPENDR + 8, 4), 0);

    chip->vcpu_reset(test_vm_run(&vm, 1));
    assert_int_equal(mmio_read(rd1 + IGROUPR, 4), 0);
    assert_int_equal(mmio_read(rd1 + ISENABLER, 4), 0);
    assert_int_equal(mmio_read(rd1 + ICFGR, 4), 0xaaaaaaaa);
    assert_int_equal(mmio_read(rd1 + ICFGR + 4, 4), 0);
    assert_int_equal(mmio_read(GICD + ISENABLER + 8, 4), 0x00ff000f); /* the SPIs' stay */
    chip->vcpu_reset(test_vm_run(&vm, 0));
    assert_int_equal(mmio_read(GICD + IGROUPR + 8, 4), 0);
    assert_int_equal(mmio_read(GICD + ISENABLER + 8, 4), 0);
    assert_int_equal(mmio_read(GICD + ICFGR + 0x10, 4), 0);
}

/* The pending and active words are read from words kept as the interrupts' state changes,
 * unless a list register of the reader holds one of the word's interrupts: either way they
 * read exactly, the guest's acknowledgement and end (which no trap shows) included. A state
 * write touches the list registers only when it must: an active and pending interrupt whose
 * active bit is cleared goes in at once. */
static void test_kept_state_words(void **state)
{
    (void)state;
    guest_enable(45, 0x80);
    guest_edge(45);
    mmio_write(GICD + ICENABLER + 4, 4, 1U << 13);
    /* disabled: pending and active kept, no list register */
    set_bit(ISPENDR, 45);
    set_bit(ISACTIVER, 45);
    assert_int_equal(lrs_valid(), 0);
    assert_int_equal(mmio_read(GICD + ISPENDR + 4, 4), 1U << 13);
    assert_int_equal(mmio_read(GICD + ICPENDR + 4, 4), 1U << 13);
    assert_int_equal(mmio_read(GICD + ISACTIVER + 4, 4), 1U << 13);
    assert_int_equal(mmio_read(GICD + ICACTIVER + 4, 4), 1U << 13);
    /* enabled but active: still waits; no longer active: listed at once */
    set_bit(ISENABLER, 45);
    assert_int_equal(lrs_valid(), 0);
    set_bit(ICACTIVER, 45);
    assert_int_equal(fake_cpu()->lr[0], lr_want(45, 0x80, ICH_LR_PENDING, false, false));
    assert_int_equal(mmio_read(GICD + ISACTIVER + 4, 4), 0);
    /* the guest takes it and ends it behind septum's back: read back from the list register */
    assert_int_equal(fake_gic_guest_ack(), 45);
    assert_int_equal(mmio_read(GICD + ISPENDR + 4, 4), 0);
    assert_int_equal(mmio_read(GICD + ISACTIVER + 4, 4), 1U << 13);
    assert_true(fake_gic_guest_eoi(45));
    assert_int_equal(mmio_read(GICD + ICACTIVER + 4, 4), 0);
    assert_int_equal(lrs_valid(), 0); /* the read brought the list registers in */
    /* a pending SGI of vCPU 1, in its list register: vCPU 0 reads it from the kept word */
    test_vm_run(&vm, 1);
    guest_enable(3, 0x60);
    set_bit(ISPENDR, 3);
    assert_int_equal(fake_cpu()->lr[0], lr_want(3, 0x60, ICH_LR_PENDING, false, false));
    test_vm_run(&vm, 0);
    uint64_t rd1 = GICR + GICR_STRIDE + SGI_FRAME;
    assert_int_equal(mmio_read(rd1 + ISPENDR, 4), 1U << 3);
    assert_int_equal(mmio_read(GICR + SGI_FRAME + ISPENDR, 4), 0);
    mmio_write(rd1 + ICPENDR, 4, 1U << 3);
    assert_int_equal(mmio_read(rd1 + ISPENDR, 4), 0);
    /* writes that change nothing leave every word as it reads */
    mmio_write(GICD + IGROUPR + 4, 4, mmio_read(GICD + IGROUPR + 4, 4));
    mmio_write(GICD + ICFGR + 8, 4, mmio_read(GICD + ICFGR + 8, 4) | 0x55555555);
    mmio_write(GICD + IROUTER + 8 * 45 + 4, 4, 0);
    mmio_write(GICD + ISENABLER + 4, 4, 0);
    mmio_write(GICD + 0x800 + 44, 4, 0x01010101); /* ITARGETSR: RES0 */
    assert_int_equal(mmio_read(GICD + IGROUPR + 4, 4), 1U << 13);
    assert_int_equal(mmio_read(GICD + ICFGR + 8, 4), 2U << 26);
    assert_int_equal(mmio_read(GICD + IROUTER + 8 * 45, 8), 0);
    assert_int_equal(mmio_read(GICD + ISENABLER + 4, 4), 1U << 13);
    assert_int_equal(mmio_read(GICD + 0x800 + 44, 4), 0);
    /* and so does one that changes the group of an interrupt no longer pending */
    mmio_write(GICD + IGROUPR + 4, 4, 0);
    assert_int_equal(mmio_read(GICD + IGROUPR + 4, 4), 0);
    assert_int_equal(lrs_valid(), 0);
}

/* ---- the register map, register by register ---- */

#define IIDR         0x0008
#define STATUSR      0x0010
#define GICR_CTLR    0x0000
#define GICR_IIDR    0x0004
#define GICR_STATUSR 0x0010
#define VGIC_IIDR    0x0100053bU
#define PIDR2_V3     0x3bU
#define WAKER_SLEEP  (1U << 1)
#define WAKER_ASLEEP (1U << 2)

/* An access's outcome, and for a read the value (a poison when the device did not set it). */
static memory_fault_result_t try_access(uint64_t addr, unsigned size, bool write, uint64_t *v)
{
    if (!write)
        *v = 0xdeadbeefdeadbeefULL;
    return guest_access(addr, size, write, v);
}

static void refused(uint64_t addr, unsigned size)
{
    uint64_t v = 0x12345678;
    assert_int_equal(try_access(addr, size, false, &v), FAULT_UNHANDLED);
    v = 0x12345678;
    assert_int_equal(try_access(addr, size, true, &v), FAULT_UNHANDLED);
}

/* Reads as zero, and a write (of every bit) changes nothing. */
static void raz_wi(uint64_t addr, unsigned size)
{
    mmio_write(addr, size, ~0UL);
    assert_int_equal(mmio_read(addr, size), 0);
}

/* The distributor's control block: CTLR keeps only the group enables (ARE and DS read as one),
 * TYPER, IIDR and PIDR2 are constants that writes leave alone, the other words read as zero;
 * each only as a 32-bit access. */
static void test_gicd_control_block(void **state)
{
    (void)state;
    uint32_t typer = (256 / 32 - 1) | 9U << 19 | 1U << 5 | 1U << 25;
    assert_int_equal(mmio_read(GICD + TYPER, 4), typer);
    mmio_write(GICD + TYPER, 4, 0);
    assert_int_equal(mmio_read(GICD + TYPER, 4), typer);
    assert_int_equal(mmio_read(GICD + IIDR, 4), VGIC_IIDR);
    mmio_write(GICD + IIDR, 4, 0);
    assert_int_equal(mmio_read(GICD + IIDR, 4), VGIC_IIDR);
    assert_int_equal(mmio_read(GICD + PIDR2, 4), PIDR2_V3);
    mmio_write(GICD + PIDR2, 4, 0);
    assert_int_equal(mmio_read(GICD + PIDR2, 4), PIDR2_V3);
    for (uint64_t off = 0x0c; off < 0x80; off += 4)
        raz_wi(GICD + off, 4);
    raz_wi(GICD + 0xffe0, 4);
    raz_wi(GICD + 0xfffc, 4);

    mmio_write(GICD + CTLR, 4, ~0UL);
    assert_int_equal(mmio_read(GICD + CTLR, 4), 3 | CTLR_ARE | CTLR_DS);
    mmio_write(GICD + CTLR, 4, 0);
    assert_int_equal(mmio_read(GICD + CTLR, 4), CTLR_ARE | CTLR_DS);
    mmio_write(GICD + CTLR, 4, CTLR_G1);
    assert_int_equal(mmio_read(GICD + CTLR, 4), CTLR_G1 | CTLR_ARE | CTLR_DS);

    /* other sizes are refused (also an aligned 64-bit read of CTLR and TYPER together) */
    refused(GICD + CTLR, 8);
    refused(GICD + TYPER, 2);
    refused(GICD + TYPER, 1);
    refused(GICD + TYPER + 1, 1);
    refused(GICD + TYPER + 2, 2);
    refused(GICD + 0x40, 8);
    refused(GICD + PIDR2, 1);
    refused(GICD + 0x8000, 8);
    /* misaligned */
    refused(GICD + TYPER + 2, 4);
    refused(GICD + 0x41, 4);
    assert_int_equal(mmio_read(GICD + CTLR, 4), CTLR_G1 | CTLR_ARE | CTLR_DS);
    /* everything else in the frame outside the registers: RAZ/WI as a word, refused otherwise */
    raz_wi(GICD + 0x500, 4);
    raz_wi(GICD + 0x800, 4);
    raz_wi(GICD + 0xc40, 4);
    raz_wi(GICD + 0xd00, 4);
    raz_wi(GICD + 0x1000, 4);
    raz_wi(GICD + 0x8000, 4);
    refused(GICD + 0xc40, 2);
    refused(GICD + 0xd00, 1);

    /* a VM reset (vCPU 0's) turns the distributor off */
    chip->vcpu_reset(vcpu_current());
    assert_int_equal(mmio_read(GICD + CTLR, 4), CTLR_ARE | CTLR_DS);
}

/* Priorities: a byte each, written and read a byte or a word at a time; the distributor has the
 * SPIs' (the private ones read as zero there), each redistributor its vCPU's private ones; they
 * go into the list registers; a reset clears them. */
static void test_priorities(void **state)
{
    (void)state;
    mmio_write(GICD + IPRIORITYR + 40, 4, 0x44332211);
    assert_int_equal(mmio_read(GICD + IPRIORITYR + 40, 4), 0x44332211);
    assert_int_equal(mmio_read(GICD + IPRIORITYR + 41, 1), 0x22);
    mmio_write(GICD + IPRIORITYR + 43, 1, 0x99);
    assert_int_equal(mmio_read(GICD + IPRIORITYR + 40, 4), 0x99332211);
    assert_int_equal(mmio_read(GICD + IPRIORITYR + 43, 1), 0x99);
    mmio_write(GICD + IPRIORITYR + 252, 4, 0xfcfdfeff); /* the last SPIs */
    assert_int_equal(mmio_read(GICD + IPRIORITYR + 252, 4), 0xfcfdfeff);
    assert_int_equal(mmio_read(GICD + IPRIORITYR + 255, 1), 0xfc);
    /* the distributor's private words, and beyond the last SPI: RAZ/WI (a word or a byte) */
    raz_wi(GICD + IPRIORITYR, 4);
    raz_wi(GICD + IPRIORITYR + 28, 4);
    raz_wi(GICD + IPRIORITYR + 31, 1);
    raz_wi(GICD + IPRIORITYR + 256, 4);
    raz_wi(GICD + IPRIORITYR + 0x3fc, 4);
    refused(GICD + IPRIORITYR + 256, 1); /* not a priority register of this distributor */
    /* halfwords, doublewords and misaligned words are refused */
    refused(GICD + IPRIORITYR + 40, 2);
    refused(GICD + IPRIORITYR + 40, 8);
    refused(GICD + IPRIORITYR + 41, 4);
    refused(GICD + IPRIORITYR, 2);
    assert_int_equal(mmio_read(GICD + IPRIORITYR + 40, 4), 0x99332211);

    /* private priorities: each vCPU's own, in its redistributor; SPIs' words RAZ/WI there */
    uint64_t rd0 = GICR + SGI_FRAME, rd1 = GICR + GICR_STRIDE + SGI_FRAME;
    mmio_write(rd0 + IPRIORITYR + 24, 4, 0x0a0b0c0d);
    mmio_write(rd1 + IPRIORITYR + 24, 4, 0x1a1b1c1d);
    mmio_write(rd1 + IPRIORITYR + 3, 1, 0x30);
    assert_int_equal(mmio_read(rd0 + IPRIORITYR + 24, 4), 0x0a0b0c0d);
    assert_int_equal(mmio_read(rd1 + IPRIORITYR + 24, 4), 0x1a1b1c1d);
    assert_int_equal(mmio_read(rd1 + IPRIORITYR + 3, 1), 0x30);
    assert_int_equal(mmio_read(rd0 + IPRIORITYR + 3, 1), 0);
    raz_wi(rd0 + IPRIORITYR + 32, 4);
    raz_wi(rd0 + IPRIORITYR + 33, 1);
    refused(rd0 + IPRIORITYR + 24, 2);
    refused(rd0 + IPRIORITYR + 25, 4);

    /* the list register carries the priority as it is when the interrupt is listed */
    guest_enable(40, 0x80);
    guest_edge(40);
    mmio_write(GICD + IPRIORITYR + 40, 1, 0x50);
    set_bit(ISPENDR, 40);
    assert_int_equal(fake_cpu()->lr[0], lr_want(40, 0x50, ICH_LR_PENDING, false, false));
    guest_enable(27, 0x70);
    mmio_write(rd0 + IPRIORITYR + 27, 1, 0x60);
    chip->forward(vcpu_current(), 27);
    assert_int_equal(fake_cpu()->lr[1], lr_want(27, 0x60, ICH_LR_PENDING, true, true));

    /* vCPU 1's reset clears its private priorities; vCPU 0's, the VM's, clears the SPIs' too */
    chip->vcpu_reset(test_vm_run(&vm, 1));
    assert_int_equal(mmio_read(rd1 + IPRIORITYR + 24, 4), 0);
    assert_int_equal(mmio_read(rd0 + IPRIORITYR + 24, 4), 0x600b0c0d);
    assert_int_equal(mmio_read(GICD + IPRIORITYR + 252, 4), 0xfcfdfeff);
    chip->vcpu_reset(test_vm_run(&vm, 0));
    assert_int_equal(mmio_read(rd0 + IPRIORITYR + 24, 4), 0);
    assert_int_equal(mmio_read(GICD + IPRIORITYR + 252, 4), 0);
}

/* The bitmap registers: 32-bit only; the distributor's first word (private interrupts) and the
 * words past the last SPI read as zero there, as do a redistributor's words after its first. */
static void test_bitmap_bounds(void **state)
{
    (void)state;
    static const unsigned regs[] = {IGROUPR, ISENABLER, ICENABLER, ISPENDR,
                                    ICPENDR, ISACTIVER, ICACTIVER};
    for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
        raz_wi(GICD + regs[i], 4);
        raz_wi(GICD + regs[i] + 4 * (256 / 32), 4);
        raz_wi(GICD + regs[i] + 0x7c, 4);
        refused(GICD + regs[i] + 4, 1);
        refused(GICD + regs[i] + 4, 2);
        refused(GICD + regs[i] + 8, 8);
        raz_wi(GICR + SGI_FRAME + regs[i] + 4, 4);
        refused(GICR + SGI_FRAME + regs[i], 2);
    }
    /* group and enable bits read back as written */
    mmio_write(GICD + IGROUPR + 4, 4, 0xf0f0f0f0);
    assert_int_equal(mmio_read(GICD + IGROUPR + 4, 4), 0xf0f0f0f0);
    mmio_write(GICD + ISENABLER + 28, 4, 0x80000001);
    assert_int_equal(mmio_read(GICD + ICENABLER + 28, 4), 0x80000001);
    mmio_write(GICD + ICENABLER + 28, 4, 1);
    assert_int_equal(mmio_read(GICD + ISENABLER + 28, 4), 0x80000000);
    mmio_write(GICR + SGI_FRAME + IGROUPR, 4, 0xffff0000);
    assert_int_equal(mmio_read(GICR + SGI_FRAME + IGROUPR, 4), 0xffff0000);
    assert_int_equal(mmio_read(GICR + GICR_STRIDE + SGI_FRAME + IGROUPR, 4), 0);
}

/* Configuration: two bits an interrupt, only the upper (edge) one kept; SGIs are always edge;
 * the distributor's private words and a redistributor's SPI words read as zero. */
static void test_icfgr(void **state)
{
    (void)state;
    raz_wi(GICD + ICFGR, 4);
    raz_wi(GICD + ICFGR + 4, 4);
    mmio_write(GICD + ICFGR + 8, 4, ~0UL);
    assert_int_equal(mmio_read(GICD + ICFGR + 8, 4), 0xaaaaaaaa);
    mmio_write(GICD + ICFGR + 0x3c, 4, 0x8);
    assert_int_equal(mmio_read(GICD + ICFGR + 0x3c, 4), 0x8);
    refused(GICD + ICFGR + 8, 1);
    refused(GICD + ICFGR + 8, 8);
    uint64_t rd = GICR + SGI_FRAME;
    assert_int_equal(mmio_read(rd + ICFGR, 4), 0xaaaaaaaa);
    mmio_write(rd + ICFGR, 4, 0);
    assert_int_equal(mmio_read(rd + ICFGR, 4), 0xaaaaaaaa);
    mmio_write(rd + ICFGR + 4, 4, 0x2);
    assert_int_equal(mmio_read(rd + ICFGR + 4, 4), 0x2);
    raz_wi(rd + ICFGR + 8, 4);
    refused(rd + ICFGR + 4, 2);
}

/* IROUTER: the SPIs' 64-bit registers, a doubleword or a word at a time, reserved bits dropped;
 * the private interrupts' slots read as zero at any size; halfwords and bytes are refused for
 * SPIs. */
static void test_irouter_sizes(void **state)
{
    (void)state;
    mmio_write(GICD + IROUTER + 8 * 40, 8, 0xff000000ffUL | IROUTER_IRM);
    assert_int_equal(mmio_read(GICD + IROUTER + 8 * 40, 8), 0xff000000ffUL | IROUTER_IRM);
    /* (the guest's load takes the low 32 bits of a word's value) */
    assert_int_equal((uint32_t)mmio_read(GICD + IROUTER + 8 * 40, 4), 0x800000ffU);
    assert_int_equal(mmio_read(GICD + IROUTER + 8 * 40 + 4, 4), 0xff);
    mmio_write(GICD + IROUTER + 8 * 40 + 4, 4, 0x1);
    assert_int_equal(mmio_read(GICD + IROUTER + 8 * 40, 8), 0x1000000ffUL | IROUTER_IRM);
    mmio_write(GICD + IROUTER + 8 * 40, 4, 0xffffffff);
    assert_int_equal(mmio_read(GICD + IROUTER + 8 * 40, 8), 0x100ffffffUL | IROUTER_IRM);
    refused(GICD + IROUTER + 8 * 40, 2);
    refused(GICD + IROUTER + 8 * 40, 1);
    refused(GICD + IROUTER + 8 * 40 + 4, 8);
    raz_wi(GICD + IROUTER, 8);
    raz_wi(GICD + IROUTER + 8 * 31, 4);
    raz_wi(GICD + IROUTER + 8 * 31 + 6, 2);
    raz_wi(GICD + IROUTER + 8 * 255 + 8, 4);
    refused(GICD + IROUTER + 8 * 256, 8);
    mmio_write(GICD + IROUTER + 8 * 255, 8, 1);
    assert_int_equal(mmio_read(GICD + IROUTER + 8 * 255, 8), 1);
}

/* A redistributor's RD frame: IIDR and PIDR2 constants, TYPER a doubleword or a word at a time
 * (read-only), WAKER keeps ProcessorSleep and reports ChildrenAsleep with it, each vCPU's its
 * own; the rest reads as zero; sizes other than a word read as zero too, except TYPER's. */
static void test_gicr_rd_frame(void **state)
{
    (void)state;
    uint64_t rd0 = GICR, rd1 = GICR + GICR_STRIDE;
    assert_int_equal(mmio_read(rd0 + GICR_IIDR, 4), VGIC_IIDR);
    assert_int_equal(mmio_read(rd1 + PIDR2, 4), PIDR2_V3);
    mmio_write(rd0 + GICR_IIDR, 4, 0);
    assert_int_equal(mmio_read(rd0 + GICR_IIDR, 4), VGIC_IIDR);
    uint64_t t1 = 1UL << 32 | 1UL << 8 | 1UL << 4;
    assert_int_equal(mmio_read(rd1 + GICR_TYPER, 8), t1);
    assert_int_equal(mmio_read(rd1 + GICR_TYPER, 4), (uint32_t)t1);
    assert_int_equal(mmio_read(rd1 + GICR_TYPER + 4, 4), 1);
    assert_int_equal(mmio_read(rd0 + GICR_TYPER, 8), 0);
    mmio_write(rd1 + GICR_TYPER, 8, 0);
    mmio_write(rd1 + GICR_TYPER + 4, 4, 0);
    assert_int_equal(mmio_read(rd1 + GICR_TYPER, 8), t1);
    refused(rd1 + GICR_TYPER, 2);
    refused(rd1 + GICR_TYPER + 4, 1);
    refused(rd1 + GICR_TYPER + 4, 8); /* misaligned */
    refused(rd1 + GICR_WAKER, 8);     /* misaligned */
    raz_wi(rd1 + GICR_TYPER + 1, 1);
    raz_wi(rd1 + GICR_TYPER + 2, 2);

    /* both asleep after reset; each wakes on its own */
    assert_int_equal(mmio_read(rd0 + GICR_WAKER, 4), WAKER_SLEEP | WAKER_ASLEEP);
    assert_int_equal(mmio_read(rd1 + GICR_WAKER, 4), WAKER_SLEEP | WAKER_ASLEEP);
    mmio_write(rd1 + GICR_WAKER, 4, 0);
    assert_int_equal(mmio_read(rd1 + GICR_WAKER, 4), 0);
    assert_int_equal(mmio_read(rd0 + GICR_WAKER, 4), WAKER_SLEEP | WAKER_ASLEEP);
    mmio_write(rd1 + GICR_WAKER, 4, ~0UL);
    assert_int_equal(mmio_read(rd1 + GICR_WAKER, 4), WAKER_SLEEP | WAKER_ASLEEP);
    mmio_write(rd1 + GICR_WAKER, 4, WAKER_ASLEEP);
    assert_int_equal(mmio_read(rd1 + GICR_WAKER, 4), 0);
    raz_wi(rd1 + GICR_WAKER, 1);
    assert_int_equal(mmio_read(rd1 + GICR_WAKER, 4), 0);
    /* a reset puts it to sleep again */
    chip->vcpu_reset(test_vm_run(&vm, 1));
    assert_int_equal(mmio_read(rd1 + GICR_WAKER, 4), WAKER_SLEEP | WAKER_ASLEEP);
    test_vm_run(&vm, 0);

    raz_wi(rd0 + GICR_CTLR, 4);
    raz_wi(rd0 + GICR_CTLR, 8);
    raz_wi(rd0 + GICR_STATUSR, 4);
    raz_wi(rd0 + GICR_STATUSR, 8);
    raz_wi(rd0 + 0x18, 4);
    raz_wi(rd0 + 0x70, 8); /* PROPBASER: no LPIs */
    raz_wi(rd0 + 0x8000, 2);
    raz_wi(rd0 + 0xffe8, 1);
    raz_wi(rd1 + 0xfffc, 4);
    /* the SGI frame outside its registers: RAZ/WI at any size */
    raz_wi(rd0 + SGI_FRAME, 4);
    raz_wi(rd0 + SGI_FRAME + 0x800, 2);
    raz_wi(rd0 + SGI_FRAME + 0xd00, 4);
    raz_wi(rd1 + SGI_FRAME + 0xfff8, 8);
    refused(rd0 + SGI_FRAME + 0x801, 2); /* misaligned */
    /* the RD frame's offsets in the SGI frame are not its registers */
    uint64_t waker = mmio_read(rd0 + GICR_WAKER, 4);
    raz_wi(rd1 + SGI_FRAME + GICR_TYPER, 8); /* (vCPU 1's TYPER is not zero) */
    raz_wi(rd0 + SGI_FRAME + GICR_WAKER, 4);
    raz_wi(rd0 + SGI_FRAME + PIDR2, 4);
    assert_int_equal(mmio_read(rd0 + GICR_WAKER, 4), waker);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_identification, setup),
        cmocka_unit_test_setup(test_fill_in_priority_order, setup),
        cmocka_unit_test_setup(test_overflow_waits_for_underflow, setup),
        cmocka_unit_test_setup(test_displacement, setup),
        cmocka_unit_test_setup(test_spi_routing, setup),
        cmocka_unit_test_setup(test_sgi, setup),
        cmocka_unit_test_setup(test_hw_forwarded, setup),
        cmocka_unit_test_setup(test_level, setup),
        cmocka_unit_test_setup(test_disable_retracts, setup),
        cmocka_unit_test_setup(test_single_then_waiting, setup),
        cmocka_unit_test_setup(test_kept_words_reset, setup),
        cmocka_unit_test_setup(test_kept_state_words, setup),
        cmocka_unit_test_setup(test_gicd_control_block, setup),
        cmocka_unit_test_setup(test_priorities, setup),
        cmocka_unit_test_setup(test_bitmap_bounds, setup),
        cmocka_unit_test_setup(test_icfgr, setup),
        cmocka_unit_test_setup(test_raise_private, setup),
        cmocka_unit_test_setup(test_irouter_sizes, setup),
        cmocka_unit_test_setup(test_gicr_rd_frame, setup),
        cmocka_unit_test_setup(test_fast_timer, setup),
        cmocka_unit_test_setup(test_fast_disabled, setup),
        cmocka_unit_test_setup(test_fast_full, setup),
        cmocka_unit_test_setup(test_fast_spi_and_reset, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
