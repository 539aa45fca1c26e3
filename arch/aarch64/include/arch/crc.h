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
    /* 64 bytes a round, 14 instructions: a bundle holds whole kernels, and this loop was most
     * of the instructions septum spent before a Linux VM started (4 per 8 bytes in C) */
    if (len >= 64) {
        size_t rounds = len / 64;
        uint64_t a, b, c, d;
        __asm__ volatile("1: ldp %[a], %[b], [%[p]], #16\n"
                         "   crc32x %w[crc], %w[crc], %[a]\n"
                         "   crc32x %w[crc], %w[crc], %[b]\n"
                         "   ldp %[c], %[d], [%[p]], #16\n"
                         "   crc32x %w[crc], %w[crc], %[c]\n"
                         "   crc32x %w[crc], %w[crc], %[d]\n"
                         "   ldp %[a], %[b], [%[p]], #16\n"
                         "   crc32x %w[crc], %w[crc], %[a]\n"
                         "   crc32x %w[crc], %w[crc], %[b]\n"
                         "   ldp %[c], %[d], [%[p]], #16\n"
                         "   crc32x %w[crc], %w[crc], %[c]\n"
                         "   crc32x %w[crc], %w[crc], %[d]\n"
                         "   subs %[n], %[n], #1\n"
                         "   b.ne 1b\n"
                         : [crc] "+r"(crc), [p] "+r"(p), [n] "+r"(rounds), [a] "=&r"(a),
                           [b] "=&r"(b), [c] "=&r"(c), [d] "=&r"(d)
                         :
                         : "cc", "memory");
        len %= 64;
    }
    for (; len >= 8; len -= 8, p += 8)
        crc = __builtin_aarch64_crc32x(crc, *(const uint64_t *)(const void *)p);
    for (; len; len--)
        crc = __builtin_aarch64_crc32b(crc, *p++);
    return crc;
}

/* Copy rounds * 64 bytes from src (8-byte aligned) to dst (64-byte aligned), update the raw
 * CRC-32 with them and clean each 64 bytes of dst to the point of coherency once written: one
 * pass over a guest's image where memcpy, the CRC and the cache clean took three (20
 * instructions a round instead of about 28). The caller makes sure the data cache's smallest
 * line is at least 64 bytes (then each line of dst is cleaned at least once); the clean is
 * complete when this returns. */
static inline __attribute__((target("+crc"))) uint32_t arch_copy_crc32_clean(void *dst,
                                                                             const void *src,
                                                                             size_t rounds,
                                                                             uint32_t crc)
{
    uint64_t a, b, c, d;
    if (!rounds)
        return crc;
    __asm__ volatile("1: ldp %[a], %[b], [%[s]], #16\n"
                     "   crc32x %w[crc], %w[crc], %[a]\n"
                     "   crc32x %w[crc], %w[crc], %[b]\n"
                     "   stp %[a], %[b], [%[d]]\n"
                     "   ldp %[c], %[e], [%[s]], #16\n"
                     "   crc32x %w[crc], %w[crc], %[c]\n"
                     "   crc32x %w[crc], %w[crc], %[e]\n"
                     "   stp %[c], %[e], [%[d], #16]\n"
                     "   ldp %[a], %[b], [%[s]], #16\n"
                     "   crc32x %w[crc], %w[crc], %[a]\n"
                     "   crc32x %w[crc], %w[crc], %[b]\n"
                     "   stp %[a], %[b], [%[d], #32]\n"
                     "   ldp %[c], %[e], [%[s]], #16\n"
                     "   crc32x %w[crc], %w[crc], %[c]\n"
                     "   crc32x %w[crc], %w[crc], %[e]\n"
                     "   stp %[c], %[e], [%[d], #48]\n"
                     "   dc cvac, %[d]\n"
                     "   add %[d], %[d], #64\n"
                     "   subs %[n], %[n], #1\n"
                     "   b.ne 1b\n"
                     "   dsb sy\n"
                     : [crc] "+r"(crc), [s] "+r"(src), [d] "+r"(dst), [n] "+r"(rounds),
                       [a] "=&r"(a), [b] "=&r"(b), [c] "=&r"(c), [e] "=&r"(d)
                     :
                     : "cc", "memory");
    return crc;
}
#endif
