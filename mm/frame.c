/*
 * The frame allocator (see mm/frame.h). Its state is one sorted array of extents covering all
 * managed RAM exactly: holes between RAM banks are gaps between extents, and neighbours with the
 * same owner are always merged, so the array is as short as the ownership pattern allows. Every
 * change goes through set_owner, which works out what replaces which extents and how many slots
 * that needs before it writes anything, so a call that fails leaves the array as it was.
 */
#include <arch/spinlock.h>
#include <errno.h>
#include <mm/frame.h>
#include <string.h>

#define FRAME_MASK (FRAME_SIZE - 1)

typedef struct extent {
    paddr_t base;
    uint64_t npages;
    uint16_t owner;
} extent_t;

static extent_t ext[FRAME_EXTENT_MAX];
static unsigned ext_num;
static spinlock_t frame_lock; /* guards ext[]: every public call holds it throughout */

/* Never wraps: RAM ends at most at UINT64_MAX, rounded down to a frame (frame_init). */
static paddr_t end_of(const extent_t *e) { return e->base + e->npages * FRAME_SIZE; }

static bool mergeable(const extent_t *a, const extent_t *b)
{
    return a->owner == b->owner && end_of(a) == b->base;
}

void frame_reset(void) { ext_num = 0; }

/* Index of the first extent that ends after pa (ext_num if none). */
static unsigned lower(paddr_t pa)
{
    unsigned lo = 0, hi = ext_num;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (end_of(&ext[mid]) <= pa)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* [base, end) is RAM without holes and, unless any_owner, all owner's. */
static bool covered(paddr_t base, paddr_t end, bool any_owner, uint16_t owner)
{
    paddr_t p = base;
    for (unsigned i = lower(base); p < end; i++) {
        if (i >= ext_num || ext[i].base > p || (!any_owner && ext[i].owner != owner))
            return false;
        p = end_of(&ext[i]);
    }
    return true;
}

/* Append e to w[0..*wn), merging with the last one when they join. */
static void put(extent_t *w, unsigned *wn, extent_t e)
{
    if (*wn && mergeable(&w[*wn - 1], &e))
        w[*wn - 1].npages += e.npages;
    else
        w[(*wn)++] = e;
}

/*
 * Give the frames [base, end) to owner. The caller checked that they are RAM without holes, so
 * they span the extents first..last contiguously; those are replaced by at most three (the part
 * of first before base, the new one, the part of last after end), which may also absorb the
 * neighbours on either side. -ENOSPC, with nothing changed, if the result does not fit.
 */
static int set_owner(paddr_t base, paddr_t end, uint16_t owner)
{
    unsigned first = lower(base), last = lower(end - 1);
    extent_t w[3];
    unsigned wn = 0;
    if (ext[first].base < base)
        put(w, &wn,
            (extent_t){ext[first].base, (base - ext[first].base) / FRAME_SIZE, ext[first].owner});
    put(w, &wn, (extent_t){base, (end - base) / FRAME_SIZE, owner});
    if (end_of(&ext[last]) > end)
        put(w, &wn, (extent_t){end, (end_of(&ext[last]) - end) / FRAME_SIZE, ext[last].owner});

    unsigned from = first, to = last + 1; /* ext[from, to) becomes w[0, wn) */
    if (from > 0 && mergeable(&ext[from - 1], &w[0])) {
        from--;
        w[0].base = ext[from].base;
        w[0].npages += ext[from].npages;
    }
    if (to < ext_num && mergeable(&w[wn - 1], &ext[to]))
        w[wn - 1].npages += ext[to++].npages;
    if (ext_num - (to - from) + wn > FRAME_EXTENT_MAX)
        return -ENOSPC;
    memmove(&ext[from + wn], &ext[to], (ext_num - to) * sizeof(ext[0]));
    memcpy(&ext[from], w, wn * sizeof(w[0]));
    ext_num = ext_num - (to - from) + wn;
    return 0;
}

static int init_fail(int rc)
{
    frame_reset();
    return rc;
}

static int init_locked(const frame_range_t *ram, unsigned ram_num, const frame_range_t *taken,
                       unsigned taken_num, uint16_t taken_owner)
{
    frame_reset();
    if ((ram_num && !ram) || (taken_num && !taken))
        return -EINVAL;
    for (unsigned r = 0; r < ram_num; r++) {
        const frame_range_t *a = &ram[r];
        if (a->size > UINT64_MAX - a->base)
            return init_fail(-EINVAL);
        /* overlapping banks mean a broken device tree: refuse rather than guess */
        for (unsigned s = 0; s < r; s++)
            if (a->size && ram[s].size && a->base < ram[s].base + ram[s].size &&
                ram[s].base < a->base + a->size)
                return init_fail(-EINVAL);
        if (a->base > UINT64_MAX - FRAME_MASK)
            continue; /* within the last frame of the address space: no whole frame */
        paddr_t b = (a->base + FRAME_MASK) & ~FRAME_MASK, e = (a->base + a->size) & ~FRAME_MASK;
        if (e <= b)
            continue; /* less than one whole frame */
        if (ext_num == FRAME_EXTENT_MAX)
            return init_fail(-ENOSPC);
        unsigned i = ext_num++; /* insertion sort: banks are few */
        for (; i > 0 && ext[i - 1].base > b; i--)
            ext[i] = ext[i - 1];
        ext[i] = (extent_t){b, (e - b) / FRAME_SIZE, FRAME_FREE};
    }
    /* banks that touch become one extent */
    unsigned out = 0;
    for (unsigned i = 0; i < ext_num; i++)
        put(ext, &out, ext[i]);
    ext_num = out;

    for (unsigned k = 0; k < taken_num; k++) {
        const frame_range_t *a = &taken[k];
        if (a->size > UINT64_MAX - a->base)
            return init_fail(-EINVAL);
        if (a->size == 0)
            continue;
        paddr_t b = a->base & ~FRAME_MASK, e = a->base + a->size;
        /* the last frame of the address space is never RAM (RAM ends are rounded down) */
        e = e > UINT64_MAX - FRAME_MASK ? UINT64_MAX & ~FRAME_MASK : (e + FRAME_MASK) & ~FRAME_MASK;
        for (unsigned i = lower(b); b < e && i < ext_num && ext[i].base < e; i = lower(b)) {
            paddr_t cb = ext[i].base > b ? ext[i].base : b;
            paddr_t ce = end_of(&ext[i]) < e ? end_of(&ext[i]) : e;
            int rc = set_owner(cb, ce, taken_owner);
            if (rc)
                return init_fail(rc);
            b = ce;
        }
    }
    return 0;
}

/* Common checks of claim and free; the end of the range in *end. */
static int check_request(paddr_t base, uint64_t npages, uint16_t owner, paddr_t *end)
{
    if (npages == 0 || (base & FRAME_MASK) || owner == FRAME_FREE)
        return -EINVAL;
    if (npages > (UINT64_MAX - base) / FRAME_SIZE)
        return -ERANGE;
    *end = base + npages * FRAME_SIZE;
    return covered(base, *end, true, 0) ? 0 : -ERANGE;
}

static int claim_locked(paddr_t base, uint64_t npages, uint16_t owner)
{
    paddr_t end;
    int rc = check_request(base, npages, owner, &end);
    if (rc)
        return rc;
    if (!covered(base, end, false, FRAME_FREE))
        return -EBUSY;
    return set_owner(base, end, owner);
}

static int alloc_locked(uint64_t npages, uint64_t align_pages, uint16_t owner, paddr_t *pa)
{
    if (!pa || npages == 0 || owner == FRAME_FREE || align_pages == 0 ||
        (align_pages & (align_pages - 1)))
        return -EINVAL;
    bool nospc = false;
    for (unsigned i = 0; i < ext_num; i++) {
        if (ext[i].owner != FRAME_FREE)
            continue;
        /* in frame numbers, which cannot overflow for any power-of-two alignment */
        uint64_t first = ext[i].base / FRAME_SIZE, stop = first + ext[i].npages;
        uint64_t at = (first + align_pages - 1) & ~(align_pages - 1);
        if (at >= stop || stop - at < npages)
            continue;
        int rc = set_owner(at * FRAME_SIZE, (at + npages) * FRAME_SIZE, owner);
        if (rc == 0) {
            *pa = at * FRAME_SIZE;
            return 0;
        }
        nospc = true; /* a later free extent may fit without a split */
    }
    return nospc ? -ENOSPC : -ENOMEM;
}

static int free_locked(paddr_t base, uint64_t npages, uint16_t owner)
{
    paddr_t end;
    int rc = check_request(base, npages, owner, &end);
    if (rc)
        return rc;
    if (!covered(base, end, false, owner))
        return -EPERM;
    return set_owner(base, end, FRAME_FREE);
}

static uint64_t count_locked(uint16_t owner)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < ext_num; i++)
        if (ext[i].owner == owner)
            n += ext[i].npages;
    return n;
}

uint64_t frame_total(void)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < ext_num; i++)
        n += ext[i].npages;
    return n;
}

static int owner_locked(paddr_t pa)
{
    unsigned i = lower(pa);
    return (i < ext_num && ext[i].base <= pa) ? ext[i].owner : -ERANGE;
}

static bool range_owned_locked(paddr_t base, uint64_t size, uint16_t owner)
{
    if (size == 0 || size > UINT64_MAX - base)
        return false;
    paddr_t end = base + size;
    /* a range that reaches the last frame of the address space is not all RAM (see init) */
    if (end > UINT64_MAX - FRAME_MASK)
        return false;
    return covered(base & ~FRAME_MASK, (end + FRAME_MASK) & ~FRAME_MASK, false, owner);
}

static int walk_locked(frame_walk_fn fn, void *arg)
{
    if (!fn)
        return -EINVAL;
    for (unsigned i = 0; i < ext_num; i++) {
        int rc = fn(arg, ext[i].base, ext[i].npages, ext[i].owner);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- the public calls: each one under the lock ---- */

__attribute__((cold)) int frame_init(const frame_range_t *ram, unsigned ram_num,
                                     const frame_range_t *taken, unsigned taken_num,
                                     uint16_t taken_owner)
{
    spin_lock(&frame_lock);
    int rc = init_locked(ram, ram_num, taken, taken_num, taken_owner);
    spin_unlock(&frame_lock);
    return rc;
}

int frame_claim(paddr_t base, uint64_t npages, uint16_t owner)
{
    spin_lock(&frame_lock);
    int rc = claim_locked(base, npages, owner);
    spin_unlock(&frame_lock);
    return rc;
}

int frame_alloc(uint64_t npages, uint64_t align_pages, uint16_t owner, paddr_t *pa)
{
    spin_lock(&frame_lock);
    int rc = alloc_locked(npages, align_pages, owner, pa);
    spin_unlock(&frame_lock);
    return rc;
}

int frame_free(paddr_t base, uint64_t npages, uint16_t owner)
{
    spin_lock(&frame_lock);
    int rc = free_locked(base, npages, owner);
    spin_unlock(&frame_lock);
    return rc;
}

__attribute__((cold)) uint64_t frame_count(uint16_t owner)
{
    spin_lock(&frame_lock);
    uint64_t rc = count_locked(owner);
    spin_unlock(&frame_lock);
    return rc;
}

int frame_owner(paddr_t pa)
{
    spin_lock(&frame_lock);
    int rc = owner_locked(pa);
    spin_unlock(&frame_lock);
    return rc;
}

bool frame_range_owned(paddr_t base, uint64_t size, uint16_t owner)
{
    spin_lock(&frame_lock);
    bool rc = range_owned_locked(base, size, owner);
    spin_unlock(&frame_lock);
    return rc;
}

__attribute__((cold)) int frame_walk(frame_walk_fn fn, void *arg)
{
    spin_lock(&frame_lock);
    int rc = walk_locked(fn, arg);
    spin_unlock(&frame_lock);
    return rc;
}
