/*
 * Firmware maps (see mm/fwmap.h). Each CPU has its own slice of the window, its own small table
 * of handles and its own lock, so CPUs never wait for each other here (a handle unmapped from
 * another CPU takes that slice's lock). Each slot of a slice has a page of its own at the start
 * of the slice, whose tables are built once at init and kept: a one-page map (an operation
 * array, a frame of a grant copy) writes one leaf entry there, and its unmap clears it and
 * invalidates that page on this CPU. Larger maps take first-fit space in the rest of the slice;
 * each map is page-granular and returns the byte address inside it. Beside the window, the direct
 * map: host RAM aliased once at boot, where the handle-less maps of RAM cost a range check.
 */
#include <arch/page.h>
#include <arch/spinlock.h>
#include <errno.h>
#include <mm/fwmap.h>

typedef struct fwmap {
    bool live;
    uint8_t gen;
    uint64_t va, size; /* page-rounded mapping in the window */
    uint64_t offset;   /* of the first byte within the first page */
} fwmap_t;

typedef struct fwslice {
    spinlock_t lock;
    uint32_t live; /* bit i: maps[i].live */
    fwmap_t maps[FWMAP_MAX];
    uint64_t *pte[FWMAP_MAX]; /* the leaf entry of slot i's page, once built */
} fwslice_t;

static pt_t *fw_pt;
static uint64_t fw_base, fw_size, fw_slice; /* fw_slice: each CPU's part of the window */
static bool fw_page_slots;                  /* has_page_slots(), worked out once at init */
static unsigned (*fw_cpu)(void);
static unsigned fw_cpus = 1;
static fwslice_t slices[FWMAP_CPUS];

fwmap_direct_t fwmap_direct_map; /* fwmap_direct_init's ranges (mm/fwmap.h) */

#define HANDLE_GEN_SHIFT 16
#define PAGE_AREA        (512 * PAGE_SIZE) /* what one last-level table maps */
_Static_assert(FWMAP_MAX <= 32, "a slice's live maps are one uint32_t bit mask");

static uint64_t slice_base(unsigned cpu);
static bool has_page_slots(void);

__attribute__((cold)) int fwmap_init(pt_t *el2, uint64_t va_base, uint64_t va_size, unsigned cpus,
                                     unsigned (*cpu_index)(void))
{
    if ((va_base | va_size) & (PAGE_SIZE - 1) || !va_size || !cpus || cpus > FWMAP_CPUS ||
        (va_size / cpus) % PAGE_SIZE)
        return -EINVAL;
    fw_cpus = cpus;
    fw_cpu = cpu_index;
    fwmap_direct_map = (fwmap_direct_t){0};
    fw_pt = el2;
    fw_base = va_base;
    fw_size = va_size;
    fw_slice = va_size / cpus;
    fw_page_slots = has_page_slots();
    for (unsigned c = 0; c < FWMAP_CPUS; c++) {
        for (unsigned i = 0; i < FWMAP_MAX; i++) {
            slices[c].maps[i].live = false;
            slices[c].pte[i] = NULL; /* a new table: nothing is built in it yet */
        }
        slices[c].live = 0;
    }
    /* The page slots' tables are built now, once: they are septum's for good, and no map
     * builds or frees a level there later. Larger maps build and free theirs. */
    for (unsigned c = 0; c < cpus && fw_page_slots; c++) {
        uint64_t base = slice_base(c), size = FWMAP_MAX * PAGE_SIZE;
        if (pt_map(el2, base, 0, size, PT_R) != 0 || pt_unmap_keep(el2, base, size) != 0)
            return -ENOMEM;
        for (unsigned i = 0; i < FWMAP_MAX; i++)
            slices[c].pte[i] = pt_leaf_entry(el2, base + i * PAGE_SIZE);
    }
    return 0;
}

uint64_t fwmap_slice(uint64_t va)
{
    if (va < fw_base || va >= fw_base + fw_size)
        return ~0ULL;
    return (va - fw_base) / fw_slice;
}

static unsigned this_cpu(void)
{
    unsigned cpu = fw_cpu ? fw_cpu() : 0;
    return cpu < fw_cpus ? cpu : 0;
}

static uint64_t slice_base(unsigned cpu) { return fw_base + cpu * fw_slice; }

/* Whether a slice has a page for each slot at its start (one-page maps go there, at a fixed
 * place per slot, and later maps reuse its cached leaf entry). The slots have a last-level
 * table of their own (PAGE_AREA, aligned): larger maps start past it, so their unmaps, which
 * free the tables they emptied, never free that one. */
static bool has_page_slots(void)
{
    uint64_t slice = fw_size / fw_cpus;
    return slice >= 2 * PAGE_AREA && slice % PAGE_AREA == 0 && fw_base % PAGE_AREA == 0;
}

/* First free range of size bytes in slice cpu of the window, past the page slots (under its
 * lock): a CPU maps in its own slice, so unmapping there needs no invalidation on other CPUs. */
static bool window_alloc(unsigned cpu, uint64_t size, uint64_t *va)
{
    uint64_t slice = fw_slice;
    uint64_t base = slice_base(cpu);
    const fwmap_t *maps = slices[cpu].maps;
    uint64_t cand = base + (fw_page_slots ? PAGE_AREA : 0);
    for (;;) {
        if (cand + size > base + slice || cand + size < cand)
            return false;
        bool clash = false;
        for (unsigned i = 0; i < FWMAP_MAX; i++)
            if (maps[i].live && cand < maps[i].va + maps[i].size && maps[i].va < cand + size) {
                cand = maps[i].va + maps[i].size;
                clash = true;
            }
        if (!clash) {
            *va = cand;
            return true;
        }
    }
}

/* Map [hpa, hpa + size) at va (under the slice's lock). A one-page map in its slot's page
 * writes the leaf entry kept from the slot's first map: the window's tables are never freed. */
static int map_at(fwslice_t *sl, unsigned slot, uint64_t va, uint64_t hpa, uint64_t size,
                  unsigned pt_prot)
{
    uint64_t **pte = &sl->pte[slot];
    bool page_slot = size == PAGE_SIZE && fw_page_slots;
    if (page_slot && *pte) {
        pt_leaf_set(fw_pt, *pte, hpa, pt_prot);
        return EOK;
    }
    if (pt_map(fw_pt, va, hpa, size, pt_prot) != 0) {
        pt_unmap(fw_pt, va, size);
        return ENOMEM;
    }
    if (page_slot)
        *pte = pt_leaf_entry(fw_pt, va);
    return EOK;
}

__attribute__((cold)) int fwmap_direct_init(pt_t *el2, uint64_t va_base, const fwmap_range_t *r,
                                            unsigned n)
{
    fwmap_direct_map = (fwmap_direct_t){0};
    if (!n || n > FWMAP_DIRECT_MAX || va_base % (1ULL << 30))
        return -EINVAL;
    uint64_t low = UINT64_MAX;
    for (unsigned i = 0; i < n; i++) {
        if (r[i].end <= r[i].start || (r[i].start | r[i].end) % PAGE_SIZE)
            return -EINVAL;
        low = r[i].start < low ? r[i].start : low;
    }
    /* a 1 GiB-aligned offset, so that block mappings line up on both sides */
    uint64_t off = va_base - (low & ~((1ULL << 30) - 1));
    for (unsigned i = 0; i < n; i++) {
        uint64_t va = r[i].start + off;
        if (va < r[i].start || va + (r[i].end - r[i].start) > (1ULL << el2->va_bits) ||
            pt_map(el2, va, r[i].start, r[i].end - r[i].start, PT_R | PT_W) != 0)
            return -ENOMEM; /* what is mapped stays: unused, and never reached */
    }
    /* the largest range first: the guests' frames are almost all in it, and every lookup on a
     * hypercall's path (fwmap_direct) then ends at its first compare */
    for (unsigned i = 0; i < n; i++) {
        unsigned k = i;
        while (k && fwmap_direct_map.r[k - 1].end - fwmap_direct_map.r[k - 1].start <
                        r[i].end - r[i].start) {
            fwmap_direct_map.r[k] = fwmap_direct_map.r[k - 1];
            k--;
        }
        fwmap_direct_map.r[k] = r[i];
    }
    fwmap_direct_map.off = off;
    fwmap_direct_map.num = n;
    return 0;
}

/* Put [hpa, hpa + size) into a free part of the window; the handle points offset bytes in. */
static int map_window(uint64_t hpa, uint64_t size, unsigned pt_prot, uint64_t offset,
                      gasp_map_handle_t *h, void **vaddr)
{
    unsigned cpu = this_cpu();
    fwslice_t *sl = &slices[cpu];
    spin_lock(&sl->lock);
    unsigned slot = sl->live == UINT32_MAX ? FWMAP_MAX : (unsigned)__builtin_ctz(~sl->live);
    uint64_t va = slice_base(cpu) + slot * PAGE_SIZE;
    int rc = ENOMEM;
    if (slot < FWMAP_MAX &&
        ((size == PAGE_SIZE && fw_page_slots) || window_alloc(cpu, size, &va)) &&
        (rc = map_at(sl, slot, va, hpa, size, pt_prot)) == EOK) {
        fwmap_t *m = &sl->maps[slot];
        m->live = true;
        sl->live |= 1U << slot;
        m->gen++;
        m->va = va;
        m->size = size;
        m->offset = offset;
        if (h)
            *h = (cpu * FWMAP_MAX + slot + 1) | ((uint32_t)m->gen << HANDLE_GEN_SHIFT);
        if (vaddr)
            *vaddr = (void *)(uintptr_t)(va + offset);
    }
    spin_unlock(&sl->lock);
    return rc;
}

/* Unmap slot's map (under the slice's lock); the tables stay. */
static void unmap_slot(fwslice_t *sl, unsigned slot)
{
    fwmap_t *m = &sl->maps[slot];
    if (m->size == PAGE_SIZE && sl->pte[slot] && fw_page_slots)
        pt_leaf_clear(fw_pt, sl->pte[slot], m->va);
    else
        pt_unmap(fw_pt, m->va, m->size);
    m->live = false;
    sl->live &= ~(1U << slot);
}

static int do_map(const region_table_t *vm, uint64_t gpa, uint64_t length, unsigned prot,
                  bool guest_supplied, gasp_map_handle_t *h, void **vaddr)
{
    if (!vm || !(h || vaddr) || !fw_pt || length == 0 || gpa + length < gpa)
        return ENXIO;
    if ((prot & ~GMF_ALL) || !(prot & (GMF_R | GMF_W)) || (prot & GMF_X))
        return ENXIO;
    /* a copy taken under the VM's lock: another vCPU may be changing the table meanwhile */
    region_t copy;
    if (region_info(vm, gpa, &copy) != REGION_OK)
        return ENXIO;
    const region_t *r = &copy;
    if (r->type == REGION_EMULATED || r->hpa == REGION_NO_HOST)
        return ENXIO;
    /* one region means one contiguous host backing; adjacent equal regions are merged */
    if (gpa + length > r->gpa + r->len)
        return ENXIO;
    if (guest_supplied && (r->type != REGION_RAM && !(r->type == REGION_ROM && !(prot & GMF_W))))
        return ENXIO;
    /* septum acts for the guest with the guest's own rights: never a write through a mapping
     * the guest may only read (another VM's read-only grant, its own ROM), nor a read of what
     * it may not read */
    if (guest_supplied &&
        (((prot & GMF_W) && !(r->flags & REGION_W)) || ((prot & GMF_R) && !(r->flags & REGION_R))))
        return ENXIO;
    if (r->type == REGION_DEVICE && !(prot & GMF_NOCACHE))
        return ENXIO; /* device memory only ever uncached */

    uint64_t page = gpa & ~(PAGE_SIZE - 1);
    uint64_t size = ((gpa + length + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)) - page;
    uint64_t hpa = r->hpa + (page - r->gpa);
    void *d;
    if (!h && r->type != REGION_DEVICE && !(prot & GMF_NOCACHE) &&
        (d = fwmap_direct(hpa + (gpa - page), length))) {
        *vaddr = d;
        return EOK;
    }
    unsigned pt_prot = PT_R | ((prot & GMF_W) ? PT_W : 0);
    if (r->type == REGION_DEVICE)
        pt_prot |= PT_DEVICE;
    else if (prot & GMF_NOCACHE)
        pt_prot |= PT_NC;

    return map_window(hpa, size, pt_prot, gpa - page, h, vaddr);
}

int fwmap_frames(uint64_t hpa, uint64_t npages, bool write, gasp_map_handle_t *h)
{
    if (!fw_pt || hpa % PAGE_SIZE || npages == 0 || npages > fw_size / PAGE_SIZE)
        return ENXIO;
    return map_window(hpa, npages * PAGE_SIZE, PT_R | (write ? PT_W : 0), 0, h, NULL);
}

void *fwmap_frame(uint64_t hpa, bool write)
{
    void *va = NULL;
    if (hpa % PAGE_SIZE == 0 && (va = fwmap_direct(hpa, PAGE_SIZE)))
        return va;
    if (fw_pt && hpa % PAGE_SIZE == 0)
        map_window(hpa, PAGE_SIZE, PT_R | (write ? PT_W : 0), 0, NULL, &va);
    return va;
}

void fwmap_unmap_vaddr(const void *va)
{
    uint64_t a = (uint64_t)(uintptr_t)va, cpu = fwmap_slice(a);
    if (cpu >= fw_cpus)
        return;
    fwslice_t *sl = &slices[cpu];
    /* a one-page map sits in its slot's own page: the slot is the page's index */
    uint64_t page = (a - slice_base((unsigned)cpu)) / PAGE_SIZE;
    spin_lock(&sl->lock);
    if (fw_page_slots && page < FWMAP_MAX && sl->maps[page].live &&
        sl->maps[page].va == a - a % PAGE_SIZE && sl->maps[page].size == PAGE_SIZE) {
        unmap_slot(sl, (unsigned)page);
        spin_unlock(&sl->lock);
        return;
    }
    for (unsigned i = 0; i < FWMAP_MAX; i++) {
        fwmap_t *m = &sl->maps[i];
        if (m->live && a >= m->va && a < m->va + m->size) {
            unmap_slot(sl, i);
            break;
        }
    }
    spin_unlock(&sl->lock);
}

int gasp_map_firmware(const region_table_t *vm, uint64_t gpa, uint64_t length, unsigned prot,
                      gasp_map_handle_t *h)
{
    return do_map(vm, gpa, length, prot, false, h, NULL);
}

int gasp_map(const region_table_t *vm, uint64_t gpa, uint64_t length, unsigned prot,
             gasp_map_handle_t *h)
{
    return do_map(vm, gpa, length, prot, true, h, NULL);
}

void *gasp_map_ptr(const region_table_t *vm, uint64_t gpa, uint64_t length, unsigned prot)
{
    void *va = NULL;
    return do_map(vm, gpa, length, prot, true, NULL, &va) == EOK ? va : NULL;
}

/* The slice a handle names (NULL if none), and its map if live and of this generation. */
static fwslice_t *slice_of(gasp_map_handle_t h, unsigned *slot)
{
    unsigned n = (h & 0xffff) - 1;
    *slot = n % FWMAP_MAX;
    return n / FWMAP_MAX < fw_cpus ? &slices[n / FWMAP_MAX] : NULL;
}

static fwmap_t *lookup(fwslice_t *sl, unsigned slot, gasp_map_handle_t h)
{
    fwmap_t *m = &sl->maps[slot];
    return m->live && m->gen == (uint8_t)(h >> HANDLE_GEN_SHIFT) ? m : NULL;
}

void *gasp_get_vaddr(gasp_map_handle_t h)
{
    unsigned slot;
    fwslice_t *sl = slice_of(h, &slot);
    fwmap_t *m = sl ? lookup(sl, slot, h) : NULL;
    return m ? (void *)(uintptr_t)(m->va + m->offset) : NULL;
}

void gasp_unmap_handle(gasp_map_handle_t h)
{
    unsigned slot;
    fwslice_t *sl = slice_of(h, &slot);
    if (!sl)
        return;
    spin_lock(&sl->lock);
    if (lookup(sl, slot, h))
        unmap_slot(sl, slot);
    spin_unlock(&sl->lock);
}

unsigned fwmap_live(void)
{
    unsigned n = 0;
    for (unsigned c = 0; c < FWMAP_CPUS; c++)
        for (unsigned i = 0; i < FWMAP_MAX; i++)
            n += slices[c].maps[i].live;
    return n;
}
