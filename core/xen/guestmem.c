/*
 * Guest-virtual buffers of Xen hypercalls (see xen/guestmem.h): both stages of the calling vCPU
 * through arch/ and the direct map for RAM; otherwise stage 1, then the VM's own rights
 * through a checked firmware map.
 */
#include <arch/page.h>
#include <septum/xen.h>
#include <string.h>
#include <xen/guestmem.h>

int xen_guest_map(vcpu_t *v, uint64_t va, size_t len, bool write, xen_gmap_t *m)
{
    m->ptr = NULL;
    m->len = 0;
    uint64_t ipa;
    /* AT translates for the vCPU whose EL1 state is in this CPU: only the caller's own */
    if (!v || v != vcpu_current() || !len || va + len < va)
        return -XEN_EFAULT;
    size_t room = PAGE_SIZE - (va & (PAGE_SIZE - 1));
    size_t n = len < room ? len : room;
    /* The fast way: both stages in one walk, the VM's stage 2 (which follows its region table)
     * checking its rights, and RAM reached through the direct map. Anything else (no mapping,
     * ROM in flash, a device) takes the region table's answer below. */
    if ((m->ptr = xen_guest_ptr(va, n, write))) {
        m->len = n;
        return 0;
    }
    if (!arch_guest_va_translate(va, write, &ipa))
        return -XEN_EFAULT;
    m->ptr = gasp_map_ptr(&v->vm->regions, ipa, n, write ? GMF_R | GMF_W : GMF_R);
    if (!m->ptr)
        return -XEN_EFAULT;
    m->len = n;
    return 0;
}

void xen_guest_unmap(xen_gmap_t *m)
{
    if (m->ptr)
        fwmap_unmap_vaddr(m->ptr);
    m->ptr = NULL;
}

int xen_guest_copy(vcpu_t *v, void *buf, uint64_t va, size_t len, bool to_guest)
{
    char *b = buf;
    if (!len)
        return -XEN_EFAULT;
    while (len) {
        xen_gmap_t m;
        if (xen_guest_map(v, va, len, to_guest, &m))
            return -XEN_EFAULT;
        if (to_guest)
            memcpy(m.ptr, b, m.len);
        else
            memcpy(b, m.ptr, m.len);
        xen_guest_unmap(&m);
        b += m.len;
        va += m.len;
        len -= m.len;
    }
    return 0;
}
