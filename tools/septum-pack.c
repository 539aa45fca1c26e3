/*
 * septum-pack: packs the system description and the guest images into a bundle (for QEMU's
 * -initrd in the kernel flow), or into a flashable firmware image with septum in front
 * (-drive if=pflash / -bios). The layout is core/include/core/bundle.h; the result is read back
 * and checked with septum's own reader before the tool reports success.
 *
 *   septum-pack -o OUT [--flash septum.bin] [--size 64M] system.dtb=FILE NAME=FILE...
 */
#define _POSIX_C_SOURCE 200809L /* ftruncate, fileno */
#include "septum-pack.h"
#include <config/bundle.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, len, fmt, ap);
    va_end(ap);
    return -1;
}

static uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

int pack_build(const pack_input_t *in, unsigned n, uint8_t **out, size_t *out_len, char *why,
               size_t why_len)
{
    bool sysdesc = false;
    if (n == 0 || n > BUNDLE_ENTRY_MAX)
        return fail(why, why_len, "%u entries; a bundle holds 1 to %u", n, BUNDLE_ENTRY_MAX);
    for (unsigned i = 0; i < n; i++) {
        size_t l = in[i].name ? strlen(in[i].name) : 0;
        if (l == 0 || l >= BUNDLE_NAME_MAX)
            return fail(why, why_len, "entry name '%s' must have 1 to %d characters",
                        in[i].name ? in[i].name : "", BUNDLE_NAME_MAX - 1);
        for (unsigned j = 0; j < i; j++)
            if (!strcmp(in[i].name, in[j].name))
                return fail(why, why_len, "entry '%s' given twice", in[i].name);
        sysdesc |= !strcmp(in[i].name, BUNDLE_SYSDESC);
    }
    if (!sysdesc)
        return fail(why, why_len, "no %s (the compiled system description)", BUNDLE_SYSDESC);

    uint64_t off = align_up(sizeof(bundle_header_t) + n * sizeof(bundle_entry_t), BUNDLE_ALIGN);
    uint64_t total = off;
    for (unsigned i = 0; i < n; i++)
        total = align_up(total, BUNDLE_ALIGN) + in[i].size;
    uint8_t *b = calloc(1, total);
    if (!b)
        return fail(why, why_len, "out of memory");
    bundle_header_t *h = (bundle_header_t *)b;
    bundle_entry_t *e = (bundle_entry_t *)(h + 1);
    memcpy(h->magic, BUNDLE_MAGIC, 8);
    h->version = BUNDLE_VERSION;
    h->count = n;
    h->total_size = total;
    for (unsigned i = 0; i < n; i++) {
        off = align_up(off, BUNDLE_ALIGN);
        snprintf(e[i].name, BUNDLE_NAME_MAX, "%s", in[i].name);
        e[i].offset = off;
        e[i].size = in[i].size;
        e[i].crc = bundle_crc32(0, in[i].data, in[i].size);
        if (in[i].size)
            memcpy(b + off, in[i].data, in[i].size);
        off += in[i].size;
    }
    uint32_t crc = bundle_crc32(0, h, sizeof(*h));
    h->header_crc = bundle_crc32(crc, e, n * sizeof(*e));
    if (bundle_check(b, total, why, why_len) != 0) {
        free(b);
        return -1;
    }
    *out = b;
    *out_len = total;
    return 0;
}

int pack_flash(const uint8_t *septum, size_t septum_len, const uint8_t *bundle, size_t bundle_len,
               size_t flash_size, uint8_t **out, char *why, size_t why_len)
{
    uint64_t at = align_up(septum_len, BUNDLE_FLASH_ALIGN);
    if (septum_len == 0 || at + bundle_len > flash_size)
        return fail(why, why_len,
                    "septum (%zu bytes) and the bundle (%zu bytes at 0x%lx) do not fit in %zu "
                    "bytes of flash",
                    septum_len, bundle_len, (unsigned long)at, flash_size);
    uint8_t *f = calloc(1, flash_size);
    if (!f)
        return fail(why, why_len, "out of memory");
    memcpy(f, septum, septum_len);
    memcpy(f + at, bundle, bundle_len);
    *out = f;
    return 0;
}

#ifndef PACK_NO_MAIN
static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0, r;
    do {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        r = fread(buf + n, 1, cap - n, f);
        n += r;
    } while (r > 0);
    fclose(f);
    *len = n;
    return buf ? buf : malloc(1);
}

static int die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("septum-pack: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

int main(int argc, char **argv)
{
    const char *out = NULL, *septum = NULL;
    size_t flash_size = 64UL << 20;
    pack_input_t in[BUNDLE_ENTRY_MAX + 1];
    unsigned n = 0;
    char why[256];
    bool quiet = false;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-q")) {
            quiet = true;
        } else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
            out = argv[++i];
        } else if (!strcmp(argv[i], "--flash") && i + 1 < argc) {
            septum = argv[++i];
        } else if (!strcmp(argv[i], "--size") && i + 1 < argc) {
            char *end;
            const char *arg = argv[++i];
            errno = 0;
            unsigned long v = strtoul(arg, &end, 0);
            unsigned shift = *end == 'M' ? 20 : *end == 'K' ? 10 : 0;
            if (errno || end == arg || (*end && (shift == 0 || end[1])) || v > (SIZE_MAX >> shift))
                die("--size %s: expected a number of bytes, or of KiB/MiB with K or M", arg);
            flash_size = (size_t)v << shift;
        } else if (strchr(argv[i], '=')) {
            if (n > BUNDLE_ENTRY_MAX)
                die("more than %u entries", BUNDLE_ENTRY_MAX);
            char *eq = strchr(argv[i], '=');
            *eq = '\0';
            in[n].name = argv[i];
            uint8_t *data = read_file(eq + 1, &in[n].size);
            if (!data)
                die("cannot read %s: %s", eq + 1, strerror(errno));
            in[n++].data = data;
        } else {
            die("usage: septum-pack [-q] -o OUT [--flash septum.bin] [--size 64M] "
                "system.dtb=FILE NAME=FILE...");
        }
    }
    if (!out)
        die("no output (-o)");
    uint8_t *bundle, *image;
    size_t blen, ilen;
    if (pack_build(in, n, &bundle, &blen, why, sizeof(why)) != 0)
        die("%s", why);
    image = bundle;
    ilen = blen;
    size_t at = 0;
    if (septum) {
        size_t slen;
        uint8_t *s = read_file(septum, &slen);
        if (!s)
            die("cannot read %s: %s", septum, strerror(errno));
        if (pack_flash(s, slen, bundle, blen, flash_size, &image, why, sizeof(why)) != 0)
            die("%s", why);
        ilen = flash_size;
        at = align_up(slen, BUNDLE_FLASH_ALIGN);
    }
    /* a flash image is mostly erased space: write what is used and extend the file to the
     * flash size, so the file is sparse (dozens of 64 MiB test images cost little disk) */
    size_t used = septum ? at + blen : ilen;
    FILE *f = fopen(out, "wb");
    if (!f || fwrite(image, 1, used, f) != used || fflush(f) != 0 ||
        ftruncate(fileno(f), (off_t)ilen) != 0 || fclose(f) != 0)
        die("cannot write %s: %s", out, strerror(errno));
    /* read it back and check it with septum's own reader, every entry's CRC included */
    size_t rlen;
    uint8_t *back = read_file(out, &rlen);
    if (!back || rlen != ilen || bundle_check(back + at, rlen - at, why, sizeof(why)) != 0)
        die("%s does not read back as a valid bundle: %s", out, back ? why : strerror(errno));
    for (unsigned i = 0; i < n; i++) {
        int err;
        if (!bundle_find(back + at, in[i].name, &err))
            die("%s: entry '%s' does not read back (error %d)", out, in[i].name, err);
    }
    if (!quiet)
        printf("septum-pack: %s: %u entries, %zu bytes%s\n", out, n, blen,
               septum ? " of bundle in a flash image" : "");
    return 0;
}
#endif
