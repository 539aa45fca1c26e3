/*
 * Emulation of a guest's data abort through the reservation it hit: decode the access (the
 * ISS, or the instruction when the ISS is not valid), call the reservation's fault callback for
 * each element, write loaded values back to the guest's registers (x31 is xzr), update a
 * writeback base register, and step the PC only when every element was handled.
 */
#ifndef CORE_FAULT_H
#define CORE_FAULT_H
#include <arch/regs.h>
#include <core/vm.h>

typedef enum {
    FAULT_EMULATED,   /* done: the guest continues after the instruction */
    FAULT_RETRY,      /* the mapping changed: the guest retries the instruction */
    FAULT_NO_DEVICE,  /* no reservation there: the isolation rule applies */
    FAULT_REFUSED,    /* a device refused or the access could not be decoded: abort the guest */
} fault_outcome_t;

fault_outcome_t fault_emulate(vcpu_t *v, arch_regs_t *f, uint64_t ipa);
#endif
