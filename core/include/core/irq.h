/*
 * Physical interrupts at EL2. They are taken only while a guest runs (septum itself runs with
 * interrupts masked), arrive through the lower-EL IRQ vector and are dispatched here: the
 * virtual timer and pass-through SPIs are forwarded to the vCPU, the GIC maintenance interrupt
 * and kicks bring its list registers up to date, the console UART's input goes to the VM that
 * has the console.
 */
#ifndef CORE_IRQ_H
#define CORE_IRQ_H
#include <arch/gic.h>
#include <core/vm.h>
#include <stdbool.h>
#include <stdint.h>

/* The boot CPU: the physical GIC, a GICv3 or a GICv2 with the virtualisation extensions (false
 * otherwise: guests then get no interrupt controller). */
bool irq_init(const gic_desc_t *gic);
/* Each CPU, the boot CPU included, with its MPIDR affinity. */
void irq_cpu_init(unsigned pcpu, uint64_t mpidr);
/* The version of the GIC septum drives (2 or 3), or 0 if it drives none: a VM's interrupt
 * controller (core/irqchip.h) attaches only to the version it virtualises. */
unsigned irq_gic_version(void);
/* Make physical CPU pcpu leave its guest and look at its vCPU's state. */
void irq_kick(unsigned pcpu);
/* Route a pass-through SPI to the physical CPU that runs vcpu. */
void irq_route_spi(uint32_t intid, vcpu_t *vcpu);
/* Septum's console UART interrupts (INTID) on the physical CPU that runs vcpu: typed input
 * then reaches vm_console_input(). */
void irq_console_input(uint32_t intid, vcpu_t *vcpu);
/* A VM stopped: if the console interrupt went to one of its CPUs (which now wait with
 * interrupts masked), it goes to the CPU of a vCPU that still runs, the first VM's first. */
void irq_console_follow(void);
/* The lower-EL IRQ vector's handler, for what the vector's lean path (arch/irq_fast.h) did not
 * finish: first is an INTID the vector acknowledged already (1020-1023: none), then every
 * interrupt pending. */
void irq_handle(vcpu_t *v, uint32_t first);
#endif
