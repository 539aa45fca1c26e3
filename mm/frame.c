/*
 * Frame allocator over a sorted array of extents {base, npages, owner}. Neighbouring extents
 * with the same owner are merged after every change; a change that would need more extents than
 * the array holds is refused before anything is touched.
 */
#include <errno.h>
#include <mm/frame.h>
#include <string.h>

typedef struct extent {
    paddr_t base;
    uint64_t npages;
    uint16_t owner;
} extent_t;

static extent_t ext[FRAME_EXTENT_MAX];
static unsigned ext_num;

static paddr_t ext_end(const extent_t *e) { return e->base + e->npages * FRAME_SIZE; }

void frame_reset(void) { ext_num = 0; }

static void merge(void)
{
    unsigned out = 0;
    for (unsigned i = 0; i < ext_num; i++) {
        if (out && ext[out - 1].owner == ext[i].owner && ext_end(&ext[out - 1]) == ext[i].base)
            ext[out - 1].npages += ext[i].npages;
        else
            ext[out++] = ext[i];
    }
    ext_num = out;
}

/* Index of the extent holding pa, or -1. */
static int find(paddr_t pa)
{
    unsigned lo = 0, hi = ext_num;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (pa < ext[mid].base)
            hi = mid;
        else if (pa >= ext_end(&ext[mid]))
            lo = mid + 1;
        else
            return (int)mid;
    }
    return -1;
}

/* Every frame of [base, base+npages) lies in RAM (extents are contiguous where RAM is). */
static bool in_ram(paddr_t base, uint64_t npages)
{
    paddr_t end = base + npages * FRAME_SIZE;
    int i = find(base);
    if (i < 0 || end < base)
        return false;
    while (ext_end(&ext[i]) < end) {
        if ((unsigned)i + 1 >= ext_num || ext[i + 1].base != ext_end(&ext[i]))
            return false;
        i++;
    }
    return true;
}

/* Give [base, base+npages) to owner. The caller checked it is RAM. Splits at most two extents,
 * so it needs at most two spare slots (checked before any change). */
static int set_owner(paddr_t base, uint64_t npages, uint16_t owner)
{
    if (ext_num + 2 > FRAME_EXTENT_MAX)
        return -ENOSPC;
    paddr_t end = base + npages * FRAME_SIZE;
    /* split the extent holding base, and the one holding end, at those addresses */
    paddr_t cuts[2] = {base, end};
    for (unsigned c = 0; c < 2; c++) {
        int i = find(cuts[c]);
        if (i < 0 || ext[i].base == cuts[c])
            continue;
        memmove(&ext[i + 2], &ext[i + 1], (ext_num - (unsigned)i - 1) * sizeof(ext[0]));
        uint64_t left = (cuts[c] - ext[i].base) / FRAME_SIZE;
        ext[i + 1] = (extent_t){cuts[c], ext[i].npages - left, ext[i].owner};
        ext[i].npages = left;
        ext_num++;
    }
    for (int i = find(base); i >= 0 && (unsigned)i < ext_num && ext[i].base < end; i++)
        ext[i].owner = owner;
    merge();
    return 0;
}

int frame_init(const frame_range_t *ram, unsigned ram_num, const frame_range_t *taken,
               unsigned taken_num, uint16_t taken_owner)
{
    frame_reset();
    for (unsigned r = 0; r < ram_num; r++) {
        paddr_t b = (ram[r].base + FRAME_SIZE - 1) & ~(FRAME_SIZE - 1);
        paddr_t e = (ram[r].base + ram[r].size) & ~(FRAME_SIZE - 1);
        if (ram[r].base + ram[r].size < ram[r].base)
            return -EINVAL;
        if (e <= b)
            continue;
        if (ext_num >= FRAME_EXTENT_MAX)
            return -ENOSPC;
        unsigned i = ext_num;
        while (i > 0 && ext[i - 1].base > b) {
            ext[i] = ext[i - 1];
            i--;
        }
        ext[i] = (extent_t){b, (e - b) / FRAME_SIZE, FRAME_FREE};
        ext_num++;
    }
    for (unsigned i = 1; i < ext_num; i++)
        if (ext[i].base < ext_end(&ext[i - 1])) {
            frame_reset();
            return -EINVAL;
        }
    merge();
    for (unsigned t = 0; t < taken_num; t++) {
        /* only the part of a taken range that is RAM matters */
        paddr_t b = taken[t].base & ~(FRAME_SIZE - 1);
        paddr_t e = (taken[t].base + taken[t].size + FRAME_SIZE - 1) & ~(FRAME_SIZE - 1);
        for (paddr_t p = b; p < e;) {
            int i = find(p);
            if (i < 0) {
                p += FRAME_SIZE;
                continue;
            }
            paddr_t stop = ext_end(&ext[i]) < e ? ext_end(&ext[i]) : e;
            int rc = set_owner(p, (stop - p) / FRAME_SIZE, taken_owner);
            if (rc)
                return rc;
            p = stop;
        }
    }
    return 0;
}

int frame_claim(paddr_t base, uint64_t npages, uint16_t owner)
{
    if (base % FRAME_SIZE || npages == 0 || !in_ram(base, npages))
        return -ERANGE;
    if (!frame_range_owned(base, npages * FRAME_SIZE, FRAME_FREE))
        return -EBUSY;
    return set_owner(base, npages, owner);
}

int frame_alloc(uint64_t npages, uint64_t align_pages, uint16_t owner, paddr_t *pa)
{
    if (npages == 0 || align_pages == 0 || (align_pages & (align_pages - 1)))
        return -EINVAL;
    uint64_t align = align_pages * FRAME_SIZE;
    for (unsigned i = 0; i < ext_num; i++) {
        if (ext[i].owner != FRAME_FREE)
            continue;
        paddr_t b = (ext[i].base + align - 1) & ~(align - 1);
        if (b >= ext_end(&ext[i]) || (ext_end(&ext[i]) - b) / FRAME_SIZE < npages)
            continue;
        int rc = set_owner(b, npages, owner);
        if (rc)
            return rc;
        *pa = b;
        return 0;
    }
    return -ENOMEM;
}

int frame_free(paddr_t base, uint64_t npages, uint16_t owner)
{
    if (base % FRAME_SIZE || npages == 0 || !in_ram(base, npages))
        return -ERANGE;
    if (!frame_range_owned(base, npages * FRAME_SIZE, owner))
        return -EPERM;
    return set_owner(base, npages, FRAME_FREE);
}

uint64_t frame_count(uint16_t owner)
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

int frame_owner(paddr_t pa)
{
    int i = find(pa);
    return i < 0 ? -ERANGE : ext[i].owner;
}

bool frame_range_owned(paddr_t base, uint64_t size, uint16_t owner)
{
    paddr_t end = base + size;
    if (size == 0 || end < base)
        return false;
    for (paddr_t p = base; p < end;) {
        int i = find(p);
        if (i < 0 || ext[i].owner != owner)
            return false;
        p = ext_end(&ext[i]);
    }
    return true;
}

int frame_walk(frame_walk_fn fn, void *arg)
{
    for (unsigned i = 0; i < ext_num; i++) {
        int rc = fn(arg, ext[i].base, ext[i].npages, ext[i].owner);
        if (rc)
            return rc;
    }
    return 0;
}
