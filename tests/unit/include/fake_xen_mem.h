/*
 * septum's firmware maps (mm/fwmap.h) for host tests of the Xen guest ABI (core/xen/): guest RAM
 * and septum's frames are host memory there, so a map hands out the host pointer itself, after
 * the checks gasp_map makes (the VM's own RAM, within one region, with the rights asked for).
 * Every map is counted while it lives (fake_xen_mem_live), so a leak or an unmap of something
 * never mapped shows. A test may set fake_xen_mem_hpa_ok to check each host range septum maps
 * by frame number (fwmap_frames) against the memory it knows. Included by exactly one file of a
 * test program (test_xenabi.c, fuzz_xenmem.c), which may define FAKE_CHECK first (assert by
 * default).
 */
#ifndef FAKE_XEN_MEM_H
#define FAKE_XEN_MEM_H
#include <errno.h>
#include <mm/fwmap.h>
#include <stdbool.h>
#include <stdint.h>
#ifndef FAKE_CHECK
#include <assert.h>
#define FAKE_CHECK(cond) assert(cond)
#endif

#define FAKE_XEN_MAPS 256

static unsigned fake_xen_mem_live;
static struct {
    void *va;
    bool write;
    bool transient; /* from gasp_map_ptr: a hypercall's buffer, unmapped before it returns */
} fake_xen_map[FAKE_XEN_MAPS];
static bool (*fake_xen_mem_hpa_ok)(uint64_t hpa, uint64_t len);

static int fake_xen_map_add(void *va, bool write, gasp_map_handle_t *h)
{
    for (unsigned i = 0; i < FAKE_XEN_MAPS; i++)
        if (!fake_xen_map[i].va) {
            fake_xen_map[i].va = va;
            fake_xen_map[i].write = write;
            fake_xen_map[i].transient = false;
            *h = i + 1;
            fake_xen_mem_live++;
            return EOK;
        }
    return ENOMEM;
}

int gasp_map(const region_table_t *rt, uint64_t gpa, uint64_t len, unsigned prot,
             gasp_map_handle_t *h)
{
    region_t r;
    if (!len || region_info(rt, gpa, &r) != REGION_OK || r.type != REGION_RAM || gpa + len < gpa ||
        gpa + len > r.gpa + r.len || ((prot & GMF_W) && !(r.flags & REGION_W)) ||
        ((prot & GMF_R) && !(r.flags & REGION_R)))
        return ENXIO;
    return fake_xen_map_add((void *)(uintptr_t)(r.hpa + (gpa - r.gpa)), prot & GMF_W, h);
}

int fwmap_frames(uint64_t hpa, uint64_t npages, bool write, gasp_map_handle_t *h)
{
    FAKE_CHECK(npages > 0 && hpa % 4096 == 0);
    FAKE_CHECK(!fake_xen_mem_hpa_ok || fake_xen_mem_hpa_ok(hpa, npages * 4096));
    return fake_xen_map_add((void *)(uintptr_t)hpa, write, h);
}

void *gasp_get_vaddr(gasp_map_handle_t h)
{
    return h && h <= FAKE_XEN_MAPS ? fake_xen_map[h - 1].va : NULL;
}

void *gasp_map_ptr(const region_table_t *rt, uint64_t gpa, uint64_t len, unsigned prot)
{
    gasp_map_handle_t h;
    if (gasp_map(rt, gpa, len, prot, &h) != EOK)
        return NULL;
    fake_xen_map[h - 1].transient = true;
    return gasp_get_vaddr(h);
}

/* No direct map in the fakes (it has no ranges): every buffer goes through the maps above. */
fwmap_direct_t fwmap_direct_map;

void *fwmap_frame(uint64_t hpa, bool write)
{
    gasp_map_handle_t h;
    return fwmap_frames(hpa, 1, write, &h) == EOK ? gasp_get_vaddr(h) : NULL;
}

void gasp_unmap_handle(gasp_map_handle_t h)
{
    FAKE_CHECK(h && h <= FAKE_XEN_MAPS && fake_xen_map[h - 1].va);
    fake_xen_map[h - 1].va = NULL;
    fake_xen_mem_live--;
}

/* Host pointers are the addresses themselves, so a hypercall's buffer in a page septum also
 * keeps mapped (a vcpu_info registered in the page the call's argument is in) has the same
 * address twice, where the real firmware maps hand out two: the buffer's map, unmapped first,
 * goes first, so what stays is the kept map with its own rights. */
void fwmap_unmap_vaddr(const void *va)
{
    for (unsigned i = 0; i < FAKE_XEN_MAPS; i++)
        if (fake_xen_map[i].va == va && fake_xen_map[i].transient) {
            fake_xen_map[i].va = NULL;
            fake_xen_mem_live--;
            return;
        }
    for (unsigned i = 0; i < FAKE_XEN_MAPS; i++)
        if (fake_xen_map[i].va == va) {
            fake_xen_map[i].va = NULL;
            fake_xen_mem_live--;
            return;
        }
    FAKE_CHECK(!"unmapping an address that is not mapped");
}
#endif
