/*
 * Unit tests of mm/region.c, the region table after gasp_region_set: add, modify and delete
 * with splits (host addresses of split pieces), merges back, info/find, every error code with
 * the failed index of a multi-entry request, reported changes, locking, the fatal form, and a
 * random run checked page by page against a model. A change that ops->changed refuses is
 * undone: the table as before, its old regions in the range reported again and the holes
 * unmapped, the error for that request only (also at random, against the model).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <mm/region.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PG  4096ULL
#define MiB (1ULL << 20)
#define RWX (REGION_R | REGION_W | REGION_X)

typedef struct rec {
    unsigned changes, locks, unlocks, fatals;
    int fatal_err;
    unsigned fatal_index;
    struct {
        uint64_t gpa, len;
        bool mapped, undo;
        region_t r;
    } log[64];
    bool refuse_host;
    unsigned fail_at;   /* refuse the fail_at-th change reported (1 = the first); 0: none */
    bool fail_undo;     /* refuse undo calls too */
    unsigned fail_rate; /* refuse a change at random, one in fail_rate (0: never) */
    /* a stage 2 of S2_PAGES pages from s2_base (0: none) that follows what changed() is told;
     * a refused call has changed the first half of its range */
    uint64_t s2_base;
    struct {
        bool on;
        uint64_t hpa;
        unsigned flags;
    } s2[256];
} rec_t;
#define S2_PAGES 256

static void s2_follow(rec_t *rc, uint64_t gpa, uint64_t len, const region_t *r)
{
    for (uint64_t a = gpa; rc->s2_base && a < gpa + len; a += PG) {
        if (a < rc->s2_base || a >= rc->s2_base + S2_PAGES * PG)
            continue;
        uint64_t p = (a - rc->s2_base) / PG;
        rc->s2[p].on = r != NULL;
        rc->s2[p].hpa = r ? r->hpa + (a - r->gpa) : 0;
        rc->s2[p].flags = r ? r->flags : 0;
    }
}

static bool host_ok(void *ctx, uint64_t hpa, uint64_t len, region_type_t type)
{
    rec_t *rc = ctx;
    (void)type;
    /* "the VM's own": host 0x80000000..0x90000000 */
    return !rc->refuse_host && hpa >= 0x80000000 && hpa + len <= 0x90000000;
}

static int changed(void *ctx, uint64_t gpa, uint64_t len, const region_t *r, bool undo)
{
    rec_t *rc = ctx;
    if (rc->changes < 64) {
        rc->log[rc->changes].gpa = gpa;
        rc->log[rc->changes].len = len;
        rc->log[rc->changes].mapped = r != NULL;
        rc->log[rc->changes].undo = undo;
        if (r)
            rc->log[rc->changes].r = *r;
    }
    rc->changes++;
    if (r) /* the range lies in the region it maps as */
        assert_true(gpa >= r->gpa && gpa + len <= r->gpa + r->len);
    bool refuse = undo ? rc->fail_undo
                       : (rc->fail_rate && rand() % (int)rc->fail_rate == 0) ||
                             rc->changes == rc->fail_at;
    s2_follow(rc, gpa, refuse ? len / PG / 2 * PG : len, r);
    return refuse ? -12 : 0;
}

static void fatal(void *ctx, int err, unsigned index)
{
    rec_t *rc = ctx;
    rc->fatals++;
    rc->fatal_err = err;
    rc->fatal_index = index;
}

static void lock(void *ctx) { ((rec_t *)ctx)->locks++; }
static void unlock(void *ctx) { ((rec_t *)ctx)->unlocks++; }

static rec_t rec;
static region_ops_t ops = {host_ok, changed, fatal, lock, unlock, &rec};

static region_table_t *fresh(void)
{
    static region_table_t t;
    memset(&rec, 0, sizeof(rec));
    region_table_init(&t, 1ULL << 40, &ops);
    return &t;
}

static region_req_t add(uint64_t gpa, uint64_t len, uint64_t hpa, region_type_t type, unsigned f)
{
    return (region_req_t){REGION_ADD, {gpa, len, hpa, type, f}};
}

static region_req_t modify(uint64_t gpa, uint64_t len, unsigned flags)
{
    return (region_req_t){REGION_MODIFY, {gpa, len, REGION_NO_HOST, REGION_RAM, flags}};
}

static region_req_t del(uint64_t gpa, uint64_t len)
{
    return (region_req_t){REGION_DELETE, {gpa, len, REGION_NO_HOST, REGION_RAM, 0}};
}

static int set1(region_table_t *t, region_req_t q)
{
    unsigned failed = 99;
    return region_set_soft(t, 1, &q, &failed);
}

static void expect(const region_table_t *t, unsigned i, uint64_t gpa, uint64_t len, uint64_t hpa,
                   unsigned flags)
{
    assert_true(i < t->num);
    assert_int_equal(t->r[i].gpa, gpa);
    assert_int_equal(t->r[i].len, len);
    assert_int_equal(t->r[i].hpa, hpa);
    assert_int_equal(t->r[i].flags, flags);
}

static void test_add_modify_split_merge(void **state)
{
    (void)state;
    region_table_t *t = fresh();
    assert_int_equal(set1(t, add(0x40000000, 16 * MiB, 0x80000000, REGION_RAM, RWX)), REGION_OK);
    assert_int_equal(t->num, 1);
    assert_int_equal(rec.changes, 1);
    assert_true(rec.log[0].mapped);

    /* modify the middle: three pieces, the tail's host address follows */
    rec.changes = 0;
    assert_int_equal(set1(t, modify(0x40100000, 2 * PG, REGION_R)), REGION_OK);
    assert_int_equal(t->num, 3);
    expect(t, 0, 0x40000000, MiB, 0x80000000, RWX);
    expect(t, 1, 0x40100000, 2 * PG, 0x80100000, REGION_R);
    expect(t, 2, 0x40102000, 16 * MiB - MiB - 2 * PG, 0x80102000, RWX);
    assert_int_equal(rec.changes, 1);
    assert_int_equal(rec.log[0].gpa, 0x40100000);
    assert_int_equal(rec.log[0].len, 2 * PG);
    assert_int_equal(rec.log[0].r.hpa, 0x80100000);
    assert_int_equal(rec.log[0].r.flags, REGION_R);

    /* info / find */
    region_t r;
    assert_int_equal(region_info(t, 0x40101fff, &r), REGION_OK);
    assert_int_equal(r.gpa, 0x40100000);
    assert_int_equal(region_info(t, 0x3fffffff, &r), REGION_ENOENT);
    assert_null(region_find(t, 0x41000000));
    assert_non_null(region_find(t, 0x40ffffff));

    /* modify it back: neighbours are equal again and merge into one region */
    assert_int_equal(set1(t, modify(0x40100000, 2 * PG, RWX)), REGION_OK);
    assert_int_equal(t->num, 1);
    expect(t, 0, 0x40000000, 16 * MiB, 0x80000000, RWX);

    /* modify an edge */
    assert_int_equal(set1(t, modify(0x40000000, PG, REGION_R | REGION_X)), REGION_OK);
    assert_int_equal(t->num, 2);
    expect(t, 1, 0x40001000, 16 * MiB - PG, 0x80001000, RWX);

    /* a modify across two regions changes both pieces and merges them */
    assert_int_equal(set1(t, modify(0x40000000, 2 * PG, REGION_R)), REGION_OK);
    expect(t, 0, 0x40000000, 2 * PG, 0x80000000, REGION_R);
    assert_int_equal(rec.locks, rec.unlocks);
    assert_true(rec.locks >= 5);
}

static void test_delete(void **state)
{
    (void)state;
    region_table_t *t = fresh();
    region_req_t two[2] = {add(0x40000000, MiB, 0x80000000, REGION_RAM, RWX),
                           add(0x40100000, MiB, 0x80400000, REGION_RAM, RWX)};
    unsigned failed;
    assert_int_equal(region_set_soft(t, 2, two, &failed), REGION_OK);
    assert_int_equal(t->num, 2); /* host addresses are not contiguous: no merge */
    rec.changes = 0;
    /* delete across both: the remainders stay with their own backing */
    assert_int_equal(set1(t, del(0x400ff000, 2 * PG)), REGION_OK);
    assert_int_equal(t->num, 2);
    expect(t, 0, 0x40000000, MiB - PG, 0x80000000, RWX);
    expect(t, 1, 0x40101000, MiB - PG, 0x80401000, RWX);
    assert_int_equal(rec.changes, 1);
    assert_false(rec.log[0].mapped);
    assert_int_equal(set1(t, del(0x400ff000, PG)), REGION_ENOENT); /* already gone */
    /* delete in the middle of one */
    assert_int_equal(set1(t, del(0x40010000, PG)), REGION_OK);
    assert_int_equal(t->num, 3);
    expect(t, 1, 0x40011000, MiB - PG - 0x11000, 0x80011000, RWX);
    /* re-add with the original backing: merges back */
    assert_int_equal(set1(t, add(0x40010000, PG, 0x80010000, REGION_RAM, RWX)), REGION_OK);
    assert_int_equal(t->num, 2);
    /* delete whole regions */
    assert_int_equal(set1(t, del(0x40000000, MiB - PG)), REGION_OK);
    assert_int_equal(set1(t, del(0x40101000, MiB - PG)), REGION_OK);
    assert_int_equal(t->num, 0);
}

static void test_errors(void **state)
{
    (void)state;
    region_table_t *t = fresh();
    assert_int_equal(set1(t, add(0x40000000, MiB, 0x80000000, REGION_RAM, RWX)), REGION_OK);
    unsigned before = t->num;
    rec.changes = 0;
    assert_int_equal(set1(t, add(0x50000000, 0, 0x80000000, REGION_RAM, RWX)), REGION_EZERO);
    assert_int_equal(set1(t, add(0x50000800, PG, 0x80000000, REGION_RAM, RWX)), REGION_EALIGN);
    assert_int_equal(set1(t, add(0x50000000, 100, 0x80000000, REGION_RAM, RWX)), REGION_EALIGN);
    assert_int_equal(set1(t, add(0x50000000, PG, 0x80000100, REGION_RAM, RWX)), REGION_EALIGN);
    assert_int_equal(set1(t, add(0xfffffffffffff000ULL, 2 * PG, 0x80000000, REGION_RAM, RWX)),
                     REGION_EWRAP);
    assert_int_equal(set1(t, add(0x50000000, PG, 0xfffffffffffff000ULL, REGION_ROM, REGION_R)),
                     REGION_EWRAP);
    assert_int_equal(set1(t, add(1ULL << 40, PG, 0x80000000, REGION_RAM, RWX)), REGION_ERANGE);
    assert_int_equal(set1(t, add(0x400ff000, 2 * PG, 0x80200000, REGION_RAM, RWX)),
                     REGION_EOVERLAP);
    assert_int_equal(set1(t, add(0x50000000, PG, 0x10000000, REGION_RAM, RWX)), REGION_EHOST);
    rec.refuse_host = true;
    assert_int_equal(set1(t, add(0x50000000, PG, 0x80200000, REGION_RAM, RWX)), REGION_EHOST);
    rec.refuse_host = false;
    assert_int_equal(set1(t, add(0x50000000, PG, 0x80200000, REGION_DEVICE, REGION_R | REGION_X)),
                     REGION_EFLAGS);
    assert_int_equal(set1(t, add(0x50000000, PG, 0x80200000, REGION_ROM, REGION_R | REGION_W)),
                     REGION_EFLAGS);
    assert_int_equal(set1(t, add(0x50000000, PG, 0x80200000, REGION_EMULATED, REGION_R)),
                     REGION_EFLAGS); /* emulated with a host address */
    assert_int_equal(set1(t, add(0x50000000, PG, REGION_NO_HOST, REGION_RAM, REGION_R)),
                     REGION_EFLAGS); /* RAM without one */
    assert_int_equal(set1(t, add(0x50000000, PG, 0x80200000, REGION_RAM, 0)), REGION_EFLAGS);
    assert_int_equal(set1(t, add(0x50000000, PG, 0x80200000, REGION_RAM, 0x100)), REGION_EFLAGS);
    assert_int_equal(set1(t, modify(0x40000000, 2 * MiB, REGION_R)), REGION_ENOENT);
    assert_int_equal(set1(t, del(0x50000000, PG)), REGION_ENOENT);
    region_req_t weird = {(region_op_t)7, {0x50000000, PG, 0x80200000, REGION_RAM, RWX}};
    assert_int_equal(set1(t, weird), REGION_EOP);
    region_req_t move = {REGION_MODIFY, {0x40000000, PG, 0x80300000, REGION_RAM, RWX}};
    assert_int_equal(set1(t, move), REGION_EHOST); /* MODIFY cannot move the backing */
    assert_int_equal(t->num, before);
    assert_int_equal(rec.changes, 0);
    assert_int_equal(region_set_soft(t, 0, NULL, NULL), REGION_OK);
    assert_string_equal(region_strerror(REGION_EOVERLAP), "overlaps an existing region");
    assert_string_equal(region_strerror(-99), "unknown error");

    /* emulated regions: no host, may merge by guest address alone */
    assert_int_equal(set1(t,
                          add(0x9000000, PG, REGION_NO_HOST, REGION_EMULATED, REGION_R | REGION_W)),
                     REGION_OK);
    assert_int_equal(set1(t,
                          add(0x9001000, PG, REGION_NO_HOST, REGION_EMULATED, REGION_R | REGION_W)),
                     REGION_OK);
    assert_int_equal(region_find(t, 0x9001000)->len, 2 * PG);
}

static void test_multi_request_and_fatal(void **state)
{
    (void)state;
    region_table_t *t = fresh();
    region_req_t q[3] = {add(0x40000000, MiB, 0x80000000, REGION_RAM, RWX),
                         add(0x50000000, MiB, 0x80100000, REGION_RAM, RWX),
                         add(0x40080000, PG, 0x80200000, REGION_RAM, RWX)};
    unsigned failed = 99;
    assert_int_equal(region_set_soft(t, 3, q, &failed), REGION_EOVERLAP);
    assert_int_equal(failed, 2);
    assert_int_equal(t->num, 2); /* the first two stay applied */
    region_set(t, 3, q);
    assert_int_equal(rec.fatals, 1);
    assert_int_equal(rec.fatal_err, REGION_EOVERLAP);
    assert_int_equal(rec.fatal_index, 0);
    assert_int_equal(rec.locks, rec.unlocks);
}

static void test_full(void **state)
{
    (void)state;
    region_table_t *t = fresh();
    for (unsigned i = 0; i < REGION_MAX; i++)
        assert_int_equal(set1(t, add(0x40000000 + 2 * i * PG, PG, 0x80000000 + 4 * i * PG,
                                     REGION_RAM, RWX)),
                         REGION_OK);
    assert_int_equal(t->num, REGION_MAX);
    assert_int_equal(set1(t, add(0x50000000, PG, 0x81000000, REGION_RAM, RWX)), REGION_EFULL);
    /* a split needs a slot too */
    assert_int_equal(set1(t, modify(0x40000000, PG, REGION_R)), REGION_OK); /* whole: no split */
    assert_int_equal(t->num, REGION_MAX);
}

static bool same_table(const region_table_t *t, const region_t *r, unsigned num)
{
    return t->num == num && !memcmp(t->r, r, num * sizeof(r[0]));
}

static void expect_log(unsigned i, uint64_t gpa, uint64_t len, bool mapped, bool undo)
{
    assert_true(i < rec.changes);
    assert_int_equal(rec.log[i].gpa, gpa);
    assert_int_equal(rec.log[i].len, len);
    assert_int_equal(rec.log[i].mapped, mapped);
    assert_int_equal(rec.log[i].undo, undo);
}

static void test_undo(void **state)
{
    (void)state;
    region_table_t *t = fresh();
    static region_t before[REGION_MAX];
    assert_int_equal(set1(t, add(0x40000000, 16 * MiB, 0x80000000, REGION_RAM, RWX)), REGION_OK);
    assert_int_equal(set1(t, add(0x41000000, MiB, 0x81800000, REGION_RAM, REGION_R)), REGION_OK);
    assert_int_equal(set1(t, add(0x42000000, MiB, 0x82000000, REGION_RAM, RWX)), REGION_OK);
    unsigned num = t->num;
    memcpy(before, t->r, sizeof(before));
    assert_string_equal(region_strerror(REGION_ENOMEM), "no page-table page left for the change");

    /* ADD into a hole (merging with its neighbour): the hole is unmapped again */
    rec.changes = 0;
    rec.fail_at = 1;
    assert_int_equal(set1(t, add(0x41100000, MiB, 0x81900000, REGION_RAM, REGION_R)),
                     REGION_ENOMEM);
    assert_true(same_table(t, before, num));
    assert_int_equal(rec.changes, 2);
    expect_log(0, 0x41000000, 2 * MiB, true, false); /* the merged region */
    expect_log(1, 0x41100000, MiB, false, true);

    /* MODIFY over two regions, the second piece refused: both old regions reported whole */
    rec.changes = 0;
    rec.fail_at = 2;
    assert_int_equal(set1(t, modify(0x40f00000, 2 * MiB, REGION_R | REGION_W)), REGION_ENOMEM);
    assert_true(same_table(t, before, num));
    assert_int_equal(rec.changes, 4);
    expect_log(2, 0x40000000, 16 * MiB, true, true);
    assert_int_equal(rec.log[2].r.flags, RWX);
    expect_log(3, 0x41000000, MiB, true, true);
    assert_int_equal(rec.log[3].r.flags, REGION_R);

    /* DELETE in a multi-entry request: the first request goes through, the second is refused
     * and its region comes back, the third is not tried */
    rec.changes = 0;
    rec.fail_at = 2;
    unsigned failed = 99;
    region_req_t q[3] = {modify(0x42000000, PG, REGION_R), del(0x41000000, MiB),
                         modify(0x42000000, PG, RWX)};
    assert_int_equal(region_set_soft(t, 3, q, &failed), REGION_ENOMEM);
    assert_int_equal(failed, 1);
    assert_int_equal(rec.changes, 3);
    expect_log(1, 0x41000000, MiB, false, false);
    expect_log(2, 0x41000000, MiB, true, true);
    assert_int_equal(region_find(t, 0x42000000)->flags, REGION_R); /* request 0 stays */
    assert_int_equal(region_find(t, 0x41000000)->len, MiB);
    assert_int_equal(rec.locks, rec.unlocks);

    /* not sticky: the next change goes through */
    rec.fail_at = 0;
    assert_int_equal(set1(t, modify(0x42000000, PG, RWX)), REGION_OK);
    assert_true(same_table(t, before, num));

    /* an undo refused as well: the whole range is unmapped, the table still as before */
    rec.changes = 0;
    rec.fail_at = 1;
    rec.fail_undo = true;
    assert_int_equal(set1(t, modify(0x40100000, PG, REGION_R)), REGION_ENOMEM);
    assert_true(same_table(t, before, num));
    assert_int_equal(rec.changes, 3);
    expect_log(1, 0x40000000, 16 * MiB, true, true);
    expect_log(2, 0x40100000, PG, false, true);
    assert_int_equal(rec.fatals, 0);
}

/* A request that would have gone through but whose stage 2 was refused (at random). */
static bool refused(int rc, bool valid) { return rc == REGION_ENOMEM && rec.fail_rate && valid; }

/* Random requests against a per-page model of (mapped, hpa, flags, owned), and a model stage 2
 * that must agree with the table after every request; the second run refuses one stage-2 change
 * in five (a refused one has done half its range). Owned single pages (grant mappings) come and
 * go among the regions, in their own slots (a request that finds them all taken is skipped). */
static void random_against_model(bool refusals)
{
    enum { PAGES = 256 };
    static struct {
        bool on, owned;
        uint64_t hpa;
        unsigned flags;
    } m[PAGES];
    memset(m, 0, sizeof(m));
    region_table_t *t = fresh();
    const uint64_t base = 0x40000000;
    srand(42);
    rec.fail_rate = refusals ? 5 : 0; /* a refused change changes nothing */
    rec.s2_base = base;
    unsigned last = 0;
    for (unsigned iter = 0; iter < 3000; iter++) {
        unsigned first = (unsigned)(rand() % PAGES), n = 1 + (unsigned)(rand() % 16);
        if (first + n > PAGES)
            n = PAGES - first;
        unsigned flags = 1 + (unsigned)(rand() % 7);
        unsigned op = (unsigned)(rand() % 4);
        bool any = false, all = true, owned = false;
        for (unsigned k = 0; k < n; k++) {
            any |= m[first + k].on;
            all &= m[first + k].on;
            owned |= m[first + k].owned;
        }
        int rc;
        if (op == 3) {
            /* an owned page at first, added where nothing is, or deleted (its owner: &m[first];
             * its frames never contiguous with another's, so nothing could merge) */
            uint64_t gpa = base + first * PG, hpa = 0xa0000000 + 2 * first * PG;
            if (m[first].owned) {
                rc = region_delete_owned(t, gpa, PG, &m[first]);
                if (!refused(rc, true))
                    assert_int_equal(rc, REGION_OK);
                if (!rc)
                    m[first].on = m[first].owned = false;
            } else {
                region_t r = {gpa, PG, hpa, REGION_RAM, REGION_R | REGION_W, &m[first]};
                rc = region_add_owned(t, &r);
                if (rc == REGION_EFULL)
                    continue;
                if (!refused(rc, !m[first].on))
                    assert_int_equal(rc, m[first].on ? REGION_EOVERLAP : REGION_OK);
                if (!rc)
                    m[first].on = m[first].owned = true, m[first].hpa = hpa,
                    m[first].flags = REGION_R | REGION_W;
            }
        } else if (op == 0) {
            rc = set1(t,
                      add(base + first * PG, n * PG, 0x80000000 + first * PG, REGION_RAM, flags));
            if (rc == REGION_EFULL)
                continue;
            if (!refused(rc, !any))
                assert_int_equal(rc, any ? REGION_EOVERLAP : REGION_OK);
            if (!rc)
                for (unsigned k = 0; k < n; k++)
                    m[first + k].on = true, m[first + k].hpa = 0x80000000 + (first + k) * PG,
                              m[first + k].flags = flags;
        } else if (op == 1) {
            rc = set1(t, modify(base + first * PG, n * PG, flags));
            if (rc == REGION_EFULL)
                continue;
            if (!refused(rc, all && !owned))
                assert_int_equal(rc, owned ? REGION_EOWNED : all ? REGION_OK : REGION_ENOENT);
            if (!rc)
                for (unsigned k = 0; k < n; k++)
                    m[first + k].flags = flags;
        } else {
            rc = set1(t, del(base + first * PG, n * PG));
            if (rc == REGION_EFULL)
                continue;
            if (!refused(rc, all && !owned))
                assert_int_equal(rc, owned ? REGION_EOWNED : all ? REGION_OK : REGION_ENOENT);
            if (!rc)
                for (unsigned k = 0; k < n; k++)
                    m[first + k].on = false;
        }
        /* stage 2 agrees with the table after every request, refused or not */
        for (unsigned p = 0; p < PAGES; p++) {
            const region_t *r = region_find(t, base + p * PG);
            assert_int_equal(rec.s2[p].on, r != NULL);
            if (r) {
                assert_int_equal(rec.s2[p].hpa, r->hpa + (base + p * PG - r->gpa));
                assert_int_equal(rec.s2[p].flags, r->flags);
            }
        }
        /* region_info agrees with the model at a page it found before the change (its hint
         * may name a region that moved or went) and at another */
        for (unsigned k = 0; k < 2; k++) {
            unsigned p = k ? (unsigned)(rand() % PAGES) : last;
            region_t r;
            int got = region_info(t, base + p * PG, &r);
            assert_int_equal(got == REGION_OK, m[p].on);
            if (got == REGION_OK) {
                assert_int_equal(r.hpa + (base + p * PG - r.gpa), m[p].hpa);
                assert_int_equal(r.flags, m[p].flags);
            }
            last = p;
        }
        if (iter % 50)
            continue;
        for (unsigned p = 0; p < PAGES; p++) {
            const region_t *r = region_find(t, base + p * PG);
            assert_int_equal(r != NULL, m[p].on);
            if (r) {
                assert_int_equal(r->hpa + (base + p * PG - r->gpa), m[p].hpa);
                assert_int_equal(r->flags, m[p].flags);
            }
        }
        /* always sorted, non-overlapping, and no two neighbours that should have merged */
        for (unsigned i = 1; i < t->num; i++) {
            assert_true(t->r[i - 1].gpa + t->r[i - 1].len <= t->r[i].gpa);
            bool same = t->r[i - 1].gpa + t->r[i - 1].len == t->r[i].gpa &&
                        t->r[i - 1].hpa + t->r[i - 1].len == t->r[i].hpa &&
                        t->r[i - 1].flags == t->r[i].flags;
            assert_false(same);
        }
    }
}

static void test_random_against_model(void **state)
{
    (void)state;
    random_against_model(false);
}

static void test_random_with_refusals(void **state)
{
    (void)state;
    random_against_model(true);
}

/* ---- region_info without the lock, while another thread changes the table ---- */

static volatile bool race_stop;
static int race_owner;

static void *race_writer(void *arg)
{
    region_table_t *t = arg;
    for (unsigned i = 0; !race_stop; i++) {
        /* split and merge the RAM region, and put an owned page next to it and take it away */
        set1(t, modify(0x40000000, 4 * PG, i & 1 ? REGION_R : RWX));
        region_t pg = {0x40100000, PG, 0x90000000, REGION_RAM, REGION_R, &race_owner};
        if (i & 2)
            region_add_owned(t, &pg);
        else
            region_delete_owned(t, 0x40100000, PG, &race_owner);
    }
    return NULL;
}

/* Every answer is a region the table really had at some moment: never a mix of two. */
static void test_info_lock_free(void **state)
{
    (void)state;
    region_table_t *t = fresh();
    ops.lock = NULL; /* the writer alone would count: the counters are not atomic */
    ops.unlock = NULL;
    assert_int_equal(set1(t, add(0x40000000, 16 * PG, 0x80000000, REGION_RAM, RWX)), REGION_OK);
    assert_int_equal(set1(t, add(0x50000000, PG, 0x8a000000, REGION_RAM, REGION_R)), REGION_OK);
    pthread_t w;
    race_stop = false;
    assert_int_equal(pthread_create(&w, NULL, race_writer, t), 0);
    unsigned seen_split = 0, seen_page = 0;
    for (unsigned i = 0; i < 400000; i++) {
        region_t r;
        assert_int_equal(region_info(t, 0x40002000, &r), REGION_OK);
        assert_int_equal(r.gpa, 0x40000000);
        assert_int_equal(r.hpa, 0x80000000);
        assert_true((r.len == 16 * PG && r.flags == RWX) ||
                    (r.len == 4 * PG && r.flags == REGION_R));
        seen_split += r.len == 4 * PG;
        assert_int_equal(region_info(t, 0x40008000, &r), REGION_OK);
        assert_true((r.gpa == 0x40000000 && r.len == 16 * PG && r.hpa == 0x80000000) ||
                    (r.gpa == 0x40004000 && r.len == 12 * PG && r.hpa == 0x80004000));
        assert_int_equal(r.flags, RWX);
        int rc = region_info(t, 0x40100000, &r);
        if (rc == REGION_OK) {
            seen_page++;
            assert_int_equal(r.gpa, 0x40100000);
            assert_int_equal(r.len, PG);
            assert_int_equal(r.hpa, 0x90000000);
            assert_ptr_equal(r.owner, &race_owner);
        } else {
            assert_int_equal(rc, REGION_ENOENT);
        }
        assert_int_equal(region_info(t, 0x50000000, &r), REGION_OK);
        assert_int_equal(r.hpa, 0x8a000000);
    }
    race_stop = true;
    pthread_join(w, NULL);
    ops.lock = lock;
    ops.unlock = unlock;
    assert_int_equal(t->seq % 2, 0);
    print_message("lock-free reads: %u saw the split, %u the owned page\n", seen_split, seen_page);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_modify_split_merge),
        cmocka_unit_test(test_delete),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_multi_request_and_fatal),
        cmocka_unit_test(test_full),
        cmocka_unit_test(test_undo),
        cmocka_unit_test(test_random_against_model),
        cmocka_unit_test(test_random_with_refusals),
        cmocka_unit_test(test_info_lock_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
