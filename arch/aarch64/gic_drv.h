/*
 * The two physical GIC drivers behind arch/gic.h (gicv3.c, gicv2.c), each the same set of
 * operations; gic.c picks one at gic_init from the device tree's GIC and forwards every call to
 * it. Private to arch/aarch64.
 */
#ifndef ARCH_GIC_DRV_H
#define ARCH_GIC_DRV_H
#include <arch/gic.h>

bool gicv3_cpu_init(void);
bool gicv2_cpu_init(void);
void gicv3_enable(uint32_t intid, uint64_t target_mpidr, bool edge);
void gicv2_enable(uint32_t intid, uint64_t target_mpidr, bool edge);
void gicv3_disable(uint32_t intid);
void gicv2_disable(uint32_t intid);
uint32_t gicv3_ack(void);
uint32_t gicv2_ack(void);
/* The INTID of GICC_IAR's value iar, its source kept if it is an SGI: what the IRQ vector calls
 * for an interrupt it acknowledged and leaves to C. */
uint32_t gicv2_acked(uint32_t iar);
void gicv3_eoi(uint32_t intid);
void gicv2_eoi(uint32_t intid);
void gicv3_deactivate(uint32_t intid);
void gicv2_deactivate(uint32_t intid);
void gicv3_send_sgi(uint64_t mpidr, unsigned intid);
void gicv2_send_sgi(uint64_t mpidr, unsigned intid);
unsigned gicv3_lr_num(void);
unsigned gicv2_lr_num(void);
uint64_t gicv3_read_lr(unsigned n);
uint64_t gicv2_read_lr(unsigned n);
void gicv3_write_lr(unsigned n, uint64_t v);
void gicv2_write_lr(unsigned n, uint64_t v);
uint32_t gicv2_lr_word(uint64_t v);
void gicv3_vcpu_reset(void);
void gicv2_vcpu_reset(void);
void gicv3_set_hcr(uint64_t hcr);
void gicv2_set_hcr(uint64_t hcr);
uint64_t gicv3_read_hcr(void);
uint64_t gicv2_read_hcr(void);
uint64_t gicv3_read_misr(void);
uint64_t gicv2_read_misr(void);
uint64_t gicv3_read_elrsr(void);
uint64_t gicv2_read_elrsr(void);

void gicv3_init(const gic_desc_t *d);
bool gicv2_init(const gic_desc_t *d);
uint64_t gicv2_vcpuif_page(unsigned n);
#endif
