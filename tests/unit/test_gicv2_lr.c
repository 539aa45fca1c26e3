/*
 * Unit tests of the physical GICv2 driver (arch/aarch64/gicv2.c) over fake frames: host memory
 * stands for the distributor, the CPU interface and GICH, so every register write the driver
 * makes can be read back, and every register it reads can be set first. Covered: the list
 * registers given in ICH_LR's layout and stored in GICH_LR's (each field where GICv2 puts it,
 * the priority's top five bits, EOI and an SGI's source in PhysicalID), their number from
 * GICH_VTR, HCR, MISR and the two ELRSR words; an SGI's source kept from GICC_IAR for GICC_EOIR
 * and GICC_DIR, DIR 64 KiB up on a GIC-400 whose pages repeat; set-up, targets and SGIs by the
 * CPU interface numbers the CPUs read from ITARGETSR0; GICv2 without GICH refused; what the
 * IRQ vector's GICv2 half gets (each CPU's GICC and GICH addresses, list-register words in
 * GICH_LR's layout, the source of an SGI it acknowledged kept).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include <arch/gic.h>
#include <arch/gic_regs.h>
#include <fake_arch.h>

/* the driver's operations (arch/aarch64/gic_drv.h; gic.c would call them) */
bool gicv2_init(const gic_desc_t *d);
uint64_t gicv2_vcpuif_page(unsigned n);
bool gicv2_cpu_init(void);
void gicv2_enable(uint32_t intid, uint64_t target_mpidr, bool edge);
uint32_t gicv2_ack(void);
uint32_t gicv2_acked(uint32_t iar);
uint32_t gicv2_lr_word(uint64_t v);
void gicv2_eoi(uint32_t intid);
void gicv2_deactivate(uint32_t intid);
void gicv2_send_sgi(uint64_t mpidr, unsigned intid);
unsigned gicv2_lr_num(void);
uint64_t gicv2_read_lr(unsigned n);
void gicv2_write_lr(unsigned n, uint64_t v);
void gicv2_vcpu_reset(void);
void gicv2_set_hcr(uint64_t hcr);
uint64_t gicv2_read_misr(void);
uint64_t gicv2_read_elrsr(void);

#define VCPUIF 0x2c000000UL

static uint32_t dist[0x1000 / 4], cpuif[0x20000 / 4], hyp[0x200 / 4];

static uint32_t *w(uint32_t *frame, unsigned off) { return &frame[off / 4]; }
static uint8_t *b(uint32_t *frame, unsigned off) { return (uint8_t *)frame + off; }

static gic_desc_t desc(uint64_t cpuif_size)
{
    return (gic_desc_t){
        2,          (uint64_t)(uintptr_t)dist, 0,      0,         (uint64_t)(uintptr_t)cpuif,
        cpuif_size, (uint64_t)(uintptr_t)hyp,  VCPUIF, cpuif_size};
}

/* A GIC-400 as on the ZCU102 (128 KiB frames), 64 interrupts, CPU 0 being interface 0. */
static int setup(void **state)
{
    (void)state;
    fake_arch_reset();
    memset(dist, 0, sizeof(dist));
    memset(cpuif, 0, sizeof(cpuif));
    memset(hyp, 0, sizeof(hyp));
    *w(dist, GICD_TYPER) = 1; /* two groups of 32 */
    *b(dist, GICD_ITARGETSR) = 0x01;
    *w(hyp, GICH_VTR) = 3; /* four list registers */
    gic_desc_t d = desc(0x20000);
    assert_true(gicv2_init(&d));
    assert_true(gicv2_cpu_init());
    return 0;
}

static void test_init(void **state)
{
    (void)state;
    assert_int_equal(*w(dist, GICD_CTLR), 1);
    assert_int_equal(*w(dist, GICD_ICENABLER + 4), ~0U);
    assert_int_equal(*w(dist, GICD_ITARGETSR + 32), 0x01010101); /* SPIs to the boot CPU */
    assert_int_equal(*w(dist, GICD_IPRIORITYR + 60), 0x01010101U * GIC_PRIO_DEFAULT);
    assert_int_equal(*w(cpuif, GICC_CTLR), GICC_CTLR_EN | GICC_CTLR_EOIMODE);
    assert_int_equal(*w(cpuif, GICC_PMR), 0xff);
    /* the IRQ vector reaches both frames from this CPU's arch_pcpu_t */
    assert_int_equal(arch_pcpu()->gicc, (uint64_t)(uintptr_t)cpuif);
    assert_int_equal(arch_pcpu()->gich, (uint64_t)(uintptr_t)hyp);
    /* the guests' GICC: GICV's two pages, the second 64 KiB up in this layout */
    assert_int_equal(gicv2_vcpuif_page(0), VCPUIF);
    assert_int_equal(gicv2_vcpuif_page(1), VCPUIF + 0x10000);
    assert_int_equal(gicv2_vcpuif_page(2), 0);
    gic_desc_t d = desc(0x2000);
    assert_true(gicv2_init(&d));
    assert_int_equal(gicv2_vcpuif_page(1), VCPUIF + 0x1000);
    /* no virtualisation extensions: refused, nothing written */
    d.hyp = 0;
    *w(dist, GICD_CTLR) = 0x55;
    assert_false(gicv2_init(&d));
    assert_int_equal(*w(dist, GICD_CTLR), 0x55);
}

/* Each field of an ICH_LR value lands where GICH_LR has it, and reads back. */
static void test_list_registers(void **state)
{
    (void)state;
    assert_int_equal(gicv2_lr_num(), 4);
    /* the virtual timer forwarded: HW, pINTID, group 1, pending, priority 0xa0 */
    uint64_t hw = 27 | 27UL << ICH_LR_PINTID_SHIFT | ICH_LR_HW | ICH_LR_GROUP1 |
                  0xa0UL << ICH_LR_PRIO_SHIFT | ICH_LR_PENDING << ICH_LR_STATE_SHIFT;
    gicv2_write_lr(1, hw);
    assert_int_equal(*w(hyp, GICH_LR0 + 4),
                     27U | 27U << 10 | (0xa0U >> 3) << 23 | 1U << 28 | 1U << 30 | 1U << 31);
    assert_int_equal(gicv2_read_lr(1), hw);
    /* the word the IRQ vector stores is the one gicv2_write_lr stores */
    assert_int_equal(gicv2_lr_word(hw), *w(hyp, GICH_LR0 + 4));
    /* the vGICv2's timer: EOI, no hardware bit, priority bits zero (the vector adds them) */
    assert_int_equal(gicv2_lr_word(27 | ICH_LR_EOI | ICH_LR_PENDING << ICH_LR_STATE_SHIFT),
                     27U | 1U << 19 | 1U << 28);
    /* a level SPI: EOI (PhysicalID's bit 9), group 0, active and pending, a priority whose low
     * three bits GICv2 does not keep */
    uint64_t lvl = 200 | ICH_LR_EOI | 0x47UL << ICH_LR_PRIO_SHIFT | 3UL << ICH_LR_STATE_SHIFT;
    gicv2_write_lr(3, lvl);
    assert_int_equal(*w(hyp, GICH_LR0 + 12), 200U | 1U << 19 | (0x47U >> 3) << 23 | 3U << 28);
    assert_int_equal(gicv2_read_lr(3),
                     (lvl & ~(0xffUL << ICH_LR_PRIO_SHIFT)) | 0x40UL << ICH_LR_PRIO_SHIFT);
    /* an SGI from CPU 5: CPUID in PhysicalID's low bits */
    uint64_t sgi = 3 | 5UL << ICH_LR_V2_SRC_SHIFT | ICH_LR_PENDING << ICH_LR_STATE_SHIFT;
    gicv2_write_lr(0, sgi);
    assert_int_equal(*w(hyp, GICH_LR0), 3U | 5U << 10 | 1U << 28);
    assert_int_equal(gicv2_read_lr(0), sgi);
    /* what the hardware changed reads back: the guest took the SGI */
    *w(hyp, GICH_LR0) = (*w(hyp, GICH_LR0) & ~(3U << 28)) | 2U << 28;
    assert_int_equal(gicv2_read_lr(0) >> ICH_LR_STATE_SHIFT, ICH_LR_ACTIVE);
    /* controls: HCR and MISR bits are ICH's; ELRSR's two words make one */
    gicv2_set_hcr(ICH_HCR_EN | ICH_HCR_UIE);
    assert_int_equal(*w(hyp, GICH_HCR), 3);
    *w(hyp, GICH_MISR) = 2;
    assert_int_equal(gicv2_read_misr(), ICH_MISR_U);
    *w(hyp, GICH_ELRSR0) = 5;
    *w(hyp, GICH_ELRSR1) = 1;
    assert_int_equal(gicv2_read_elrsr(), 0x100000005UL);
    /* a new vCPU: every list register cleared, the interface on */
    gicv2_vcpu_reset();
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(*w(hyp, GICH_LR0 + 4 * i), 0);
    assert_int_equal(*w(hyp, GICH_HCR), 1);
    assert_int_equal(*w(hyp, GICH_APR), 0);
    assert_int_equal(*w(hyp, GICH_VMCR), 0);
}

/* An SGI acknowledged from CPU 3 is ended and deactivated naming CPU 3; DIR is in the second
 * page, 64 KiB up here. Other interrupts have no source. */
static void test_sgi_source_and_dir(void **state)
{
    (void)state;
    *w(cpuif, GICC_IAR) = 0 | 3U << GICC_IAR_CPU_SHIFT;
    assert_int_equal(gicv2_ack(), 0);
    *w(cpuif, GICC_IAR) = 27;
    assert_int_equal(gicv2_ack(), 27);
    gicv2_eoi(27);
    assert_int_equal(*w(cpuif, GICC_EOIR), 27);
    gicv2_eoi(0);
    assert_int_equal(*w(cpuif, GICC_EOIR), 3U << 10);
    gicv2_deactivate(0);
    assert_int_equal(*w(cpuif, 0x10000), 3U << 10);
    assert_int_equal(*w(cpuif, GICC_DIR), 0); /* not the aliased first page's */
    /* another CPU's acknowledgement keeps its own source */
    fake_arch_switch(1);
    *w(cpuif, GICC_IAR) = 0 | 1U << GICC_IAR_CPU_SHIFT;
    assert_int_equal(gicv2_ack(), 0);
    fake_arch_switch(0);
    gicv2_eoi(0);
    assert_int_equal(*w(cpuif, GICC_EOIR), 3U << 10);
    *w(cpuif, GICC_IAR) = 1023;
    assert_int_equal(gicv2_ack(), 1023);
    /* an IAR value the vector read and left to C: the same bookkeeping */
    assert_int_equal(gicv2_acked(0 | 5U << GICC_IAR_CPU_SHIFT), 0);
    gicv2_eoi(0);
    assert_int_equal(*w(cpuif, GICC_EOIR), 5U << 10);
    assert_int_equal(gicv2_acked(27), 27);
}

/* SGIs and SPI targets by the interface number each CPU read from ITARGETSR0 at its set-up. */
static void test_targets(void **state)
{
    (void)state;
    fake_arch_switch(1);
    *b(dist, GICD_ITARGETSR) = 0x04; /* CPU 1 is interface 2 */
    assert_true(gicv2_cpu_init());
    fake_arch_switch(0);
    gicv2_send_sgi(1, GIC_SGI_KICK);
    assert_int_equal(*w(dist, GICD_SGIR), 0x04U << 16 | GIC_SGI_KICK);
    gicv2_send_sgi(0, 7);
    assert_int_equal(*w(dist, GICD_SGIR), 0x01U << 16 | 7);
    gicv2_send_sgi(6, 7); /* a CPU that never set up: nobody */
    assert_int_equal(*w(dist, GICD_SGIR), 7);
    gicv2_enable(40, 1, false);
    assert_int_equal(*b(dist, GICD_ITARGETSR + 40), 0x04);
    assert_int_equal(*w(dist, GICD_ISENABLER + 4), 1U << 8);
    assert_int_equal(*w(dist, GICD_ICFGR + 8) & (2U << 16), 0); /* level */
    gicv2_enable(41, 0, true);
    assert_int_equal(*b(dist, GICD_ITARGETSR + 41), 0x01);
    assert_int_equal(*w(dist, GICD_ICFGR + 8) & (2U << 18), 2U << 18); /* edge */
    gicv2_enable(70, 0, true); /* beyond the distributor's lines: nothing */
    assert_int_equal(*b(dist, GICD_ITARGETSR + 70), 0);
    /* a CPU whose ITARGETSR0 reads zero has no interface to reach */
    fake_arch_switch(2);
    *b(dist, GICD_ITARGETSR) = 0;
    assert_false(gicv2_cpu_init());
    fake_arch_switch(0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_init, setup),
        cmocka_unit_test_setup(test_list_registers, setup),
        cmocka_unit_test_setup(test_sgi_source_and_dir, setup),
        cmocka_unit_test_setup(test_targets, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
