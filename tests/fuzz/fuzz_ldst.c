/*
 * libFuzzer harness for the load/store decoder (arch/aarch64/ldst.c): the input is a 32-bit
 * instruction word, then the ESR of an abort and the values of the registers an index may come
 * from. Whatever the word, a decoded access must be one septum can emulate and agree with the
 * encoding: a general-register load or store (never SIMD&FP, never outside the load/store
 * class), one or two registers of 1, 2, 4 or 8 bytes, registers in range (31 is xzr as data, sp
 * only as the base), sign extension only on loads and only into wider registers, the offset the
 * form allows, writeback only for the pre- and post-indexed forms (never with the base as a data
 * register), no pair loading one register twice. The ISS decoder and the value helpers are
 * checked on the same input.
 */
#include <arch/ldst.h>
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define BITS(x, hi, lo) (((x) >> (lo)) & ((1u << ((hi) - (lo) + 1)) - 1))

static int64_t sext(uint64_t v, unsigned bits)
{
    return (int64_t)(v << (64 - bits)) >> (64 - bits);
}

static void check_insn(uint32_t insn, const uint64_t *x)
{
    ldst_op_t op;
    memset(&op, 0xa5, sizeof(op));
    if (!ldst_decode_insn(insn, &op, x))
        return;
    /* the load/store class (op0 = x1x0), general registers only */
    assert((insn & 0x0a000000u) == 0x08000000u);
    assert(!BITS(insn, 26, 26));
    assert(op.count == 1 || op.count == 2);
    assert(op.size == 1 || op.size == 2 || op.size == 4 || op.size == 8);
    assert(op.rt[0] == BITS(insn, 4, 0));
    assert(op.rn == (BITS(insn, 9, 5) == 31 ? LDST_SP : BITS(insn, 9, 5)));
    assert(!op.sign_extend || (op.load && op.size < 8));
    assert(!op.load || op.ext64 || op.size <= 4); /* an 8-byte load fills an X register */
    if (!op.load)
        assert(!op.sign_extend);
    bool pair = (insn & 0x3a000000u) == 0x28000000u;
    if (op.count == 2) {
        assert(pair && op.rt[1] == BITS(insn, 14, 10) && (op.size == 4 || op.size == 8));
        assert(!(op.load && op.rt[0] == op.rt[1]));
        assert(op.size == (BITS(insn, 31, 30) == 2 ? 8u : 4u));
    } else {
        assert(!pair && op.size == 1u << BITS(insn, 31, 30));
    }
    /* writeback: pre-index (the access at base + imm) or post-index (at the base) only */
    bool post, pre;
    int64_t imm;
    if (pair) {
        unsigned idx = BITS(insn, 24, 23);
        post = idx == 1;
        pre = idx == 3;
        assert(idx != 0); /* no-allocate pairs are not emulated */
        imm = sext(BITS(insn, 21, 15), 7) * (int64_t)op.size;
        assert(op.offset == (post ? 0 : imm));
    } else if (BITS(insn, 24, 24)) { /* unsigned scaled offset */
        post = pre = false;
        assert(op.offset == (int64_t)BITS(insn, 21, 10) * (int64_t)op.size);
        imm = 0;
    } else if (BITS(insn, 21, 21)) { /* register offset */
        post = pre = false;
        assert(BITS(insn, 11, 10) == 2);
        unsigned option = BITS(insn, 15, 13), rm = BITS(insn, 20, 16);
        assert(option == 2 || option == 3 || option == 6 || option == 7);
        uint64_t m = rm == 31 ? 0 : x[rm];
        if (option == 2)
            m &= 0xffffffffULL;
        else if (option == 6)
            m = (uint64_t)sext(m, 32);
        unsigned shift = BITS(insn, 12, 12) ? BITS(insn, 31, 30) : 0;
        assert((uint64_t)op.offset == m << shift);
        imm = 0;
    } else { /* unscaled, post-index, pre-index */
        unsigned kind = BITS(insn, 11, 10);
        assert(kind != 2); /* unprivileged forms are not emulated */
        post = kind == 1;
        pre = kind == 3;
        imm = sext(BITS(insn, 20, 12), 9);
        assert(op.offset == (post ? 0 : imm));
    }
    assert(op.writeback == (pre || post));
    if (op.writeback) {
        assert(op.wb_offset == imm);
        assert(op.rn == LDST_SP || (op.rn != op.rt[0] && (op.count == 1 || op.rn != op.rt[1])));
    }
    /* what an emulation does with the op stays in range */
    for (unsigned sas = 0; sas < 4; sas++)
        assert(ldst_mask(x[0], sas) == (sas == 3 ? x[0] : x[0] & ((1ULL << (8U << sas)) - 1)));
    uint64_t v = ldst_extend(x[1], op.size, op.sign_extend, op.ext64);
    if (!op.ext64)
        assert(v >> 32 == 0);
    if (op.size < 8) {
        uint64_t low = x[1] & ((1ULL << (8 * op.size)) - 1), top = v >> (8 * op.size);
        assert((v & ((1ULL << (8 * op.size)) - 1)) == low);
        bool neg = op.sign_extend && (low >> (8 * op.size - 1));
        assert(top ==
               (neg ? (op.ext64 ? ~0ULL >> (8 * op.size) : 0xffffffffULL >> (8 * op.size)) : 0));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t buf[4 + 8 + 31 * 8] = {0};
    memcpy(buf, data, size < sizeof(buf) ? size : sizeof(buf));
    uint32_t insn;
    uint64_t esr, x[31];
    memcpy(&insn, buf, 4);
    memcpy(&esr, buf + 4, 8);
    memcpy(x, buf + 12, sizeof(x));
    check_insn(insn, x);

    dabt_iss_t d = ldst_decode_iss(esr);
    assert(d.sas < 4 && d.srt < 32 && d.dfsc < 64);
    assert(d.isv == ((esr >> 24) & 1) && d.wnr == ((esr >> 6) & 1));
    return 0;
}
