/*
 * The CRC-32 instructions (ARMv8 CRC extension, optional in v8.0, present on Cortex-A57 and
 * later): the IEEE 802.3 / zlib CRC-32 polynomial, reflected, eight bytes per instruction. The
 * caller checks arch_has_crc32() first and does the pre- and post-inversion itself.
 */
#ifndef ARCH_CRC_H
#define ARCH_CRC_H
#include <arch/sysreg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ISAR0_CRC32_SHIFT 16
#define ISAR0_CRC32_MASK  0xfUL

static inline bool arch_has_crc32(void)
{
    return (read_sysreg(id_aa64isar0_el1) >> ISAR0_CRC32_SHIFT) & ISAR0_CRC32_MASK;
}

/* The raw (uninverted) CRC-32 update of crc with len bytes at p. */
static inline __attribute__((target("+crc"))) uint32_t arch_crc32_update(uint32_t crc,
                                                                         const uint8_t *p,
                                                                         size_t len)
{
    for (; len && ((uintptr_t)p & 7); len--)
        crc = __builtin_aarch64_crc32b(crc, *p++);
    for (; len >= 8; len -= 8, p += 8)
        crc = __builtin_aarch64_crc32x(crc, *(const uint64_t *)(const void *)p);
    for (; len; len--)
        crc = __builtin_aarch64_crc32b(crc, *p++);
    return crc;
}
#endif
