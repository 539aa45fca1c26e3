/*
 * The region table of one VM, after QNX's gasp_region_set / gasp_region_set_soft /
 * gasp_region_info: the VM's guest-physical address space as an ordered set of non-overlapping
 * regions, each with one contiguous host backing (or none, for an emulated region), a type and
 * guest permissions. Changes split regions so that this stays true, merge neighbours that became
 * equal, and report the regions whose mapping changed through ops->changed, so stage 2 follows
 * at once; a change stage 2 cannot follow is undone (REGION_ENOMEM), so the table and stage 2
 * always agree. The table takes its VM's lock (ops->lock) around every change.
 */
#ifndef MM_REGION_H
#define MM_REGION_H
#include <stdbool.h>
#include <stdint.h>

typedef enum { REGION_RAM, REGION_ROM, REGION_DEVICE, REGION_EMULATED } region_type_t;

#define REGION_R       0x1u /* guest may read */
#define REGION_W       0x2u /* guest may write */
#define REGION_X       0x4u /* guest may execute */
#define REGION_NC      0x8u /* normal memory, non-cacheable (RAM and ROM only) */
#define REGION_FLAGS   (REGION_R | REGION_W | REGION_X | REGION_NC)
#define REGION_NO_HOST UINT64_MAX

typedef struct region {
    uint64_t gpa, len;
    uint64_t hpa; /* REGION_NO_HOST for emulated regions */
    region_type_t type;
    unsigned flags;
    /* Who made the region, when it is not simply the VM's own memory: for an emulated region
     * the reservation behind it (mm/reserve.c); for a region septum maps on its own authority
     * (a grant mapping, a grant-table frame: a page slot, region_add_owned) a token unique to
     * that mapping. NULL otherwise. Set by ADD, kept by MODIFY; regions with different owners
     * never merge, so an owned region is deleted whole (no split, no free slot needed), and a
     * guest's own requests may not change it. Kept last so that initialisers that stop at flags
     * leave it NULL. */
    void *owner;
} region_t;

typedef enum { REGION_ADD, REGION_MODIFY, REGION_DELETE } region_op_t;

typedef struct region_req {
    region_op_t op;
    /* ADD: the new region. MODIFY: the range and its new type and flags; hpa REGION_NO_HOST
     * keeps the backing, or names exactly the backing it has. DELETE: only gpa and len count. */
    region_t r;
    /* ADD only: the caller vouches for the host range (septum maps a frame it manages itself,
     * such as another VM's granted page), so ops->host_ok is not asked. Guests never set it. */
    bool host_vouched;
    /* The guest's own request (SEPTUM_HC_REGION_SET): it may not MODIFY or DELETE a region that
     * has an owner, nor ADD one with an owner (REGION_EOWNED). */
    bool guest;
} region_req_t;

enum {
    REGION_OK = 0,
    REGION_EZERO = -1,    /* zero length */
    REGION_EALIGN = -2,   /* gpa, len or hpa not page-aligned */
    REGION_EWRAP = -3,    /* guest or host range wraps around */
    REGION_ERANGE = -4,   /* beyond the VM's IPA size */
    REGION_EOVERLAP = -5, /* ADD over an existing region */
    REGION_EHOST = -6,    /* host range not the VM's own, or MODIFY names another backing */
    REGION_ENOENT = -7,   /* MODIFY/DELETE of a range not fully covered by regions */
    REGION_EFULL = -8,    /* the result needs more than REGION_MAX regions */
    REGION_EFLAGS = -9,   /* bad type or flag combination */
    REGION_EOP = -10,     /* unknown operation */
    REGION_EOWNED = -11,  /* a guest's request touches a region septum owns (anyone's, a page) */
    REGION_ENOMEM = -12,  /* stage 2 could not follow (no table page left); undone */
    REGION_ELAST = REGION_ENOMEM,
};
const char *region_strerror(int err);

#define REGION_MAX 64

typedef struct region_ops {
    /* May this VM use host [hpa, hpa + len) as this type? (RAM/ROM: its own frames; device: a
     * pass-through device assigned to it.) Asked for ADD, and for MODIFY when the type changes. */
    bool (*host_ok)(void *ctx, uint64_t hpa, uint64_t len, region_type_t type);
    /* [gpa, gpa + len) now maps as r, a whole region of the table that covers exactly that range,
     * or is unmapped (r NULL: one call for the whole range a DELETE removed). Called after the
     * table is updated, once per region that holds a change, in address order; a region whose
     * mapping did not change (the remainders of a split, a MODIFY to the same type and flags) is
     * not reported. When a changed piece merged with its neighbours the whole merged region is
     * reported, so stage 2 can go back to the largest blocks. Returns 0, or an error: then the
     * change is undone. The table goes back to what it was, and each region it had in the
     * request's range is reported again whole, each hole in that range unmapped, with undo set
     * (outside that range only the block structure may have changed, never what maps where). */
    int (*changed)(void *ctx, uint64_t gpa, uint64_t len, const region_t *r, bool undo);
    /* region_set's fatal error: stop that VM. */
    void (*fatal)(void *ctx, int err, unsigned index);
    void (*lock)(void *ctx);
    void (*unlock)(void *ctx);
    void *ctx;
} region_ops_t;

/* Single pages septum owns (grant mappings, grant-table frames: region_add_owned) are kept
 * beside the sorted regions rather than among them: such a page never merges, splits or changes,
 * so a slot and a bit mask hold it, and its coming and going shifts no array. To every lookup
 * and check they are regions like the others (region_info, region_find, region_maps_host, the
 * overlap checks); a MODIFY or DELETE through region_set_soft that covers one is refused with
 * REGION_EOWNED, whoever asks: only region_delete_owned removes it. */
#define REGION_PAGES_MAX 128
#define REGION_PAGE_HASH 128 /* buckets of page addresses */
typedef struct region_pages {
    region_t p[REGION_PAGES_MAX];
    uint64_t live[REGION_PAGES_MAX / 64]; /* which slots of p hold a page */
    uint8_t at[REGION_PAGE_HASH];         /* live pages per bucket (a miss is one load); a page sits
                                           * in its bucket's own slot when it is free */
} region_pages_t;

typedef struct region_table {
    region_t r[REGION_MAX]; /* sorted by gpa, non-overlapping, equal neighbours merged */
    unsigned num;
    region_pages_t pages; /* owned single pages, disjoint from r */
    unsigned seq;         /* odd while a change is under way (region_info reads without the lock) */
    unsigned hint;        /* the index region_info found last, looked at first; any CPU writes it */
    uint64_t ipa_size;
    const region_ops_t *ops; /* may be NULL, and so may any of its callbacks */
} region_table_t;

void region_table_init(region_table_t *t, uint64_t ipa_size, const region_ops_t *ops);
/* Apply requests in order under the lock. On the first error, return it and set *failed (if not
 * NULL) to its index; that request changed nothing (REGION_ENOMEM: it was undone, table and stage
 * 2), earlier ones stay applied (as QNX). */
int region_set_soft(region_table_t *t, unsigned n, const region_req_t *req, unsigned *failed);
/* Same, but an error is fatal for the VM: ops->fatal(ctx, err, index), after the unlock. */
void region_set(region_table_t *t, unsigned n, const region_req_t *req);
/* A single page septum owns (a grant mapping, a grant-table frame), without the scratch copy
 * region_set_soft builds: ADD of r (one page of RAM, readable and maybe writable, r->owner set,
 * its host range vouched for by the caller) where nothing is, into a free page slot (REGION_EFULL
 * when none is left); and DELETE of exactly the page at gpa of owner (REGION_ENOENT if that is not
 * what is there). Stage 2 follows through ops->changed; if it cannot, the change is undone
 * (REGION_ENOMEM) and nothing changed. */
int region_add_owned(region_table_t *t, const region_t *r);
int region_delete_owned(region_table_t *t, uint64_t gpa, uint64_t len, const void *owner);
/* A copy of the region containing gpa, or REGION_ENOENT: a consistent snapshot without the
 * lock (a sequence count; a reader retries while a change overlaps it). */
int region_info(const region_table_t *t, uint64_t gpa, region_t *out);
/* Delete the table's first region, whichever it is (a VM's memory going away, region by
 * region): REGION_OK, REGION_ENOENT once the table is empty, or REGION_ENOMEM (nothing changed). */
int region_delete_first(region_table_t *t);
/* Whether any region of the table is backed by host memory in [hpa, hpa + len) (under the
 * lock): a frame may be freed only when no VM's table maps it. */
bool region_maps_host(const region_table_t *t, uint64_t hpa, uint64_t len);
/* Lookup for the fault path (binary search); NULL if gpa is in no region. */
const region_t *region_find(const region_table_t *t, uint64_t gpa);
#endif
