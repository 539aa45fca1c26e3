/*
 * The frame allocator: every 4 KiB frame of RAM the board device tree gives, minus what is
 * already taken (septum, the DTB, the bundle), with an owner per frame so the console and the
 * tests can read the accounting (free / septum / tables / images / each VM). Storage is a bounded
 * sorted array of extents, not a per-page map, so it costs the same for 64 MiB and 64 GiB.
 * Callers serialise (septum holds one lock around every call).
 */
#ifndef MM_FRAME_H
#define MM_FRAME_H
#include <stdbool.h>
#include <stdint.h>

#ifndef PADDR_T_DEFINED
#define PADDR_T_DEFINED
typedef uint64_t paddr_t;
#endif

#define FRAME_SIZE       4096UL
#define FRAME_EXTENT_MAX 256

enum { FRAME_FREE = 0, FRAME_SEPTUM = 1, FRAME_TABLES = 2, FRAME_IMAGE = 3, FRAME_VM0 = 16 };

typedef struct frame_range {
    paddr_t base;
    uint64_t size;
} frame_range_t;

/* RAM ranges are rounded inward to frames, taken ranges outward; errors: -EINVAL (overlapping
 * RAM), -ENOSPC (too many extents). */
int frame_init(const frame_range_t *ram, unsigned ram_num, const frame_range_t *taken,
               unsigned taken_num, uint16_t taken_owner);
/* Make specific free frames owner's: -EBUSY if any is not free, -ERANGE if not all RAM. */
int frame_claim(paddr_t base, uint64_t npages, uint16_t owner);
/* First fit, aligned to align_pages (a power of two): -ENOMEM if nothing fits. */
int frame_alloc(uint64_t npages, uint64_t align_pages, uint16_t owner, paddr_t *pa);
/* Give frames back: -EPERM if any is not owner's (nothing changes), -ERANGE if not RAM. */
int frame_free(paddr_t base, uint64_t npages, uint16_t owner);
/* Frames owned by owner (FRAME_FREE: free frames); all frames. */
uint64_t frame_count(uint16_t owner);
uint64_t frame_total(void);
/* Owner of the frame holding pa, or -ERANGE. */
int frame_owner(paddr_t pa);
/* Every frame of [base, base + size) is owner's. */
bool frame_range_owned(paddr_t base, uint64_t size, uint16_t owner);
typedef int (*frame_walk_fn)(void *arg, paddr_t base, uint64_t npages, uint16_t owner);
/* Each extent in address order; stops at fn's first non-zero value and returns it. */
int frame_walk(frame_walk_fn fn, void *arg);
void frame_reset(void);
#endif
