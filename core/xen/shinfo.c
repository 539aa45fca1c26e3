/*
 * shared_info and vcpu_info registration (see xen/shinfo.h), and the runstate area Linux
 * registers per vCPU. septum pins each vCPU to its own physical CPU, so a vCPU is never
 * runnable-but-not-running: there is no steal time to report, and the runstate area is
 * accepted and left as the guest wrote it (all zero reads as "running since 0").
 */
#include <arch/page.h>
#include <arch/spinlock.h>
#include <lib/console.h>
#include <mm/fwmap.h>
#include <string.h>
#include <xen/domain.h>
#include <xen/guestmem.h>
#include <xen/shinfo.h>

#define GFN_LIMIT (1UL << (48 - PAGE_SHIFT))

static struct {
    spinlock_t lock; /* registrations of this VM (its vCPUs may race) */
    struct shared_info *shinfo;
    uint64_t shinfo_gfn;
    struct vcpu_info *vinfo[VM_VCPU_MAX];
    void *vinfo_page[VM_VCPU_MAX]; /* septum's map of the page holding it */
    uint64_t vinfo_gfn[VM_VCPU_MAX];
    uint64_t runstate_va[VM_VCPU_MAX]; /* registered, never written (see above) */
} st[VM_MAX];

struct shared_info *xen_shared_info(const vm_t *vm)
{
    return __atomic_load_n(&st[vm->id].shinfo, __ATOMIC_ACQUIRE);
}

struct vcpu_info *xen_vcpu_info(const vcpu_t *v)
{
    struct vcpu_info *vi = __atomic_load_n(&st[v->vm->id].vinfo[v->id], __ATOMIC_ACQUIRE);
    if (vi || v->id >= XEN_LEGACY_MAX_VCPUS)
        return vi;
    struct shared_info *s = xen_shared_info(v->vm);
    return s ? &s->vcpu_info[v->id] : NULL;
}

/* septum's writable map of gfn if it is a page of vm's own RAM that the guest may write, else
 * NULL. The frame stays the VM's until its memory goes back (core/vm.c), after this service's
 * release hook has unmapped it. */
static void *map_own_page(vm_t *vm, uint64_t gfn)
{
    region_t r;
    gasp_map_handle_t h;
    if (gfn >= GFN_LIMIT || region_info(&vm->regions, gfn * PAGE_SIZE, &r) != REGION_OK ||
        r.type != REGION_RAM || r.owner || !(r.flags & REGION_W) || r.hpa == REGION_NO_HOST)
        return NULL;
    if (fwmap_frames(r.hpa + (gfn * PAGE_SIZE - r.gpa), 1, true, &h) != EOK)
        return NULL;
    return gasp_get_vaddr(h);
}

long xen_map_shared_info(vm_t *vm, uint64_t idx, uint64_t gpfn)
{
    if (idx != 0)
        return -XEN_EINVAL;
    long rc = 0;
    spin_lock(&st[vm->id].lock);
    if (st[vm->id].shinfo)
        rc = -XEN_EBUSY; /* Xen would move it; Linux names it once per boot */
    else {
        struct shared_info *s = map_own_page(vm, gpfn);
        if (!s)
            rc = -XEN_EINVAL;
        else {
            memset(s, 0, PAGE_SIZE); /* a fresh shared_info: nothing pending, nothing masked */
            st[vm->id].shinfo_gfn = gpfn;
            xen_evtchn_set_shared_info(vm, s); /* the event bits move in */
            __atomic_store_n(&st[vm->id].shinfo, s, __ATOMIC_RELEASE);
        }
    }
    spin_unlock(&st[vm->id].lock);
    if (rc)
        log_guest(vm->id, vm->cfg.name, LOG_INFO, "vm %s: shared_info at gfn 0x%lx refused (%ld)\n",
                  vm->cfg.name, (unsigned long)gpfn, rc);
    return rc;
}

/* As Xen's map_vcpu_info (4.17): the 48 bytes inside one page of the VM's own writable RAM,
 * once per vCPU, by the vCPU itself or for one that is off. What the old place held moves over,
 * and everything is marked pending so the guest scans its ports once: an event delivered to
 * the old place while it moved is not lost. */
static long register_vcpu_info(vcpu_t *caller, vcpu_t *t, uint64_t arg)
{
    struct vcpu_register_vcpu_info r;
    vm_t *vm = caller->vm;
    if (xen_guest_copy(caller, &r, arg, sizeof(r), false))
        return -XEN_EFAULT;
    if (r.offset > PAGE_SIZE - sizeof(struct vcpu_info) || r.offset % 8)
        return -XEN_EINVAL; /* 8-aligned: septum updates pending_sel atomically */
    if (t != caller && __atomic_load_n(&t->state, __ATOMIC_ACQUIRE) != VCPU_OFF)
        return -XEN_EINVAL;
    long rc = 0;
    spin_lock(&st[vm->id].lock);
    if (st[vm->id].vinfo[t->id])
        rc = -XEN_EINVAL; /* twice */
    else {
        char *page = map_own_page(vm, r.mfn);
        if (!page)
            rc = -XEN_EINVAL;
        else {
            struct vcpu_info *n = (struct vcpu_info *)(page + r.offset);
            const struct vcpu_info *old = xen_vcpu_info(t);
            /* read whole, then written: the new place may overlap the old one (vCPU 0's slot
             * in shared_info), through another map of the same page */
            struct vcpu_info was = {0};
            if (old)
                memcpy(&was, old, sizeof(was));
            memcpy(n, &was, sizeof(*n));
            __atomic_store_n(&n->evtchn_pending_sel, ~0ULL, __ATOMIC_RELAXED);
            __atomic_store_n(&n->evtchn_upcall_pending, 1, __ATOMIC_RELAXED);
            st[vm->id].vinfo_page[t->id] = page;
            st[vm->id].vinfo_gfn[t->id] = r.mfn;
            xen_evtchn_set_vcpu_info(vm, t->id, n);
            __atomic_store_n(&st[vm->id].vinfo[t->id], n, __ATOMIC_RELEASE);
        }
    }
    spin_unlock(&st[vm->id].lock);
    return rc;
}

long xen_vcpu_op(vcpu_t *v, uint64_t cmd, uint64_t vcpu, uint64_t arg)
{
    vm_t *vm = v->vm;
    if (cmd != VCPUOP_register_vcpu_info && cmd != VCPUOP_register_runstate_memory_area)
        return -XEN_EINVAL; /* what Xen on Arm answers to every other vcpu_op */
    if (vcpu >= vm->cfg.vcpu_num)
        return -XEN_ENOENT;
    vcpu_t *t = &vm->vcpu[vcpu];
    if (cmd == VCPUOP_register_vcpu_info)
        return register_vcpu_info(v, t, arg);
    struct vcpu_register_runstate_memory_area a;
    if (xen_guest_copy(v, &a, arg, sizeof(a), false))
        return -XEN_EFAULT;
    st[vm->id].runstate_va[t->id] = a.addr; /* kept for the record; see the top */
    return 0;
}

bool xen_shinfo_uses(const vm_t *vm, uint64_t gfn)
{
    if (st[vm->id].shinfo && st[vm->id].shinfo_gfn == gfn)
        return true;
    for (unsigned i = 0; i < VM_VCPU_MAX; i++)
        if (st[vm->id].vinfo[i] && st[vm->id].vinfo_gfn[i] == gfn)
            return true;
    return false;
}

void xen_shinfo_reset(vm_t *vm)
{
    spin_lock(&st[vm->id].lock);
    /* the event channels let go first (they already did in their stopped hook: this is cheap) */
    xen_evtchn_set_shared_info(vm, NULL);
    for (unsigned i = 0; i < vm->cfg.vcpu_num && i < VM_VCPU_MAX; i++)
        xen_evtchn_set_vcpu_info(vm, i, NULL);
    if (st[vm->id].shinfo) {
        void *s = st[vm->id].shinfo;
        __atomic_store_n(&st[vm->id].shinfo, NULL, __ATOMIC_RELEASE);
        fwmap_unmap_vaddr(s);
    }
    for (unsigned i = 0; i < VM_VCPU_MAX; i++) {
        if (st[vm->id].vinfo[i]) {
            __atomic_store_n(&st[vm->id].vinfo[i], NULL, __ATOMIC_RELEASE);
            fwmap_unmap_vaddr(st[vm->id].vinfo_page[i]);
        }
        st[vm->id].vinfo_page[i] = NULL;
        st[vm->id].runstate_va[i] = 0;
    }
    spin_unlock(&st[vm->id].lock);
}
