/*
 * Grant tables, Xen-compatible (v1 entries): each domain (VM) has a table of grant entries that
 * it writes itself, and septum maps, unmaps and copies granted frames for other domains under
 * the ABI's rules. This engine is machine-independent: guest memory, frames, stage-2 changes and
 * locks come through gnttab_env_t, so it runs in host unit tests and under a fuzzer.
 *
 * Locks: two per domain, taken through the env, each held for one operation at most (never for
 * a whole batch, which is cut into hypercall continuations anyway):
 *   - its maptrack lock: its mappings of others' grants (maptrack and the pages they occupy in
 *     its address space) and every access septum makes to its memory for a grant operation (the
 *     operation array, a frame list). An operation runs whole under the caller's maptrack lock.
 *   - its table lock: its table as a granter (size, septum's pin counts, septum's changes of its
 *     entries' flags), held only to pin or unpin an entry.
 * Order: one domain's maptrack lock, then one domain's table lock, then (in the env) a VM's
 * region lock. Never two locks of one kind at once, so there is no order between domains. A pin
 * is taken and then recorded in a maptrack or dropped within one hold of the pinning domain's
 * maptrack lock, so a teardown that has closed a domain (under both its locks) and then taken
 * every maptrack lock in turn has seen every pin of it.
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
#define GNTTAB_OPS_PER_CALL 16  /* done before a hypercall is continued (gnttab_t.ops_per_call) */
#define GNTTAB_ADDR_HASH(a) (((a) >> 12) % 64)
#define GNTTAB_MAP_TAKEN    (-2) /* gnttab_env_t.map: the place is not free */

typedef enum { GNTTAB_LOCK_MAPTRACK, GNTTAB_LOCK_TABLE, GNTTAB_LOCKS } gnttab_lock_t;
typedef struct gnttab_spinlock {
    uint32_t next, owner; /* a ticket lock */
} gnttab_spinlock_t;

typedef struct gnttab_env {
    /* Copy to/from the calling domain's memory at an address its operation carries (septum: a
     * virtual address of the calling vCPU, xen/guestmem.h), across pages if need be: 0, or -1
     * if any byte is not its RAM. */
    int (*copy_from_guest)(void *ctx, domid_t dom, void *dst, uint64_t gpa, size_t len);
    int (*copy_to_guest)(void *ctx, domid_t dom, uint64_t gpa, const void *src, size_t len);
    /* The host frame behind gfn if it is dom's own RAM, else false. */
    bool (*own_frame)(void *ctx, domid_t dom, uint64_t gfn, uint64_t *hpa);
    /* gpa (page-aligned) may receive a foreign frame in dom: neither RAM nor a device, inside
     * its address space. An env may leave "nothing is there yet" to map (GNTTAB_MAP_TAKEN),
     * which looks anyway, rather than look twice. */
    bool (*host_addr_ok)(void *ctx, domid_t dom, uint64_t gpa);
    /* Change dom's stage 2: map hpa at gpa (read-only or not) as a mapping of its own that
     * owner (unique while the mapping lives) names, or unmap the page at gpa that owner names.
     * 0, GNTTAB_MAP_TAKEN (map: something is at gpa already, which is GNTST_bad_virt_addr) or
     * -1; a failed unmap leaves the page mapped, and the engine then keeps the mapping and its
     * pin. */
    int (*map)(void *ctx, domid_t dom, uint64_t gpa, uint64_t hpa, bool readonly,
               const void *owner);
    int (*unmap)(void *ctx, domid_t dom, uint64_t gpa, const void *owner);
    /* septum's pointer to a host frame for GNTTABOP_copy, and its release. */
    void *(*frame_map)(void *ctx, uint64_t hpa, bool write);
    void (*frame_unmap)(void *ctx, void *ptr);
    /* Whether the description lets a and b share memory. */
    bool (*may_talk)(void *ctx, domid_t a, domid_t b);
    /* A waiter's pause between two looks at a grant lock (a yield hint). */
    void (*relax)(void *ctx);
    /* If set, told of every grant lock of domain dom taken (before it is) and released (after);
     * host builds only (SEPTUM_HOST): tests check the locking rules with it. */
    void (*lock_seen)(void *ctx, domid_t dom, gnttab_lock_t which, bool taken);
    void *ctx;
    /* Optional (NULL: each operation is copied in and out on its own): septum's pointer to
     * [gpa, gpa + len) of dom's RAM (within one page), readable and, with write, writable as
     * the guest's own rights allow, or NULL; and its release. A hypercall's operations are then
     * read and written through one mapping; each is still copied into septum before it is
     * looked at, so the guest changing the array meanwhile changes nothing that was checked. */
    void *(*array_map)(void *ctx, domid_t dom, uint64_t gpa, size_t len, bool write);
    void (*array_unmap)(void *ctx, void *ptr);
    /* Optional (NULL: memmove): GNTTABOP_copy's copy of len bytes between two frames frame_map
     * gave, which may overlap (a copy within one frame). */
    void (*copy)(void *dst, const void *src, size_t len);
} gnttab_env_t;

typedef struct gnttab_dom gnttab_dom_t;

typedef struct gnttab_map {
    bool live;
    domid_t granter;
    grant_ref_t ref;
    bool readonly;
    uint64_t host_addr;
    gnttab_dom_t *gdom; /* the granter's slot */
} gnttab_map_t;

struct gnttab_dom {
    bool live;   /* published last when added; cleared under both its locks when removed */
    bool closed; /* takes part in no new operation (stopping, resetting): under both locks */
    domid_t id;
    gnttab_spinlock_t lock[GNTTAB_LOCKS]; /* its maptrack and table locks */
    grant_entry_v1_t *entries;            /* the table: nr_frames pages the domain writes */
    unsigned nr_frames, max_frames;
    uint16_t *readers, *writers; /* per entry: live mappings (septum's own count) */
    gnttab_map_t map[GNTTAB_MAPTRACK_MAX];
    uint64_t map_live; /* bit i: map[i].live (under the maptrack lock) */
    /* live mappings by GNTTAB_ADDR_HASH(host_addr), under the maptrack lock: a mapping at an
     * address whose count is 0 needs no search for one already there */
    uint8_t map_at[64];
};

typedef struct gnttab {
    gnttab_dom_t dom[GNTTAB_DOM_MAX];
    const gnttab_env_t *env;
    unsigned ops_per_call; /* GNTTAB_OPS_PER_CALL unless a test wants another */
} gnttab_t;

/* A GNTTABOP call as the guest issues it: Xen's x0 (command), x1 (operation array) and x2
 * (count). */
typedef struct gnttab_call {
    unsigned cmd;
    uint64_t uop;
    unsigned count;
} gnttab_call_t;
#define GNTTAB_CONTINUE 1 /* gnttab_op: call again with *call as it now stands */

void gnttab_init(gnttab_t *g, const gnttab_env_t *env);
/* Add a domain with its table storage: max_frames pages of entries and two counters each.
 * Domains are added one at a time (at boot). */
int gnttab_add_domain(gnttab_t *g, domid_t id, grant_entry_v1_t *entries, uint16_t *readers,
                      uint16_t *writers, unsigned nr_frames, unsigned max_frames);
/* The env's own changes to dom's address space for it (its table frames) go under dom's
 * maptrack lock: take it (false if there is no such domain), release it. */
bool gnttab_maptrack_lock(gnttab_t *g, domid_t dom);
void gnttab_maptrack_unlock(gnttab_t *g, domid_t dom);
/* dom's table covers at least nr_frames frames from now on (the guest mapped one of them);
 * never beyond its max_frames. 0, or -1 for an unknown domain or too many frames. Takes dom's
 * table lock: the caller may hold its maptrack lock. */
int gnttab_grow(gnttab_t *g, domid_t dom, unsigned nr_frames);
/* The hypercall: call->cmd on call->count operations at guest address call->uop in dom's memory.
 * Returns 0 (each operation's own status written back), -XEN_EFAULT (an operation of the array
 * is not the caller's memory; the array may cross pages), -XEN_EINVAL (count above
 * GNTTAB_BATCH_MAX, a version other than 1), -XEN_ENOSYS (unknown command) or -XEN_EPERM (not a
 * grant-table domain, or one that is closed). After ops_per_call operations with more to do it
 * returns GNTTAB_CONTINUE, and *call is what is left, as Xen's continuation describes it: the same
 * command, uop past the operations done, count less them. The guest issues that call again (on Arm
 * Xen leaves these in x0-x2 and does not step the PC past the HVC, so the same instruction runs
 * again). */
long gnttab_op(gnttab_t *g, domid_t dom, gnttab_call_t *call);
/* Tear down a stopping domain: it is closed (no new mapping by it or of its grants, no copy),
 * then every mapping it holds and every mapping of its grants goes. Returns how many mappings
 * could not be unmapped (they stay, pinned). The domain stays closed. */
unsigned gnttab_domain_teardown(gnttab_t *g, domid_t id);
/* The domain restarts: teardown, its table cleared (no grant survives), back to one frame, and
 * open again. */
void gnttab_domain_reset(gnttab_t *g, domid_t id);
/* The domain is gone for good: teardown, then its table is forgotten (refs to it: bad_domain).
 * Returns what teardown returns. Never while the domain itself is in gnttab_op (septum removes
 * a VM's domain once its vCPUs have left it). */
unsigned gnttab_remove_domain(gnttab_t *g, domid_t id);
/* Xen's message for a GNTST_* status. */
const char *gnttabop_error(int16_t status);
#endif
