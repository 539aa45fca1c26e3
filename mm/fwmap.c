/*
 * Firmware maps (see mm/fwmap.h). A small table of handles and a first-fit list of free window
 * space; each map is page-granular in the window and returns the byte address inside it.
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

static pt_t *fw_pt;
static uint64_t fw_base, fw_size;
static unsigned (*fw_cpu)(void);
static unsigned fw_cpus = 1;
static fwmap_t maps[FWMAP_MAX];
static spinlock_t fw_lock;

int fwmap_init(pt_t *el2, uint64_t va_base, uint64_t va_size, unsigned cpus,
               unsigned (*cpu_index)(void))
{
    if ((va_base | va_size) & (PAGE_SIZE - 1) || !va_size || !cpus || (va_size / cpus) % PAGE_SIZE)
        return -EINVAL;
    fw_cpus = cpus;
    fw_cpu = cpu_index;
    fw_pt = el2;
    fw_base = va_base;
    fw_size = va_size;
    for (unsigned i = 0; i < FWMAP_MAX; i++)
        maps[i].live = false;
    return 0;
}

uint64_t fwmap_slice(uint64_t va)
{
    if (va < fw_base || va >= fw_base + fw_size)
        return ~0ULL;
    return (va - fw_base) / (fw_size / fw_cpus);
}

/* First free range of size bytes in the calling CPU's slice of the window: a CPU maps and
 * unmaps only in its own slice, so unmapping needs no invalidation on other CPUs. */
static bool window_alloc(uint64_t size, uint64_t *va)
{
    uint64_t slice = fw_size / fw_cpus;
    unsigned cpu = fw_cpu ? fw_cpu() : 0;
    uint64_t base = fw_base + (cpu < fw_cpus ? cpu : 0) * slice;
    uint64_t cand = base;
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

/* Put [hpa, hpa + size) into a free part of the window; the handle points offset bytes in. */
static int map_window(uint64_t hpa, uint64_t size, unsigned pt_prot, uint64_t offset,
                      gasp_map_handle_t *h)
{
    spin_lock(&fw_lock);
    unsigned slot = FWMAP_MAX;
    for (unsigned i = 0; i < FWMAP_MAX && slot == FWMAP_MAX; i++)
        if (!maps[i].live)
            slot = i;
    uint64_t va;
    int rc = ENOMEM;
    if (slot < FWMAP_MAX && window_alloc(size, &va)) {
        rc = pt_map(fw_pt, va, hpa, size, pt_prot) ? ENOMEM : EOK;
        if (rc != EOK) {
            pt_unmap(fw_pt, va, size);
        } else {
            fwmap_t *m = &maps[slot];
            m->live = true;
            m->gen++;
            m->va = va;
            m->size = size;
            m->offset = offset;
            *h = (slot + 1) | ((uint32_t)m->gen << 8);
        }
    }
    spin_unlock(&fw_lock);
    return rc;
}

static int do_map(const region_table_t *vm, uint64_t gpa, uint64_t length, unsigned prot,
                  bool guest_supplied, gasp_map_handle_t *h)
{
    if (!vm || !h || !fw_pt || length == 0 || gpa + length < gpa)
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
    unsigned pt_prot = PT_R | ((prot & GMF_W) ? PT_W : 0);
    if (r->type == REGION_DEVICE)
        pt_prot |= PT_DEVICE;
    else if (prot & GMF_NOCACHE)
        pt_prot |= PT_NC;

    return map_window(hpa, size, pt_prot, gpa - page, h);
}

int fwmap_frames(uint64_t hpa, uint64_t npages, bool write, gasp_map_handle_t *h)
{
    if (!fw_pt || hpa % PAGE_SIZE || npages == 0 || npages > fw_size / PAGE_SIZE)
        return ENXIO;
    return map_window(hpa, npages * PAGE_SIZE, PT_R | (write ? PT_W : 0), 0, h);
}

void fwmap_unmap_vaddr(const void *va)
{
    uint64_t a = (uint64_t)(uintptr_t)va;
    for (unsigned i = 0; i < FWMAP_MAX; i++)
        if (maps[i].live && a >= maps[i].va && a < maps[i].va + maps[i].size) {
            gasp_unmap_handle((gasp_map_handle_t)((i + 1) | ((uint32_t)maps[i].gen << 8)));
            return;
        }
}

int gasp_map_firmware(const region_table_t *vm, uint64_t gpa, uint64_t length, unsigned prot,
                      gasp_map_handle_t *h)
{
    return do_map(vm, gpa, length, prot, false, h);
}

int gasp_map(const region_table_t *vm, uint64_t gpa, uint64_t length, unsigned prot,
             gasp_map_handle_t *h)
{
    return do_map(vm, gpa, length, prot, true, h);
}

static fwmap_t *lookup(gasp_map_handle_t h)
{
    unsigned slot = (h & 0xff) - 1;
    if (slot >= FWMAP_MAX || !maps[slot].live || maps[slot].gen != (uint8_t)(h >> 8))
        return NULL;
    return &maps[slot];
}

void *gasp_get_vaddr(gasp_map_handle_t h)
{
    fwmap_t *m = lookup(h);
    return m ? (void *)(uintptr_t)(m->va + m->offset) : NULL;
}

void gasp_unmap_handle(gasp_map_handle_t h)
{
    spin_lock(&fw_lock);
    fwmap_t *m = lookup(h);
    if (m) {
        pt_unmap(fw_pt, m->va, m->size);
        m->live = false;
    }
    spin_unlock(&fw_lock);
}

unsigned fwmap_live(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < FWMAP_MAX; i++)
        n += maps[i].live;
    return n;
}
