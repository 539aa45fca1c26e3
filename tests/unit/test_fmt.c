/*
 * Unit tests of core/lib/fmt.c, septum's snprintf: every format its messages use, and the
 * flags, widths, precisions and lengths around them, compared character for character and in
 * return value with the host C library's snprintf, over values that reach each edge (zero,
 * one digit, sign, the widest 32- and 64-bit numbers), and at every buffer size up to the whole
 * output, so truncation and NUL termination are checked too.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <lib/fmt.h>

/* the format tables below are the input: each table's formats all take its argument type */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

static unsigned checked;

/* Both implementations on the same arguments, at buffer sizes 0..full+1. */
#define SAME(...)                                                                                  \
    do {                                                                                           \
        char want[256], got[256];                                                                  \
        int wn = snprintf(want, sizeof(want), __VA_ARGS__);                                        \
        for (size_t size = 0; size <= (size_t)wn + 1 && size <= sizeof(got); size++) {             \
            memset(got, 'Z', sizeof(got));                                                         \
            int gn = fmt_snprintf(got, size, __VA_ARGS__);                                         \
            assert_int_equal(gn, wn);                                                              \
            if (size) {                                                                            \
                assert_memory_equal(got, want, size - 1);                                          \
                assert_int_equal(got[size - 1 < (size_t)wn ? size - 1 : (size_t)wn], '\0');        \
            } else {                                                                               \
                assert_int_equal(got[0], 'Z'); /* size 0: nothing written */                       \
            }                                                                                      \
            checked++;                                                                             \
        }                                                                                          \
    } while (0)

static const int ints[] = {0, 1, -1, 7, -7, 42, 999, -1000, 65535, INT_MAX, INT_MIN};
static const unsigned uints[] = {0, 1, 9, 10, 0xff, 0xdeadbeef, UINT_MAX};
static const unsigned long ulongs[] = {0,          1,          0xf,           0x1000,
                                       0x40000000, 0xffffffff, 0x100000000UL, 0x7fffffffffffffffUL,
                                       ULONG_MAX};
static const long longs[] = {0, -1, 1, LONG_MAX, LONG_MIN, -4096, 123456789012L};

static void test_integers(void **state)
{
    (void)state;
    static const char *const ifmt[] = {"%d",    "%i",   "%5d",    "%-5d|",   "%05d",
                                       "%.3d",  "%.0d", "%8.3d",  "%-8.3d|", "%2d",
                                       "%-2d|", "%0*d", "%08.3d", "%-05d|"};
    for (size_t f = 0; f < sizeof(ifmt) / sizeof(ifmt[0]); f++)
        for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
            if (strstr(ifmt[f], "*"))
                SAME(ifmt[f], 9, ints[i]);
            else
                SAME(ifmt[f], ints[i]);
        }
    static const char *const ufmt[] = {"%u",   "%x",   "%X",     "%08x",  "%5u", "%-2u|",
                                       "%.0u", "%.5x", "%-10x|", "%010u", "%2x"};
    for (size_t f = 0; f < sizeof(ufmt) / sizeof(ufmt[0]); f++)
        for (size_t i = 0; i < sizeof(uints) / sizeof(uints[0]); i++)
            SAME(ufmt[f], uints[i]);
    static const char *const lfmt[] = {"%lu",  "%lx",  "%010lx", "%016lx",  "%08lx",    "%02lx",
                                       "%5lu", "%6lu", "%7lu",   "%-20lx|", "%zu",      "%zx",
                                       "%llu", "%llx", "%lX",    "%.12lx",  "%020.12lx"};
    for (size_t f = 0; f < sizeof(lfmt) / sizeof(lfmt[0]); f++)
        for (size_t i = 0; i < sizeof(ulongs) / sizeof(ulongs[0]); i++)
            SAME(lfmt[f], ulongs[i]);
    static const char *const sfmt[] = {"%ld", "%5ld", "%-22ld|", "%022ld", "%lld", "%zd"};
    for (size_t f = 0; f < sizeof(sfmt) / sizeof(sfmt[0]); f++)
        for (size_t i = 0; i < sizeof(longs) / sizeof(longs[0]); i++)
            SAME(sfmt[f], longs[i]);
    /* short and char lengths take an int argument, as the promotion gives them */
    SAME("%hu %hhu %hx", 65535, 255, 4096);
}

static void test_strings(void **state)
{
    (void)state;
    static const char *const strs[] = {"", "a", "alpha", "/pl011@9000000", "a much longer string"};
    static const char *const fmts[] = {"%s",   "[%9s]", "[%-8s]", "[%-24s]", "%.40s", "%.16s",
                                       "%.0s", "[%7s]", "[%5s]",  "[%-12s]", "%.3s",  "[%8.2s]"};
    for (size_t f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++)
        for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
            SAME(fmts[f], strs[i]);
    for (int prec = 0; prec < 8; prec++)
        SAME("<%.*s>", prec, "abcdef");
    SAME("<%*s|%-*s>", 6, "ab", 6, "cd");
    SAME("<%*d>", -6, 42); /* a negative width is '-' and its absolute value */
    SAME("%c%c%c [%3c] [%-3c]", 's', 'e', 'p', 'x', 'y');
    SAME("100%% of %s", "it");
    SAME("no conversion at all");
    const char *empty = "";
    SAME(empty, 0);
}

static void test_pointers_and_mixes(void **state)
{
    (void)state;
    int x;
    SAME("%p", (void *)&x);
    SAME("[%20p]", (void *)0x40000000UL);
    SAME("DTB: at %p, not 8-byte aligned (FDT_ERR_ALIGNMENT)", (void *)0x48200003UL);
    SAME("vm %s: %u vCPU on CPU %u, RAM 0x%lx+%lu MiB at host 0x%lx, %s 0x%lx (%lu KiB)", "alpha",
         1U, 0U, 0x40000000UL, 16UL, 0x40400000UL, "ring.bin", 0x40080000UL, 31UL);
    SAME("%s: reg entry %u (0x%lx+0x%lx) wraps around", "/memory@40000000", 2U,
         0xffffffffffff0000UL, 0x20000UL);
    SAME("x%-2u %016lx x%-2u %016lx", 0U, 0x1234UL, 30U, ULONG_MAX);
    SAME("bundle: header CRC 0x%08x, computed 0x%08x", 0x1234abcdU, 0U);
    SAME("%d%%", -5);
}

/* Formats septum does not use are copied as written, never read past the end. */
static void test_unknown(void **state)
{
    (void)state;
    char buf[32];
    /* through variables: the compiler would refuse them as literals */
    const char *odd[] = {"a%yb", "end%", "end%-0"};
    const char *volatile none = NULL;
    assert_int_equal(fmt_snprintf(buf, sizeof(buf), odd[0], 0), 4);
    assert_string_equal(buf, "a%yb");
    assert_int_equal(fmt_snprintf(buf, sizeof(buf), odd[1], 0), 4);
    assert_string_equal(buf, "end%");
    assert_int_equal(fmt_snprintf(buf, sizeof(buf), odd[2], 0), 6);
    assert_string_equal(buf, "end%-0");
    assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%s", none), 6);
    assert_string_equal(buf, "(null)");
}

static void test_count(void **state)
{
    (void)state;
    /* every SAME above ran at several sizes: a test that checked nothing would fail here */
    assert_true(checked > 2000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_integers),
                                       cmocka_unit_test(test_strings),
                                       cmocka_unit_test(test_pointers_and_mixes),
                                       cmocka_unit_test(test_unknown),
                                       cmocka_unit_test(test_count)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
