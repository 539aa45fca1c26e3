/*
 * Decoding of the exception syndrome (ESR_ELx) into words a person can read in a register
 * dump. Pure functions, so the host unit tests can check them.
 */
#ifndef ARCH_ESR_H
#define ARCH_ESR_H
#include <stdint.h>

/* Name of an exception class, e.g. "data abort from EL2"; never NULL. */
const char *esr_class_name(uint64_t esr);

/* Name of a data/instruction abort fault status code, e.g. "translation fault, level 3". Writes
 * into buf (at least 48 bytes) and returns it. */
const char *esr_fsc_name(uint64_t fsc, char *buf, unsigned long len);

/* True when the class is an instruction or data abort, whose ISS carries a fault status code. */
int esr_is_abort(uint64_t esr);
#endif
