/*
 * Firmware maps, after QNX's gasp_map_firmware / gasp_map / gasp_get_vaddr / gasp_unmap_handle:
 * a guest-physical range of a VM mapped into septum's own (EL2) address space, so septum can
 * load images, build device trees and emulate devices. Mappings live in a VA window of their
 * own, each handle exactly its range, so two maps of the same memory never interfere.
 */
#ifndef MM_FWMAP_H
#define MM_FWMAP_H
#include <mm/pt.h>
#include <mm/region.h>

#define GMF_R       0x01u /* septum may read */
#define GMF_W       0x02u /* septum may write */
#define GMF_X       0x04u /* septum may execute: never granted at EL2 (refused with ENXIO) */
#define GMF_NOCACHE 0x08u /* map non-cacheable */
#define GMF_MAP_ANY 0x10u /* any VA will do (every map is placed in the window anyway) */
#define GMF_ALL     (GMF_R | GMF_W | GMF_X | GMF_NOCACHE | GMF_MAP_ANY)

#ifndef EOK
#define EOK 0
#endif
#define FWMAP_MAX        32 /* live maps per CPU */
#define FWMAP_CPUS       8  /* CPUs (window slices) at most */
#define FWMAP_DIRECT_MAX 16 /* ranges of the direct map */

/* A handle; 0 is never valid. Handles carry a generation, so a stale one is recognised. */
typedef uint32_t gasp_map_handle_t;

/* Use [va_base, va_base + va_size) of the EL2 table el2 for maps, one slice per CPU (cpu_index
 * tells the caller's; NULL means CPU 0), at most FWMAP_CPUS. Each slice has its own handles and
 * lock; the tables of its one-page slots are built here, once (-ENOMEM if they cannot be). */
int fwmap_init(pt_t *el2, uint64_t va_base, uint64_t va_size, unsigned cpus,
               unsigned (*cpu_index)(void));
/* The direct map, Xen's directmap: host RAM ranges r mapped for good (read-write, never
 * executable, cacheable) at va_base (1 GiB-aligned) plus their offset from the lowest range's
 * GiB. The handle-less maps of what lies inside one range (gasp_map_ptr of normal memory,
 * fwmap_frame) then return a pointer there: no page-table write, no TLB invalidation at unmap
 * (fwmap_unmap_vaddr ignores it). The rights checks are the same; only septum's own alias is
 * writable where a read was asked for. -EINVAL or -ENOMEM (then there is no direct map and
 * every map goes through the window, as before). */
typedef struct fwmap_range {
    uint64_t start, end;
} fwmap_range_t;
int fwmap_direct_init(pt_t *el2, uint64_t va_base, const fwmap_range_t *r, unsigned n);
/* Septum's pointer to host [hpa, hpa + len) in the direct map, or NULL if that is not all
 * inside one of its ranges (not RAM, or no direct map). Nothing to unmap. Inline: it is on
 * every hypercall that passes a buffer. */
typedef struct fwmap_direct {
    unsigned num;
    uint64_t off; /* host address + off = septum's VA */
    fwmap_range_t r[FWMAP_DIRECT_MAX];
} fwmap_direct_t;
extern fwmap_direct_t fwmap_direct_map;
static inline void *fwmap_direct(uint64_t hpa, uint64_t len)
{
    const fwmap_direct_t *d = &fwmap_direct_map;
    for (unsigned i = 0; i < d->num; i++)
        if (hpa >= d->r[i].start && hpa < d->r[i].end && len <= d->r[i].end - hpa)
            return (void *)(uintptr_t)(hpa + d->off);
    return NULL;
}
/* The CPU slice va lies in, or ~0 if it is outside the window: unmapping there needs only a
 * local TLB invalidation. */
uint64_t fwmap_slice(uint64_t va);
/* Map [gpa, gpa + length) of the VM whose regions are vm (septum chose the address). EOK, or
 * ENXIO: no region there, no host backing, not one contiguous backing, or bad prot. ENOMEM: no
 * window space or table memory. */
int gasp_map_firmware(const region_table_t *vm, uint64_t gpa, uint64_t length, unsigned prot,
                      gasp_map_handle_t *h);
/* The checked variant for addresses a guest supplied: only that guest's RAM (never ROM when
 * writing, never a device, never an emulated range), and only with the guest's own rights:
 * a write needs a region the guest may write, a read one it may read. */
int gasp_map(const region_table_t *vm, uint64_t gpa, uint64_t length, unsigned prot,
             gasp_map_handle_t *h);
/* gasp_map without a handle: septum's pointer to gpa, or NULL; unmapped with
 * fwmap_unmap_vaddr (the hot paths, which never need the handle). */
void *gasp_map_ptr(const region_table_t *vm, uint64_t gpa, uint64_t length, unsigned prot);
/* septum's own use (no VM involved): map npages host frames, e.g. a grant table or the frames
 * of a grant copy; and unmap by the address gasp_get_vaddr gave. */
int fwmap_frames(uint64_t hpa, uint64_t npages, bool write, gasp_map_handle_t *h);
void fwmap_unmap_vaddr(const void *va);
/* One frame, without a handle: septum's pointer to it, or NULL; unmapped with
 * fwmap_unmap_vaddr. */
void *fwmap_frame(uint64_t hpa, bool write);
/* Septum's VA for the mapping's first byte; NULL for a handle that is not live. */
void *gasp_get_vaddr(gasp_map_handle_t h);
/* Unmap; a stale or repeated handle is ignored. */
void gasp_unmap_handle(gasp_map_handle_t h);
/* Live maps, for accounting and tests. */
unsigned fwmap_live(void);
#endif
