/*
 * Unit tests of mm/frame.c: RAM with holes and taken ranges, aligned allocation, claims, frees
 * by the wrong owner, exhaustion, extent-table overflow, and a random alloc/free run checked
 * page by page against a simple model.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <mm/frame.h>
#include <stdlib.h>
#include <string.h>

#define MiB(x) ((uint64_t)(x) << 20)
#define PG     FRAME_SIZE

static void test_init_and_accounting(void **state)
{
    (void)state;
    frame_range_t ram[] = {{0x80000000, MiB(64)}, {0x40000000, MiB(16) + 100}}; /* unsorted */
    frame_range_t taken[] = {{0x40200000 + 10, 5000}, {0x90000000, MiB(1)} /* not RAM */};
    assert_int_equal(frame_init(ram, 2, taken, 2, FRAME_SEPTUM), 0);
    assert_int_equal(frame_total(), (MiB(80)) / PG);
    /* 0x4020000a..+5000 rounds outward to two pages */
    assert_int_equal(frame_count(FRAME_SEPTUM), 2);
    assert_int_equal(frame_count(FRAME_FREE), MiB(80) / PG - 2);
    assert_int_equal(frame_owner(0x40201000), FRAME_SEPTUM);
    assert_int_equal(frame_owner(0x40202000), FRAME_FREE);
    assert_int_equal(frame_owner(0x50000000), -ERANGE);
    frame_range_t overlap[] = {{0x40000000, MiB(16)}, {0x40800000, MiB(16)}};
    assert_int_equal(frame_init(overlap, 2, NULL, 0, FRAME_SEPTUM), -EINVAL);
}

static void test_alloc_free(void **state)
{
    (void)state;
    frame_range_t ram[] = {{0x40000000, MiB(8)}};
    frame_range_t taken[] = {{0x40000000, PG}};
    assert_int_equal(frame_init(ram, 1, taken, 1, FRAME_SEPTUM), 0);
    paddr_t a, b;
    assert_int_equal(frame_alloc(16, 1, FRAME_VM0, &a), 0);
    assert_int_equal(a, 0x40001000);
    assert_int_equal(frame_alloc(512, 512, FRAME_VM0 + 1, &b), 0); /* 2 MiB-aligned */
    assert_int_equal(b, 0x40200000);
    assert_int_equal(frame_count(FRAME_VM0), 16);
    assert_int_equal(frame_count(FRAME_VM0 + 1), 512);
    assert_true(frame_range_owned(b, MiB(2), FRAME_VM0 + 1));
    assert_false(frame_range_owned(b, MiB(2) + PG, FRAME_VM0 + 1));
    /* freeing by the wrong owner changes nothing */
    assert_int_equal(frame_free(b, 512, FRAME_VM0), -EPERM);
    assert_int_equal(frame_count(FRAME_VM0 + 1), 512);
    assert_int_equal(frame_free(b + PG, 1, FRAME_VM0 + 1), 0); /* a hole in the middle */
    assert_int_equal(frame_owner(b + PG), FRAME_FREE);
    assert_int_equal(frame_free(b, 1, FRAME_VM0 + 1), 0);
    assert_int_equal(frame_free(b + 2 * PG, 510, FRAME_VM0 + 1), 0);
    assert_int_equal(frame_free(a, 16, FRAME_VM0), 0);
    assert_int_equal(frame_count(FRAME_FREE), MiB(8) / PG - 1);
    /* claims */
    assert_int_equal(frame_claim(0x40400000, 4, FRAME_IMAGE), 0);
    assert_int_equal(frame_claim(0x40400000, 1, FRAME_IMAGE), -EBUSY);
    assert_int_equal(frame_claim(0x40800000, 1, FRAME_IMAGE), -ERANGE);
    assert_int_equal(frame_free(0x40400000, 4, FRAME_IMAGE), 0);
    /* exhaustion and bad requests */
    assert_int_equal(frame_alloc(MiB(8) / PG, 1, FRAME_VM0, &a), -ENOMEM);
    assert_int_equal(frame_alloc(0, 1, FRAME_VM0, &a), -EINVAL);
    assert_int_equal(frame_alloc(1, 3, FRAME_VM0, &a), -EINVAL);
    assert_int_equal(frame_free(0x40000800, 1, FRAME_SEPTUM), -ERANGE);
    assert_int_equal(frame_count(FRAME_FREE), MiB(8) / PG - 1);
}

static void test_extent_overflow(void **state)
{
    (void)state;
    frame_range_t ram[] = {{0x40000000, MiB(64)}};
    assert_int_equal(frame_init(ram, 1, NULL, 0, 0), 0);
    /* alternate owners page by page until the extent table is full */
    unsigned i = 0;
    int rc = 0;
    for (; i < 2 * FRAME_EXTENT_MAX && rc == 0; i++)
        rc = frame_claim(0x40000000 + 2 * i * PG, 1, FRAME_VM0);
    assert_int_equal(rc, -ENOSPC);
    uint64_t owned = frame_count(FRAME_VM0);
    /* the refused claim changed nothing */
    assert_int_equal(frame_owner(0x40000000 + 2 * (i - 1) * PG), FRAME_FREE);
    assert_int_equal(owned, i - 1);
}

static void test_random_against_model(void **state)
{
    (void)state;
    enum { PAGES = 1024 };
    static uint16_t model[PAGES];
    frame_range_t ram[] = {{0x40000000, PAGES * PG}};
    assert_int_equal(frame_init(ram, 1, NULL, 0, 0), 0);
    memset(model, 0, sizeof(model));
    srand(7);
    for (unsigned iter = 0; iter < 4000; iter++) {
        uint16_t owner = (uint16_t)(FRAME_VM0 + rand() % 3);
        uint64_t n = 1 + (uint64_t)(rand() % 24);
        if (rand() % 2) {
            paddr_t pa;
            uint64_t align = 1ULL << (rand() % 4);
            if (frame_alloc(n, align, owner, &pa) == 0) {
                unsigned first = (unsigned)((pa - 0x40000000) / PG);
                assert_int_equal(first % align, 0);
                for (unsigned k = 0; k < n; k++) {
                    assert_int_equal(model[first + k], FRAME_FREE);
                    model[first + k] = owner;
                }
            }
        } else {
            unsigned first = (unsigned)(rand() % PAGES);
            if (first + n > PAGES)
                n = PAGES - first;
            bool all = true;
            for (unsigned k = 0; k < n; k++)
                all &= model[first + k] == owner;
            int rc = frame_free(0x40000000 + first * PG, n, owner);
            /* -ENOSPC: the extent table is full; like -EPERM it must change nothing */
            if (rc != -ENOSPC)
                assert_int_equal(rc, all ? 0 : -EPERM);
            if (rc == 0)
                for (unsigned k = 0; k < n; k++)
                    model[first + k] = FRAME_FREE;
        }
        if (iter % 97 == 0)
            for (unsigned p = 0; p < PAGES; p++)
                assert_int_equal(frame_owner(0x40000000 + p * PG), model[p]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_and_accounting),
        cmocka_unit_test(test_alloc_free),
        cmocka_unit_test(test_extent_overflow),
        cmocka_unit_test(test_random_against_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
