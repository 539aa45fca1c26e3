/*
 * Unit tests of the PV console's rings (core/xen/consring.c) on a page laid out as Xen's
 * io/console.h: output the guest produces reaches septum once and in order, across the ring's
 * wrap and the indices' own wrap at 2^32; input septum feeds lands where the guest reads it,
 * up to a full ring; and a hostile guest's indices (out_prod more than a ring ahead or behind,
 * in_cons ahead of the producer or a ring behind, septum's own indices overwritten in the page)
 * are refused without a byte outside the rings being touched or anything printed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>
#include <xen/console.h>

static union {
    xencons_interface_t ring;
    unsigned char bytes[4096];
} page;
static xencons_ring_t r;
static char got[8192];
static unsigned got_len;

static void put(void *ctx, char c)
{
    assert_ptr_equal(ctx, &r);
    assert_true(got_len < sizeof(got));
    got[got_len++] = c;
}

static int setup(void **state)
{
    (void)state;
    memset(&page, 0, sizeof(page));
    xencons_ring_init(&r, &page.ring);
    got_len = 0;
    return 0;
}

/* The guest's side of out[]: what Linux's hvc_xen does. */
static void guest_write(const char *s)
{
    uint32_t prod = page.ring.out_prod;
    for (; *s; s++)
        page.ring.out[prod++ % XENCONS_OUT_SIZE] = *s;
    page.ring.out_prod = prod;
}

static void test_layout(void **state)
{
    (void)state;
    assert_true(sizeof(xencons_interface_t) <= 4096);
    assert_int_equal(XENCONS_IN_SIZE, 1024);
    assert_int_equal(XENCONS_OUT_SIZE, 2048);
}

static void test_output(void **state)
{
    (void)state;
    assert_int_equal(xencons_drain(&r, put, &r), 0); /* nothing written: nothing printed */
    guest_write("hello\n");
    assert_int_equal(xencons_drain(&r, put, &r), 6);
    assert_memory_equal(got, "hello\n", 6);
    assert_int_equal(page.ring.out_cons, 6);
    assert_int_equal(xencons_drain(&r, put, &r), 0); /* once only */
    assert_int_equal(got_len, 6);
}

static void test_output_wraps(void **state)
{
    (void)state;
    /* the ring's end and the 32-bit indices' end, both in one drain */
    page.ring.out_prod = page.ring.out_cons = 0xfffffffcU;
    r.out_cons = 0xfffffffcU;
    char line[XENCONS_OUT_SIZE + 1];
    for (unsigned i = 0; i < XENCONS_OUT_SIZE; i++)
        line[i] = (char)('a' + i % 26);
    line[XENCONS_OUT_SIZE] = '\0';
    guest_write(line); /* a whole ring: the most the guest may have outstanding */
    assert_int_equal(page.ring.out_prod, XENCONS_OUT_SIZE - 4);
    assert_int_equal(xencons_drain(&r, put, &r), XENCONS_OUT_SIZE);
    assert_memory_equal(got, line, XENCONS_OUT_SIZE);
    assert_int_equal(page.ring.out_cons, XENCONS_OUT_SIZE - 4);
}

static void test_output_hostile(void **state)
{
    (void)state;
    guest_write("ok");
    page.ring.out_prod += XENCONS_OUT_SIZE; /* claims more than a ring */
    assert_int_equal(xencons_drain(&r, put, &r), -1);
    assert_int_equal(got_len, 0);
    /* septum caught up: what the guest writes next is printed */
    guest_write("next");
    assert_int_equal(xencons_drain(&r, put, &r), 4);
    assert_memory_equal(got, "next", 4);
    /* behind septum's consumer: the same */
    got_len = 0;
    page.ring.out_prod -= 1;
    assert_int_equal(xencons_drain(&r, put, &r), -1);
    assert_int_equal(got_len, 0);
    /* the guest overwrites septum's index in the page: septum goes by its own */
    page.ring.out_cons = 12345;
    guest_write("x");
    assert_int_equal(xencons_drain(&r, put, &r), 1);
    assert_int_equal(got[0], 'x');
}

static void test_input(void **state)
{
    (void)state;
    assert_true(xencons_feed(&r, 'l'));
    assert_true(xencons_feed(&r, 's'));
    assert_int_equal(page.ring.in_prod, 2);
    assert_memory_equal(page.ring.in, "ls", 2);
    /* the guest reads nothing: the ring fills, then refuses */
    for (unsigned i = 2; i < XENCONS_IN_SIZE; i++)
        assert_true(xencons_feed(&r, 'x'));
    assert_false(xencons_feed(&r, 'y'));
    assert_int_equal(page.ring.in_prod, XENCONS_IN_SIZE);
    /* the guest consumes two: two more fit, at the ring's start */
    page.ring.in_cons = 2;
    assert_true(xencons_feed(&r, 'a'));
    assert_true(xencons_feed(&r, 'b'));
    assert_false(xencons_feed(&r, 'c'));
    assert_memory_equal(page.ring.in, "ab", 2);
}

static void test_input_hostile(void **state)
{
    (void)state;
    unsigned char before[sizeof(page)];
    assert_true(xencons_feed(&r, 'a'));
    page.ring.in_cons = 5; /* ahead of what septum produced */
    memcpy(before, page.bytes, sizeof(page));
    assert_false(xencons_feed(&r, 'b'));
    assert_memory_equal(before, page.bytes, sizeof(page)); /* nothing written */
    page.ring.in_prod = 999; /* septum's own index, overwritten: ignored */
    page.ring.in_cons = 1;
    assert_true(xencons_feed(&r, 'c'));
    assert_int_equal(page.ring.in_prod, 2);
    assert_int_equal(page.ring.in[1], 'c');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_layout, setup),
        cmocka_unit_test_setup(test_output, setup),
        cmocka_unit_test_setup(test_output_wraps, setup),
        cmocka_unit_test_setup(test_output_hostile, setup),
        cmocka_unit_test_setup(test_input, setup),
        cmocka_unit_test_setup(test_input_hostile, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
