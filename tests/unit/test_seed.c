/*
 * Unit tests of core/lib/seed.c, the guests' seed generator: the ChaCha20 block function
 * against RFC 8439's test vector (2.3.2), a generator that refuses to run unkeyed or on a short
 * seed, and draws that never repeat, whether from one VM's boot to the next or between VMs, yet
 * follow from the seed alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <lib/seed.h>

static void test_block(void **state)
{
    (void)state;
    uint32_t key[8];
    for (unsigned i = 0; i < 8; i++) /* 00 01 02 ... 1f, little-endian words */
        key[i] = (uint32_t)(4 * i) | (uint32_t)(4 * i + 1) << 8 | (uint32_t)(4 * i + 2) << 16 |
                 (uint32_t)(4 * i + 3) << 24;
    const uint32_t nonce[3] = {0x09000000, 0x4a000000, 0}; /* 00 00 00 09 00 00 00 4a 00 ... */
    static const uint8_t want[64] = {0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f,
                                     0xdd, 0x1f, 0xa3, 0x20, 0x71, 0xc4, 0xc7, 0xd1, 0xf4, 0xc7,
                                     0x33, 0xc0, 0x68, 0x03, 0x04, 0x22, 0xaa, 0x9a, 0xc3, 0xd4,
                                     0x6c, 0x4e, 0xd2, 0x82, 0x64, 0x46, 0x07, 0x9f, 0xaa, 0x09,
                                     0x14, 0xc2, 0xd7, 0x05, 0xd9, 0x8b, 0x02, 0xa2, 0xb5, 0x12,
                                     0x9c, 0xd1, 0xde, 0x16, 0x4e, 0xb9, 0xcb, 0xd0, 0x83, 0xe8,
                                     0xa2, 0x50, 0x3c, 0x4e};
    uint8_t out[64];
    chacha20_block(key, 1, nonce, out);
    assert_memory_equal(out, want, sizeof(want));
}

static void test_draws(void **state)
{
    (void)state;
    uint8_t seed[40], a[40], b[40], c[100], zero[40] = {0};
    for (unsigned i = 0; i < sizeof(seed); i++)
        seed[i] = (uint8_t)(7 * i + 3);

    /* unkeyed: nothing is drawn, and a short seed does not key it */
    memset(a, 0, sizeof(a));
    assert_false(seed_ready());
    assert_false(seed_draw(a, sizeof(a)));
    assert_memory_equal(a, zero, sizeof(a));
    assert_false(seed_init(seed, SEED_MIN_BYTES - 1));
    assert_false(seed_ready());

    /* keyed: each draw differs from the one before, none is the seed or zero */
    assert_true(seed_init(seed, SEED_MIN_BYTES));
    assert_true(seed_ready());
    assert_true(seed_draw(a, sizeof(a)));
    assert_true(seed_draw(b, sizeof(b)));
    assert_memory_not_equal(a, b, sizeof(a));
    assert_memory_not_equal(a, zero, sizeof(a));
    assert_memory_not_equal(a, seed, SEED_MIN_BYTES);

    /* the same seed gives the same draws, in order; a longer one draws across blocks */
    uint8_t a2[40], b2[40];
    assert_true(seed_init(seed, SEED_MIN_BYTES));
    assert_true(seed_draw(a2, sizeof(a2)));
    assert_true(seed_draw(b2, sizeof(b2)));
    assert_memory_equal(a, a2, sizeof(a));
    assert_memory_equal(b, b2, sizeof(b));
    assert_true(seed_init(seed, SEED_MIN_BYTES));
    assert_true(seed_draw(c, sizeof(c)));
    assert_memory_equal(c, a, sizeof(a)); /* a draw is a prefix of a longer one */
    assert_memory_not_equal(c + 40, c, 40);

    /* every byte of the seed counts, past the first 32 too */
    seed[35] ^= 1;
    assert_true(seed_init(seed, sizeof(seed)));
    assert_true(seed_draw(b2, sizeof(b2)));
    seed[35] ^= 1;
    assert_true(seed_init(seed, sizeof(seed)));
    assert_true(seed_draw(a2, sizeof(a2)));
    assert_memory_not_equal(a2, b2, sizeof(a2));
    assert_memory_not_equal(a2, a, sizeof(a2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_block), cmocka_unit_test(test_draws)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
