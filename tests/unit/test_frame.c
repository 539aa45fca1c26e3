/*
 * Unit tests of mm/frame.c: RAM banks with holes and taken ranges (rounding both ways), every
 * frame_init error, aligned first-fit allocation, exhaustion and fragmentation, claims, frees by
 * the wrong owner, per-owner accounting that returns to its figures, extent merging, extent-array
 * overflow with nothing changed, and a random run checked page by page against a model.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <mm/frame.h>
#include <string.h>

#define KiB(x) ((uint64_t)(x) << 10)
#define MiB(x) ((uint64_t)(x) << 20)
#define GiB(x) ((uint64_t)(x) << 30)
#define PG     FRAME_SIZE
#define VM1    (FRAME_VM0 + 1)

/* ---- the extents as frame_walk sees them ---- */

typedef struct ext {
    paddr_t base;
    uint64_t npages;
    uint16_t owner;
} ext_t;

typedef struct snap {
    ext_t e[FRAME_EXTENT_MAX + 1];
    unsigned num;
} snap_t;

static int record(void *arg, paddr_t base, uint64_t npages, uint16_t owner)
{
    snap_t *s = arg;
    assert_true(s->num < FRAME_EXTENT_MAX);
    s->e[s->num++] = (ext_t){base, npages, owner};
    return 0;
}

static snap_t snapshot(void)
{
    snap_t s;
    memset(&s, 0, sizeof(s));
    assert_int_equal(frame_walk(record, &s), 0);
    return s;
}

static void assert_same(const snap_t *a, const snap_t *b)
{
    assert_int_equal(a->num, b->num);
    assert_memory_equal(a->e, b->e, a->num * sizeof(a->e[0]));
}

/* The walk is exactly these extents. */
static void assert_extents(const ext_t *want, unsigned n)
{
    snap_t s = snapshot();
    assert_int_equal(s.num, n);
    for (unsigned i = 0; i < n; i++) {
        assert_int_equal(s.e[i].base, want[i].base);
        assert_int_equal(s.e[i].npages, want[i].npages);
        assert_int_equal(s.e[i].owner, want[i].owner);
    }
}

/* Sorted, merged, and adding up to frame_total. */
static void assert_invariants(void)
{
    snap_t s = snapshot();
    uint64_t total = 0;
    for (unsigned i = 0; i < s.num; i++) {
        assert_true(s.e[i].npages > 0);
        assert_int_equal(s.e[i].base % PG, 0);
        total += s.e[i].npages;
        if (i == 0)
            continue;
        paddr_t prev_end = s.e[i - 1].base + s.e[i - 1].npages * PG;
        assert_true(prev_end <= s.e[i].base);
        assert_false(prev_end == s.e[i].base && s.e[i - 1].owner == s.e[i].owner);
    }
    assert_int_equal(total, frame_total());
}

/* ---- frame_init ---- */

static void test_init_holes_and_taken(void **state)
{
    (void)state;
    frame_range_t ram[] = {
        {0x80000000, MiB(64)},             /* bank 2 */
        {0x40000000 + 100, MiB(16) - 100}, /* bank 1: first partial frame dropped */
        {0x41000000, MiB(1) + 0xfff},      /* touches bank 1: merged; partial tail dropped */
        {0x50000000, 0xfff},               /* less than a frame: ignored */
        {0x60000000, 0},                   /* empty: ignored */
    };
    frame_range_t taken[] = {
        {0x40200000 + 10, 5000},  /* rounds outward to two frames */
        {0x3ffff000, KiB(16)},    /* starts below RAM: only 0x40001000..0x40003000 counts */
        {0x40200800, 10},         /* inside the first one: nothing new */
        {0x810ff000, MiB(2)},     /* inside bank 2 */
        {0x90000000, MiB(1)},     /* not RAM at all */
        {0x41000000, 0x3f001000}, /* across the hole: RAM on both sides of it (second init) */
    };
    assert_int_equal(frame_init(ram, 5, taken, 5, FRAME_SEPTUM), 0);
    assert_invariants();
    uint64_t total = (MiB(17) - PG) / PG + MiB(64) / PG;
    assert_int_equal(frame_total(), total);
    assert_int_equal(frame_count(FRAME_SEPTUM), 2 + 2 + MiB(2) / PG);
    assert_int_equal(frame_count(FRAME_FREE), total - frame_count(FRAME_SEPTUM));
    ext_t want[] = {
        {0x40001000, 2, FRAME_SEPTUM},
        {0x40003000, (0x40200000 - 0x40003000) / PG, FRAME_FREE},
        {0x40200000, 2, FRAME_SEPTUM},
        {0x40202000, (0x41100000 - 0x40202000) / PG, FRAME_FREE},
        {0x80000000, (0x810ff000 - 0x80000000) / PG, FRAME_FREE},
        {0x810ff000, MiB(2) / PG, FRAME_SEPTUM},
        {0x812ff000, (0x84000000 - 0x812ff000) / PG, FRAME_FREE},
    };
    assert_extents(want, 7);
    assert_int_equal(frame_owner(0x40000fff), -ERANGE); /* the dropped partial frame */
    assert_int_equal(frame_owner(0x40001000), FRAME_SEPTUM);
    assert_int_equal(frame_owner(0x40201fff), FRAME_SEPTUM);
    assert_int_equal(frame_owner(0x40202000), FRAME_FREE);
    assert_int_equal(frame_owner(0x410fffff), FRAME_FREE);
    assert_int_equal(frame_owner(0x41100000), -ERANGE);
    assert_int_equal(frame_owner(0x50000000), -ERANGE);
    assert_int_equal(frame_owner(0x83ffffff), FRAME_FREE);
    assert_int_equal(frame_owner(0x84000000), -ERANGE);
    assert_int_equal(frame_owner(0), -ERANGE);
    assert_int_equal(frame_owner(UINT64_MAX), -ERANGE);

    /* a taken range across the hole takes what is RAM on both sides; a new init forgets all */
    assert_int_equal(frame_init(ram, 5, taken, 6, FRAME_IMAGE), 0);
    assert_int_equal(frame_count(FRAME_SEPTUM), 0);
    assert_int_equal(frame_count(FRAME_IMAGE), 2 + 2 + MiB(2) / PG + MiB(1) / PG + 1);
    assert_int_equal(frame_owner(0x40ffffff), FRAME_FREE);
    assert_int_equal(frame_owner(0x41000000), FRAME_IMAGE);
    assert_int_equal(frame_owner(0x80000fff), FRAME_IMAGE);
    assert_int_equal(frame_owner(0x80001000), FRAME_FREE);
    assert_int_equal(frame_count(FRAME_FREE), total - frame_count(FRAME_IMAGE));
    assert_invariants();

    /* no RAM at all is an empty allocator, not an error */
    assert_int_equal(frame_init(NULL, 0, NULL, 0, FRAME_SEPTUM), 0);
    assert_int_equal(frame_total(), 0);
    assert_int_equal(frame_owner(0x40000000), -ERANGE);
    paddr_t pa;
    assert_int_equal(frame_alloc(1, 1, FRAME_VM0, &pa), -ENOMEM);
}

static void test_init_errors(void **state)
{
    (void)state;
    frame_range_t one[] = {{0x40000000, MiB(16)}};
    frame_range_t overlap[] = {{0x40000000, MiB(16)}, {0x40800000, MiB(16)}};
    frame_range_t overlap_in_frame[] = {{0x40000000, 0x1800}, {0x40001000, MiB(1)}};
    frame_range_t wrap[] = {{0xfffffffffffff000, 0x2000}};
    frame_range_t to_top[] = {{0xffffffffffe00000, 0x200000}};   /* ends at 2^64: wraps to 0 */
    frame_range_t near_top[] = {{0xffffffffffe00000, 0x1fffff}}; /* ends at UINT64_MAX */

    assert_int_equal(frame_init(overlap, 2, NULL, 0, FRAME_SEPTUM), -EINVAL);
    assert_int_equal(frame_total(), 0); /* a failed init leaves it empty */
    assert_int_equal(frame_init(overlap_in_frame, 2, NULL, 0, FRAME_SEPTUM), -EINVAL);
    assert_int_equal(frame_init(wrap, 1, NULL, 0, FRAME_SEPTUM), -EINVAL);
    assert_int_equal(frame_init(to_top, 1, NULL, 0, FRAME_SEPTUM), -EINVAL);
    assert_int_equal(frame_init(NULL, 1, NULL, 0, FRAME_SEPTUM), -EINVAL);
    assert_int_equal(frame_init(one, 1, NULL, 1, FRAME_SEPTUM), -EINVAL);
    assert_int_equal(frame_init(one, 1, wrap, 1, FRAME_SEPTUM), -EINVAL);
    assert_int_equal(frame_total(), 0);

    /* the highest RAM possible: its last partial frame is dropped, taken ranges to the top work */
    frame_range_t top_taken[] = {{0xfffffffffffff000, 0xfff}};
    assert_int_equal(frame_init(near_top, 1, top_taken, 1, FRAME_SEPTUM), 0);
    assert_int_equal(frame_total(), 0x1ff);
    assert_int_equal(frame_count(FRAME_SEPTUM), 0);
    assert_int_equal(frame_owner(0xffffffffffffe000), FRAME_FREE);
    assert_int_equal(frame_owner(0xfffffffffffff000), -ERANGE);
    assert_true(frame_range_owned(0xffffffffffffe000, PG, FRAME_FREE));
    assert_false(frame_range_owned(0xffffffffffffe000, 2 * PG, FRAME_FREE));
    paddr_t pa;
    assert_int_equal(frame_alloc(0x1ff, 1, FRAME_VM0, &pa), 0);
    assert_int_equal(pa, 0xffffffffffe00000);
    assert_int_equal(frame_free(pa, 0x1ff, FRAME_VM0), 0);
    assert_int_equal(frame_claim(0xffffffffffffe000, 2, FRAME_VM0), -ERANGE);

    /* too many banks */
    static frame_range_t banks[FRAME_EXTENT_MAX + 1];
    for (unsigned i = 0; i <= FRAME_EXTENT_MAX; i++)
        banks[i] = (frame_range_t){0x40000000 + i * 2 * PG, PG};
    assert_int_equal(frame_init(banks, FRAME_EXTENT_MAX, NULL, 0, FRAME_SEPTUM), 0);
    assert_int_equal(snapshot().num, FRAME_EXTENT_MAX);
    assert_int_equal(frame_init(banks, FRAME_EXTENT_MAX + 1, NULL, 0, FRAME_SEPTUM), -ENOSPC);
    assert_int_equal(frame_total(), 0);
    /* ... or too many taken ranges cutting one bank */
    static frame_range_t cuts[FRAME_EXTENT_MAX / 2];
    for (unsigned i = 0; i < FRAME_EXTENT_MAX / 2; i++)
        cuts[i] = (frame_range_t){0x40001000 + i * 2 * PG, PG};
    assert_int_equal(frame_init(one, 1, cuts, FRAME_EXTENT_MAX / 2 - 1, FRAME_SEPTUM), 0);
    assert_int_equal(snapshot().num, FRAME_EXTENT_MAX - 1);
    assert_int_equal(frame_init(one, 1, cuts, FRAME_EXTENT_MAX / 2, FRAME_SEPTUM), -ENOSPC);
    assert_int_equal(frame_total(), 0);
}

/* ---- allocation ---- */

static void test_alloc_alignment(void **state)
{
    (void)state;
    frame_range_t ram[] = {{0x40000000, MiB(8)}, {0x80100000, MiB(3)}};
    frame_range_t taken[] = {{0x40000000, PG}};
    assert_int_equal(frame_init(ram, 2, taken, 1, FRAME_SEPTUM), 0);
    paddr_t a, b, c, d;
    assert_int_equal(frame_alloc(16, 1, FRAME_VM0, &a), 0);
    assert_int_equal(a, 0x40001000); /* first fit */
    assert_int_equal(frame_alloc(512, 512, VM1, &b), 0);
    assert_int_equal(b, 0x40200000); /* 2 MiB-aligned, skipping 0x40011000.. */
    assert_int_equal(frame_alloc(1, 16, VM1, &c), 0);
    assert_int_equal(c, 0x40020000); /* a smaller alignment still fits below b */
    /* 4 MiB alignment and 4 MiB: 0x40400000..0x40800000 is the only place */
    assert_int_equal(frame_alloc(1024, 1024, FRAME_IMAGE, &d), 0);
    assert_int_equal(d, 0x40400000);
    /* 1 GiB alignment: none of this RAM is so aligned except... nothing */
    assert_int_equal(frame_alloc(1, GiB(1) / PG * 2, FRAME_IMAGE, &d), -ENOMEM);
    /* bank 2 starts at 1 MiB alignment: 2 MiB alignment inside it is 0x80200000 */
    assert_int_equal(frame_alloc(256, 512, FRAME_IMAGE, &d), 0);
    assert_int_equal(d, 0x80200000);
    assert_int_equal(frame_owner(0x801fffff), FRAME_FREE);
    /* the largest power-of-two alignment does not overflow: only address 0 would do */
    assert_int_equal(frame_alloc(1, 1ULL << 63, FRAME_IMAGE, &d), -ENOMEM);
    assert_int_equal(frame_alloc(UINT64_MAX, 1, FRAME_IMAGE, &d), -ENOMEM);

    snap_t before = snapshot();
    assert_int_equal(frame_alloc(0, 1, FRAME_VM0, &d), -EINVAL);
    assert_int_equal(frame_alloc(1, 0, FRAME_VM0, &d), -EINVAL);
    assert_int_equal(frame_alloc(1, 3, FRAME_VM0, &d), -EINVAL);
    assert_int_equal(frame_alloc(1, 1, FRAME_FREE, &d), -EINVAL);
    assert_int_equal(frame_alloc(1, 1, FRAME_VM0, NULL), -EINVAL);
    snap_t after = snapshot();
    assert_same(&before, &after);
    assert_invariants();
}

static void test_exhaustion_and_fragments(void **state)
{
    (void)state;
    frame_range_t ram[] = {{0x40000000, 64 * PG}, {0x40100000, 64 * PG}};
    assert_int_equal(frame_init(ram, 2, NULL, 0, FRAME_SEPTUM), 0);
    paddr_t pa;
    /* no run spans the hole between the banks */
    assert_int_equal(frame_alloc(65, 1, FRAME_VM0, &pa), -ENOMEM);
    assert_int_equal(frame_alloc(64, 1, FRAME_VM0, &pa), 0);
    assert_int_equal(pa, 0x40000000);
    assert_int_equal(frame_alloc(64, 1, FRAME_VM0, &pa), 0);
    assert_int_equal(pa, 0x40100000);
    assert_int_equal(frame_count(FRAME_FREE), 0);
    assert_int_equal(frame_alloc(1, 1, VM1, &pa), -ENOMEM);
    /* every other page free: 64 free pages, no two together */
    for (unsigned i = 0; i < 32; i++)
        assert_int_equal(frame_free(0x40000000 + 2 * i * PG, 1, FRAME_VM0), 0);
    assert_int_equal(frame_count(FRAME_FREE), 32);
    assert_int_equal(frame_alloc(2, 1, VM1, &pa), -ENOMEM);
    assert_int_equal(frame_alloc(1, 1, VM1, &pa), 0);
    assert_int_equal(pa, 0x40000000);
    assert_int_equal(frame_alloc(1, 4, VM1, &pa), 0);
    assert_int_equal(pa, 0x40004000);
    assert_invariants();
}

/* ---- claims and frees ---- */

static void test_claims(void **state)
{
    (void)state;
    frame_range_t ram[] = {{0x40000000, MiB(1)}, {0x40100000, MiB(1)}, {0x40300000, MiB(1)}};
    assert_int_equal(frame_init(ram, 3, NULL, 0, FRAME_SEPTUM), 0);
    ext_t one[] = {{0x40000000, MiB(2) / PG, FRAME_FREE}, {0x40300000, MiB(1) / PG, FRAME_FREE}};
    assert_extents(one, 2); /* touching banks are one extent */
    /* a claim across the point where two banks touch is fine */
    assert_int_equal(frame_claim(0x400ff000, 2, FRAME_IMAGE), 0);
    assert_int_equal(frame_count(FRAME_IMAGE), 2);
    snap_t before = snapshot();
    assert_int_equal(frame_claim(0x400fe000, 2, FRAME_IMAGE), -EBUSY); /* half taken */
    assert_int_equal(frame_claim(0x400ff000, 1, FRAME_VM0), -EBUSY);
    assert_int_equal(frame_claim(0x401ff000, 2, FRAME_VM0), -ERANGE); /* into the hole */
    assert_int_equal(frame_claim(0x40200000, 1, FRAME_VM0), -ERANGE); /* in the hole */
    assert_int_equal(frame_claim(0x10000000, 1, FRAME_VM0), -ERANGE);
    assert_int_equal(frame_claim(0x40400000 - PG, 2, FRAME_VM0), -ERANGE);    /* past the end */
    assert_int_equal(frame_claim(0xfffffffffffff000, 2, FRAME_VM0), -ERANGE); /* wraps */
    assert_int_equal(frame_claim(0x40000000, UINT64_MAX, FRAME_VM0), -ERANGE);
    assert_int_equal(frame_claim(0x40000800, 1, FRAME_VM0), -EINVAL); /* unaligned */
    assert_int_equal(frame_claim(0x40000000, 0, FRAME_VM0), -EINVAL);
    assert_int_equal(frame_claim(0x40000000, 1, FRAME_FREE), -EINVAL);
    snap_t after = snapshot();
    assert_same(&before, &after);
    /* claims next to each other by one owner become one extent */
    assert_int_equal(frame_claim(0x400fd000, 2, FRAME_IMAGE), 0);
    assert_int_equal(frame_claim(0x40101000, 1, FRAME_IMAGE), 0);
    ext_t want[] = {
        {0x40000000, 0xfd, FRAME_FREE},
        {0x400fd000, 5, FRAME_IMAGE},
        {0x40102000, MiB(1) / PG - 2, FRAME_FREE},
        {0x40300000, MiB(1) / PG, FRAME_FREE},
    };
    assert_extents(want, 4);
    assert_invariants();
}

static void test_free_wrong_owner(void **state)
{
    (void)state;
    frame_range_t ram[] = {{0x40000000, MiB(1)}, {0x40200000, MiB(1)}};
    assert_int_equal(frame_init(ram, 2, NULL, 0, FRAME_SEPTUM), 0);
    paddr_t a, b;
    assert_int_equal(frame_alloc(8, 1, FRAME_VM0, &a), 0);
    assert_int_equal(frame_alloc(8, 1, VM1, &b), 0);
    assert_int_equal(b, a + 8 * PG);
    snap_t before = snapshot();
    assert_int_equal(frame_free(a, 8, VM1), -EPERM);
    assert_int_equal(frame_free(a, 9, FRAME_VM0), -EPERM);          /* one page too many */
    assert_int_equal(frame_free(a + 4 * PG, 8, FRAME_VM0), -EPERM); /* straddles two owners */
    assert_int_equal(frame_free(b + 8 * PG, 1, VM1), -EPERM);       /* a free page */
    assert_int_equal(frame_free(a, 8, FRAME_FREE), -EINVAL);
    assert_int_equal(frame_free(a + 1, 1, FRAME_VM0), -EINVAL);
    assert_int_equal(frame_free(a, 0, FRAME_VM0), -EINVAL);
    assert_int_equal(frame_free(0x40100000, 1, FRAME_VM0), -ERANGE);
    assert_int_equal(frame_free(0x400ff000, 2, FRAME_VM0), -ERANGE);
    assert_int_equal(frame_free(a, UINT64_MAX / 2, FRAME_VM0), -ERANGE);
    snap_t after = snapshot();
    assert_same(&before, &after);
    assert_int_equal(frame_count(FRAME_VM0), 8);
    assert_int_equal(frame_count(VM1), 8);
    assert_int_equal(frame_free(a, 8, FRAME_VM0), 0);
    assert_int_equal(frame_free(b, 8, VM1), 0);
    assert_int_equal(frame_count(FRAME_FREE), MiB(2) / PG);
}

/* ---- accounting, merging, overflow ---- */

static void test_accounting_cycles(void **state)
{
    (void)state;
    frame_range_t ram[] = {{0x40000000, MiB(32)}, {0x48000000, MiB(32)}};
    frame_range_t taken[] = {{0x40000000, MiB(2)}, {0x48100000, 3 * PG}};
    assert_int_equal(frame_init(ram, 2, taken, 2, FRAME_SEPTUM), 0);
    uint16_t owners[] = {FRAME_FREE, FRAME_SEPTUM, FRAME_TABLES, FRAME_IMAGE, FRAME_VM0, VM1};
    uint64_t start[6];
    for (unsigned i = 0; i < 6; i++)
        start[i] = frame_count(owners[i]);
    snap_t first = snapshot();
    assert_int_equal(start[0] + start[1], frame_total());
    for (unsigned cycle = 0; cycle < 4; cycle++) {
        paddr_t pa[5];
        uint64_t n[5] = {512, 1, 3000, 17, 1024};
        for (unsigned k = 0; k < 5; k++)
            assert_int_equal(frame_alloc(n[k], k == 4 ? 512 : 1, owners[2 + k % 4], &pa[k]), 0);
        assert_int_equal(frame_count(FRAME_TABLES), 512 + 1024);
        assert_int_equal(frame_count(FRAME_IMAGE), 1);
        assert_int_equal(frame_count(FRAME_VM0), 3000);
        assert_int_equal(frame_count(VM1), 17);
        assert_int_equal(frame_count(FRAME_FREE), start[0] - 512 - 1 - 3000 - 17 - 1024);
        /* give back in another order each cycle */
        for (unsigned k = 0; k < 5; k++) {
            unsigned j = (k + cycle) % 5;
            assert_int_equal(frame_free(pa[j], n[j], owners[2 + j % 4]), 0);
        }
        for (unsigned i = 0; i < 6; i++)
            assert_int_equal(frame_count(owners[i]), start[i]);
        snap_t now = snapshot();
        assert_same(&first, &now); /* and the same extents: merging undid every split */
    }
}

static void test_merging(void **state)
{
    (void)state;
    frame_range_t ram[] = {{0x40000000, 32 * PG}};
    assert_int_equal(frame_init(ram, 1, NULL, 0, FRAME_SEPTUM), 0);
    paddr_t a, b, c;
    assert_int_equal(frame_alloc(4, 1, FRAME_VM0, &a), 0);
    assert_int_equal(frame_alloc(4, 1, FRAME_VM0, &b), 0);
    assert_int_equal(frame_alloc(4, 1, FRAME_VM0, &c), 0);
    ext_t merged[] = {{0x40000000, 12, FRAME_VM0}, {0x4000c000, 20, FRAME_FREE}};
    assert_extents(merged, 2);
    assert_int_equal(frame_free(b + PG, 2, FRAME_VM0), 0); /* a hole in the middle: 3 pieces */
    ext_t holed[] = {{0x40000000, 5, FRAME_VM0},
                     {0x40005000, 2, FRAME_FREE},
                     {0x40007000, 5, FRAME_VM0},
                     {0x4000c000, 20, FRAME_FREE}};
    assert_extents(holed, 4);
    assert_int_equal(frame_claim(b + PG, 2, FRAME_VM0), 0); /* filled: one again */
    assert_extents(merged, 2);
    assert_int_equal(frame_free(c, 4, FRAME_VM0), 0); /* the tail joins the free extent */
    ext_t tail[] = {{0x40000000, 8, FRAME_VM0}, {0x40008000, 24, FRAME_FREE}};
    assert_extents(tail, 2);
    assert_int_equal(frame_free(a, 8, FRAME_VM0), 0);
    ext_t all[] = {{0x40000000, 32, FRAME_FREE}};
    assert_extents(all, 1);
}

static int stop_at_third(void *arg, paddr_t base, uint64_t npages, uint16_t owner)
{
    (void)base, (void)npages, (void)owner;
    return ++*(int *)arg == 3 ? 42 : 0;
}

static void test_owned_and_walk(void **state)
{
    (void)state;
    frame_range_t ram[] = {{0x40000000, 16 * PG}, {0x40020000, 16 * PG}};
    assert_int_equal(frame_init(ram, 2, NULL, 0, FRAME_SEPTUM), 0);
    assert_int_equal(frame_claim(0x40004000, 4, FRAME_VM0), 0);
    assert_true(frame_range_owned(0x40004000, 4 * PG, FRAME_VM0));
    assert_true(frame_range_owned(0x40004800, 1, FRAME_VM0));      /* one byte */
    assert_true(frame_range_owned(0x40004fff, 0x3001, FRAME_VM0)); /* pages it touches */
    assert_false(frame_range_owned(0x40003fff, 2, FRAME_VM0));
    assert_false(frame_range_owned(0x40004000, 4 * PG + 1, FRAME_VM0));
    assert_false(frame_range_owned(0x40004000, 0, FRAME_VM0));
    assert_false(frame_range_owned(0x40004000, UINT64_MAX, FRAME_VM0)); /* wraps */
    assert_true(frame_range_owned(0x40000000, 4 * PG, FRAME_FREE));
    assert_false(frame_range_owned(0x4000c000, 8 * PG, FRAME_FREE)); /* across the hole */
    assert_false(frame_range_owned(0x30000000, PG, FRAME_FREE));
    assert_true(frame_range_owned(0x40020000, 16 * PG, FRAME_FREE));
    int calls = 0;
    assert_int_equal(frame_walk(stop_at_third, &calls), 42);
    assert_int_equal(calls, 3);
    assert_int_equal(frame_walk(NULL, NULL), -EINVAL);
    frame_reset();
    assert_int_equal(frame_total(), 0);
    assert_int_equal(snapshot().num, 0);
}

/* Fill the extent array to the brim with 1-page extents of alternating owners. */
static void fill_extents(void)
{
    frame_range_t ram[] = {{0x40000000, (FRAME_EXTENT_MAX + 8) * PG}};
    assert_int_equal(frame_init(ram, 1, NULL, 0, FRAME_SEPTUM), 0);
    /* pages 0, 2, 4 ... 252 claimed: 253 one-page extents, then a free tail: 254 extents */
    for (unsigned i = 0; i < FRAME_EXTENT_MAX - 3; i += 2)
        assert_int_equal(frame_claim(0x40000000 + (uint64_t)i * PG, 1, FRAME_VM0), 0);
    assert_int_equal(snapshot().num, FRAME_EXTENT_MAX - 2);
    /* two more single pages out of the 12-page free tail */
    assert_int_equal(frame_claim(0x40000000 + (FRAME_EXTENT_MAX - 1) * PG, 1, VM1), 0);
    assert_int_equal(snapshot().num, FRAME_EXTENT_MAX);
    assert_invariants();
}

static void test_extent_overflow(void **state)
{
    (void)state;
    fill_extents();
    snap_t full = snapshot();
    paddr_t pa;
    /* every change that needs one more extent fails with nothing changed */
    assert_int_equal(frame_claim(0x40000000 + (FRAME_EXTENT_MAX + 2) * PG, 1, FRAME_IMAGE),
                     -ENOSPC);
    assert_int_equal(frame_alloc(1, 8, FRAME_IMAGE, &pa), -ENOSPC);
    assert_int_equal(frame_free(0x40000000, 1, FRAME_VM0), 0); /* first page: merges, -1 */
    snap_t minus = snapshot();
    assert_int_equal(minus.num, FRAME_EXTENT_MAX - 1);
    assert_int_equal(frame_claim(0x40000000, 1, FRAME_VM0), 0); /* back: +1 fits */
    full = snapshot();
    assert_int_equal(full.num, FRAME_EXTENT_MAX);
    /* a new owner on a one-page free extent between two others: no new extent needed */
    assert_int_equal(frame_claim(0x40001000, 1, FRAME_IMAGE), 0);
    assert_int_equal(snapshot().num, FRAME_EXTENT_MAX);
    assert_int_equal(frame_free(0x40001000, 1, FRAME_IMAGE), 0);
    /* filling a one-page hole between two same-owner pages merges three into one */
    assert_int_equal(frame_claim(0x40001000, 1, FRAME_VM0), 0);
    assert_int_equal(snapshot().num, FRAME_EXTENT_MAX - 2);
    assert_int_equal(frame_free(0x40001000, 1, FRAME_VM0), 0); /* a split in the middle: +2 */
    full = snapshot();
    assert_int_equal(full.num, FRAME_EXTENT_MAX);
    /* alloc: first fit would split the free tail; the one-page free extents need no split */
    assert_int_equal(frame_alloc(1, 1, FRAME_IMAGE, &pa), 0);
    assert_int_equal(pa, 0x40001000);
    assert_int_equal(frame_free(pa, 1, FRAME_IMAGE), 0);
    assert_int_equal(frame_alloc(3, 1, FRAME_IMAGE, &pa), -ENOSPC); /* only the tail fits it */
    assert_int_equal(frame_alloc(2, 1, FRAME_IMAGE, &pa), 0); /* pages 253-254: an exact fit */
    assert_int_equal(pa, 0x40000000 + 253 * PG);
    assert_int_equal(frame_free(pa, 2, FRAME_IMAGE), 0);
    snap_t after = snapshot();
    assert_same(&full, &after);
    assert_invariants();
}

/* ---- random run against a per-page model ---- */

#define M_BANK_PAGES 700
#define M_PAGES      (2 * M_BANK_PAGES)
static const paddr_t m_bank[2] = {0x40000000, 0x40400000};
static uint16_t model[M_PAGES];

static paddr_t m_addr(unsigned p)
{
    return m_bank[p / M_BANK_PAGES] + (uint64_t)(p % M_BANK_PAGES) * PG;
}

/* Extents the model has (with model[] as it is now). */
static unsigned m_extents(void)
{
    unsigned n = 0;
    for (unsigned p = 0; p < M_PAGES; p++)
        n += p % M_BANK_PAGES == 0 || model[p] != model[p - 1];
    return n;
}

/* Set pages [p, p+n) to owner if the extents still fit; otherwise leave them. */
static bool m_set(unsigned p, unsigned n, uint16_t owner)
{
    static uint16_t save[M_PAGES];
    memcpy(save, model, sizeof(model));
    for (unsigned k = 0; k < n; k++)
        model[p + k] = owner;
    if (m_extents() <= FRAME_EXTENT_MAX)
        return true;
    memcpy(model, save, sizeof(model));
    return false;
}

static uint64_t lcg_state;
static unsigned lcg(unsigned n)
{
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)((lcg_state >> 33) % n);
}

static void m_check(void)
{
    snap_t s = snapshot();
    unsigned e = 0;
    uint64_t count[8] = {0};
    for (unsigned p = 0; p < M_PAGES; p++) {
        if (p % M_BANK_PAGES == 0 || model[p] != model[p - 1]) {
            assert_true(e < s.num);
            assert_int_equal(s.e[e].base, m_addr(p));
            assert_int_equal(s.e[e].owner, model[p]);
            e++;
        }
        assert_int_equal(frame_owner(m_addr(p)), model[p]);
        count[model[p] == 0 ? 0 : model[p] - FRAME_VM0 + 1]++;
    }
    assert_int_equal(e, s.num);
    assert_int_equal(frame_count(FRAME_FREE), count[0]);
    for (unsigned o = 0; o < 3; o++)
        assert_int_equal(frame_count((uint16_t)(FRAME_VM0 + o)), count[o + 1]);
}

static void test_random_against_model(void **state)
{
    (void)state;
    frame_range_t ram[] = {{m_bank[1], M_BANK_PAGES * PG}, {m_bank[0], M_BANK_PAGES * PG}};
    assert_int_equal(frame_init(ram, 2, NULL, 0, FRAME_SEPTUM), 0);
    memset(model, 0, sizeof(model));
    lcg_state = 2024;
    unsigned outcomes[4] = {0}; /* ok, ENOMEM/EBUSY/EPERM, ERANGE, ENOSPC */
    for (unsigned iter = 0; iter < 30000; iter++) {
        uint16_t owner = (uint16_t)(FRAME_VM0 + lcg(3));
        unsigned n = 1 + (lcg(4) ? lcg(4) : lcg(64));
        int rc, want;
        if (lcg(2)) {
            uint64_t align = 1ULL << lcg(5);
            paddr_t pa = 0;
            /* the model's first fit: the first aligned page of each free run, in order; a
             * run whose split would not fit is skipped */
            want = -ENOMEM;
            unsigned at = M_PAGES;
            for (unsigned p = 0; p < M_PAGES && at == M_PAGES;) {
                unsigned run = 0;
                while (p + run < M_PAGES && model[p + run] == FRAME_FREE &&
                       (run == 0 || (p + run) % M_BANK_PAGES != 0))
                    run++;
                if (run == 0) {
                    p++;
                    continue;
                }
                unsigned q = p;
                while (q < p + run && (m_addr(q) / PG) % align)
                    q++;
                if (q + n <= p + run) {
                    if (m_set(q, n, owner))
                        at = q, want = 0;
                    else
                        want = -ENOSPC;
                }
                p += run;
            }
            rc = frame_alloc(n, align, owner, &pa);
            assert_int_equal(rc, want);
            if (!rc)
                assert_int_equal(pa, m_addr(at));
        } else {
            unsigned p = lcg(M_PAGES);
            bool claim = lcg(2);
            bool in_ram = p % M_BANK_PAGES + n <= M_BANK_PAGES;
            bool all = in_ram;
            for (unsigned k = 0; all && k < n; k++)
                all = model[p + k] == (claim ? FRAME_FREE : owner);
            want = !in_ram                                   ? -ERANGE
                   : !all                                    ? (claim ? -EBUSY : -EPERM)
                   : m_set(p, n, claim ? owner : FRAME_FREE) ? 0
                                                             : -ENOSPC;
            rc = claim ? frame_claim(m_addr(p), n, owner) : frame_free(m_addr(p), n, owner);
            assert_int_equal(rc, want);
        }
        outcomes[rc == 0 ? 0 : rc == -ERANGE ? 2 : rc == -ENOSPC ? 3 : 1]++;
        if (iter % 16 == 0 || rc == -ENOSPC)
            m_check();
    }
    m_check();
    /* the run reached every outcome, the overflow included */
    for (unsigned i = 0; i < 4; i++)
        assert_true(outcomes[i] > 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_holes_and_taken),
        cmocka_unit_test(test_init_errors),
        cmocka_unit_test(test_alloc_alignment),
        cmocka_unit_test(test_exhaustion_and_fragments),
        cmocka_unit_test(test_claims),
        cmocka_unit_test(test_free_wrong_owner),
        cmocka_unit_test(test_accounting_cycles),
        cmocka_unit_test(test_merging),
        cmocka_unit_test(test_owned_and_walk),
        cmocka_unit_test(test_extent_overflow),
        cmocka_unit_test(test_random_against_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
