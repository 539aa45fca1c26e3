/*
 * Unit tests of the packer (tools/septum-pack.c) and septum's bundle reader (core/bundle.c):
 * what the packer writes reads back entry by entry; every kind of damage to a bundle is refused
 * with a reason; flash images are laid out as septum expects; the packer's own refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "septum-pack.h"
#include <config/bundle.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t sysdesc[] = {0xd0, 0x0d, 0xfe, 0xed, 1, 2, 3};
static uint8_t image[10000];

static uint8_t *build(size_t *len)
{
    for (unsigned i = 0; i < sizeof(image); i++)
        image[i] = (uint8_t)(i * 7);
    pack_input_t in[] = {{"system.dtb", sysdesc, sizeof(sysdesc)},
                         {"hello.bin", image, sizeof(image)},
                         {"empty", image, 0}};
    uint8_t *b;
    char why[200];
    assert_int_equal(pack_build(in, 3, &b, len, why, sizeof(why)), 0);
    return b;
}

static void test_roundtrip(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = build(&len);
    char why[200];
    assert_int_equal(bundle_check(b, len, why, sizeof(why)), 0);
    int err;
    const bundle_entry_t *e = bundle_find(b, "hello.bin", &err);
    assert_non_null(e);
    assert_int_equal(err, 0);
    assert_int_equal(e->offset % BUNDLE_ALIGN, 0);
    assert_int_equal(e->size, sizeof(image));
    assert_memory_equal(b + e->offset, image, sizeof(image));
    e = bundle_find(b, "system.dtb", &err);
    assert_memory_equal(b + e->offset, sysdesc, sizeof(sysdesc));
    assert_non_null(bundle_find(b, "empty", &err));
    assert_null(bundle_find(b, "nope", &err));
    assert_int_equal(err, -ENOENT);
    /* a flipped data byte is caught by the entry CRC */
    e = bundle_find(b, "hello.bin", &err);
    b[e->offset + 5000] ^= 1;
    assert_int_equal(bundle_check(b, len, why, sizeof(why)), -EIO);
    assert_non_null(strstr(why, "entry 'hello.bin' is corrupt"));
    free(b);
}

static void expect_refused(uint8_t *b, size_t len, bool fix_crc, const char *needle)
{
    bundle_header_t *h = (bundle_header_t *)b;
    if (fix_crc && h->count <= BUNDLE_ENTRY_MAX && h->count) {
        h->header_crc = 0;
        uint32_t crc = bundle_crc32(0, h, sizeof(*h));
        h->header_crc = bundle_crc32(crc, h + 1, h->count * sizeof(bundle_entry_t));
    }
    char why[200] = "";
    assert_int_not_equal(bundle_check(b, len, why, sizeof(why)), 0);
    if (!strstr(why, needle))
        fail_msg("'%s' lacks '%s'", why, needle);
}

static void test_damage(void **state)
{
    (void)state;
    size_t len;
    uint8_t *orig = build(&len), *b = malloc(len);
    bundle_header_t *h = (bundle_header_t *)b;
    bundle_entry_t *e = (bundle_entry_t *)(h + 1);
#define FRESH() memcpy(b, orig, len)
    char why[200];
    assert_int_not_equal(bundle_check(NULL, len, why, sizeof(why)), 0);
    FRESH();
    expect_refused(b, 16, false, "none");
    FRESH();
    b[0] = 'X';
    expect_refused(b, len, false, "bad magic");
    FRESH();
    h->version = 9;
    expect_refused(b, len, true, "version 9");
    FRESH();
    h->count = 0;
    expect_refused(b, len, false, "0 entries");
    FRESH();
    h->count = 99;
    expect_refused(b, len, false, "99 entries");
    FRESH();
    expect_refused(b, len - 1, false, "total size");
    FRESH();
    h->header_crc ^= 1;
    expect_refused(b, len, false, "header CRC");
    FRESH();
    e[1].offset += 8;
    expect_refused(b, len, true, "misplaced");
    FRESH();
    e[1].offset = 0;
    expect_refused(b, len, true, "misplaced");
    FRESH();
    e[1].size = len;
    expect_refused(b, len, true, "misplaced");
    FRESH();
    e[1].size = ~0ULL;
    expect_refused(b, len, true, "misplaced");
    FRESH();
    e[2].offset = e[1].offset;
    e[2].size = 1;
    expect_refused(b, len, true, "overlap");
    FRESH();
    memcpy(e[2].name, "hello.bin", 10);
    expect_refused(b, len, true, "twice");
    FRESH();
    memset(e[1].name, 'a', BUNDLE_NAME_MAX);
    expect_refused(b, len, true, "no proper name");
    FRESH();
    e[1].name[0] = 0;
    expect_refused(b, len, true, "no proper name");
    FRESH();
    assert_int_equal(bundle_check(b, len, why, sizeof(why)), 0);
    free(b);
    free(orig);
}

static void test_flash_and_refusals(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = build(&len), *img;
    uint8_t septum[70000];
    char why[200];
    memset(septum, 0x5e, sizeof(septum));
    assert_int_equal(pack_flash(septum, sizeof(septum), b, len, 64 << 20, &img, why, sizeof(why)),
                     0);
    assert_memory_equal(img, septum, sizeof(septum));
    size_t at = 0x20000; /* the first 64 KiB boundary after 70000 bytes */
    assert_int_equal(img[sizeof(septum)], 0);
    assert_memory_equal(img + at, b, len);
    assert_int_equal(bundle_check(img + at, (64 << 20) - at, why, sizeof(why)), 0);
    free(img);
    assert_int_equal(pack_flash(septum, sizeof(septum), b, len, 0x20000, &img, why, sizeof(why)),
                     -1);
    assert_non_null(strstr(why, "do not fit"));
    free(b);

    uint8_t *out;
    size_t out_len;
    pack_input_t nosys[] = {{"hello.bin", image, 1}};
    assert_int_equal(pack_build(nosys, 1, &out, &out_len, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "no system.dtb"));
    pack_input_t dup[] = {{"system.dtb", sysdesc, 1}, {"system.dtb", sysdesc, 1}};
    assert_int_equal(pack_build(dup, 2, &out, &out_len, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "twice"));
    char longname[60];
    memset(longname, 'n', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = 0;
    pack_input_t lng[] = {{"system.dtb", sysdesc, 1}, {longname, sysdesc, 1}};
    assert_int_equal(pack_build(lng, 2, &out, &out_len, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "1 to 47 characters"));
    pack_input_t many[BUNDLE_ENTRY_MAX + 1];
    for (unsigned i = 0; i <= BUNDLE_ENTRY_MAX; i++)
        many[i] = (pack_input_t){"system.dtb", sysdesc, 1};
    assert_int_equal(pack_build(many, BUNDLE_ENTRY_MAX + 1, &out, &out_len, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "entries"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_damage),
        cmocka_unit_test(test_flash_and_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
