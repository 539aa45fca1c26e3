/*
 * The Xen-ABI state of each VM and the grant-table engine's view of the machine (see
 * xen/domain.h): guest memory through checked firmware maps, stage 2 through the region table
 * (a foreign frame goes in as a request septum vouches for), and frames for copies through
 * septum's own firmware-map window. Each domain has the engine's two grant locks (its maptrack
 * and its table, see xen/gnttab.h), taken per operation; this file's own changes to a VM's
 * address space for grants (its table frames) go under its maptrack lock too. A hypercall that
 * has more to do than the engine does at once is continued as Xen continues it
 * (core/xen/hypercall.c).
 */
#include <arch/copy.h>
#include <arch/insn.h>
#include <arch/page.h>
#include <errno.h>
#include <lib/console.h>
#include <mm/frame.h>
#include <mm/fwmap.h>
#include <string.h>
#include <xen/domain.h>
#include <xen/gnttab.h>
#include <xen/guestmem.h>
#include <xen/hvm.h>
#include <xen/physmap.h>
#include <xen/shinfo.h>

/* Guest frame numbers septum accepts: 48-bit guest-physical addresses at most. */
#define GFN_LIMIT (1UL << (48 - PAGE_SHIFT))

_Static_assert(GNTTAB_MAX_FRAMES == SEPTUM_GNTTAB_FRAMES, "the table the device tree describes");

static gnttab_t gnt;
static struct {
    uint64_t hpa; /* its grant-table frames */
    void *table;  /* ... as septum sees them */
    /* where the guest mapped each table frame (XENMEM_add_to_physmap), REGION_NO_HOST if not;
     * the address of frame_gpa[i] is that region's owner token */
    uint64_t frame_gpa[GNTTAB_MAX_FRAMES];
    uint16_t readers[GNTTAB_MAX_FRAMES * GRANTS_PER_FRAME];
    uint16_t writers[GNTTAB_MAX_FRAMES * GRANTS_PER_FRAME];
} doms[VM_MAX];

/* The VM of domain d; by default a VM's domain id is its index + 1, so look there first. */
vm_t *xen_vm_of(domid_t d)
{
    unsigned guess = d - 1U;
    if (guess < vm_num && vms[guess].cfg.domid == d)
        return &vms[guess];
    for (unsigned i = 0; i < vm_num; i++)
        if (vms[i].cfg.domid == d)
            return &vms[i];
    return NULL;
}

/* ---- the engine's environment ---- */

/* The engine reaches only the calling domain's memory, at the addresses its operations carry:
 * virtual addresses of the calling vCPU (xen/guestmem.h). */
vcpu_t *xen_caller(domid_t d)
{
    vcpu_t *v = vcpu_current();
    return v && v->vm == xen_vm_of(d) ? v : NULL;
}

/* A hypercall's operation array, mapped once for all its operations when it lies in one page
 * of the caller's virtual memory (one stage-1 translation, the guest's own rights: xen/guestmem.h);
 * NULL otherwise, and the engine copies each operation (page by page) instead. */
static void *env_array_map(void *ctx, domid_t d, uint64_t va, size_t len, bool write)
{
    (void)ctx;
    /* the common case inline: RAM of the caller, whose vCPU is loaded */
    void *p;
    const vcpu_t *v = vcpu_current();
    if (v && v->vm->cfg.domid == d && (p = xen_guest_ptr(va, len, write)))
        return p;
    xen_gmap_t m;
    if (xen_guest_map(xen_caller(d), va, len, write, &m))
        return NULL;
    if (m.len < len) { /* it crosses a page */
        xen_guest_unmap(&m);
        return NULL;
    }
    return m.ptr;
}

static void env_array_unmap(void *ctx, void *p)
{
    (void)ctx;
    fwmap_unmap_vaddr(p);
}

static int env_from(void *ctx, domid_t d, void *dst, uint64_t va, size_t len)
{
    (void)ctx;
    return xen_guest_copy(xen_caller(d), dst, va, len, false) ? -1 : 0;
}

static int env_to(void *ctx, domid_t d, uint64_t va, const void *src, size_t len)
{
    (void)ctx;
    return xen_guest_copy(xen_caller(d), (void *)(uintptr_t)src, va, len, true) ? -1 : 0;
}

/* Region tables are read as a copy taken under the VM's lock (region_info): with grant locks
 * per domain, another VM's table may be changing while a grant operation looks at it. Its own
 * RAM is a RAM region without an owner: every such region passed the VM's host check (its own
 * frames, core/vm.c) when it was added, and the frames go back only once the VM's regions are
 * gone; its grant table and the frames others granted it are regions septum owns. */
static bool env_own_frame(void *ctx, domid_t d, uint64_t gfn, uint64_t *hpa)
{
    (void)ctx;
    vm_t *vm = xen_vm_of(d);
    region_t r;
    if (!vm || gfn >= GFN_LIMIT || region_info(&vm->regions, gfn * PAGE_SIZE, &r) != REGION_OK ||
        r.type != REGION_RAM || r.owner)
        return false;
    *hpa = r.hpa + (gfn * PAGE_SIZE - r.gpa);
    return true;
}

/* Where a foreign frame may go, but for whether something is there already. */
static bool host_addr_fits(const vm_t *vm, uint64_t gpa)
{
    return vm && gpa % PAGE_SIZE == 0 && gpa < vm->regions.ipa_size &&
           !(gpa >= VM_ANON_BASE && gpa < VM_ANON_BASE + VM_ANON_SIZE);
}

static bool host_addr_ok(const vm_t *vm, uint64_t gpa)
{
    region_t r;
    return host_addr_fits(vm, gpa) && region_info(&vm->regions, gpa, &r) != REGION_OK;
}

/* The region table's insertion looks for what is at gpa under the VM's lock anyway (env_map,
 * GNTTAB_MAP_TAKEN): no second lookup here. */
static bool env_host_addr_ok(void *ctx, domid_t d, uint64_t gpa)
{
    (void)ctx;
    return host_addr_fits(xen_vm_of(d), gpa);
}

/* Map a frame septum vouches for (a grant, a grant-table frame) at gpa, as a page owned by
 * owner (one of the region table's page slots, apart from the VM's regions): it is always
 * deleted whole, takes none of the VM's region slots, and the guest cannot change it. */
_Static_assert(REGION_PAGES_MAX >= GNTTAB_MAPTRACK_MAX + GNTTAB_MAX_FRAMES,
               "a VM's owned pages hold all its grant mappings and its grant-table frames");
static int map_foreign(vm_t *vm, uint64_t gpa, uint64_t hpa, unsigned flags, const void *owner)
{
    region_t r = {gpa, PAGE_SIZE, hpa, REGION_RAM, flags, (void *)(uintptr_t)owner};
    int rc = region_add_owned(&vm->regions, &r); /* a stage-2 failure is undone */
    return rc == REGION_EOVERLAP ? GNTTAB_MAP_TAKEN : rc ? -1 : 0;
}

/* Remove an owned page from vm's stage 2: 0, or -1 if no region of that owner is there. */
static int unmap_foreign(vm_t *vm, uint64_t gpa, const void *owner)
{
    return region_delete_owned(&vm->regions, gpa, PAGE_SIZE, owner) == REGION_OK ? 0 : -1;
}

static int env_map(void *ctx, domid_t d, uint64_t gpa, uint64_t hpa, bool ro, const void *owner)
{
    (void)ctx;
    vm_t *vm = xen_vm_of(d);
    return vm ? map_foreign(vm, gpa, hpa, ro ? REGION_R : REGION_R | REGION_W, owner) : -1;
}

static int env_unmap(void *ctx, domid_t d, uint64_t gpa, const void *owner)
{
    (void)ctx;
    vm_t *vm = xen_vm_of(d);
    return vm ? unmap_foreign(vm, gpa, owner) : -1; /* only ever the region the engine made */
}

static void *env_frame_map(void *ctx, uint64_t hpa, bool write)
{
    (void)ctx;
    return fwmap_frame(hpa, write);
}

static void env_frame_unmap(void *ctx, void *p)
{
    (void)ctx;
    fwmap_unmap_vaddr(p);
}

static bool lists(const vm_t *vm, domid_t d)
{
    for (unsigned i = 0; i < vm->cfg.peer_num; i++)
        if (vm->cfg.peers[i] == d)
            return true;
    return false;
}

bool xen_paired(domid_t a, domid_t b)
{
    vm_t *va = xen_vm_of(a), *vb = xen_vm_of(b);
    return va && vb && (lists(va, b) || lists(vb, a));
}

static bool env_may_talk(void *ctx, domid_t a, domid_t b)
{
    (void)ctx;
    return xen_paired(a, b);
}

static void env_relax(void *ctx)
{
    (void)ctx;
    cpu_relax();
}

static const gnttab_env_t xen_env = {.copy_from_guest = env_from,
                                     .copy_to_guest = env_to,
                                     .own_frame = env_own_frame,
                                     .host_addr_ok = env_host_addr_ok,
                                     .map = env_map,
                                     .unmap = env_unmap,
                                     .frame_map = env_frame_map,
                                     .frame_unmap = env_frame_unmap,
                                     .may_talk = env_may_talk,
                                     .relax = env_relax,
                                     .array_map = env_array_map,
                                     .array_unmap = env_array_unmap,
                                     .copy = arch_copy};

/* ---- the hypercalls that touch grant state ---- */

long xen_grant_table_op(vm_t *vm, gnttab_call_t *call)
{
    return gnttab_op(&gnt, vm->cfg.domid, call);
}

/* One of the caller's own grant-table frames into its address space, under its maptrack lock.
 * Mapping a frame again elsewhere moves it, as on Xen: a VM holds at most GNTTAB_MAX_FRAMES such
 * regions. */
static long add_to_physmap_locked(vm_t *vm, const struct xen_add_to_physmap *xp)
{
    struct xen_add_to_physmap x = *xp;
    if (x.space != XENMAPSPACE_grant_table || (x.idx & XENMAPIDX_grant_table_status) ||
        x.idx >= GNTTAB_MAX_FRAMES)
        return -XEN_EINVAL;
    if (x.gpfn >= GFN_LIMIT || !host_addr_ok(vm, x.gpfn * PAGE_SIZE))
        return -XEN_EINVAL;
    uint64_t *where = &doms[vm->id].frame_gpa[x.idx];
    if (*where != REGION_NO_HOST && unmap_foreign(vm, *where, where) != 0)
        return -XEN_ENOENT;
    *where = REGION_NO_HOST;
    if (map_foreign(vm, x.gpfn * PAGE_SIZE, doms[vm->id].hpa + x.idx * PAGE_SIZE,
                    REGION_R | REGION_W, where))
        return -XEN_ENOENT;
    *where = x.gpfn * PAGE_SIZE;
    /* a frame the guest maps is a frame in use: the table covers it from now on */
    gnttab_grow(&gnt, vm->cfg.domid, (unsigned)x.idx + 1);
    return 0;
}

__attribute__((cold)) long xen_add_to_physmap(vcpu_t *v, uint64_t arg)
{
    vm_t *vm = v->vm;
    struct xen_add_to_physmap x;
    if (xen_guest_copy(v, &x, arg, sizeof(x), false))
        return -XEN_EFAULT;
    if (x.domid != DOMID_SELF && x.domid != vm->cfg.domid)
        return -XEN_EPERM;
    if (x.space == XENMAPSPACE_shared_info)
        return xen_map_shared_info(vm, x.idx, x.gpfn);
    if (!gnttab_maptrack_lock(&gnt, vm->cfg.domid))
        return -XEN_EPERM;
    long rc = add_to_physmap_locked(vm, &x);
    gnttab_maptrack_unlock(&gnt, vm->cfg.domid);
    return rc;
}

/* ---- the service: a domain per VM ---- */

__attribute__((cold)) static int xen_create(vm_t *vm)
{
    static bool ready;
    if (!ready) {
        gnttab_init(&gnt, &xen_env);
        ready = true;
    }
    gasp_map_handle_t h;
    xen_hvm_params_reset(vm);
    for (unsigned i = 0; i < GNTTAB_MAX_FRAMES; i++)
        doms[vm->id].frame_gpa[i] = REGION_NO_HOST;
    if (frame_alloc(GNTTAB_MAX_FRAMES, 1, FRAME_SEPTUM, &doms[vm->id].hpa) != 0)
        return -ENOMEM;
    if (fwmap_frames(doms[vm->id].hpa, GNTTAB_MAX_FRAMES, true, &h) != EOK)
        return -ENOMEM;
    doms[vm->id].table = gasp_get_vaddr(h);
    if (xen_events_create(vm))
        return -ENOMEM;
    return gnttab_add_domain(&gnt, vm->cfg.domid, doms[vm->id].table, doms[vm->id].readers,
                             doms[vm->id].writers, 1, GNTTAB_MAX_FRAMES);
}

static void report_stuck(const vm_t *vm, unsigned stuck)
{
    if (stuck)
        log_error("vm %s: %u grant mapping%s could not be removed; the frames stay pinned\n",
                  vm->cfg.name, stuck, stuck == 1 ? "" : "s");
}

/* Every mapping the VM holds and every mapping of its pages goes. */
static void xen_stopped(vm_t *vm)
{
    xen_events_stopped(vm); /* first: its peers see its ports closed before anything goes */
    report_stuck(vm, gnttab_domain_teardown(&gnt, vm->cfg.domid));
}

/* A reset starts a new domain: no grant of the old incarnation survives (the table is cleared),
 * the table frames leave the guest's address space (the new kernel maps them again), its RAM
 * is whole again (every hole takes its frame back), and its shared_info and vcpu_info
 * registrations and parameters are forgotten. */
__attribute__((cold)) static int xen_restart(vm_t *vm)
{
    int rc = 0;
    xen_events_restart(vm);
    gnttab_domain_reset(&gnt, vm->cfg.domid);
    if (!gnttab_maptrack_lock(&gnt, vm->cfg.domid))
        return -ENOENT;
    for (unsigned i = 0; i < GNTTAB_MAX_FRAMES; i++) {
        uint64_t *where = &doms[vm->id].frame_gpa[i];
        if (*where != REGION_NO_HOST && unmap_foreign(vm, *where, where) != 0)
            rc = -EBUSY;
        else
            *where = REGION_NO_HOST;
    }
    gnttab_maptrack_unlock(&gnt, vm->cfg.domid);
    if (xen_holes_refill(vm))
        rc = -EBUSY;
    xen_shinfo_reset(vm);
    xen_hvm_params_reset(vm);
    return rc;
}

/* Its grant table goes too: frames back to the allocator (its region table is gone by now). */
__attribute__((cold)) static void xen_release(vm_t *vm)
{
    report_stuck(vm, gnttab_remove_domain(&gnt, vm->cfg.domid));
    xen_events_release(vm);
    xen_shinfo_reset(vm);
    xen_holes_forget(vm);
    if (doms[vm->id].table) {
        fwmap_unmap_vaddr(doms[vm->id].table);
        frame_free(doms[vm->id].hpa, GNTTAB_MAX_FRAMES, FRAME_SEPTUM);
        doms[vm->id].table = NULL;
    }
}

const vm_service_t xen_service = {"Xen domain", xen_create, xen_stopped, xen_restart, xen_release};
