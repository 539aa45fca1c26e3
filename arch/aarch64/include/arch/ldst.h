/*
 * Decoding a guest's data abort into memory accesses septum can emulate: the ESR_EL2 ISS when
 * the hardware describes the access (ISV = 1), and the A64 load/store instruction itself when
 * it does not (pairs, writeback forms). Pure functions, unit-tested on the host.
 */
#ifndef ARCH_LDST_H
#define ARCH_LDST_H
#include <stdbool.h>
#include <stdint.h>

/* The data-abort ISS, every field (Arm ARM, ESR_EL2, EC 0x24). */
typedef struct dabt_iss {
    bool isv;      /* bits 23:14 below are valid */
    unsigned sas;  /* access size: 1 << sas bytes */
    bool sse;      /* sign-extend the loaded value */
    unsigned srt;  /* the register transferred (31 = xzr) */
    bool sf;       /* 64-bit register */
    bool ar;       /* acquire/release */
    bool fnv;      /* FAR not valid */
    bool s1ptw;    /* fault on a stage-1 table walk */
    bool wnr;      /* write */
    unsigned dfsc; /* fault status */
} dabt_iss_t;

static inline dabt_iss_t ldst_decode_iss(uint64_t esr)
{
    uint32_t iss = (uint32_t)esr;
    dabt_iss_t d;
    d.isv = (iss >> 24) & 1;
    d.sas = (iss >> 22) & 3;
    d.sse = (iss >> 21) & 1;
    d.srt = (iss >> 16) & 31;
    d.sf = (iss >> 15) & 1;
    d.ar = (iss >> 14) & 1;
    d.fnv = (iss >> 10) & 1;
    d.s1ptw = (iss >> 7) & 1;
    d.wnr = (iss >> 6) & 1;
    d.dfsc = iss & 0x3f;
    return d;
}

#define LDST_XZR 31 /* register number 31 as a data register */
#define LDST_SP  32 /* register number 31 as a base register */

/* One emulatable access of a load/store instruction. */
typedef struct ldst_op {
    unsigned count; /* 1, or 2 for a pair */
    unsigned size;  /* bytes per register: 1, 2, 4, 8 */
    bool load;
    bool sign_extend;  /* loads only */
    bool ext64;        /* sign-extend into 64 bits (else 32, upper cleared) */
    unsigned rt[2];    /* data registers (LDST_XZR for xzr) */
    unsigned rn;       /* base register (LDST_SP for sp) */
    int64_t offset;    /* added to the base for the access address (0 for post-index) */
    bool writeback;    /* base register updated ... */
    int64_t wb_offset; /* ... by this much */
} ldst_op_t;

/* Decode a 32-bit A64 instruction; false if it is not a load/store septum emulates (then the
 * guest gets an abort rather than a guess). Covers LDR/STR (immediate: unsigned offset, pre-,
 * post-index, unscaled; register offset with LSL/UXTW/SXTW/SXTX), LDRB/H, LDRSB/H/W, and
 * LDP/STP/LDPSW (signed offset, pre-, post-index) of general registers. */
bool ldst_decode_insn(uint32_t insn, ldst_op_t *op, const uint64_t *xregs);

/* The value a load of size bytes puts in a register: zero- or sign-extended. */
/* The low 1 << sas bytes of v: what a store of that size writes. */
static inline uint64_t ldst_mask(uint64_t v, unsigned sas)
{
    return v & (~0UL >> (64 - (8U << sas)));
}

static inline uint64_t ldst_extend(uint64_t raw, unsigned size, bool sign, bool ext64)
{
    unsigned bits = size * 8;
    if (bits < 64)
        raw &= (1ULL << bits) - 1;
    if (sign && bits < 64 && (raw >> (bits - 1)) & 1)
        raw |= ~0ULL << bits;
    if (!ext64)
        raw &= 0xffffffffULL;
    return raw;
}
#endif
