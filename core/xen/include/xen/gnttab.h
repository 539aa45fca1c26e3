/*
 * Grant tables, Xen-compatible (v1 entries): each domain (VM) has a table of grant entries that
 * it writes itself, and septum maps, unmaps and copies granted frames for other domains under
 * the ABI's rules. This engine is machine-independent: guest memory, frames and stage-2 changes
 * come through gnttab_env_t, so it runs in host unit tests and under a fuzzer.
 */
#ifndef XEN_GNTTAB_H
#define XEN_GNTTAB_H
#include <septum/xen.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GNTTAB_DOM_MAX      8
#define GNTTAB_MAX_FRAMES   4
#define GNTTAB_MAPTRACK_MAX 64  /* live mappings a domain may hold */
#define GNTTAB_BATCH_MAX    512 /* operations per hypercall */

typedef struct gnttab_env {
    /* Copy to/from the calling domain's guest-physical memory: 0, or -1 if any byte is not
     * its RAM. */
    int (*copy_from_guest)(void *ctx, domid_t dom, void *dst, uint64_t gpa, size_t len);
    int (*copy_to_guest)(void *ctx, domid_t dom, uint64_t gpa, const void *src, size_t len);
    /* The host frame behind gfn if it is dom's own RAM, else false. */
    bool (*own_frame)(void *ctx, domid_t dom, uint64_t gfn, uint64_t *hpa);
    /* gpa (page-aligned) may receive a foreign frame in dom: neither RAM nor a device, inside
     * its address space. */
    bool (*host_addr_ok)(void *ctx, domid_t dom, uint64_t gpa);
    /* Change dom's stage 2: map hpa at gpa (read-only or not) as a mapping of its own that
     * owner (unique while the mapping lives) names, or unmap gpa. 0 or -1; a failed unmap
     * leaves the page mapped, and the engine then keeps the mapping and its pin. */
    int (*map)(void *ctx, domid_t dom, uint64_t gpa, uint64_t hpa, bool readonly,
               const void *owner);
    int (*unmap)(void *ctx, domid_t dom, uint64_t gpa);
    /* septum's pointer to a host frame for GNTTABOP_copy, and its release. */
    void *(*frame_map)(void *ctx, uint64_t hpa, bool write);
    void (*frame_unmap)(void *ctx, void *ptr);
    /* Whether the description lets a and b share memory. */
    bool (*may_talk)(void *ctx, domid_t a, domid_t b);
    void *ctx;
} gnttab_env_t;

typedef struct gnttab_map {
    bool live;
    domid_t granter;
    grant_ref_t ref;
    bool readonly;
    uint64_t host_addr;
} gnttab_map_t;

typedef struct gnttab_dom {
    bool live;
    domid_t id;
    grant_entry_v1_t *entries; /* the table: nr_frames pages the domain writes */
    unsigned nr_frames, max_frames;
    uint16_t *readers, *writers; /* per entry: live mappings (septum's own count) */
    gnttab_map_t map[GNTTAB_MAPTRACK_MAX];
} gnttab_dom_t;

typedef struct gnttab {
    gnttab_dom_t dom[GNTTAB_DOM_MAX];
    const gnttab_env_t *env;
} gnttab_t;

void gnttab_init(gnttab_t *g, const gnttab_env_t *env);
/* Add a domain with its table storage: max_frames pages of entries and two counters each. */
int gnttab_add_domain(gnttab_t *g, domid_t id, grant_entry_v1_t *entries, uint16_t *readers,
                      uint16_t *writers, unsigned nr_frames, unsigned max_frames);
/* dom's table covers at least nr_frames frames from now on (the guest mapped one of them);
 * never beyond its max_frames. 0, or -1 for an unknown domain or too many frames. */
int gnttab_grow(gnttab_t *g, domid_t dom, unsigned nr_frames);
/* The hypercall: cmd on count operations at guest address uop in dom's memory. Returns 0
 * (each operation's own status written back), -XEN_EFAULT (the array is not the caller's RAM or
 * crosses a page), -XEN_EINVAL (count above GNTTAB_BATCH_MAX, a version other than 1),
 * -XEN_ENOSYS (unknown command) or -XEN_EPERM (not a grant-table domain). */
long gnttab_op(gnttab_t *g, domid_t dom, unsigned cmd, uint64_t uop, unsigned count);
/* Tear down a stopping domain: every mapping it holds, and every mapping of its grants. Returns
 * how many mappings could not be unmapped (they stay, pinned). */
unsigned gnttab_domain_teardown(gnttab_t *g, domid_t id);
/* The domain restarts: teardown, its table cleared (no grant survives) and back to one frame. */
void gnttab_domain_reset(gnttab_t *g, domid_t id);
/* The domain is gone for good: teardown, then its table is forgotten (refs to it: bad_domain).
 * Returns what teardown returns. */
unsigned gnttab_remove_domain(gnttab_t *g, domid_t id);
/* Xen's message for a GNTST_* status. */
const char *gnttabop_error(int16_t status);
#endif
