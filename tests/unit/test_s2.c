/*
 * Unit tests of mm/s2.c with mm/region.c: stage 2 follows the region table entry by entry:
 * blocks for aligned RAM, splits into pages when part of a region changes, back to a block when
 * the change is undone, ROM never writable, devices uncached and never executable, emulated
 * regions unmapped; every TLB invalidation names the VM's VMID. Its table budget: no page past
 * its limit, a change that needs one fails with REGION_ENOMEM and is undone (the region table
 * and stage 2 as before, its table pages back, the error not sticky), an undo may use the undo
 * allowance. Also the firmware maps (mm/fwmap.c): what they map and every ENXIO case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "fake_pt_ops.h"
#include <arch/pte.h>
#include <errno.h>
#include <fake_arch.h>
#include <mm/fwmap.h>
#include <mm/s2.h>
#include <string.h>

#define PG  4096ULL
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)
#define RWX (REGION_R | REGION_W | REGION_X)

static uint64_t want_vttbr;

/* Stage-2 TLB invalidations (the fake arch records them) that named another VTTBR. */
static unsigned inval_wrong_vmid(void)
{
    unsigned wrong = 0;
    for (unsigned i = 0; i < fake_arch.s2_inval_num && i < FAKE_LOG_MAX; i++)
        wrong += fake_arch.s2_inval[i].vttbr != want_vttbr;
    return wrong;
}

static bool host_ok(void *ctx, uint64_t hpa, uint64_t len, region_type_t t)
{
    (void)ctx, (void)hpa, (void)len, (void)t;
    return true;
}

static int changed(void *ctx, uint64_t gpa, uint64_t len, const region_t *r, bool undo)
{
    return s2_changed(ctx, gpa, len, r, undo);
}

typedef struct vmfix {
    fake_mm_t mm;
    pt_ops_t tables;
    s2_t s2;
    region_ops_t ops;
    region_table_t rt;
} vmfix_t;

static vmfix_t *vm_setup_bits(unsigned ipa_bits)
{
    static vmfix_t f;
    fake_arch_reset();
    f.tables = fake_ops(&f.mm);
    f.tables.tlb_inval = NULL;
    assert_int_equal(s2_init(&f.s2, 7, ipa_bits, &f.tables), 0);
    want_vttbr = f.s2.vttbr;
    assert_int_equal(f.s2.vttbr >> 48, 7);
    assert_int_equal(f.s2.vttbr & ((1ULL << 48) - 1), f.s2.pt.root_pa);
    assert_int_equal(f.s2.tables_used, f.s2.pt.root_pages);
    f.ops = (region_ops_t){host_ok, changed, NULL, NULL, NULL, &f.s2};
    region_table_init(&f.rt, 1ULL << ipa_bits, &f.ops);
    return &f;
}

static vmfix_t *vm_setup(void) { return vm_setup_bits(40); }

static int set1(vmfix_t *f, region_op_t op, uint64_t gpa, uint64_t len, uint64_t hpa,
                region_type_t type, unsigned flags)
{
    region_req_t q = {op, {gpa, len, hpa, type, flags}};
    unsigned failed;
    return region_set_soft(&f->rt, 1, &q, &failed);
}

static int leaf_level(const pt_t *pt, uint64_t va, unsigned *prot, paddr_t *pa)
{
    uint64_t bs;
    if (pt_lookup(pt, va, pa, prot, &bs))
        return -1;
    return bs == GiB ? 1 : bs == 2 * MiB ? 2 : 3;
}

static void test_follow_region_table(void **state)
{
    (void)state;
    vmfix_t *f = vm_setup();
    unsigned prot;
    paddr_t pa;
    assert_int_equal(set1(f, REGION_ADD, GiB, GiB, 4 * GiB, REGION_RAM, RWX), 0);
    assert_int_equal(leaf_level(&f->s2.pt, GiB + 12345, &prot, &pa), 1);
    assert_int_equal(prot, PT_R | PT_W | PT_X);
    assert_int_equal(pa, 4 * GiB + 12345);
    int tables = f->mm.live_pages;

    /* one page read-only: the GiB block is split down to pages, the rest unchanged */
    assert_int_equal(set1(f, REGION_MODIFY, GiB + 5 * MiB, PG, REGION_NO_HOST, REGION_RAM,
                          REGION_R),
                     0);
    assert_int_equal(leaf_level(&f->s2.pt, GiB + 5 * MiB, &prot, &pa), 3);
    assert_int_equal(prot, PT_R);
    assert_int_equal(pa, 4 * GiB + 5 * MiB);
    assert_int_equal(leaf_level(&f->s2.pt, GiB + 5 * MiB + PG, &prot, &pa), 3);
    assert_int_equal(prot, PT_R | PT_W | PT_X);
    assert_int_equal(leaf_level(&f->s2.pt, GiB + 100 * MiB, &prot, NULL), 2);
    assert_int_equal(f->mm.live_pages, tables + 2);
    for (unsigned i = 0; i < f->mm.inval_num; i++)
        assert_false(f->mm.inval[i].was_mapped);

    /* undo: the regions merge, the whole region is remapped, the GiB block is back */
    assert_int_equal(set1(f, REGION_MODIFY, GiB + 5 * MiB, PG, REGION_NO_HOST, REGION_RAM, RWX), 0);
    assert_int_equal(f->rt.num, 1);
    assert_int_equal(leaf_level(&f->s2.pt, GiB + 5 * MiB, &prot, &pa), 1);
    assert_int_equal(f->mm.live_pages, tables);

    /* delete a page: unmapped at once; re-add: mapped again */
    assert_int_equal(set1(f, REGION_DELETE, GiB + 8 * PG, PG, 0, REGION_RAM, 0), 0);
    assert_int_equal(leaf_level(&f->s2.pt, GiB + 8 * PG, NULL, NULL), -1);
    assert_int_equal(set1(f, REGION_ADD, GiB + 8 * PG, PG, 4 * GiB + 8 * PG, REGION_RAM, RWX), 0);
    assert_int_equal(leaf_level(&f->s2.pt, GiB + 8 * PG, &prot, &pa), 1);
    assert_true(fake_arch.s2_inval_num > 0);
    assert_true(fake_arch.s2_inval_num <= FAKE_LOG_MAX); /* all of them were checked */
    assert_int_equal(inval_wrong_vmid(), 0);
    assert_int_equal(f->s2.error, 0);
    s2_destroy(&f->s2);
    assert_int_equal(f->mm.live_pages, 0);
}

static void test_types(void **state)
{
    (void)state;
    vmfix_t *f = vm_setup();
    unsigned prot;
    assert_int_equal(set1(f, REGION_ADD, 0, 2 * MiB, 0, REGION_ROM, REGION_R | REGION_X), 0);
    leaf_level(&f->s2.pt, 0, &prot, NULL);
    assert_int_equal(prot, PT_R | PT_X);
    assert_int_equal(set1(f, REGION_ADD, 0x9000000, PG, 0x9000000, REGION_DEVICE,
                          REGION_R | REGION_W),
                     0);
    leaf_level(&f->s2.pt, 0x9000000, &prot, NULL);
    assert_int_equal(prot, PT_R | PT_W | PT_DEVICE);
    assert_int_equal(set1(f, REGION_ADD, 0x8000000, 16 * PG, REGION_NO_HOST, REGION_EMULATED,
                          REGION_R | REGION_W),
                     0);
    assert_int_equal(leaf_level(&f->s2.pt, 0x8000000, NULL, NULL), -1);
    assert_int_equal(set1(f, REGION_ADD, 0x40000000, PG, 0x50000000, REGION_RAM,
                          REGION_R | REGION_W | REGION_NC),
                     0);
    leaf_level(&f->s2.pt, 0x40000000, &prot, NULL);
    assert_int_equal(prot, PT_R | PT_W | PT_NC);
    region_t rom = {0, PG, 0, REGION_ROM, REGION_R | REGION_W};
    assert_int_equal(s2_prot(&rom), PT_R); /* never writable, whatever the flags */
    assert_int_equal(s2_prot(NULL), 0);
    s2_destroy(&f->s2);
}

/* ---- undoing what stage 2 cannot follow ---- */

/* The region table, copied, to show that a failed change left it exactly as it was. */
static region_t saved[REGION_MAX];
static unsigned saved_num;
static void save(const vmfix_t *f)
{
    memcpy(saved, f->rt.r, sizeof(saved));
    saved_num = f->rt.num;
}
static bool unchanged(const vmfix_t *f)
{
    return f->rt.num == saved_num && !memcmp(saved, f->rt.r, saved_num * sizeof(saved[0]));
}

/* A page far from everything (48-bit IPAs) that gets two of the three tables it needs: refused,
 * and nothing of it stays, in the table or in stage 2, the partial path included. */
static void test_undo_far_page(void **state)
{
    (void)state;
    vmfix_t *f = vm_setup_bits(48);
    f->mm.alloc_budget = 2;
    save(f);
    assert_int_equal(set1(f, REGION_ADD, 5ULL << 39, PG, 0x90000000, REGION_RAM, RWX),
                     REGION_ENOMEM);
    assert_true(unchanged(f));
    assert_null(region_find(&f->rt, 5ULL << 39));
    assert_int_equal(leaf_level(&f->s2.pt, 5ULL << 39, NULL, NULL), -1);
    assert_int_equal(f->mm.live_pages, (int)f->s2.pt.root_pages);
    assert_int_equal(f->s2.error, 0); /* the undo went through: nothing sticks */
    f->mm.alloc_budget = 3;
    assert_int_equal(set1(f, REGION_ADD, 5ULL << 39, PG, 0x90000000, REGION_RAM, RWX), 0);
    assert_int_equal(leaf_level(&f->s2.pt, 5ULL << 39, NULL, NULL), 3);
    s2_destroy(&f->s2);
    assert_int_equal(f->mm.live_pages, 0);
}

/* MODIFY and DELETE inside a block need a split; without a page for it they change nothing. */
static void test_undo_split(void **state)
{
    (void)state;
    vmfix_t *f = vm_setup();
    unsigned prot;
    paddr_t pa;
    assert_int_equal(set1(f, REGION_ADD, GiB, GiB, 4 * GiB, REGION_RAM, RWX), 0);
    int base = f->mm.live_pages;
    f->mm.alloc_budget = 1; /* the GiB block splits, the 2 MiB one cannot */
    save(f);
    assert_int_equal(set1(f, REGION_MODIFY, GiB + 5 * MiB, PG, REGION_NO_HOST, REGION_RAM,
                          REGION_R),
                     REGION_ENOMEM);
    assert_true(unchanged(f));
    assert_int_equal(leaf_level(&f->s2.pt, GiB + 5 * MiB, &prot, &pa), 1); /* the block is back */
    assert_int_equal(prot, PT_R | PT_W | PT_X);
    assert_int_equal(pa, 4 * GiB + 5 * MiB);
    assert_int_equal(f->mm.live_pages, base);
    f->mm.alloc_budget = 1;
    assert_int_equal(set1(f, REGION_DELETE, GiB + 8 * PG, PG, 0, REGION_RAM, 0), REGION_ENOMEM);
    assert_true(unchanged(f));
    assert_int_equal(leaf_level(&f->s2.pt, GiB + 8 * PG, &prot, NULL), 1);
    assert_int_equal(prot, PT_R | PT_W | PT_X);
    assert_int_equal(f->mm.live_pages, base);

    /* with the pages it needs, the same change goes through: nothing stuck from before */
    f->mm.alloc_budget = 2;
    assert_int_equal(set1(f, REGION_MODIFY, GiB + 5 * MiB, PG, REGION_NO_HOST, REGION_RAM,
                          REGION_R),
                     0);
    assert_int_equal(leaf_level(&f->s2.pt, GiB + 5 * MiB, &prot, NULL), 3);
    assert_int_equal(prot, PT_R);
    assert_int_equal(f->rt.num, 3);
    s2_destroy(&f->s2);
    assert_int_equal(f->mm.live_pages, 0);
}

/* A MODIFY over two regions whose first piece went through and second did not: the first is
 * put back too, blocks and all. */
static void test_undo_partial_change(void **state)
{
    (void)state;
    vmfix_t *f = vm_setup();
    unsigned prot;
    assert_int_equal(set1(f, REGION_ADD, GiB, 2 * MiB, 4 * GiB, REGION_RAM, RWX), 0);
    assert_int_equal(set1(f, REGION_ADD, GiB + 2 * MiB, 2 * MiB, 8 * GiB, REGION_RAM, REGION_R), 0);
    int base = f->mm.live_pages;
    f->mm.alloc_budget = 1; /* one split, not two */
    save(f);
    assert_int_equal(set1(f, REGION_MODIFY, GiB + MiB, 2 * MiB, REGION_NO_HOST, REGION_RAM,
                          REGION_R | REGION_W),
                     REGION_ENOMEM);
    assert_true(unchanged(f));
    assert_int_equal(leaf_level(&f->s2.pt, GiB + MiB, &prot, NULL), 2);
    assert_int_equal(prot, PT_R | PT_W | PT_X);
    assert_int_equal(leaf_level(&f->s2.pt, GiB + 2 * MiB, &prot, NULL), 2);
    assert_int_equal(prot, PT_R);
    assert_int_equal(f->mm.live_pages, base);
    s2_destroy(&f->s2);
}

/* ---- the table budget ---- */

/* 48-bit IPAs: a page far from everything needs a table on each of levels 1, 2 and 3. */
static void test_budget_scattered_pages(void **state)
{
    (void)state;
    vmfix_t *f = vm_setup_bits(48);
    const uint64_t place = 1ULL << 39; /* one level-0 entry per place */
    assert_int_equal(set1(f, REGION_ADD, 0x40000000, 2 * MiB, 0x80000000, REGION_RAM, RWX), 0);
    unsigned base = f->s2.tables_used;
    assert_int_equal(s2_set_limit(&f->s2, base - 1), -ENOMEM); /* below what it holds */
    assert_int_equal(s2_set_limit(&f->s2, base + 6), 0);       /* room for two places */
    assert_int_equal(set1(f, REGION_ADD, 1 * place, PG, 0x90000000, REGION_RAM, REGION_R), 0);
    assert_int_equal(set1(f, REGION_ADD, 2 * place, PG, 0x90001000, REGION_RAM, REGION_R), 0);
    assert_int_equal(f->s2.tables_used, base + 6);
    assert_int_equal(f->mm.live_pages, (int)f->s2.tables_used);

    /* the third place: refused, and nothing of it stays, in the table or in stage 2 */
    save(f);
    assert_int_equal(set1(f, REGION_ADD, 3 * place, PG, 0x90002000, REGION_RAM, REGION_R),
                     REGION_ENOMEM);
    assert_true(unchanged(f));
    assert_null(region_find(&f->rt, 3 * place));
    assert_int_equal(leaf_level(&f->s2.pt, 3 * place, NULL, NULL), -1);
    assert_int_equal(f->s2.tables_used, base + 6);
    assert_int_equal(f->mm.live_pages, (int)f->s2.tables_used);

    /* a place given up gives its tables back, and the refused one now maps */
    assert_int_equal(set1(f, REGION_DELETE, 1 * place, PG, 0, REGION_RAM, 0), 0);
    assert_int_equal(f->s2.tables_used, base + 3);
    assert_int_equal(set1(f, REGION_ADD, 3 * place, PG, 0x90002000, REGION_RAM, REGION_R), 0);
    paddr_t pa;
    assert_int_equal(leaf_level(&f->s2.pt, 3 * place, NULL, &pa), 3);
    assert_int_equal(pa, 0x90002000);
    /* pages next to a mapped one share its tables: no more are needed */
    for (unsigned i = 1; i < 16; i++)
        assert_int_equal(set1(f, REGION_ADD, 3 * place + i * PG, PG, 0x90002000 + 2 * i * PG,
                              REGION_RAM, REGION_R),
                         0);
    assert_int_equal(f->s2.tables_used, base + 6);
    s2_destroy(&f->s2);
    assert_int_equal(f->s2.tables_used, 0);
    assert_int_equal(f->mm.live_pages, 0);
}

/* An undo may go S2_UNDO_PAGES past the limit; nothing else may. */
static void test_undo_allowance(void **state)
{
    (void)state;
    vmfix_t *f = vm_setup_bits(48);
    region_t r = {7ULL << 39, PG, 0x90000000, REGION_RAM, RWX};
    assert_int_equal(s2_set_limit(&f->s2, f->s2.tables_used), 0);
    assert_int_equal(s2_changed(&f->s2, r.gpa, PG, &r, false), -ENOMEM);
    assert_int_equal(f->s2.error, -ENOMEM);
    assert_int_equal(s2_changed(&f->s2, r.gpa, PG, &r, true), 0);
    assert_int_equal(f->s2.error, 0);
    assert_int_equal(f->s2.tables_used, f->s2.tables_limit + 3);
    assert_false(f->s2.undoing);
    assert_int_equal(s2_changed(&f->s2, r.gpa, PG, NULL, false), 0);
    assert_int_equal(f->s2.tables_used, f->s2.tables_limit);
    s2_destroy(&f->s2);
}

/* ---- firmware maps ---- */

/* septum's EL2 table, fake, with a 64-page firmware-map window at FW_WIN for one CPU */
#define FW_WIN (1ULL << 40)
static fake_mm_t el2mm;
static pt_ops_t el2ops;
static pt_t el2;

static void el2_setup(void)
{
    el2ops = fake_ops(&el2mm);
    assert_int_equal(pt_init(&el2, PT_STAGE1_EL2, 44, &el2ops), 0);
    assert_int_equal(fwmap_init(&el2, FW_WIN, 64 * PG, 1, NULL), 0);
}

static void test_fwmap(void **state)
{
    (void)state;
    vmfix_t *f = vm_setup();
    el2_setup();
    const uint64_t win = FW_WIN;
    assert_int_equal(set1(f, REGION_ADD, 0x40000000, 16 * PG, 0x80000000, REGION_RAM, RWX), 0);
    assert_int_equal(set1(f, REGION_ADD, 0x40010000, 4 * PG, 0x90000000, REGION_RAM, RWX), 0);
    assert_int_equal(set1(f, REGION_ADD, 0x9000000, PG, 0x9000000, REGION_DEVICE,
                          REGION_R | REGION_W),
                     0);
    assert_int_equal(set1(f, REGION_ADD, 0x8000000, PG, REGION_NO_HOST, REGION_EMULATED, REGION_R),
                     0);
    assert_int_equal(set1(f, REGION_ADD, 0, PG, 0xa0000000, REGION_ROM, REGION_R), 0);

    gasp_map_handle_t h, h2;
    assert_int_equal(gasp_map_firmware(&f->rt, 0x40001010, 100, GMF_R | GMF_W, &h), EOK);
    uint64_t va = (uint64_t)(uintptr_t)gasp_get_vaddr(h);
    assert_int_equal(va, win + 0x10);
    paddr_t pa;
    unsigned prot;
    assert_int_equal(pt_lookup(&el2, win, &pa, &prot, NULL), 0);
    assert_int_equal(pa, 0x80001000);
    assert_int_equal(prot, PT_R | PT_W); /* never executable at EL2 */
    assert_int_equal(gasp_map_firmware(&f->rt, 0x40000000, PG, GMF_R, &h2), EOK);
    assert_int_equal((uint64_t)(uintptr_t)gasp_get_vaddr(h2), win + PG); /* its own VA */
    assert_int_equal(fwmap_live(), 2);
    gasp_unmap_handle(h);
    assert_null(gasp_get_vaddr(h));
    assert_int_equal(pt_lookup(&el2, win, NULL, NULL, NULL), -ENOENT);
    gasp_unmap_handle(h); /* a second unmap is harmless */
    assert_int_equal(fwmap_live(), 1);
    assert_non_null(gasp_get_vaddr(h2));

    /* ENXIO: no region, emulated, no contiguous backing, bad flags */
    assert_int_equal(gasp_map_firmware(&f->rt, 0x50000000, PG, GMF_R, &h), ENXIO);
    assert_int_equal(gasp_map_firmware(&f->rt, 0x8000000, PG, GMF_R, &h), ENXIO);
    assert_int_equal(gasp_map_firmware(&f->rt, 0x4000f000, 2 * PG, GMF_R, &h), ENXIO);
    assert_int_equal(gasp_map_firmware(&f->rt, 0x40000000, PG, GMF_R | GMF_X, &h), ENXIO);
    assert_int_equal(gasp_map_firmware(&f->rt, 0x40000000, PG, 0, &h), ENXIO);
    assert_int_equal(gasp_map_firmware(&f->rt, 0x40000000, PG, GMF_R | 0x100, &h), ENXIO);
    assert_int_equal(gasp_map_firmware(&f->rt, 0x40000000, 0, GMF_R, &h), ENXIO);
    assert_int_equal(gasp_map_firmware(&f->rt, 0x9000000, PG, GMF_R, &h), ENXIO); /* cached dev */
    assert_int_equal(gasp_map_firmware(&f->rt, 0x9000000, PG, GMF_R | GMF_NOCACHE, &h), EOK);
    assert_int_equal(pt_lookup(&el2, (uint64_t)(uintptr_t)gasp_get_vaddr(h), NULL, &prot, NULL), 0);
    assert_int_equal(prot, PT_R | PT_DEVICE);
    gasp_unmap_handle(h);
    /* the checked variant: only the guest's RAM (and ROM for reading) */
    assert_int_equal(gasp_map(&f->rt, 0x9000000, PG, GMF_R | GMF_NOCACHE, &h), ENXIO);
    assert_int_equal(gasp_map(&f->rt, 0, PG, GMF_W, &h), ENXIO);
    assert_int_equal(gasp_map(&f->rt, 0, PG, GMF_R, &h), EOK);
    gasp_unmap_handle(h);
    assert_int_equal(gasp_map(&f->rt, 0x40002000, PG, GMF_R | GMF_W | GMF_MAP_ANY, &h), EOK);
    gasp_unmap_handle(h);

    /* the window fills up: ENOMEM, and space comes back after an unmap */
    gasp_map_handle_t many[FWMAP_MAX];
    unsigned got = 0;
    while (got < FWMAP_MAX &&
           gasp_map_firmware(&f->rt, 0x40000000, 4 * PG, GMF_R, &many[got]) == EOK)
        got++;
    assert_true(got < FWMAP_MAX);
    assert_int_equal(gasp_map_firmware(&f->rt, 0x40000000, 4 * PG, GMF_R, &h), ENOMEM);
    gasp_unmap_handle(many[0]);
    assert_int_equal(gasp_map_firmware(&f->rt, 0x40000000, 4 * PG, GMF_R, &h), EOK);
    gasp_unmap_handle(h);
    for (unsigned i = 1; i < got; i++)
        gasp_unmap_handle(many[i]);
    gasp_unmap_handle(h2);
    assert_int_equal(fwmap_live(), 0);
    pt_destroy(&el2);
    assert_int_equal(el2mm.live_pages, 0);
    s2_destroy(&f->s2);
}

/* The direct map: the handle-less maps of RAM inside it are pointers there (nothing mapped,
 * nothing to unmap), with the same rights checks; everything else still goes to the window. */
static void test_fwmap_direct(void **state)
{
    (void)state;
    vmfix_t *f = vm_setup();
    el2_setup();
    const uint64_t win = FW_WIN, dm = win + (1ULL << 30);
    /* RAM at 0x80000000 with a hole (septum's image) at 0x80200000-0x80300000 */
    const fwmap_range_t ram[] = {{0x80000000, 0x80200000}, {0x80300000, 0xc0000000}};
    assert_int_equal(fwmap_direct_init(&el2, dm + PG, ram, 2), -EINVAL); /* not GiB-aligned */
    assert_null(fwmap_direct(0x80000000, PG));
    assert_int_equal(fwmap_direct_init(&el2, dm, ram, 2), 0);
    paddr_t pa;
    unsigned prot;
    assert_int_equal(pt_lookup(&el2, dm + 0x1000, &pa, &prot, NULL), 0);
    assert_int_equal(pa, 0x80001000);
    assert_int_equal(prot, PT_R | PT_W); /* never executable */
    assert_int_equal(pt_lookup(&el2, dm + 0x200000, NULL, NULL, NULL), -ENOENT); /* the hole */
    assert_int_equal(pt_lookup(&el2, dm + 0x3fff0000, &pa, NULL, NULL), 0);
    assert_int_equal(pa, 0xbfff0000);

    assert_int_equal((uint64_t)(uintptr_t)fwmap_direct(0x80001008, 8), dm + 0x1008);
    assert_int_equal((uint64_t)(uintptr_t)fwmap_direct(0xbfff0000, PG), dm + 0x3fff0000);
    assert_int_equal(fwmap_direct_map.r[0].start, 0x80300000); /* the largest is looked at first */
    assert_null(fwmap_direct(0x801ff000, 2 * PG));             /* runs into the hole */
    assert_null(fwmap_direct(0x80200000, PG));                 /* in the hole */
    assert_null(fwmap_direct(0xc0000000, PG));                 /* past RAM */
    assert_null(fwmap_direct(0x7ffff000, 2 * PG));             /* starts before it */

    assert_int_equal(set1(f, REGION_ADD, 0x40000000, 16 * PG, 0x80000000, REGION_RAM, RWX), 0);
    assert_int_equal(set1(f, REGION_ADD, 0x40100000, PG, 0x80200000, REGION_RAM, RWX), 0);
    assert_int_equal(set1(f, REGION_ADD, 0, PG, 0x80004000, REGION_ROM, REGION_R), 0);
    assert_int_equal(set1(f, REGION_ADD, 0x9000000, PG, 0x9000000, REGION_DEVICE,
                          REGION_R | REGION_W),
                     0);
    void *p = gasp_map_ptr(&f->rt, 0x40002010, 16, GMF_R | GMF_W);
    assert_int_equal((uint64_t)(uintptr_t)p, dm + 0x2010);
    assert_int_equal(fwmap_live(), 0);
    fwmap_unmap_vaddr(p); /* nothing to undo */
    /* the guest's rights still decide: no write to its ROM, even though the alias is writable */
    assert_null(gasp_map_ptr(&f->rt, 0, 8, GMF_W));
    assert_int_equal((uint64_t)(uintptr_t)gasp_map_ptr(&f->rt, 0, 8, GMF_R), dm + 0x4000);
    /* outside the direct map, uncached, or with a handle: the window, as before */
    p = gasp_map_ptr(&f->rt, 0x40100000, 8, GMF_R);
    assert_true((uint64_t)(uintptr_t)p >= win && (uint64_t)(uintptr_t)p < win + 64 * PG);
    assert_int_equal(fwmap_live(), 1);
    fwmap_unmap_vaddr(p);
    p = gasp_map_ptr(&f->rt, 0x40000000, 8, GMF_R | GMF_NOCACHE);
    assert_true((uint64_t)(uintptr_t)p >= win && (uint64_t)(uintptr_t)p < win + 64 * PG);
    fwmap_unmap_vaddr(p);
    assert_null(gasp_map_ptr(&f->rt, 0x9000000, 8, GMF_R));
    gasp_map_handle_t h;
    assert_int_equal(gasp_map(&f->rt, 0x40000000, PG, GMF_R, &h), EOK);
    assert_int_equal(fwmap_live(), 1);
    gasp_unmap_handle(h);
    assert_int_equal((uint64_t)(uintptr_t)fwmap_frame(0x80005000, true), dm + 0x5000);
    p = fwmap_frame(0x80200000, false);
    assert_true((uint64_t)(uintptr_t)p >= win && (uint64_t)(uintptr_t)p < win + 64 * PG);
    fwmap_unmap_vaddr(p);
    assert_int_equal(fwmap_live(), 0);

    /* a new fwmap_init forgets the direct map */
    assert_int_equal(fwmap_init(&el2, win, 64 * PG, 1, NULL), 0);
    assert_null(fwmap_direct(0x80001000, PG));
    pt_destroy(&el2);
    assert_int_equal(el2mm.live_pages, 0);
    s2_destroy(&f->s2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_follow_region_table), cmocka_unit_test(test_types),
        cmocka_unit_test(test_undo_far_page),       cmocka_unit_test(test_undo_split),
        cmocka_unit_test(test_undo_partial_change), cmocka_unit_test(test_budget_scattered_pages),
        cmocka_unit_test(test_undo_allowance),      cmocka_unit_test(test_fwmap),
        cmocka_unit_test(test_fwmap_direct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
