/*
 * Bulk copies through the vector registers, which are set aside and put back (arch/aarch64/copy.S):
 * for copies of whole pages between frames septum has mapped. Where the vector registers cannot
 * be used (SVE, SME, or EL2 trapping them), for short copies and for a destination inside the
 * source, it is memmove.
 */
#ifndef ARCH_COPY_H
#define ARCH_COPY_H
#include <stddef.h>

/* Copy len bytes from src to dst; they may overlap. */
void arch_copy(void *dst, const void *src, size_t len);
#endif
