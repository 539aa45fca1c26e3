/*
 * Guest memory as Xen hypercalls name it: every pointer a Xen guest passes (an operation array,
 * a console string, a memory_op argument, an extent list) is a virtual address of the calling
 * vCPU, translated through that vCPU's own stage 1 (arch_guest_va_translate: AT S1E1R, or
 * S1E1W for anything septum writes back) and then checked against its VM's region table
 * (gasp_map: its own RAM, with the rights the VM has there). A guest with its MMU off (septum's
 * SDK guests) translates to itself. This is the only way septum reaches a Xen guest's buffers.
 *
 * xen_guest_map is the one-translation-per-page primitive: it maps the part of a range that
 * lies in one guest page, so an operation array is walked page by page (each page translated
 * and mapped once, operations used in place); xen_guest_copy is built on it and copies a range
 * of any length, across pages, for small structures.
 */
#ifndef XEN_GUESTMEM_H
#define XEN_GUESTMEM_H
#include <arch/page.h>
#include <arch/vcpu.h>
#include <core/vm.h>
#include <mm/fwmap.h>
#include <septum/xen.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct xen_gmap {
    void *ptr;  /* septum's pointer to the guest's byte at va */
    size_t len; /* bytes mapped from there: to the end of the range or of its guest page */
} xen_gmap_t;

/* Map the start of the guest-virtual range [va, va + len) of v, the vCPU running on the calling
 * CPU (whose EL1 state is loaded): the bytes from va up to the end of the range or of va's
 * 4 KiB guest page, whichever comes first. write: septum will write there (the guest's stage 1
 * must let EL1 write it, and the VM must have write access to the RAM behind it); otherwise
 * septum only reads. 0, or -XEN_EFAULT (len 0, a range that wraps, v not the caller, no stage-1
 * translation, or not the VM's RAM with those rights); *m is then left with ptr NULL. */
int xen_guest_map(vcpu_t *v, uint64_t va, size_t len, bool write, xen_gmap_t *m);
/* xen_guest_map's fast way, inline for the hot callers: septum's pointer to [va, va + len) of
 * the loaded vCPU when it lies in one guest page of RAM that both of the guest's stages let it
 * read (or write), through the direct map (nothing to unmap); NULL otherwise (then
 * xen_guest_map gives the region table's answer). */
static inline void *xen_guest_ptr(uint64_t va, size_t len, bool write)
{
    uint64_t pa;
    if (!len || (va & (PAGE_SIZE - 1)) + len > PAGE_SIZE || !arch_guest_va_to_pa(va, write, &pa))
        return NULL;
    return fwmap_direct(pa, len);
}
void xen_guest_unmap(xen_gmap_t *m);
/* Copy len bytes between buf and the guest-virtual range at va of v (to_guest: into the guest),
 * page by page. 0, or -XEN_EFAULT if any page fails (a write may then have changed the pages
 * before it, as Xen's copy_to_guest may). */
int xen_guest_copy(vcpu_t *v, void *buf, uint64_t va, size_t len, bool to_guest);
#endif
