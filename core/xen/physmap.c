/*
 * Holes in a Xen guest's RAM (see xen/physmap.h). Each hole remembers the frame that backed it;
 * its page of the region table is deleted (the RAM region splits) and added back, with that
 * same frame, by populate. A frame never leaves its VM: septum's host check
 * (frame_range_owned in core/vm.c) admits it again, and the VM's memory release frees it with
 * the rest. Lock order: a VM's hole lock, then its region lock (inside region_set_soft).
 */
#include <arch/page.h>
#include <arch/spinlock.h>
#include <errno.h>
#include <lib/console.h>
#include <mm/fwmap.h>
#include <string.h>
#include <xen/guestmem.h>
#include <xen/physmap.h>
#include <xen/shinfo.h>

#define GFN_LIMIT (1UL << (48 - PAGE_SHIFT))
/* Extents looked at per call at most. Every extent done makes or fills a hole, and there are at
 * most XEN_HOLES_MAX, so a call always stops at a failed extent before this bound: no call
 * needs a continuation, and the bound only limits the reads a hostile count could cause. */
#define EXTENTS_PER_CALL (XEN_HOLES_MAX + 1)

typedef struct hole {
    uint64_t gfn, hpa;
    unsigned flags; /* the page's rights: it comes back with them */
} hole_t;

static struct {
    spinlock_t lock;
    hole_t hole[XEN_HOLES_MAX];
    unsigned num;
} st[VM_MAX];

unsigned xen_holes(const vm_t *vm) { return __atomic_load_n(&st[vm->id].num, __ATOMIC_RELAXED); }

static int find(const vm_t *vm, uint64_t gfn)
{
    for (unsigned i = 0; i < st[vm->id].num; i++)
        if (st[vm->id].hole[i].gfn == gfn)
            return (int)i;
    return -1;
}

/* One page of vm's own RAM out of its stage 2, under its hole lock. Only a page the guest may
 * write: populate gives fresh (zeroed) memory back, so a read-only page (an execute-in-place
 * window) would come back written, and writable had it not kept its rights. */
static long make_hole(vm_t *vm, uint64_t gfn)
{
    region_t r;
    if (gfn >= GFN_LIMIT || region_info(&vm->regions, gfn * PAGE_SIZE, &r) != REGION_OK ||
        r.type != REGION_RAM || r.owner || r.hpa == REGION_NO_HOST)
        return -XEN_ENOENT; /* not its own RAM: a hole, a grant, a table frame, a device */
    if (!(r.flags & REGION_W))
        return -XEN_EPERM;
    if (xen_shinfo_uses(vm, gfn))
        return -XEN_EBUSY; /* septum writes there */
    if (st[vm->id].num == XEN_HOLES_MAX)
        return -XEN_ENOMEM;
    region_req_t q = {REGION_DELETE, {gfn * PAGE_SIZE, PAGE_SIZE, REGION_NO_HOST, REGION_RAM, 0}};
    unsigned failed;
    if (region_set_soft(&vm->regions, 1, &q, &failed) != REGION_OK)
        return -XEN_ENOMEM; /* no region slot or stage-2 table left */
    st[vm->id].hole[st[vm->id].num++] = (hole_t){gfn, r.hpa + (gfn * PAGE_SIZE - r.gpa), r.flags};
    return 0;
}

/* Hole i gets its frame back (zeroed, as Xen gives fresh memory), under the hole lock. */
static long fill_hole(vm_t *vm, unsigned i)
{
    hole_t h = st[vm->id].hole[i];
    gasp_map_handle_t m;
    if (fwmap_frames(h.hpa, 1, true, &m) != EOK)
        return -XEN_ENOMEM;
    memset(gasp_get_vaddr(m), 0, PAGE_SIZE);
    gasp_unmap_handle(m);
    region_req_t q = {REGION_ADD, {h.gfn * PAGE_SIZE, PAGE_SIZE, h.hpa, REGION_RAM, h.flags}};
    unsigned failed;
    if (region_set_soft(&vm->regions, 1, &q, &failed) != REGION_OK)
        return -XEN_EBUSY; /* a grant or table frame sits in the hole */
    st[vm->id].hole[i] = st[vm->id].hole[--st[vm->id].num];
    return 0;
}

static bool self(const vm_t *vm, domid_t d) { return d == DOMID_SELF || d == vm->cfg.domid; }

long xen_reservation_op(vcpu_t *v, uint64_t cmd, uint64_t arg)
{
    vm_t *vm = v->vm;
    unsigned op = (unsigned)(cmd & MEMOP_CMD_MASK);
    uint64_t start = cmd >> MEMOP_EXTENT_SHIFT;
    struct xen_memory_reservation r;
    if (xen_guest_copy(v, &r, arg, sizeof(r), false))
        return -XEN_EFAULT;
    if (!self(vm, r.domid))
        return -XEN_EPERM;
    if (start >= r.nr_extents)
        return (long)start; /* nothing (left) to do */
    if (r.extent_order != 0)
        return (long)start; /* septum deals in single pages: none done */
    uint64_t end = r.nr_extents - start > EXTENTS_PER_CALL ? start + EXTENTS_PER_CALL
                                                           : r.nr_extents;
    uint64_t i = start;
    spin_lock(&st[vm->id].lock);
    for (; i < end; i++) {
        uint64_t gfn;
        if (r.extent_start + i * 8 < r.extent_start ||
            xen_guest_copy(v, &gfn, r.extent_start + i * 8, sizeof(gfn), false))
            break;
        long rc;
        if (op == XENMEM_decrease_reservation)
            rc = make_hole(vm, gfn);
        else {
            int k = find(vm, gfn);
            rc = k < 0 ? -XEN_ENOENT : fill_hole(vm, (unsigned)k);
        }
        if (rc)
            break;
    }
    spin_unlock(&st[vm->id].lock);
    if (i < r.nr_extents && i < end)
        log_guest(vm->id, vm->cfg.name, LOG_INFO, "vm %s: %s stopped at extent %lu of %lu\n",
                  vm->cfg.name,
                  op == XENMEM_decrease_reservation ? "decrease_reservation" : "populate_physmap",
                  (unsigned long)i, (unsigned long)r.nr_extents);
    return (long)i;
}

long xen_remove_from_physmap(vcpu_t *v, uint64_t arg)
{
    vm_t *vm = v->vm;
    struct xen_remove_from_physmap x;
    if (xen_guest_copy(v, &x, arg, sizeof(x), false))
        return -XEN_EFAULT;
    if (!self(vm, x.domid))
        return -XEN_EPERM;
    spin_lock(&st[vm->id].lock);
    long rc = make_hole(vm, x.gpfn);
    spin_unlock(&st[vm->id].lock);
    return rc;
}

int xen_holes_refill(vm_t *vm)
{
    int rc = 0;
    spin_lock(&st[vm->id].lock);
    for (unsigned i = st[vm->id].num; i-- > 0;)
        if (fill_hole(vm, i))
            rc = -EBUSY;
    spin_unlock(&st[vm->id].lock);
    return rc;
}

void xen_holes_forget(vm_t *vm)
{
    spin_lock(&st[vm->id].lock);
    st[vm->id].num = 0;
    spin_unlock(&st[vm->id].lock);
}
