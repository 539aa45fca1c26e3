/*
 * Unit tests of mm/pt.c, the page-table builder: block sizes chosen by alignment, descriptors
 * checked bit by bit for stage 1 and stage 2, splits of blocks and merges back, break-before-make
 * order, every error path, allocation failure, walking and freeing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "fake_pt_ops.h"
#include <arch/pte.h>
#include <errno.h>

#define KiB(x) ((uint64_t)(x) << 10)
#define MiB(x) ((uint64_t)(x) << 20)
#define GiB(x) ((uint64_t)(x) << 30)

typedef struct fixture {
    fake_mm_t mm;
    pt_ops_t ops;
    pt_t pt;
} fixture_t;

static fixture_t *setup(pt_kind_t kind, unsigned bits)
{
    static fixture_t f;
    f.ops = fake_ops(&f.mm);
    assert_int_equal(pt_init(&f.pt, kind, bits, &f.ops), 0);
    f.mm.pt = &f.pt;
    return &f;
}

static void teardown(fixture_t *f)
{
    pt_destroy(&f->pt);
    assert_int_equal(f->mm.live_pages, 0);
}

/* The raw descriptor that maps va, and the level it sits at. */
static uint64_t leaf(const pt_t *pt, uint64_t va, unsigned *level_out)
{
    const uint64_t *t = pt->root;
    for (unsigned level = pt->start_level; level <= 3; level++) {
        unsigned idx = (unsigned)((va >> (12 + 9 * (3 - level))) &
                                  ((level == pt->start_level
                                        ? (1UL << (pt->va_bits - (12 + 9 * (3 - level))))
                                        : 512) -
                                   1));
        uint64_t d = t[idx];
        if (!pte_is_table(d, level)) {
            if (level_out)
                *level_out = level;
            return d;
        }
        t = (const uint64_t *)(uintptr_t)pte_addr(d);
    }
    return 0;
}

static int count_leaf(void *arg, uint64_t va, paddr_t pa, uint64_t size, unsigned prot)
{
    (void)va, (void)pa, (void)size, (void)prot;
    (*(unsigned *)arg)++;
    return 0;
}

static unsigned leaves(const pt_t *pt)
{
    unsigned n = 0;
    pt_walk(pt, count_leaf, &n);
    return n;
}

static void test_init_levels(void **state)
{
    (void)state;
    static const struct {
        pt_kind_t kind;
        unsigned bits, level, pages;
        int rc;
    } cases[] = {
        {PT_STAGE1_EL2, 48, 0, 1, 0},       {PT_STAGE1_EL2, 44, 0, 1, 0},
        {PT_STAGE1_EL2, 39, 1, 1, 0},       {PT_STAGE1_EL2, 32, 1, 1, 0},
        {PT_STAGE1_EL2, 30, 2, 1, 0},       {PT_STAGE1_EL2, 24, 0, 0, -EINVAL},
        {PT_STAGE1_EL2, 49, 0, 0, -EINVAL}, {PT_STAGE2, 40, 1, 2, 0},
        {PT_STAGE2, 42, 1, 8, 0},           {PT_STAGE2, 43, 1, 16, 0},
        {PT_STAGE2, 44, 0, 1, 0},           {PT_STAGE2, 48, 0, 1, 0},
        {PT_STAGE2, 39, 1, 1, 0},           {PT_STAGE2, 35, 0, 0, -EINVAL},
        {PT_STAGE2, 49, 0, 0, -EINVAL},
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fake_mm_t mm;
        pt_ops_t ops = fake_ops(&mm);
        pt_t pt;
        assert_int_equal(pt_init(&pt, cases[i].kind, cases[i].bits, &ops), cases[i].rc);
        if (cases[i].rc)
            continue;
        assert_int_equal(pt.start_level, cases[i].level);
        assert_int_equal(pt.root_pages, cases[i].pages);
        assert_int_equal(mm.live_pages, (int)cases[i].pages);
        /* concatenated roots are aligned to their whole size */
        assert_int_equal(pt.root_pa % (cases[i].pages * 4096), 0);
        pt_destroy(&pt);
        assert_int_equal(mm.live_pages, 0);
    }
    fake_mm_t mm;
    pt_ops_t ops = fake_ops(&mm);
    pt_t pt;
    mm.alloc_budget = 0;
    assert_int_equal(pt_init(&pt, PT_STAGE2, 40, &ops), -ENOMEM);
    assert_int_equal(pt_init(&pt, PT_STAGE2, 40, NULL), -EINVAL);
}

static void test_block_sizes(void **state)
{
    (void)state;
    fixture_t *f = setup(PT_STAGE1_EL2, 44);
    unsigned level;

    /* 1 GiB aligned on both sides: one level-1 block */
    assert_int_equal(pt_map(&f->pt, GiB(1), GiB(1), GiB(1), PT_R | PT_W), 0);
    uint64_t d = leaf(&f->pt, GiB(1) + 12345 * 4096, &level);
    assert_int_equal(level, 1);
    assert_true(pte_is_valid(d));
    assert_false(d & PTE_TABLE);
    assert_int_equal(pte_addr(d), GiB(1));
    assert_int_equal(leaves(&f->pt), 1);

    /* 2 MiB aligned: level-2 blocks */
    assert_int_equal(pt_map(&f->pt, GiB(4) + MiB(2), GiB(8) + MiB(4), MiB(4), PT_R), 0);
    d = leaf(&f->pt, GiB(4) + MiB(3), &level);
    assert_int_equal(level, 2);
    assert_int_equal(pte_addr(d), GiB(8) + MiB(4));
    assert_int_equal(leaves(&f->pt), 3);

    /* unaligned edges: pages, then blocks, then pages */
    assert_int_equal(pt_map(&f->pt, GiB(5) + MiB(2) - KiB(4), GiB(5) + MiB(2) - KiB(4),
                            MiB(4) + KiB(8), PT_R),
                     0);
    assert_int_equal(leaves(&f->pt), 3 + 1 + 2 + 1);
    d = leaf(&f->pt, GiB(5) + MiB(2) - KiB(4), &level);
    assert_int_equal(level, 3);
    assert_true(d & PTE_PAGE);
    d = leaf(&f->pt, GiB(5) + MiB(2), &level);
    assert_int_equal(level, 2);
    d = leaf(&f->pt, GiB(5) + MiB(6), &level);
    assert_int_equal(level, 3);

    /* VA 2 MiB-aligned but PA only 4 KiB-aligned: pages only */
    assert_int_equal(pt_map(&f->pt, GiB(6), GiB(7) + KiB(4), MiB(2), PT_R), 0);
    d = leaf(&f->pt, GiB(6) + KiB(8), &level);
    assert_int_equal(level, 3);
    assert_int_equal(pte_addr(d), GiB(7) + KiB(12));
    assert_int_equal(leaves(&f->pt), 7 + 512);
    teardown(f);
}

static void test_stage1_attrs(void **state)
{
    (void)state;
    fixture_t *f = setup(PT_STAGE1_EL2, 40);
    static const struct {
        unsigned prot;
        unsigned attridx;
        int ro, xn, sh;
    } cases[] = {
        {PT_R | PT_X, MAIR_IDX_NORMAL, 1, 0, 1},
        {PT_R, MAIR_IDX_NORMAL, 1, 1, 1},
        {PT_R | PT_W, MAIR_IDX_NORMAL, 0, 1, 1},
        {PT_R | PT_W | PT_DEVICE, MAIR_IDX_DEVICE, 0, 1, 0},
        {PT_R | PT_W | PT_NC, MAIR_IDX_NORMAL_NC, 0, 1, 1},
    };
    for (unsigned i = 0; i < 5; i++) {
        uint64_t va = GiB(1) + i * KiB(4);
        assert_int_equal(pt_map(&f->pt, va, va, KiB(4), cases[i].prot), 0);
        uint64_t d = leaf(&f->pt, va, NULL);
        assert_true(d & PTE_AF);
        assert_int_equal((d & PTE_ATTRIDX_MASK) >> 2, cases[i].attridx);
        assert_int_equal(!!(d & PTE_AP_RO), cases[i].ro);
        assert_int_equal(!!(d & PTE_XN), cases[i].xn);
        assert_int_equal((d & PTE_SH_INNER) == PTE_SH_INNER, cases[i].sh);
        assert_false(d & PTE_AP_EL0);
        unsigned prot;
        paddr_t pa;
        assert_int_equal(pt_lookup(&f->pt, va + 8, &pa, &prot, NULL), 0);
        assert_int_equal(pa, va + 8);
        assert_int_equal(prot, cases[i].prot);
    }
    teardown(f);
}

static void test_stage2_attrs(void **state)
{
    (void)state;
    fixture_t *f = setup(PT_STAGE2, 40);
    static const struct {
        unsigned prot, memattr;
        int r, w, xn;
    } cases[] = {
        {PT_R, S2_MEMATTR_NORMAL_WB, 1, 0, 1},
        {PT_R | PT_W, S2_MEMATTR_NORMAL_WB, 1, 1, 1},
        {PT_R | PT_W | PT_X, S2_MEMATTR_NORMAL_WB, 1, 1, 0},
        {PT_X, S2_MEMATTR_NORMAL_WB, 0, 0, 0},
        {PT_W, S2_MEMATTR_NORMAL_WB, 0, 1, 1},
        {PT_R | PT_W | PT_DEVICE, S2_MEMATTR_DEVICE_nGnRE, 1, 1, 1},
        {PT_R | PT_NC, S2_MEMATTR_NORMAL_NC, 1, 0, 1},
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t ipa = GiB(600) + i * MiB(2); /* beyond 512 GiB: uses the second root page */
        assert_int_equal(pt_map(&f->pt, ipa, GiB(1) + i * MiB(2), MiB(2), cases[i].prot), 0);
        unsigned level;
        uint64_t d = leaf(&f->pt, ipa, &level);
        assert_int_equal(level, 2);
        assert_true(d & PTE_AF);
        assert_int_equal((d & PTE_S2_MEMATTR_MASK) >> 2, cases[i].memattr);
        assert_int_equal(!!(d & PTE_S2AP_R), cases[i].r);
        assert_int_equal(!!(d & PTE_S2AP_W), cases[i].w);
        assert_int_equal(!!(d & PTE_S2_XN), cases[i].xn);
        unsigned prot;
        assert_int_equal(pt_lookup(&f->pt, ipa, NULL, &prot, NULL), 0);
        assert_int_equal(prot, cases[i].prot);
    }
    /* the second concatenated root page holds IPAs from 512 GiB */
    assert_true(pte_is_valid(f->pt.root[512 + 88]));
    teardown(f);
}

/* Remapping one page of a 1 GiB block splits it into tables that reproduce the rest exactly,
 * with break-before-make; remapping the whole GiB merges it back into one block. */
static void test_split_and_merge(void **state)
{
    (void)state;
    fixture_t *f = setup(PT_STAGE2, 40);
    uint64_t ipa = GiB(2), pa = GiB(5);
    unsigned rw = PT_R | PT_W;
    assert_int_equal(pt_map(&f->pt, ipa, pa, GiB(1), rw), 0);
    int tables = f->mm.live_pages;
    uint64_t block = leaf(&f->pt, ipa, NULL);
    uint64_t attrs = block & ~(PTE_ADDR_MASK | PTE_TABLE);

    f->mm.inval_num = 0;
    uint64_t hole = ipa + MiB(6) + KiB(20);
    assert_int_equal(pt_map(&f->pt, hole, pa + MiB(6) + KiB(20), KiB(4), PT_R), 0);
    assert_int_equal(f->mm.live_pages, tables + 2); /* one level-2 and one level-3 table */
    /* break-before-make: every invalidation happened while its VA was unmapped */
    assert_true(f->mm.inval_num >= 2);
    for (unsigned i = 0; i < f->mm.inval_num; i++)
        assert_false(f->mm.inval[i].was_mapped);

    /* entry by entry: 511 level-2 blocks, 511 level-3 pages as before, one read-only page */
    for (unsigned i = 0; i < 512; i++) {
        unsigned level;
        uint64_t va = ipa + i * MiB(2);
        uint64_t d = leaf(&f->pt, va, &level);
        if (i == 3) {
            assert_int_equal(level, 3);
            continue;
        }
        assert_int_equal(level, 2);
        assert_int_equal(pte_addr(d), pa + i * MiB(2));
        assert_int_equal(d & ~PTE_ADDR_MASK, attrs);
    }
    for (unsigned i = 0; i < 512; i++) {
        unsigned level;
        uint64_t va = ipa + MiB(6) + i * KiB(4);
        uint64_t d = leaf(&f->pt, va, &level);
        assert_int_equal(level, 3);
        assert_int_equal(pte_addr(d), pa + MiB(6) + i * KiB(4));
        if (va == hole)
            assert_int_equal(pt_decode_prot(PT_STAGE2, d), PT_R);
        else
            assert_int_equal(d & ~PTE_ADDR_MASK, attrs | PTE_PAGE);
    }
    assert_int_equal(leaves(&f->pt), 511 + 512);

    /* and back: one block, tables freed */
    f->mm.inval_num = 0;
    assert_int_equal(pt_map(&f->pt, ipa, pa, GiB(1), rw), 0);
    assert_int_equal(leaf(&f->pt, ipa + MiB(6) + KiB(20), NULL), block);
    assert_int_equal(f->mm.live_pages, tables);
    assert_int_equal(leaves(&f->pt), 1);
    for (unsigned i = 0; i < f->mm.inval_num; i++)
        assert_false(f->mm.inval[i].was_mapped);

    /* mapping the same thing again changes nothing and invalidates nothing */
    f->mm.inval_num = 0;
    assert_int_equal(pt_map(&f->pt, ipa, pa, GiB(1), rw), 0);
    assert_int_equal(f->mm.inval_num, 0);
    teardown(f);
}

static void test_unmap(void **state)
{
    (void)state;
    fixture_t *f = setup(PT_STAGE1_EL2, 40);
    int root = f->mm.live_pages;
    assert_int_equal(pt_map(&f->pt, MiB(2), MiB(2), MiB(2), PT_R), 0);
    assert_int_equal(pt_unmap(&f->pt, MiB(3), KiB(4)), 0);
    assert_int_equal(pt_lookup(&f->pt, MiB(3), NULL, NULL, NULL), -ENOENT);
    paddr_t pa;
    uint64_t bs;
    assert_int_equal(pt_lookup(&f->pt, MiB(3) + KiB(4), &pa, NULL, &bs), 0);
    assert_int_equal(pa, MiB(3) + KiB(4));
    assert_int_equal(bs, KiB(4));
    assert_int_equal(leaves(&f->pt), 511);
    for (unsigned i = 0; i < f->mm.inval_num; i++)
        assert_false(f->mm.inval[i].was_mapped);
    /* unmapping everything frees every table below the root */
    assert_int_equal(pt_unmap(&f->pt, 0, GiB(1)), 0);
    assert_int_equal(leaves(&f->pt), 0);
    assert_int_equal(f->mm.live_pages, root);
    /* unmapping a hole is fine */
    assert_int_equal(pt_unmap(&f->pt, GiB(3), MiB(2)), 0);
    teardown(f);
}

static void test_errors(void **state)
{
    (void)state;
    fixture_t *f = setup(PT_STAGE1_EL2, 40);
    pt_t *pt = &f->pt;
    assert_int_equal(pt_map(pt, 0x1001, 0x1000, KiB(4), PT_R), -EINVAL);
    assert_int_equal(pt_map(pt, 0x1000, 0x1001, KiB(4), PT_R), -EINVAL);
    assert_int_equal(pt_map(pt, 0x1000, 0x1000, 100, PT_R), -EINVAL);
    assert_int_equal(pt_map(pt, 0x1000, 0x1000, 0, PT_R), -EINVAL);
    assert_int_equal(pt_map(pt, 0xfffffffffffff000UL, 0x1000, KiB(8), PT_R), -EINVAL);
    assert_int_equal(pt_map(pt, 0x1000, 0xfffffffffffff000UL, KiB(8), PT_R), -EINVAL);
    assert_int_equal(pt_map(pt, GiB(1024) - KiB(4), 0, KiB(8), PT_R), -EINVAL); /* > 40 bits */
    assert_int_equal(pt_map(pt, GiB(1024), 0, KiB(4), PT_R), -EINVAL);
    assert_int_equal(pt_map(pt, 0, 1UL << 48, KiB(4), PT_R), -EINVAL); /* PA beyond 48 bits */
    assert_int_equal(pt_map(pt, 0, 0, KiB(4), PT_R | PT_W | PT_X), -EPERM);
    assert_int_equal(pt_map(pt, 0, 0, KiB(4), PT_W | PT_X), -EPERM);
    assert_int_equal(pt_map(pt, 0, 0, KiB(4), PT_R | PT_X | PT_DEVICE), -EINVAL);
    assert_int_equal(pt_map(pt, 0, 0, KiB(4), PT_R | PT_DEVICE | PT_NC), -EINVAL);
    assert_int_equal(pt_map(pt, 0, 0, KiB(4), 0), -EINVAL);
    assert_int_equal(pt_map(pt, 0, 0, KiB(4), PT_W), -EINVAL); /* stage 1 needs R */
    assert_int_equal(pt_map(pt, 0, 0, KiB(4), PT_R | 0x100), -EINVAL);
    assert_int_equal(pt_unmap(pt, 0x800, KiB(4)), -EINVAL);
    assert_int_equal(pt_unmap(pt, 0, 0), -EINVAL);
    assert_int_equal(leaves(pt), 0);
    assert_int_equal(pt_lookup(pt, GiB(2048), NULL, NULL, NULL), -ENOENT);
    teardown(f);
}

static void test_out_of_memory(void **state)
{
    (void)state;
    fixture_t *f = setup(PT_STAGE2, 40);
    assert_int_equal(pt_map(&f->pt, GiB(1), GiB(1), MiB(2), PT_R), 0);
    f->mm.alloc_budget = 1; /* enough for one level-2 table, not for the level-3 one */
    assert_int_equal(pt_map(&f->pt, GiB(3) + KiB(4), GiB(3), KiB(4), PT_R), -ENOMEM);
    assert_int_equal(pt_lookup(&f->pt, GiB(3) + KiB(4), NULL, NULL, NULL), -ENOENT);
    /* splitting a block needs a table too; the block stays intact when none is left */
    f->mm.alloc_budget = 0;
    assert_int_equal(pt_unmap(&f->pt, GiB(1), KiB(4)), -ENOMEM);
    assert_int_equal(pt_lookup(&f->pt, GiB(1), NULL, NULL, NULL), 0);
    assert_int_equal(leaves(&f->pt), 1);
    f->mm.alloc_budget = -1;
    assert_int_equal(pt_map(&f->pt, GiB(3) + KiB(4), GiB(3), KiB(4), PT_R), 0);
    teardown(f);
}

static int stop_at_third(void *arg, uint64_t va, paddr_t pa, uint64_t size, unsigned prot)
{
    uint64_t *seen = arg;
    (void)pa, (void)size, (void)prot;
    assert_true(seen[0] == 0 || va > seen[seen[0]]); /* ascending VA */
    seen[++seen[0]] = va;
    return seen[0] == 3 ? 42 : 0;
}

static void test_walk(void **state)
{
    (void)state;
    fixture_t *f = setup(PT_STAGE1_EL2, 44);
    assert_int_equal(pt_map(&f->pt, GiB(9), GiB(9), KiB(4), PT_R), 0);
    assert_int_equal(pt_map(&f->pt, GiB(1), GiB(1), MiB(2), PT_R), 0);
    assert_int_equal(pt_map(&f->pt, GiB(600), GiB(2), GiB(1), PT_R), 0);
    assert_int_equal(pt_map(&f->pt, GiB(3), GiB(3), KiB(4), PT_R), 0);
    uint64_t seen[8] = {0};
    assert_int_equal(pt_walk(&f->pt, stop_at_third, seen), 42);
    assert_int_equal(seen[0], 3);
    assert_int_equal(seen[1], GiB(1));
    assert_int_equal(seen[2], GiB(3));
    assert_int_equal(seen[3], GiB(9));
    teardown(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_levels),
        cmocka_unit_test(test_block_sizes),
        cmocka_unit_test(test_stage1_attrs),
        cmocka_unit_test(test_stage2_attrs),
        cmocka_unit_test(test_split_and_merge),
        cmocka_unit_test(test_unmap),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_walk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
