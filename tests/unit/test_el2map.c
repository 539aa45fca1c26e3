/*
 * Unit tests of mm/el2map.c: septum's EL2 map from a realistic layout (text RX, rodata R, data
 * RW, stacks with unmapped guards, a device page, the DTB), checked by reading the produced
 * tables back; W+X and overlapping layouts refused; the audit catches a planted W+X entry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "fake_pt_ops.h"
#include <arch/pte.h>
#include <errno.h>
#include <mm/el2map.h>
#include <string.h>

#define BASE 0x40200000UL
#define PG   4096UL

static const el2map_range_t layout[] = {
    {BASE, BASE + 11 * PG, PT_R | PT_X, "text"},
    {BASE + 11 * PG, BASE + 16 * PG, PT_R, "rodata"},
    {BASE + 16 * PG, BASE + 80 * PG, PT_R | PT_W, "data"},
    /* cpu 0: guard, 4-page stack, guard, 2-page exception stack */
    {BASE + 81 * PG, BASE + 85 * PG, PT_R | PT_W, "stack"},
    {BASE + 86 * PG, BASE + 88 * PG, PT_R | PT_W, "exception stack"},
    {0x09000000, 0x09001000, PT_R | PT_W | PT_DEVICE, "uart"},
    {0x48000000, 0x48100000, PT_R, "dtb"},
};
#define N (sizeof(layout) / sizeof(layout[0]))

static void build(pt_t *pt, pt_ops_t *ops, fake_mm_t *mm)
{
    char why[128] = "";
    *ops = fake_ops(mm);
    assert_int_equal(pt_init(pt, PT_STAGE1_EL2, 44, ops), 0);
    assert_int_equal(el2map_build(pt, layout, N, why, sizeof(why)), 0);
}

static void test_layout(void **state)
{
    (void)state;
    fake_mm_t mm;
    pt_ops_t ops;
    pt_t pt;
    build(&pt, &ops, &mm);
    for (unsigned i = 0; i < N; i++)
        for (uint64_t va = layout[i].start; va < layout[i].end; va += PG) {
            paddr_t pa;
            unsigned prot;
            assert_int_equal(pt_lookup(&pt, va, &pa, &prot, NULL), 0);
            assert_int_equal(pa, va);
            assert_int_equal(prot, layout[i].prot);
        }
    /* guard pages and the gap before the stacks are not mapped */
    static const uint64_t holes[] = {BASE + 80 * PG, BASE + 85 * PG, BASE + 88 * PG,
                                     BASE - PG,      0x09001000,     0};
    for (unsigned i = 0; i < sizeof(holes) / sizeof(holes[0]); i++)
        assert_int_equal(pt_lookup(&pt, holes[i], NULL, NULL, NULL), -ENOENT);

    el2map_report_t rep;
    assert_int_equal(el2map_check(&pt, &rep), 0);
    assert_int_equal(rep.wx, 0);
    assert_int_equal(rep.exec_bytes, 11 * PG);
    assert_int_equal(rep.writable_bytes, (64 + 4 + 2) * PG + PG);
    assert_int_equal(rep.mapped_bytes, (11 + 5 + 64 + 4 + 2 + 1) * PG + 0x100000);
    pt_destroy(&pt);
    assert_int_equal(mm.live_pages, 0);
}

static void test_refusals(void **state)
{
    (void)state;
    fake_mm_t mm;
    pt_ops_t ops = fake_ops(&mm);
    pt_t pt;
    char why[128];
    assert_int_equal(pt_init(&pt, PT_STAGE1_EL2, 44, &ops), 0);

    el2map_range_t wx[] = {{BASE, BASE + PG, PT_R | PT_W | PT_X, "trampoline"}};
    assert_int_equal(el2map_build(&pt, wx, 1, why, sizeof(why)), -EPERM);
    assert_non_null(strstr(why, "trampoline"));
    assert_non_null(strstr(why, "writable and executable"));

    el2map_range_t overlap[] = {{BASE, BASE + 4 * PG, PT_R, "rodata"},
                                {BASE + 3 * PG, BASE + 5 * PG, PT_R | PT_W, "data"}};
    assert_int_equal(el2map_build(&pt, overlap, 2, why, sizeof(why)), -EINVAL);
    assert_non_null(strstr(why, "data 0x40203000-0x40205000 overlaps rodata"));

    el2map_range_t unaligned[] = {{BASE + 8, BASE + PG, PT_R, "odd"}};
    assert_int_equal(el2map_build(&pt, unaligned, 1, why, sizeof(why)), -EINVAL);
    assert_non_null(strstr(why, "odd"));
    el2map_range_t empty[] = {{BASE, BASE, PT_R, "empty"}};
    assert_int_equal(el2map_build(&pt, empty, 1, why, sizeof(why)), -EINVAL);
    pt_destroy(&pt);
}

/* The audit reads the tables, so a W+X entry written behind the builder's back is found. */
static void test_audit_finds_planted_wx(void **state)
{
    (void)state;
    fake_mm_t mm;
    pt_ops_t ops;
    pt_t pt;
    build(&pt, &ops, &mm);
    /* find the level-3 entry of the first data page and make it executable */
    uint64_t va = BASE + 16 * PG;
    uint64_t *t = pt.root;
    for (unsigned level = pt.start_level; level < 3; level++)
        t = (uint64_t *)(uintptr_t)pte_addr(t[(va >> (12 + 9 * (3 - level))) & 511]);
    uint64_t *e = &t[(va >> 12) & 511];
    assert_true(pte_is_valid(*e));
    *e &= ~PTE_XN;
    el2map_report_t rep;
    assert_int_equal(el2map_check(&pt, &rep), -EPERM);
    assert_int_equal(rep.wx, 1);
    pt_destroy(&pt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_audit_finds_planted_wx),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
