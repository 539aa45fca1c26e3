/*
 * The virtual GICv3 each VM gets: a distributor and one redistributor per vCPU, emulated
 * through reservations (their registers fault into septum), and interrupts delivered through
 * the physical CPU interface's list registers. The guest's CPU interface (ICC_*_EL1) is the
 * hardware's virtual one; only SGI generation (ICC_SGI1R_EL1) traps.
 *
 * A vCPU's list registers can only be written on the physical CPU it runs on; whoever makes an
 * interrupt pending for a vCPU elsewhere marks it in the vGIC state and kicks that CPU with a
 * physical SGI, whose handler then fills the list registers.
 */
#ifndef VDEV_VGIC_H
#define VDEV_VGIC_H
#include <core/vm.h>
#include <stdbool.h>
#include <stdint.h>

#define VGIC_GICD_BASE  0x08000000UL
#define VGIC_GICD_SIZE  0x10000UL
#define VGIC_GICR_BASE  0x080a0000UL
#define VGIC_GICR_STRIDE 0x20000UL /* RD_base + SGI_base frames, per vCPU */
#define VGIC_INTID_NUM  256        /* SGIs, PPIs and SPIs 32..255 */
#define VGIC_MAINT_PPI  9

/* The calling CPU's vCPU starts (or restarts): its private interrupts and the CPU interface. */
void vgic_vcpu_reset(vcpu_t *v);
/* Make intid pending (edge semantics) for target (NULL: an SPI, routed by its IROUTER). */
void vgic_inject(vm_t *vm, vcpu_t *target, uint32_t intid);
/* Set a level-sensitive SPI's input line. */
void vgic_set_level(vm_t *vm, uint32_t intid, bool level);
/* A physical interrupt this CPU took, forwarded to its vCPU as the same INTID with the hardware
 * bit: the guest's deactivation deactivates the physical interrupt. */
void vgic_forward(vcpu_t *v, uint32_t intid);
/* The maintenance interrupt, or a kick: bring the list registers up to date. */
void vgic_update_current(vcpu_t *v);
/* A trapped write to ICC_SGI1R_EL1. */
void vgic_sgi(vcpu_t *v, uint64_t sgi1r);
/* Statistics for the tests: times the list registers overflowed (an interrupt had to wait for
 * a free one). */
uint64_t vgic_overflows(const vm_t *vm);
#endif
