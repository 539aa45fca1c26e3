/*
 * Reading a bundle (see core/include/core/bundle.h). The bundle comes from flash or from a
 * loader, so it is checked before any entry is used: its layout as a whole, each entry's data
 * before that entry is read.
 */
#include <config/bundle.h>
#include <errno.h>
#if !defined(SEPTUM_HOST) && !defined(PACK_NO_MAIN) && defined(__aarch64__)
#include <arch/crc.h>
#define HAVE_ARCH_CRC 1
#endif
#include <stdio.h>
#include <string.h>

/* The CPU's CRC-32 instructions when it has them (a 34 MB Linux bundle is checked in about
 * 5M instructions instead of 200M); else a byte-at-a-time table, built on first use: about 6
 * instructions a byte instead of 60. */
static uint32_t crc_table[256];

uint32_t bundle_crc32(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;
#ifdef HAVE_ARCH_CRC
    if (arch_has_crc32())
        return ~arch_crc32_update(~crc, p, len);
#endif
    if (!crc_table[1])
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (unsigned k = 0; k < 8; k++)
                c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
            crc_table[i] = c;
        }
    crc = ~crc;
    while (len--)
        crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

int bundle_check_layout(const void *base, uint64_t max, char *why, size_t why_len)
{
    const bundle_header_t *h = base;
    if (!base || max < sizeof(*h)) {
        snprintf(why, why_len, "bundle: none");
        return -ENOENT;
    }
    if (memcmp(h->magic, BUNDLE_MAGIC, 8) != 0) {
        snprintf(why, why_len, "bundle: bad magic");
        return -EINVAL;
    }
    if (h->version != BUNDLE_VERSION) {
        snprintf(why, why_len, "bundle: version %u, septum reads %u", h->version, BUNDLE_VERSION);
        return -EINVAL;
    }
    if (h->count == 0 || h->count > BUNDLE_ENTRY_MAX) {
        snprintf(why, why_len, "bundle: %u entries (1..%u allowed)", h->count, BUNDLE_ENTRY_MAX);
        return -EINVAL;
    }
    uint64_t table_end = sizeof(*h) + (uint64_t)h->count * sizeof(bundle_entry_t);
    if (h->total_size > max || h->total_size < table_end) {
        snprintf(why, why_len, "bundle: total size %lu outside %lu..%lu",
                 (unsigned long)h->total_size, (unsigned long)table_end, (unsigned long)max);
        return -EINVAL;
    }
    bundle_header_t copy = *h;
    copy.header_crc = 0;
    uint32_t crc = bundle_crc32(0, &copy, sizeof(copy));
    crc = bundle_crc32(crc, h + 1, table_end - sizeof(*h));
    if (crc != h->header_crc) {
        snprintf(why, why_len, "bundle: header CRC 0x%08x, computed 0x%08x", h->header_crc, crc);
        return -EINVAL;
    }
    const bundle_entry_t *e = (const bundle_entry_t *)(h + 1);
    for (uint32_t i = 0; i < h->count; i++) {
        if (!memchr(e[i].name, '\0', BUNDLE_NAME_MAX) || !e[i].name[0]) {
            snprintf(why, why_len, "bundle: entry %u has no proper name", i);
            return -EINVAL;
        }
        if (e[i].offset % BUNDLE_ALIGN || e[i].offset < table_end || e[i].size > h->total_size ||
            e[i].offset > h->total_size - e[i].size) {
            snprintf(why, why_len, "bundle: entry '%s' (offset 0x%lx, %lu bytes) is misplaced",
                     e[i].name, (unsigned long)e[i].offset, (unsigned long)e[i].size);
            return -EINVAL;
        }
        for (uint32_t j = 0; j < i; j++) {
            if (!strcmp(e[i].name, e[j].name)) {
                snprintf(why, why_len, "bundle: entry '%s' appears twice", e[i].name);
                return -EINVAL;
            }
            if (e[i].offset < e[j].offset + e[j].size && e[j].offset < e[i].offset + e[i].size) {
                snprintf(why, why_len, "bundle: entries '%s' and '%s' overlap", e[j].name,
                         e[i].name);
                return -EINVAL;
            }
        }
    }
    return 0;
}

int bundle_check_entry(const void *base, const bundle_entry_t *e, char *why, size_t why_len)
{
    if (bundle_crc32(0, (const uint8_t *)base + e->offset, e->size) != e->crc) {
        snprintf(why, why_len, "bundle: entry '%s' is corrupt (CRC mismatch)", e->name);
        return -EIO;
    }
    return 0;
}

int bundle_check(const void *base, uint64_t max, char *why, size_t why_len)
{
    int rc = bundle_check_layout(base, max, why, why_len);
    if (rc)
        return rc;
    /* the layout is sound: now the contents */
    const bundle_header_t *h = base;
    const bundle_entry_t *e = (const bundle_entry_t *)(h + 1);
    for (uint32_t i = 0; i < h->count; i++)
        if ((rc = bundle_check_entry(base, &e[i], why, why_len)))
            return rc;
    return 0;
}

const bundle_entry_t *bundle_find(const void *base, const char *name, int *err)
{
    const bundle_header_t *h = base;
    const bundle_entry_t *e = (const bundle_entry_t *)(h + 1);
    for (uint32_t i = 0; i < h->count; i++) {
        if (strcmp(e[i].name, name))
            continue;
        *err = 0;
        return &e[i];
    }
    *err = -ENOENT;
    return NULL;
}
