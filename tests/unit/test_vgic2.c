/*
 * Unit tests of the virtual GICv2 (vdev/vgic_v2.c over vdev/vgic_core.c) through its public face
 * only: the irqchip_t it installs at attach, its distributor reached through the VM's
 * reservation exactly as a guest writes it, and the region it maps for the guest's CPU
 * interface. The list registers are the fake arch's (four per CPU, in ICH_LR's layout, which
 * arch/aarch64/gicv2.c translates to GICH's: test_gicv2_lr covers that). Covered: ITARGETSR byte
 * and word writes and the routing they make, the private bytes naming the reader; GICD_SGIR's
 * target list and its filters; SGIs pending per source, one list register each with the source
 * in it; the banked private registers; the uniprocessor case; the CPU interface mapping the
 * guest cannot remove; the lean interrupt path on a GICv2 (the table attached for the vector's
 * GICv2 half, forwarded interrupts parked with the EOI bit cleared once septum has ended them).
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

extern const vdev_type_t vdev_vgic_v2;

/* core/irq.c, faked: septum drives a GICv2, and kicks to other CPUs are counted. */
static unsigned kicks[FAKE_CPU_NUM];
unsigned irq_gic_version(void) { return 2; }
void irq_kick(unsigned pcpu) { kicks[pcpu]++; }

static unsigned kicked(unsigned n)
{
    unsigned k = kicks[n];
    kicks[n] = 0;
    return k;
}

/* The guest's view: QEMU virt's addresses and the GICv2 register map (IHI 0048B, 4.3). */
#define GICD        0x08000000UL
#define GICC        0x08010000UL
#define CTLR        0x0000
#define TYPER       0x0004
#define ISENABLER   0x0100
#define ICENABLER   0x0180
#define ISPENDR     0x0200
#define IPRIORITYR  0x0400
#define ITARGETSR   0x0800
#define ICFGR       0x0c00
#define SGIR        0x0f00
#define CPENDSGIR   0x0f10
#define SPENDSGIR   0x0f20
#define ICPIDR2     0x0fe8
#define SGIR_OTHERS (1U << 24)
#define SGIR_SELF   (2U << 24)
#define SPURIOUS    1023

static vm_t vm;
static const irqchip_t *chip;

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

/* What a GICv2 driver does to take an interrupt: a priority, enabled, group 0 and the
 * distributor on. */
static void guest_enable(uint32_t intid, uint8_t prio)
{
    mmio_write(GICD + CTLR, 4, 1);
    mmio_write(GICD + IPRIORITYR + intid, 1, prio);
    mmio_write(GICD + ISENABLER + 4 * (intid / 32), 4, 1U << (intid % 32));
}

static unsigned lrs_valid(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < fake_cpu()->lr_num; i++)
        n += (fake_cpu()->lr[i] >> ICH_LR_STATE_SHIFT) != 0;
    return n;
}

/* The list register holding vINTID intid on the current CPU (which must exist). */
static uint64_t lr_of(uint32_t intid)
{
    int i = fake_gic_find_lr(intid);
    assert_int_not_equal(i, -1);
    return fake_cpu()->lr[i];
}

static unsigned lr_source(uint64_t lr)
{
    return (unsigned)(lr >> ICH_LR_V2_SRC_SHIFT & ICH_LR_V2_SRC_MASK);
}

static uint32_t guest_handle(void)
{
    uint32_t id = fake_gic_guest_ack();
    assert_int_not_equal(id, SPURIOUS);
    assert_true(fake_gic_guest_eoi(id));
    return id;
}

static void make_vm(unsigned vcpus)
{
    fake_arch_reset();
    fake_gic_version = 2;
    memset(kicks, 0, sizeof(kicks));
    test_vm_init(&vm, 0, "gic", vcpus);
    assert_int_equal(vdev_vgic_v2.attach(&vm), 0);
    chip = vm.irqchip;
    assert_non_null(chip);
    assert_string_equal(chip->name, "GICv2");
    assert_null(chip->sgi); /* SGIs go through the distributor */
    chip->vcpu_reset(test_vm_run(&vm, 0));
    for (unsigned i = 1; i < vcpus; i++) {
        vm.vcpu[i].state = VCPU_RUNNING;
        chip->vcpu_reset(test_vm_run(&vm, i));
    }
    test_vm_run(&vm, 0);
}

/* A VM with two vCPUs on CPUs 0 and 1, both running; the test runs on vCPU 0. */
static int setup(void **state)
{
    (void)state;
    make_vm(2);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fake_gic_version = 3;
    return 0;
}

static void test_identification_and_cpu_interface(void **state)
{
    (void)state;
    assert_int_equal(mmio_read(GICD + ICPIDR2, 4) & 0xf0, 0x20); /* GICv2 */
    uint32_t typer = (uint32_t)mmio_read(GICD + TYPER, 4);
    assert_int_equal(typer & 0x1f, 256 / 32 - 1);
    assert_int_equal(typer >> 5 & 7, 1);     /* two vCPUs */
    assert_int_equal(typer & (1U << 10), 0); /* no security extensions */
    assert_int_equal(mmio_read(GICD + CTLR, 4), 0);
    mmio_write(GICD + CTLR, 4, ~0U);
    assert_int_equal(mmio_read(GICD + CTLR, 4), 3);   /* the two group enables only */
    assert_int_equal(mmio_read(GICD + 0xffe8, 4), 0); /* GICv3's PIDR2 place: nothing */

    /* the CPU interface: the hardware's GICV, two device pages the guest cannot take away */
    for (unsigned n = 0; n < 2; n++) {
        region_t r;
        assert_int_equal(region_info(&vm.regions, GICC + n * 0x1000, &r), 0);
        assert_int_equal(r.hpa, FAKE_GICV_BASE + n * 0x1000);
        assert_int_equal(r.type, REGION_DEVICE);
        assert_int_equal(r.flags, REGION_R | REGION_W);
        assert_non_null(r.owner);
    }
    region_req_t del = {REGION_DELETE,
                        {GICC, 0x2000, REGION_NO_HOST, REGION_DEVICE, 0},
                        .guest = true};
    unsigned failed;
    assert_int_equal(region_set_soft(&vm.regions, 1, &del, &failed), REGION_EOWNED);

    /* sizes a register does not allow are refused */
    uint64_t v = 1;
    assert_int_equal(guest_access(GICD + ITARGETSR + 40, 2, false, &v), FAULT_UNHANDLED);
    assert_int_equal(guest_access(GICD + SGIR, 1, true, &v), FAULT_UNHANDLED);
    assert_int_equal(guest_access(GICD + ISENABLER + 4, 1, false, &v), FAULT_UNHANDLED);
}

/* ITARGETSR: bytes and words; bits naming no vCPU dropped; the private bytes name the reader
 * and ignore writes; an SPI goes to the lowest vCPU named, a pending one follows a change. */
static void test_itargetsr(void **state)
{
    (void)state;
    assert_int_equal(mmio_read(GICD + ITARGETSR, 4), 0x01010101);
    mmio_write(GICD + ITARGETSR + 4, 1, 0x02); /* a PPI's byte: ignored */
    assert_int_equal(mmio_read(GICD + ITARGETSR + 4, 4), 0x01010101);
    test_vm_run(&vm, 1);
    assert_int_equal(mmio_read(GICD + ITARGETSR + 28, 4), 0x02020202);
    test_vm_run(&vm, 0);

    assert_int_equal(mmio_read(GICD + ITARGETSR + 40, 4), 0); /* targets nobody after reset */
    mmio_write(GICD + ITARGETSR + 41, 1, 0xfe);               /* vCPU 1 and six that do not exist */
    mmio_write(GICD + ITARGETSR + 42, 1, 0x03);
    assert_int_equal(mmio_read(GICD + ITARGETSR + 40, 4), 0x00030200);
    assert_int_equal(mmio_read(GICD + ITARGETSR + 41, 1), 0x02);
    mmio_write(GICD + ITARGETSR + 44, 4, 0x01020301);
    assert_int_equal(mmio_read(GICD + ITARGETSR + 44, 4), 0x01020301);

    /* SPI 40 targets nobody: pending, it goes nowhere */
    guest_enable(40, 0x80);
    mmio_write(GICD + ISPENDR + 4, 4, 1U << 8);
    assert_int_equal(lrs_valid(), 0);
    assert_int_equal(mmio_read(GICD + ISPENDR + 4, 4) & (1U << 8), 1U << 8);
    /* targeted at vCPU 1 by a byte write: vCPU 1's CPU is kicked and lists it */
    kicked(1);
    mmio_write(GICD + ITARGETSR + 40, 1, 0x02);
    assert_true(kicked(1) >= 1);
    assert_int_equal(lrs_valid(), 0);
    test_vm_run(&vm, 1);
    chip->update(vcpu_current());
    assert_int_equal(guest_handle(), 40);
    chip->update(vcpu_current()); /* the maintenance interrupt its EOI flag asks for */
    assert_int_equal(lrs_valid(), 0);
    /* 0x03 names both: the lowest, vCPU 0, takes it */
    test_vm_run(&vm, 0);
    mmio_write(GICD + ITARGETSR + 40, 1, 0x03);
    mmio_write(GICD + ISPENDR + 4, 4, 1U << 8);
    assert_int_equal(guest_handle(), 40);
}

/* GICD_SGIR: the target list, all but self, self; the reserved filter, target bits beyond the
 * VM's vCPUs and vCPUs that are off do nothing. The list register carries the sender. */
static void test_sgir_filters(void **state)
{
    (void)state;
    guest_enable(5, 0x40);
    test_vm_run(&vm, 1);
    guest_enable(5, 0x40);
    test_vm_run(&vm, 0);
    kicked(0);
    kicked(1);

    mmio_write(GICD + SGIR, 4, SGIR_SELF | 5);
    assert_int_equal(lr_source(lr_of(5)), 0);
    assert_int_equal(guest_handle(), 5);
    assert_int_equal(kicked(1), 0);

    mmio_write(GICD + SGIR, 4, SGIR_OTHERS | 5);
    assert_int_equal(lrs_valid(), 0); /* not to self */
    assert_int_equal(kicked(1), 1);
    test_vm_run(&vm, 1);
    chip->update(vcpu_current());
    assert_int_equal(lr_source(lr_of(5)), 0); /* from vCPU 0 */
    assert_int_equal(guest_handle(), 5);

    mmio_write(GICD + SGIR, 4, 1U << 16 | 5); /* from vCPU 1 to vCPU 0, by the list */
    test_vm_run(&vm, 0);
    assert_int_equal(kicked(0), 1);
    chip->update(vcpu_current());
    assert_int_equal(lr_source(lr_of(5)), 1);
    assert_int_equal(guest_handle(), 5);

    mmio_write(GICD + SGIR, 4, 3U << 24 | 5);       /* reserved filter */
    mmio_write(GICD + SGIR, 4, 0xfcU << 16 | 5);    /* only vCPUs the VM does not have */
    assert_int_equal(mmio_read(GICD + SGIR, 4), 0); /* write-only */
    vm.vcpu[1].state = VCPU_OFF;
    mmio_write(GICD + SGIR, 4, 2U << 16 | 5); /* vCPU 1 is off */
    vm.vcpu[1].state = VCPU_RUNNING;
    assert_int_equal(lrs_valid(), 0);
    assert_int_equal(kicked(1), 0);
    test_vm_run(&vm, 1);
    chip->update(vcpu_current());
    assert_int_equal(lrs_valid(), 0);
}

/* One SGI pending from two sources: one list register per source, the lowest first, and
 * SPENDSGIR/CPENDSGIR see and clear each source; the ISPENDR0/ICPENDR0 SGI bits ignore writes. */
static void test_sgi_sources(void **state)
{
    (void)state;
    guest_enable(3, 0x40);
    __atomic_store_n(&vm.vcpu[0].state, VCPU_RUNNING, __ATOMIC_RELAXED);
    test_vm_run(&vm, 1);
    mmio_write(GICD + SGIR, 4, 1U << 16 | 3); /* from vCPU 1 */
    test_vm_run(&vm, 0);
    mmio_write(GICD + SGIR, 4, SGIR_SELF | 3); /* and from vCPU 0 */
    chip->update(vcpu_current());
    assert_int_equal(lrs_valid(), 1);
    assert_int_equal(lr_source(lr_of(3)), 0);
    assert_int_equal(mmio_read(GICD + SPENDSGIR, 4), 0x03000000); /* SGI 3: sources 0 and 1 */
    assert_int_equal(guest_handle(), 3);
    chip->update(vcpu_current());
    assert_int_equal(lr_source(lr_of(3)), 1);
    assert_int_equal(mmio_read(GICD + SPENDSGIR + 3, 1), 0x02);
    assert_int_equal(guest_handle(), 3);
    chip->update(vcpu_current());
    assert_int_equal(lrs_valid(), 0);
    assert_int_equal(mmio_read(GICD + SPENDSGIR, 4), 0);

    /* SPENDSGIR sets sources; CPENDSGIR clears one waiting and the one listed */
    mmio_write(GICD + SPENDSGIR + 3, 1, 0x03);
    assert_int_equal(lr_source(lr_of(3)), 0);
    assert_int_equal(mmio_read(GICD + ISPENDR, 4) & (1U << 3), 1U << 3);
    mmio_write(GICD + ICFGR, 4, 0); /* SGIs stay edge-triggered */
    assert_int_equal(mmio_read(GICD + ICFGR, 4), 0xaaaaaaaa);
    mmio_write(GICD + ISPENDR + 0x80, 4, 1U << 3); /* ICPENDR0's SGI bit: ignored */
    assert_int_equal(mmio_read(GICD + SPENDSGIR + 3, 1), 0x03);
    mmio_write(GICD + CPENDSGIR + 3, 1, 0x03);
    assert_int_equal(mmio_read(GICD + SPENDSGIR, 4), 0);
    assert_int_equal(lrs_valid(), 0);
    mmio_write(GICD + ISPENDR, 4, 1U << 3); /* ISPENDR0's SGI bit: ignored */
    assert_int_equal(lrs_valid(), 0);
    assert_int_equal(mmio_read(GICD + ISPENDR, 4) & 0xffff, 0);
}

/* The private interrupts' words at the distributor are each vCPU's own. */
static void test_banked_registers(void **state)
{
    (void)state;
    mmio_write(GICD + CTLR, 4, 1);
    mmio_write(GICD + ISENABLER, 4, 1U << 27);
    mmio_write(GICD + IPRIORITYR + 24, 4, 0x11223344);
    mmio_write(GICD + ICFGR + 4, 4, 2U << 2 * 11);
    test_vm_run(&vm, 1);
    assert_int_equal(mmio_read(GICD + ISENABLER, 4), 0);
    assert_int_equal(mmio_read(GICD + IPRIORITYR + 24, 4), 0);
    assert_int_equal(mmio_read(GICD + ICFGR + 4, 4), 0);
    mmio_write(GICD + IPRIORITYR + 27, 1, 0x55);
    mmio_write(GICD + ISENABLER, 4, 1U << 30);
    test_vm_run(&vm, 0);
    assert_int_equal(mmio_read(GICD + ISENABLER, 4), 1U << 27);
    assert_int_equal(mmio_read(GICD + IPRIORITYR + 24, 4), 0x11223344);
    assert_int_equal(mmio_read(GICD + ICFGR + 4, 4), 2U << 2 * 11);
    /* the timer forwarded on each CPU goes to that CPU's vCPU; on a GICv2 without the hardware
     * bit but with EOI: the guest's end of it raises the maintenance interrupt, on which septum
     * deactivates the physical interrupt (QEMU's GICv2 re-signals a pending one only then) */
    chip->forward(vcpu_current(), 27);
    assert_int_equal(lr_of(27) & (ICH_LR_HW | ICH_LR_EOI), ICH_LR_EOI);
    assert_int_equal(lr_of(27) >> ICH_LR_PRIO_SHIFT & 0xff, 0x11);
    test_vm_run(&vm, 1);
    assert_int_equal(lrs_valid(), 0);
    test_vm_run(&vm, 0);
    unsigned before = fake_cpu()->deactivated_num;
    assert_int_equal(guest_handle(), 27);
    assert_int_equal(fake_cpu()->deactivated_num, before); /* not before the maintenance */
    assert_int_equal(fake_gic_misr() & ICH_MISR_EOI, ICH_MISR_EOI);
    chip->update(vcpu_current());
    assert_int_equal(fake_cpu()->deactivated_num, before + 1);
    assert_int_equal(fake_cpu()->deactivated[before], 27);
    assert_int_equal(lrs_valid(), 0);
    /* SPIs' words are shared */
    mmio_write(GICD + ISENABLER + 4, 4, 1U << 9);
    test_vm_run(&vm, 0);
    assert_int_equal(mmio_read(GICD + ISENABLER + 4, 4), 1U << 9);
}

/* A physical interrupt on the test's CPU as the IRQ vector takes it (irq_fast_decide is its
 * decision in C), else the controller's forward, as irq_handle calls it. True when the vector
 * finished it alone. */
static bool physical(uint32_t intid)
{
    unsigned lr;
    uint64_t value;
    if (irq_fast_decide(irq_fast_current(), intid, gic_read_elrsr(), &lr, &value)) {
        gic_write_lr(lr, value);
        return true;
    }
    chip->forward(vcpu_current(), intid);
    return false;
}

static bool vector_takes(uint32_t intid)
{
    unsigned lr;
    uint64_t value;
    return irq_fast_decide(irq_fast_current(), intid, gic_read_elrsr(), &lr, &value);
}

/* The lean path on a GICv2: the table is the GICv2 half's (the GICv3 half reads system
 * registers a GICv2 board does not have). The timer's first tick takes the slow path; the
 * guest's end of it raises the EOI maintenance interrupt, on which septum ends the physical
 * interrupt and clears the register, which stays parked: empty, no maintenance, the vector's.
 * Every later tick is the vector's alone (EOI bit, no hardware bit, the priority the guest last
 * wrote), ended by septum exactly once on each maintenance interrupt. */
static void test_fast_timer(void **state)
{
    (void)state;
    assert_null(arch_pcpu()->irq_fast);
    assert_non_null(arch_pcpu()->irq_fast_v2);
    guest_enable(27, 0x80);
    assert_false(physical(27));
    uint64_t want = 27 | 0x80UL << ICH_LR_PRIO_SHIFT | ICH_LR_PENDING << ICH_LR_STATE_SHIFT |
                    ICH_LR_EOI;
    assert_int_equal(lr_of(27), want);
    assert_false(vector_takes(27)); /* its register is not empty */
    assert_int_equal(guest_handle(), 27);
    assert_false(vector_takes(27)); /* invalid with EOI: not empty until septum ends it */
    assert_int_equal(fake_gic_misr() & ICH_MISR_EOI, ICH_MISR_EOI);
    unsigned before = fake_cpu()->deactivated_num;
    chip->update(vcpu_current()); /* the maintenance interrupt */
    assert_int_equal(fake_cpu()->deactivated_num, before + 1);
    assert_int_equal(fake_cpu()->deactivated[before], 27);
    assert_int_equal(fake_cpu()->lr[0], 0);
    assert_int_equal(fake_gic_misr(), 0);
    for (unsigned tick = 0; tick < 3; tick++) {
        assert_true(physical(27));
        assert_int_equal(fake_cpu()->lr[0], want);
        assert_int_equal(mmio_read(GICD + ISPENDR, 4), 1U << 27); /* read back */
        chip->update(vcpu_current()); /* a kick meanwhile: nothing ended, nothing moved */
        assert_int_equal(fake_cpu()->deactivated_num, before + 1 + tick);
        assert_int_equal(guest_handle(), 27);
        chip->update(vcpu_current()); /* its maintenance interrupt */
        assert_int_equal(fake_cpu()->deactivated_num, before + 2 + tick);
        chip->update(vcpu_current()); /* another sync ends nothing more */
        assert_int_equal(fake_cpu()->deactivated_num, before + 2 + tick);
        assert_int_equal(mmio_read(GICD + ISPENDR, 4), 0);
    }
    /* a priority written while parked is the one the next tick carries */
    mmio_write(GICD + IPRIORITYR + 27, 1, 0x40);
    assert_true(physical(27));
    assert_int_equal(lr_of(27) >> ICH_LR_PRIO_SHIFT & 0xff, 0x40);
    assert_int_equal(guest_handle(), 27);
    chip->update(vcpu_current());
    /* vCPU 1's table is its own */
    assert_false(irq_fast_published(fake_cpu_n(1)->pcpu.irq_fast_v2, 27));
}

/* A parked register that stops being the vector's (the guest disables the timer) is freed
 * without ending the physical interrupt again: septum ended it when it parked it. The next tick
 * goes to C, waits unlisted, and is listed (and ended once) when the guest enables it. */
static void test_fast_disabled(void **state)
{
    (void)state;
    guest_enable(27, 0x80);
    assert_false(physical(27));
    assert_int_equal(guest_handle(), 27);
    chip->update(vcpu_current());
    assert_true(irq_fast_published(irq_fast_current(), 27));
    unsigned before = fake_cpu()->deactivated_num;
    mmio_write(GICD + ICENABLER, 4, 1U << 27);
    assert_false(irq_fast_published(irq_fast_current(), 27));
    chip->update(vcpu_current());
    assert_int_equal(fake_cpu()->deactivated_num, before);
    assert_false(physical(27));
    assert_int_equal(lrs_valid(), 0);
    mmio_write(GICD + ISENABLER, 4, 1U << 27);
    assert_int_equal(guest_handle(), 27);
    assert_int_equal(fake_cpu()->deactivated_num, before);
    chip->update(vcpu_current());
    assert_int_equal(fake_cpu()->deactivated_num, before + 1);
    assert_true(physical(27));
}

/* A vCPU reset ends the forwarded interrupts its old guest left active in the GIC, and only
 * those: not a parked one (septum ended it already), but one the vector delivered, whether the
 * guest has not taken it yet or has ended it without septum having seen the maintenance. */
static void test_fast_reset(void **state)
{
    (void)state;
    guest_enable(27, 0x80);
    assert_false(physical(27));
    assert_int_equal(guest_handle(), 27);
    chip->update(vcpu_current());
    unsigned before = fake_cpu()->deactivated_num;
    chip->vcpu_reset(vcpu_current()); /* parked */
    assert_int_equal(fake_cpu()->deactivated_num, before);
    for (unsigned taken = 0; taken < 2; taken++) {
        guest_enable(27, 0x80);
        assert_false(physical(27));
        assert_int_equal(guest_handle(), 27);
        chip->update(vcpu_current());
        before = fake_cpu()->deactivated_num;
        assert_true(physical(27));
        if (taken)
            assert_int_equal(guest_handle(), 27);
        chip->vcpu_reset(vcpu_current());
        assert_int_equal(fake_cpu()->deactivated_num, before + 1);
        assert_int_equal(fake_cpu()->deactivated[before], 27);
        assert_null(arch_pcpu()->irq_fast);
        assert_false(irq_fast_published(irq_fast_current(), 27));
    }
}

/* One vCPU: a uniprocessor GIC, whose ITARGETSR read as zero and ignore writes; every SPI is
 * that vCPU's. */
static void test_uniprocessor(void **state)
{
    (void)state;
    make_vm(1);
    assert_int_equal(mmio_read(GICD + ITARGETSR, 4), 0);
    mmio_write(GICD + ITARGETSR + 40, 1, 0x02);
    assert_int_equal(mmio_read(GICD + ITARGETSR + 40, 4), 0);
    guest_enable(40, 0x80);
    mmio_write(GICD + ISPENDR + 4, 4, 1U << 8);
    assert_int_equal(guest_handle(), 40);
    /* a line level change of a device's SPI reaches it too */
    guest_enable(41, 0x80);
    chip->set_level(&vm, 41, true);
    assert_int_equal(lr_of(41) & ICH_LR_EOI, ICH_LR_EOI);
    chip->set_level(&vm, 41, false);
    assert_int_equal(guest_handle(), 41);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_identification_and_cpu_interface, setup, teardown),
        cmocka_unit_test_setup_teardown(test_itargetsr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sgir_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sgi_sources, setup, teardown),
        cmocka_unit_test_setup_teardown(test_banked_registers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uniprocessor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fast_timer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fast_disabled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fast_reset, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
