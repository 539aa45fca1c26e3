/*
 * Unit tests of the grant-mapping fast paths in mm/: kept table pages (pt_unmap_keep, pt_prune,
 * and s2's keep_tables with its budget: charged once, freed at destroy, given back when a
 * mapping finds the budget spent, and still refusing what does not fit), the owned-region fast
 * path of the region table (region_add_owned / region_delete_owned: single pages in their own
 * slots, seen by every lookup and check, with the same rules as region_set_soft, undone whole
 * when stage 2 cannot follow), stage-2 TLB invalidation on this CPU only while no other CPU
 * has loaded the VMID, and the firmware-map page slots (a page is mapped at its slot's place
 * again, and gone after the unmap).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "fake_pt_ops.h"
#include <errno.h>
#include <fake_arch.h>
#include <mm/fwmap.h>
#include <mm/s2.h>

#define PG  4096ULL
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)
#define RW  (REGION_R | REGION_W)

static int changed(void *ctx, uint64_t gpa, uint64_t len, const region_t *r, bool undo)
{
    return s2_changed(ctx, gpa, len, r, undo);
}

typedef struct fix {
    fake_mm_t mm;
    pt_ops_t tables;
    s2_t s2;
    region_ops_t ops;
    region_table_t rt;
} fix_t;

static unsigned cpu_now;
static unsigned this_cpu(void) { return cpu_now; }

static fix_t *setup(bool keep)
{
    static fix_t f;
    fake_arch_reset();
    memset(&f.mm, 0, sizeof(f.mm));
    f.mm.alloc_budget = -1;
    f.tables = fake_ops(&f.mm);
    f.tables.tlb_inval = NULL;
    assert_int_equal(s2_init(&f.s2, 3, 40, &f.tables), 0);
    f.s2.keep_tables = keep;
    f.ops = (region_ops_t){NULL, changed, NULL, NULL, NULL, &f.s2};
    region_table_init(&f.rt, 1ULL << 40, &f.ops);
    return &f;
}

static int tok[8]; /* owner tokens */

static region_t page(uint64_t gpa, uint64_t hpa, int *owner)
{
    return (region_t){gpa, PG, hpa, REGION_RAM, RW, owner};
}

static bool mapped(const fix_t *f, uint64_t gpa)
{
    return pt_lookup(&f->s2.pt, gpa, NULL, NULL, NULL) == 0;
}

/* A page mapped and unmapped again and again at an address far from everything: the first map
 * builds its levels, the unmap keeps them, no later map builds one or frees one. */
static void test_kept_tables(void **state)
{
    (void)state;
    fix_t *f = setup(true);
    unsigned root = f->s2.tables_used;
    region_t r = page(0x60000000, 0x80000000, &tok[0]);
    assert_int_equal(region_add_owned(&f->rt, &r), REGION_OK);
    assert_true(mapped(f, 0x60000000));
    unsigned built = f->s2.tables_used;
    assert_true(built > root);
    assert_int_equal(region_delete_owned(&f->rt, 0x60000000, PG, &tok[0]), REGION_OK);
    assert_false(mapped(f, 0x60000000));
    assert_int_equal(f->rt.num, 0);
    assert_int_equal(f->s2.tables_used, built); /* kept, still charged */
    for (unsigned i = 0; i < 10; i++) {
        assert_int_equal(region_add_owned(&f->rt, &r), REGION_OK);
        assert_int_equal(f->s2.tables_used, built);
        assert_int_equal(region_delete_owned(&f->rt, 0x60000000, PG, &tok[0]), REGION_OK);
    }
    assert_int_equal(f->mm.live_pages, (int)built);
    /* the unmap invalidated that one page by IPA, never the whole VMID */
    assert_true(fake_arch.s2_inval_num > 0);
    for (unsigned i = 0; i < fake_arch.s2_inval_num && i < FAKE_LOG_MAX; i++) {
        assert_int_equal(fake_arch.s2_inval[i].ipa, 0x60000000);
        assert_int_equal(fake_arch.s2_inval[i].size, PG);
    }
    /* pruned: the empty levels go back, the root stays */
    assert_int_equal(s2_prune(&f->s2), built - root);
    assert_int_equal(f->s2.tables_used, root);
    assert_false(mapped(f, 0x60000000));
    /* and at destroy everything goes, kept pages included */
    assert_int_equal(region_add_owned(&f->rt, &r), REGION_OK);
    assert_int_equal(region_delete_owned(&f->rt, 0x60000000, PG, &tok[0]), REGION_OK);
    s2_destroy(&f->s2);
    assert_int_equal(f->mm.live_pages, 0);
    assert_int_equal(f->s2.tables_used, 0);
}

/* Without keep_tables (the default) the emptied levels go at once, as before. */
static void test_not_kept_by_default(void **state)
{
    (void)state;
    fix_t *f = setup(false);
    unsigned root = f->s2.tables_used;
    region_t r = page(0x60000000, 0x80000000, &tok[0]);
    assert_int_equal(region_add_owned(&f->rt, &r), REGION_OK);
    assert_int_equal(region_delete_owned(&f->rt, 0x60000000, PG, &tok[0]), REGION_OK);
    assert_int_equal(f->s2.tables_used, root);
    s2_destroy(&f->s2);
    assert_int_equal(f->mm.live_pages, 0);
}

/* The budget: kept pages are given back when a mapping elsewhere needs them; what does not fit
 * without them is still refused, and undone whole. */
static void test_budget_with_kept_tables(void **state)
{
    (void)state;
    fix_t *f = setup(true);
    unsigned root = f->s2.tables_used;
    region_t a = page(0x60000000, 0x80000000, &tok[0]);
    region_t b = page(0x7000000000, 0x80001000, &tok[1]); /* another level-1 entry */
    assert_int_equal(region_add_owned(&f->rt, &a), REGION_OK);
    unsigned one = f->s2.tables_used - root; /* levels for one far page */
    assert_int_equal(region_delete_owned(&f->rt, 0x60000000, PG, &tok[0]), REGION_OK);
    assert_int_equal(s2_set_limit(&f->s2, root + one), 0);
    /* b needs its own levels: the kept ones of a are pruned, b fits */
    assert_int_equal(region_add_owned(&f->rt, &b), REGION_OK);
    assert_true(mapped(f, 0x7000000000));
    assert_int_equal(f->s2.tables_used, root + one);
    /* a now needs levels too, and b holds the whole budget: refused, nothing left behind */
    assert_int_equal(region_add_owned(&f->rt, &a), REGION_ENOMEM);
    assert_false(mapped(f, 0x60000000));
    region_t got;
    assert_int_equal(region_info(&f->rt, 0x60000000, &got), REGION_ENOENT);
    assert_int_equal(region_info(&f->rt, 0x7000000000, &got), REGION_OK);
    assert_true(mapped(f, 0x7000000000));
    assert_true(f->s2.tables_used <= root + one);
    s2_destroy(&f->s2);
    assert_int_equal(f->mm.live_pages, 0);
}

/* The owned fast path keeps the table's rules: no overlap, no owner-less region, an owner's one
 * region deleted only whole and only by that owner, bad flags and ranges refused. */
static void test_owned_rules(void **state)
{
    (void)state;
    fix_t *f = setup(true);
    region_req_t ram = {REGION_ADD, {0x40000000, 16 * PG, 0x90000000, REGION_RAM, RW}};
    unsigned failed;
    assert_int_equal(region_set_soft(&f->rt, 1, &ram, &failed), REGION_OK);
    region_t r = page(0x40000000 + 4 * PG, 0x80000000, &tok[0]);
    assert_int_equal(region_add_owned(&f->rt, &r), REGION_EOVERLAP);
    r.owner = NULL;
    r.gpa = 0x50000000;
    assert_int_equal(region_add_owned(&f->rt, &r), REGION_EFLAGS);
    r = page(0x50000001, 0x80000000, &tok[0]);
    assert_int_equal(region_add_owned(&f->rt, &r), REGION_EALIGN);
    r = page(1ULL << 40, 0x80000000, &tok[0]);
    assert_int_equal(region_add_owned(&f->rt, &r), REGION_ERANGE);
    r = page(0x50000000, 0x80000000, &tok[0]);
    r.flags = 0;
    assert_int_equal(region_add_owned(&f->rt, &r), REGION_EFLAGS);
    /* next to the RAM and apart from it: single pages are kept in their own slots, found by
     * every lookup, never merged with the RAM */
    r = page(0x40000000 + 16 * PG, 0x90000000 + 16 * PG, &tok[0]);
    assert_int_equal(region_add_owned(&f->rt, &r), REGION_OK);
    region_t s = page(0x30000000, 0x80002000, &tok[1]);
    assert_int_equal(region_add_owned(&f->rt, &s), REGION_OK);
    assert_int_equal(f->rt.num, 1);
    assert_int_equal(f->rt.r[0].len, 16 * PG);
    region_t got;
    assert_int_equal(region_info(&f->rt, 0x40000000 + 16 * PG + 8, &got), REGION_OK);
    assert_true(got.gpa == 0x40000000 + 16 * PG && got.len == PG && got.owner == &tok[0]);
    const region_t *found = region_find(&f->rt, 0x30000fff);
    assert_true(found && found->gpa == 0x30000000 && found->owner == &tok[1]);
    assert_true(mapped(f, 0x30000000) && mapped(f, 0x40000000 + 16 * PG));
    assert_true(region_maps_host(&f->rt, 0x80002000, PG));
    assert_false(region_maps_host(&f->rt, 0x80003000, PG));
    /* nothing goes over them: an owned page, a region, a change of a range holding one */
    assert_int_equal(region_add_owned(&f->rt, &s), REGION_EOVERLAP);
    region_req_t over = {REGION_ADD, {0x30000000 - PG, 4 * PG, 0x91000000, REGION_RAM, RW}};
    assert_int_equal(region_set_soft(&f->rt, 1, &over, &failed), REGION_EOVERLAP);
    region_req_t grow = {REGION_ADD, {0x40000000 + 16 * PG, PG, 0x91000000, REGION_RAM, RW}};
    assert_int_equal(region_set_soft(&f->rt, 1, &grow, &failed), REGION_EOVERLAP);
    region_req_t del = {REGION_DELETE, {0x40000000, 17 * PG, REGION_NO_HOST, REGION_RAM, 0}};
    assert_int_equal(region_set_soft(&f->rt, 1, &del, &failed), REGION_EOWNED);
    region_req_t mod = {REGION_MODIFY, {0x30000000, PG, REGION_NO_HOST, REGION_RAM, REGION_R}};
    assert_int_equal(region_set_soft(&f->rt, 1, &mod, &failed), REGION_EOWNED);
    assert_true(mapped(f, 0x30000000) && mapped(f, 0x40000000 + 16 * PG));
    /* delete: the wrong owner, a part, the wrong place, a region without an owner */
    assert_int_equal(region_delete_owned(&f->rt, 0x30000000, PG, &tok[0]), REGION_ENOENT);
    assert_int_equal(region_delete_owned(&f->rt, 0x30000000, 2 * PG, &tok[1]), REGION_ENOENT);
    assert_int_equal(region_delete_owned(&f->rt, 0x30001000, PG, &tok[1]), REGION_ENOENT);
    assert_int_equal(region_delete_owned(&f->rt, 0x40000000, 16 * PG, NULL), REGION_ENOENT);
    assert_true(mapped(f, 0x30000000));
    assert_int_equal(region_delete_owned(&f->rt, 0x30000000, PG, &tok[1]), REGION_OK);
    assert_int_equal(region_delete_owned(&f->rt, 0x40000000 + 16 * PG, PG, &tok[0]), REGION_OK);
    assert_int_equal(region_info(&f->rt, 0x30000000, &got), REGION_ENOENT);
    assert_false(region_maps_host(&f->rt, 0x80002000, PG));
    assert_false(mapped(f, 0x30000000));
    assert_true(mapped(f, 0x40000000));
    /* a page is one page; and when every slot is taken, no more (a slot that frees takes the
     * next page again) */
    r = page(0x50000000, 0x80000000, &tok[2]);
    r.len = 2 * PG;
    assert_int_equal(region_add_owned(&f->rt, &r), REGION_EFLAGS);
    static char owners[REGION_PAGES_MAX];
    for (unsigned i = 0; i < REGION_PAGES_MAX; i++) {
        region_t p = page(0x100000000ULL + 2 * i * PG, 0x80000000, NULL);
        p.owner = &owners[i];
        assert_int_equal(region_add_owned(&f->rt, &p), REGION_OK);
    }
    r = page(0x50000000, 0x80000000, &tok[2]);
    assert_int_equal(region_add_owned(&f->rt, &r), REGION_EFULL);
    assert_int_equal(region_delete_owned(&f->rt, 0x100000000ULL, PG, &owners[0]), REGION_OK);
    assert_int_equal(region_add_owned(&f->rt, &r), REGION_OK);
    assert_int_equal(f->rt.num, 1);
    for (unsigned i = 1; i < REGION_PAGES_MAX; i++) { /* each where it was put */
        region_t got2;
        assert_int_equal(region_info(&f->rt, 0x100000000ULL + 2 * i * PG, &got2), REGION_OK);
        assert_true(got2.owner == &owners[i]);
    }
    /* a VM's memory going away takes everything, pages and regions, out of stage 2 */
    unsigned n = 0;
    while (region_delete_first(&f->rt) == REGION_OK)
        n++;
    assert_int_equal(n, 1 + REGION_PAGES_MAX);
    assert_int_equal(f->rt.num, 0);
    assert_true(!f->rt.pages.live[0] && !f->rt.pages.live[1]);
    assert_false(mapped(f, 0x40000000) || mapped(f, 0x50000000) || mapped(f, 0x100002000ULL));
    s2_destroy(&f->s2);
}

/* TLB invalidation stays on this CPU only while no other CPU has loaded the VMID; a CPU index
 * it cannot track, or none, makes it broadcast. */
static void test_local_tlbi(void **state)
{
    (void)state;
    fix_t *f = setup(true);
    region_t r = page(0x60000000, 0x80000000, &tok[0]);
    /* no CPU index: broadcast */
    assert_int_equal(region_add_owned(&f->rt, &r), REGION_OK);
    assert_int_equal(region_delete_owned(&f->rt, 0x60000000, PG, &tok[0]), REGION_OK);
    assert_true(fake_arch.s2_inval_num > 0);
    assert_int_equal(fake_arch.s2_inval_local, 0);
    /* only CPU 2 has run it, and CPU 2 unmaps: local */
    f->s2.cpu_index = this_cpu;
    cpu_now = 2;
    s2_cpu_loads(&f->s2, 2);
    unsigned n = fake_arch.s2_inval_num;
    assert_int_equal(region_add_owned(&f->rt, &r), REGION_OK);
    assert_int_equal(region_delete_owned(&f->rt, 0x60000000, PG, &tok[0]), REGION_OK);
    assert_int_equal(fake_arch.s2_inval_num, n + 1);
    assert_int_equal(fake_arch.s2_inval_local, 1);
    /* CPU 1 unmaps (it loads the VMID to do so): broadcast, then and from then on */
    cpu_now = 1;
    assert_int_equal(region_add_owned(&f->rt, &r), REGION_OK);
    assert_int_equal(region_delete_owned(&f->rt, 0x60000000, PG, &tok[0]), REGION_OK);
    assert_int_equal(fake_arch.s2_inval_local, 1);
    assert_int_equal(f->s2.cpus, (1U << 1) | (1U << 2));
    cpu_now = 2;
    assert_int_equal(region_add_owned(&f->rt, &r), REGION_OK);
    assert_int_equal(region_delete_owned(&f->rt, 0x60000000, PG, &tok[0]), REGION_OK);
    assert_int_equal(fake_arch.s2_inval_local, 1);
    s2_destroy(&f->s2);
    /* a CPU beyond the mask: every later invalidation broadcasts */
    fix_t *g = setup(true);
    g->s2.cpu_index = this_cpu;
    s2_cpu_loads(&g->s2, S2_CPUS);
    cpu_now = 0;
    assert_int_equal(region_add_owned(&g->rt, &r), REGION_OK);
    assert_int_equal(region_delete_owned(&g->rt, 0x60000000, PG, &tok[0]), REGION_OK);
    assert_int_equal(fake_arch.s2_inval_local, 0);
    s2_destroy(&g->s2);
}

/* Firmware-map page slots: a one-page map goes to its slot's page, is gone after the unmap, and
 * the same slot maps another frame there later (its kept leaf entry rewritten). */
static void test_fwmap_page_slots(void **state)
{
    (void)state;
    fix_t *f = setup(false);
    static fake_mm_t el2mm;
    static pt_ops_t el2ops;
    static pt_t el2;
    el2mm.alloc_budget = -1;
    el2ops = fake_ops(&el2mm);
    assert_int_equal(pt_init(&el2, PT_STAGE1_EL2, 44, &el2ops), 0);
    const uint64_t win = 1ULL << 40;
    assert_int_equal(fwmap_init(&el2, win, 2 * 4 * MiB, 2, NULL), 0);
    gasp_map_handle_t h;
    paddr_t pa;
    unsigned prot;
    assert_int_equal(fwmap_frames(0x80000000, 1, true, &h), EOK);
    uint64_t va = (uint64_t)(uintptr_t)gasp_get_vaddr(h);
    assert_int_equal(va, win);
    int tables = el2mm.live_pages;
    assert_int_equal(pt_lookup(&el2, va, &pa, &prot, NULL), 0);
    assert_int_equal(pa, 0x80000000);
    assert_int_equal(prot, PT_R | PT_W);
    gasp_unmap_handle(h);
    assert_int_equal(pt_lookup(&el2, va, NULL, NULL, NULL), -ENOENT);
    assert_null(gasp_get_vaddr(h)); /* a stale handle */
    assert_int_equal(fwmap_frames(0x80005000, 1, false, &h), EOK);
    assert_int_equal((uint64_t)(uintptr_t)gasp_get_vaddr(h), win);
    assert_int_equal(pt_lookup(&el2, va, &pa, &prot, NULL), 0);
    assert_int_equal(pa, 0x80005000);
    assert_int_equal(prot, PT_R);               /* read-only this time */
    assert_int_equal(el2mm.live_pages, tables); /* nothing built again */
    fwmap_unmap_vaddr(gasp_get_vaddr(h));
    assert_int_equal(pt_lookup(&el2, va, NULL, NULL, NULL), -ENOENT);
    assert_int_equal(fwmap_live(), 0);
    /* larger maps go past the page slots' table, in the same slice; their unmap frees the
     * tables they built, never the slots' */
    assert_int_equal(fwmap_frames(0x80000000, 3, true, &h), EOK);
    assert_int_equal((uint64_t)(uintptr_t)gasp_get_vaddr(h), win + 2 * MiB);
    assert_int_equal(el2mm.live_pages, tables + 1);
    gasp_unmap_handle(h);
    assert_int_equal(pt_lookup(&el2, win + 2 * MiB, NULL, NULL, NULL), -ENOENT);
    assert_int_equal(el2mm.live_pages, tables);
    assert_int_equal(fwmap_frames(0x80001000, 1, true, &h), EOK);
    assert_int_equal(pt_lookup(&el2, win, &pa, NULL, NULL), 0);
    assert_int_equal(pa, 0x80001000);
    gasp_unmap_handle(h);
    /* every slot taken: ENOMEM, not a stale slot */
    gasp_map_handle_t all[FWMAP_MAX];
    for (unsigned i = 0; i < FWMAP_MAX; i++)
        assert_int_equal(fwmap_frames(0x80000000 + i * PG, 1, false, &all[i]), EOK);
    assert_int_equal(fwmap_frames(0x80000000, 1, false, &h), ENOMEM);
    for (unsigned i = 0; i < FWMAP_MAX; i++)
        gasp_unmap_handle(all[i]);
    assert_int_equal(fwmap_live(), 0);
    pt_destroy(&el2);
    assert_int_equal(el2mm.live_pages, 0);
    s2_destroy(&f->s2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kept_tables),
        cmocka_unit_test(test_not_kept_by_default),
        cmocka_unit_test(test_budget_with_kept_tables),
        cmocka_unit_test(test_owned_rules),
        cmocka_unit_test(test_local_tlbi),
        cmocka_unit_test(test_fwmap_page_slots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
