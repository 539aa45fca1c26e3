/*
 * The bundle: how the system description and the guest images reach septum. tools/septum-pack
 * writes it; septum finds it in flash right after its own image (flash flow) or as the initrd
 * the loader passed (kernel flow, /chosen linux,initrd-start). Layout, all little-endian:
 *
 *   bundle_header_t | bundle_entry_t[count] | padding | data of each entry, 4 KiB-aligned
 *
 * Entry data is page-aligned so an image in flash can be mapped into a VM in place (XIP).
 * The same header is compiled into septum and into the host tool.
 */
#ifndef CORE_BUNDLE_H
#define CORE_BUNDLE_H
#include <stddef.h>
#include <stdint.h>

#define BUNDLE_MAGIC     "SEPTPACK"
#define BUNDLE_VERSION   1
#define BUNDLE_ALIGN     4096u
#define BUNDLE_NAME_MAX  48
#define BUNDLE_ENTRY_MAX 64
#define BUNDLE_SYSDESC   "system.dtb" /* the entry holding the compiled system description */
/* In a flash image the bundle starts at the first multiple of this after septum's image. */
#define BUNDLE_FLASH_ALIGN 0x10000u

typedef struct bundle_header {
    char magic[8];
    uint32_t version;
    uint32_t count;      /* entries */
    uint64_t total_size; /* bytes from the header to the end of the last entry's data */
    uint32_t header_crc; /* CRC-32 of the header (with this field 0) and the entry table */
    uint32_t reserved;
} bundle_header_t;

typedef struct bundle_entry {
    char name[BUNDLE_NAME_MAX]; /* NUL-terminated */
    uint64_t offset;            /* from the start of the header, BUNDLE_ALIGN-aligned */
    uint64_t size;
    uint32_t crc; /* CRC-32 of the data */
    uint32_t reserved;
} bundle_entry_t;

_Static_assert(sizeof(bundle_header_t) == 32, "bundle header layout is an ABI");
_Static_assert(sizeof(bundle_entry_t) == 72, "bundle entry layout is an ABI");

/* CRC-32 (IEEE 802.3, as zlib's crc32). */
uint32_t bundle_crc32(uint32_t crc, const void *data, size_t len);

/* Check a bundle at base that may span at most max bytes: header and its CRC, every entry
 * inside it, aligned, non-overlapping, named, and its data matching its CRC. 0 or a negative
 * errno (-EIO for corrupt data) with why filled in. */
int bundle_check(const void *base, uint64_t max, char *why, size_t why_len);
/* The same in two halves: the layout (all of the above but the data), then one entry's data.
 * septum checks the layout at boot and each entry's data when a description first names it
 * (config/sysdesc.c), before anything reads it: a 34 MB Linux bundle also carries every test
 * guest, and entries no VM uses need not be read at all. */
int bundle_check_layout(const void *base, uint64_t max, char *why, size_t why_len);
int bundle_check_entry(const void *base, const bundle_entry_t *e, char *why, size_t why_len);

/* The entry called name in a checked bundle, or NULL (*err = -ENOENT). */
const bundle_entry_t *bundle_find(const void *base, const char *name, int *err);
#endif
