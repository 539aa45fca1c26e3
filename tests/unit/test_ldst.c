/*
 * Unit tests of arch/aarch64/ldst.c: the data-abort ISS decoded field by field, and the A64
 * load/store decoder on every access size, sign extension, xzr, pairs, writeback forms,
 * register offsets and malformed or unsupported encodings (instruction words produced by the
 * cross assembler's encodings, written out here).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arch/ldst.h>

static void test_iss(void **state)
{
    (void)state;
    /* EC 0x24, IL, ISV, SAS=2 (4 bytes), SSE, SRT=5, SF, AR, WnR, DFSC translation level 3 */
    uint64_t esr = (0x24ULL << 26) | (1ULL << 25) | (1ULL << 24) | (2ULL << 22) | (1ULL << 21) |
                   (5ULL << 16) | (1ULL << 15) | (1ULL << 14) | (1ULL << 6) | 0x07;
    dabt_iss_t d = ldst_decode_iss(esr);
    assert_true(d.isv);
    assert_int_equal(d.sas, 2);
    assert_true(d.sse);
    assert_int_equal(d.srt, 5);
    assert_true(d.sf);
    assert_true(d.ar);
    assert_true(d.wnr);
    assert_false(d.fnv);
    assert_false(d.s1ptw);
    assert_int_equal(d.dfsc, 7);
    d = ldst_decode_iss((0x24ULL << 26) | (1ULL << 10) | (1ULL << 7) | 0x10 | (31ULL << 16));
    assert_false(d.isv);
    assert_true(d.fnv);
    assert_true(d.s1ptw);
    assert_false(d.wnr);
    assert_int_equal(d.srt, 31);
    assert_int_equal(d.dfsc, 0x10);
}

static void test_extend(void **state)
{
    (void)state;
    assert_int_equal(ldst_extend(0x80, 1, false, true), 0x80);
    assert_int_equal(ldst_extend(0x80, 1, true, true), 0xffffffffffffff80ULL);
    assert_int_equal(ldst_extend(0x80, 1, true, false), 0xffffff80ULL);
    assert_int_equal(ldst_extend(0x12345678ff, 1, false, true), 0xff);
    assert_int_equal(ldst_extend(0x8000, 2, true, true), 0xffffffffffff8000ULL);
    assert_int_equal(ldst_extend(0x7fff, 2, true, true), 0x7fff);
    assert_int_equal(ldst_extend(0x80000000, 4, true, true), 0xffffffff80000000ULL);
    assert_int_equal(ldst_extend(0xdeadbeefcafef00dULL, 8, false, true), 0xdeadbeefcafef00dULL);
    assert_int_equal(ldst_extend(0xdeadbeefcafef00dULL, 4, false, false), 0xcafef00d);
}

typedef struct {
    uint32_t insn;
    const char *text;
    unsigned count, size;
    bool load, sign, ext64;
    unsigned rt0, rt1, rn;
    int64_t offset;
    bool wb;
    int64_t wb_offset;
} icase_t;

static void test_loads_and_stores(void **state)
{
    (void)state;
    static const icase_t cases[] = {
        {0xf9400420, "ldr x0, [x1, #8]", 1, 8, true, false, true, 0, 0, 1, 8, false, 0},
        {0xb9000422, "str w2, [x1, #4]", 1, 4, false, false, false, 2, 0, 1, 4, false, 0},
        {0x79400c23, "ldrh w3, [x1, #6]", 1, 2, true, false, false, 3, 0, 1, 6, false, 0},
        {0x39000c3f, "strb wzr, [x1, #3]", 1, 1, false, false, false, 31, 0, 1, 3, false, 0},
        {0x39800424, "ldrsb x4, [x1, #1]", 1, 1, true, true, true, 4, 0, 1, 1, false, 0},
        {0x39c00424, "ldrsb w4, [x1, #1]", 1, 1, true, true, false, 4, 0, 1, 1, false, 0},
        {0x79800425, "ldrsh x5, [x1, #2]", 1, 2, true, true, true, 5, 0, 1, 2, false, 0},
        {0xb9800426, "ldrsw x6, [x1, #4]", 1, 4, true, true, true, 6, 0, 1, 4, false, 0},
        {0xf8408427, "ldr x7, [x1], #8", 1, 8, true, false, true, 7, 0, 1, 0, true, 8},
        {0xf81f8c28, "str x8, [x1, #-8]!", 1, 8, false, false, false, 8, 0, 1, -8, true, -8},
        {0xb85fc029, "ldur w9, [x1, #-4]", 1, 4, true, false, false, 9, 0, 1, -4, false, 0},
        {0xf94003ea, "ldr x10, [sp]", 1, 8, true, false, true, 10, 0, LDST_SP, 0, false, 0},
        {0xa9410c22, "ldp x2, x3, [x1, #16]", 2, 8, true, false, true, 2, 3, 1, 16, false, 0},
        {0x29bf0c22, "stp w2, w3, [x1, #-8]!", 2, 4, false, false, false, 2, 3, 1, -8, true, -8},
        {0xa8c10c22, "ldp x2, x3, [x1], #16", 2, 8, true, false, true, 2, 3, 1, 0, true, 16},
        {0x69400c22, "ldpsw x2, x3, [x1]", 2, 4, true, true, true, 2, 3, 1, 0, false, 0},
        {0xa9007c3f, "stp xzr, xzr, [x1]", 2, 8, false, false, false, 31, 31, 1, 0, false, 0},
    };
    uint64_t x[31] = {0};
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const icase_t *c = &cases[i];
        ldst_op_t op;
        if (!ldst_decode_insn(c->insn, &op, x))
            fail_msg("%s: not decoded", c->text);
        assert_int_equal(op.count, c->count);
        assert_int_equal(op.size, c->size);
        assert_int_equal(op.load, c->load);
        if (c->load) {
            assert_int_equal(op.sign_extend, c->sign);
            assert_int_equal(op.ext64, c->ext64);
        }
        assert_int_equal(op.rt[0], c->rt0);
        if (c->count == 2)
            assert_int_equal(op.rt[1], c->rt1);
        assert_int_equal(op.rn, c->rn);
        assert_int_equal(op.offset, c->offset);
        assert_int_equal(op.writeback, c->wb);
        if (c->wb)
            assert_int_equal(op.wb_offset, c->wb_offset);
    }
}

static void test_register_offset(void **state)
{
    (void)state;
    uint64_t x[31] = {0};
    ldst_op_t op;
    x[2] = 3;
    assert_true(ldst_decode_insn(0xf8627820, &op, x)); /* ldr x0, [x1, x2, lsl #3] */
    assert_int_equal(op.offset, 24);
    x[2] = 0xfffffffffffffff0ULL;
    assert_true(ldst_decode_insn(0xb862c820, &op, x)); /* ldr w0, [x1, w2, sxtw] */
    assert_int_equal(op.offset, -16);
    assert_true(ldst_decode_insn(0xb8624820, &op, x)); /* ldr w0, [x1, w2, uxtw] */
    assert_int_equal(op.offset, 0xfffffff0);
    assert_true(ldst_decode_insn(0x387f6820, &op, x)); /* ldrb w0, [x1, xzr] */
    assert_int_equal(op.offset, 0);
}

static void test_refused(void **state)
{
    (void)state;
    uint64_t x[31] = {0};
    ldst_op_t op;
    static const uint32_t bad[] = {
        0xd503201f,              /* nop */
        0xf9800020,              /* prfm pldl1keep, [x1] */
        0xfd400420,              /* ldr d0, [x1, #8]: FP register */
        0xad400420,              /* ldp q0, q1, [x1]: FP pair */
        0xc85f7c20,              /* ldxr x0, [x1]: exclusive */
        0xf8200020,              /* ldadd x0, x0, [x1]: atomic */
        0xa8400c22 & 0xfe7fffff, /* stnp x2, x3, [x1]: no-allocate pair */
        0xa9c10422,              /* ldp x2, x1, [x1, #16]!: writeback into a data register */
        0xa9400822,              /* ldp x2, x2, [x1]: same register twice */
        0xf8408421,              /* ldr x1, [x1], #8: writeback over the loaded register */
        0xb8800820,              /* ldtrsw x0, [x1]: unprivileged */
        0xf8a27820 & 0xffff1fff, /* ldr x0, [x1, x2, <option 0>] */
        0x00000000,
        0xffffffff,
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (ldst_decode_insn(bad[i], &op, x))
            fail_msg("0x%08x decoded but must be refused", bad[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iss),
        cmocka_unit_test(test_extend),
        cmocka_unit_test(test_loads_and_stores),
        cmocka_unit_test(test_register_offset),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
