/*
 * The frame allocator: every 4 KiB frame of the RAM the board device tree gives, minus what is
 * already taken (septum, its tables, the DTB, the images it carries), with an owner per frame so
 * the console and the tests can read the accounting (free / septum / tables / images / each VM).
 * Storage is a bounded sorted array of extents, not a per-page map, so it costs the same for
 * 64 MiB and 64 GiB. There is one allocator per machine and it owns its lock: every call is
 * atomic with respect to the others (callbacks of frame_walk must not call back in). It is
 * called only once septum's MMU is on (the lock needs cacheable memory).
 *
 * Errors are negative errno values, and a call that fails changes nothing (frame_init excepted:
 * it leaves the allocator empty rather than half built).
 */
#ifndef MM_FRAME_H
#define MM_FRAME_H
#include <arch/page.h>
#include <stdbool.h>
#include <stdint.h>

#ifndef PADDR_T_DEFINED
#define PADDR_T_DEFINED
typedef uint64_t paddr_t;
#endif

#define FRAME_SIZE       PAGE_SIZE
#define FRAME_EXTENT_MAX 256

/* Owners. VM n's frames belong to FRAME_VM0 + n. */
enum { FRAME_FREE = 0, FRAME_SEPTUM = 1, FRAME_TABLES = 2, FRAME_IMAGE = 3, FRAME_VM0 = 16 };

typedef struct frame_range {
    paddr_t base;
    uint64_t size; /* bytes */
} frame_range_t;

/* Forget what was managed and take the RAM ranges (in any order; rounded inward to frames) minus
 * the taken ranges (rounded outward; the parts outside RAM are ignored), which become
 * taken_owner's. -EINVAL: RAM ranges overlap, or a range wraps around; -ENOSPC: more extents
 * than FRAME_EXTENT_MAX. On failure the allocator is left empty. */
int frame_init(const frame_range_t *ram, unsigned ram_num, const frame_range_t *taken,
               unsigned taken_num, uint16_t taken_owner);
/* Make specific free frames owner's. -EINVAL: npages 0, base not frame-aligned or owner
 * FRAME_FREE; -ERANGE: not all RAM; -EBUSY: a frame is not free; -ENOSPC: no extent left. */
int frame_claim(paddr_t base, uint64_t npages, uint16_t owner);
/* First fit of npages frames aligned to align_pages frames (a power of two); the base in *pa.
 * -EINVAL: bad arguments; -ENOMEM: nothing fits; -ENOSPC: it fits only where the split would
 * need more extents than the array holds. */
int frame_alloc(uint64_t npages, uint64_t align_pages, uint16_t owner, paddr_t *pa);
/* Give owner's frames back. -EINVAL as frame_claim; -ERANGE: not all RAM; -EPERM: a frame is
 * not owner's; -ENOSPC: freeing the middle of an extent needs a slot that is not there. */
int frame_free(paddr_t base, uint64_t npages, uint16_t owner);
/* Frames owned by owner (FRAME_FREE: free frames); all managed frames. */
uint64_t frame_count(uint16_t owner);
uint64_t frame_total(void);
/* Owner of the frame holding pa, or -ERANGE if pa is not managed RAM. */
int frame_owner(paddr_t pa);
/* Every frame touched by [base, base + size) is managed and owner's (false for size 0). */
bool frame_range_owned(paddr_t base, uint64_t size, uint16_t owner);
typedef int (*frame_walk_fn)(void *arg, paddr_t base, uint64_t npages, uint16_t owner);
/* Each extent in address order (adjacent extents differ in owner or are separated by a hole);
 * stops at fn's first non-zero value and returns it. */
int frame_walk(frame_walk_fn fn, void *arg);
/* Tests only: forget everything. */
void frame_reset(void);
#endif
