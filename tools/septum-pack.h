/*
 * septum-pack as a library, so the unit tests can drive it: build a bundle in memory from
 * named files, and lay a bundle out after septum in a flash image.
 */
#ifndef SEPTUM_PACK_H
#define SEPTUM_PACK_H
#include <stddef.h>
#include <stdint.h>

typedef struct pack_input {
    const char *name;
    const uint8_t *data;
    size_t size;
} pack_input_t;

/* A bundle of n entries in *out (malloc'd, *out_len bytes). 0, or -1 with why filled in. */
int pack_build(const pack_input_t *in, unsigned n, uint8_t **out, size_t *out_len, char *why,
               size_t why_len);
/* A flash image of flash_size bytes: septum at 0, the bundle at the first BUNDLE_FLASH_ALIGN
 * boundary after it. 0, or -1 with why filled in. */
int pack_flash(const uint8_t *septum, size_t septum_len, const uint8_t *bundle, size_t bundle_len,
               size_t flash_size, uint8_t **out, char *why, size_t why_len);
#endif
