/*
 * Unit tests of mm/region.c, the region table after gasp_region_set: add, modify and delete
 * with splits (host addresses of split pieces), merges back, info/find, every error code with
 * the failed index of a multi-entry request, reported changes, locking, the fatal form, and a
 * random run checked page by page against a model.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <mm/region.h>
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
        bool mapped;
        region_t r;
    } log[64];
    bool refuse_host;
} rec_t;

static bool host_ok(void *ctx, uint64_t hpa, uint64_t len, region_type_t type)
{
    rec_t *rc = ctx;
    (void)type;
    /* "the VM's own": host 0x80000000..0x90000000 */
    return !rc->refuse_host && hpa >= 0x80000000 && hpa + len <= 0x90000000;
}

static void changed(void *ctx, uint64_t gpa, uint64_t len, const region_t *r)
{
    rec_t *rc = ctx;
    if (rc->changes < 64) {
        rc->log[rc->changes].gpa = gpa;
        rc->log[rc->changes].len = len;
        rc->log[rc->changes].mapped = r != NULL;
        if (r)
            rc->log[rc->changes].r = *r;
    }
    rc->changes++;
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

/* Random requests against a per-page model of (mapped, hpa, flags). */
static void test_random_against_model(void **state)
{
    (void)state;
    enum { PAGES = 256 };
    static struct {
        bool on;
        uint64_t hpa;
        unsigned flags;
    } m[PAGES];
    memset(m, 0, sizeof(m));
    region_table_t *t = fresh();
    const uint64_t base = 0x40000000;
    srand(42);
    for (unsigned iter = 0; iter < 3000; iter++) {
        unsigned first = (unsigned)(rand() % PAGES), n = 1 + (unsigned)(rand() % 16);
        if (first + n > PAGES)
            n = PAGES - first;
        unsigned flags = 1 + (unsigned)(rand() % 7);
        unsigned op = (unsigned)(rand() % 3);
        bool any = false, all = true;
        for (unsigned k = 0; k < n; k++) {
            any |= m[first + k].on;
            all &= m[first + k].on;
        }
        int rc;
        if (op == 0) {
            rc = set1(t,
                      add(base + first * PG, n * PG, 0x80000000 + first * PG, REGION_RAM, flags));
            if (rc == REGION_EFULL)
                continue;
            assert_int_equal(rc, any ? REGION_EOVERLAP : REGION_OK);
            if (!rc)
                for (unsigned k = 0; k < n; k++)
                    m[first + k].on = true, m[first + k].hpa = 0x80000000 + (first + k) * PG,
                              m[first + k].flags = flags;
        } else if (op == 1) {
            rc = set1(t, modify(base + first * PG, n * PG, flags));
            if (rc == REGION_EFULL)
                continue;
            assert_int_equal(rc, all ? REGION_OK : REGION_ENOENT);
            if (!rc)
                for (unsigned k = 0; k < n; k++)
                    m[first + k].flags = flags;
        } else {
            rc = set1(t, del(base + first * PG, n * PG));
            if (rc == REGION_EFULL)
                continue;
            assert_int_equal(rc, all ? REGION_OK : REGION_ENOENT);
            if (!rc)
                for (unsigned k = 0; k < n; k++)
                    m[first + k].on = false;
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_modify_split_merge),
        cmocka_unit_test(test_delete),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_multi_request_and_fatal),
        cmocka_unit_test(test_full),
        cmocka_unit_test(test_random_against_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
