/*
 * Data-abort decoding (see arch/ldst.h). Encodings from the Arm ARM's A64 "Loads and stores"
 * section; anything outside the supported classes is refused, never guessed.
 */
#include <arch/ldst.h>
#include <arch/sysreg.h>

#define BITS(x, hi, lo) (((x) >> (lo)) & ((1u << ((hi) - (lo) + 1)) - 1))

static int64_t sext(uint64_t v, unsigned bits)
{
    return (int64_t)(v << (64 - bits)) >> (64 - bits);
}

/* LDR/STR family (not pairs): size in bits 31:30, opc in 23:22 decide load/sign. */
static bool decode_single_opc(unsigned sizebits, unsigned opc, ldst_op_t *op)
{
    op->size = 1u << sizebits;
    op->count = 1;
    switch (opc) {
    case 0: /* STR */ op->load = false; return true;
    case 1: /* LDR (zero-extend) */
        op->load = true;
        op->ext64 = sizebits == 3;
        return true;
    case 2: /* LDRS* to 64 bits; size 3 is PRFM, size 2 is LDRSW */
        if (sizebits == 3)
            return false;
        op->load = op->sign_extend = op->ext64 = true;
        return true;
    case 3: /* LDRS* to 32 bits (sizes 0, 1 only) */
        if (sizebits >= 2)
            return false;
        op->load = op->sign_extend = true;
        op->ext64 = false;
        return true;
    }
    return false;
}

bool ldst_decode_insn(uint32_t insn, ldst_op_t *op, const uint64_t *xregs)
{
    *op = (ldst_op_t){0};
    unsigned rt = BITS(insn, 4, 0), rn = BITS(insn, 9, 5);
    op->rt[0] = rt; /* 31 = xzr for data */
    op->rn = rn == 31 ? LDST_SP : rn;

    /* general-register load/store pair: x0 1 0 1 0 V=0 idx(2) L imm7 Rt2 Rn Rt */
    if ((insn & 0x3a000000u) == 0x28000000u) {
        if (BITS(insn, 26, 26))
            return false; /* SIMD&FP registers */
        unsigned opc = BITS(insn, 31, 30), idx = BITS(insn, 24, 23), l = BITS(insn, 22, 22);
        if (idx == 0 || opc == 3 || (opc == 1 && !l))
            return false; /* no-allocate pairs and STGP are not emulated */
        op->count = 2;
        op->rt[1] = BITS(insn, 14, 10);
        op->load = l;
        op->size = opc == 2 ? 8 : 4;
        op->sign_extend = opc == 1; /* LDPSW */
        op->ext64 = opc != 0;
        int64_t imm = sext(BITS(insn, 21, 15), 7) * (int64_t)op->size;
        if (l && op->rt[0] == op->rt[1])
            return false;                /* unpredictable */
        op->offset = idx == 1 ? 0 : imm; /* post-index accesses at the base */
        op->writeback = idx == 1 || idx == 3;
        op->wb_offset = imm;
        if (op->writeback && op->rn != LDST_SP && (op->rn == op->rt[0] || op->rn == op->rt[1]))
            return false; /* unpredictable */
        return true;
    }
    if ((insn & 0x38000000u) == 0x38000000u && BITS(insn, 26, 26))
        return false; /* SIMD&FP register loads and stores are not emulated */
    /* load/store register: size 1 1 1 V=0 ... */
    if ((insn & 0x3b000000u) == 0x39000000u) { /* unsigned immediate offset */
        if (!decode_single_opc(BITS(insn, 31, 30), BITS(insn, 23, 22), op))
            return false;
        op->offset = (int64_t)BITS(insn, 21, 10) * op->size;
        return true;
    }
    if ((insn & 0x3b200000u) == 0x38000000u) { /* unscaled, post-, pre-index: bits 11:10 */
        unsigned kind = BITS(insn, 11, 10);
        if (kind == 2)
            return false; /* unprivileged LDTR/STTR */
        if (!decode_single_opc(BITS(insn, 31, 30), BITS(insn, 23, 22), op))
            return false;
        int64_t imm = sext(BITS(insn, 20, 12), 9);
        op->offset = kind == 1 ? 0 : imm;
        op->writeback = kind != 0;
        op->wb_offset = imm;
        if (op->writeback && op->rn != LDST_SP && op->rn == op->rt[0])
            return false; /* unpredictable */
        return true;
    }
    if ((insn & 0x3b200c00u) == 0x38200800u) { /* register offset */
        if (!decode_single_opc(BITS(insn, 31, 30), BITS(insn, 23, 22), op))
            return false;
        unsigned rm = BITS(insn, 20, 16), option = BITS(insn, 15, 13), s = BITS(insn, 12, 12);
        uint64_t m = rm == 31 ? 0 : xregs[rm];
        int64_t v;
        switch (option) {
        case 2: /* UXTW */ v = (int64_t)(m & 0xffffffffULL); break;
        case 3: /* LSL */ v = (int64_t)m; break;
        case 6: /* SXTW */ v = sext(m, 32); break;
        case 7: /* SXTX */ v = (int64_t)m; break;
        default: return false;
        }
        unsigned shift = s ? BITS(insn, 31, 30) : 0;
        op->offset = (int64_t)((uint64_t)v << shift);
        return true;
    }
    return false;
}
