/*
 * Xen-compatible hypercalls (see core/include/core/xen.h) and the grant-table engine's view of
 * the machine: guest memory through checked firmware maps, stage 2 through the region table
 * (a foreign frame is accepted by the mapping VM's host check only while septum maps it), and
 * frames for copies through septum's own firmware-map window.
 */
#include <arch/spinlock.h>
#include <core/console.h>
#include <core/gnttab.h>
#include <core/xen.h>
#include <errno.h>
#include <mm/frame.h>
#include <mm/fwmap.h>
#include <string.h>

#define PAGE           4096UL
#define XEN_VERSION_4_17 ((4UL << 16) | 17)
#define CONSOLE_IO_MAX 1024

static gnttab_t gnt;
static spinlock_t gnt_lock; /* one grant operation at a time: simple and safe */
static uint16_t gnt_readers[VM_MAX][GNTTAB_MAX_FRAMES * GRANTS_PER_FRAME];
static uint16_t gnt_writers[VM_MAX][GNTTAB_MAX_FRAMES * GRANTS_PER_FRAME];

static vm_t *vm_of(domid_t d)
{
    for (unsigned i = 0; i < vm_num; i++)
        if (vms[i].cfg.domid == d)
            return &vms[i];
    return NULL;
}

static int guest_copy(domid_t d, void *buf, uint64_t gpa, size_t len, bool to_guest)
{
    vm_t *vm = vm_of(d);
    gasp_map_handle_t h;
    if (!vm || !len || gasp_map(&vm->regions, gpa, len, to_guest ? GMF_W : GMF_R, &h) != EOK)
        return -1;
    if (to_guest)
        memcpy(gasp_get_vaddr(h), buf, len);
    else
        memcpy(buf, gasp_get_vaddr(h), len);
    gasp_unmap_handle(h);
    return 0;
}

static int env_from(void *ctx, domid_t d, void *dst, uint64_t gpa, size_t len)
{
    (void)ctx;
    return guest_copy(d, dst, gpa, len, false);
}

static int env_to(void *ctx, domid_t d, uint64_t gpa, const void *src, size_t len)
{
    (void)ctx;
    return guest_copy(d, (void *)(uintptr_t)src, gpa, len, true);
}

static bool env_own_frame(void *ctx, domid_t d, uint64_t gfn, uint64_t *hpa)
{
    (void)ctx;
    vm_t *vm = vm_of(d);
    const region_t *r = vm && gfn < (1UL << 36) ? region_find(&vm->regions, gfn * PAGE) : NULL;
    if (!r || r->type != REGION_RAM)
        return false;
    *hpa = r->hpa + (gfn * PAGE - r->gpa);
    /* its own RAM: never its grant table, never a frame someone granted it */
    return frame_owner(*hpa) == FRAME_VM0 + (int)vm->id;
}

static bool env_host_addr_ok(void *ctx, domid_t d, uint64_t gpa)
{
    (void)ctx;
    vm_t *vm = vm_of(d);
    return vm && gpa % PAGE == 0 && gpa < vm->regions.ipa_size &&
           !region_find(&vm->regions, gpa) &&
           !(gpa >= VM_ANON_BASE && gpa < VM_ANON_BASE + VM_ANON_SIZE);
}

static int map_foreign(vm_t *vm, uint64_t gpa, uint64_t hpa, unsigned flags)
{
    region_req_t q = {REGION_ADD, {gpa, PAGE, hpa, REGION_RAM, flags}};
    unsigned failed;
    vm->foreign_ok = hpa;
    int rc = region_set_soft(&vm->regions, 1, &q, &failed);
    vm->foreign_ok = REGION_NO_HOST;
    return rc || vm->s2.error ? -1 : 0;
}

static int env_map(void *ctx, domid_t d, uint64_t gpa, uint64_t hpa, bool ro)
{
    (void)ctx;
    vm_t *vm = vm_of(d);
    return vm ? map_foreign(vm, gpa, hpa, ro ? REGION_R : REGION_R | REGION_W) : -1;
}

static int env_unmap(void *ctx, domid_t d, uint64_t gpa)
{
    (void)ctx;
    vm_t *vm = vm_of(d);
    region_req_t q = {REGION_DELETE, {gpa, PAGE, REGION_NO_HOST, REGION_RAM, 0}};
    unsigned failed;
    return vm && region_set_soft(&vm->regions, 1, &q, &failed) == REGION_OK ? 0 : -1;
}

static void *env_frame_map(void *ctx, uint64_t hpa, bool write)
{
    (void)ctx;
    gasp_map_handle_t h;
    return fwmap_frames(hpa, 1, write, &h) == EOK ? gasp_get_vaddr(h) : NULL;
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

static bool env_may_talk(void *ctx, domid_t a, domid_t b)
{
    (void)ctx;
    vm_t *va = vm_of(a), *vb = vm_of(b);
    return va && vb && (lists(va, b) || lists(vb, a));
}

static const gnttab_env_t xen_env = {env_from,   env_to,        env_own_frame,
                                     env_host_addr_ok, env_map, env_unmap,
                                     env_frame_map, env_frame_unmap, env_may_talk, NULL};

int xen_vm_init(vm_t *vm)
{
    static bool ready;
    if (!ready) {
        gnttab_init(&gnt, &xen_env);
        ready = true;
    }
    gasp_map_handle_t h;
    if (frame_alloc(GNTTAB_MAX_FRAMES, 1, FRAME_SEPTUM, &vm->gnt_hpa) != 0)
        return -ENOMEM;
    if (fwmap_frames(vm->gnt_hpa, GNTTAB_MAX_FRAMES, true, &h) != EOK)
        return -ENOMEM;
    vm->gnt_table = gasp_get_vaddr(h);
    return gnttab_add_domain(&gnt, vm->cfg.domid, vm->gnt_table, gnt_readers[vm->id],
                             gnt_writers[vm->id], 1, GNTTAB_MAX_FRAMES);
}

void xen_vm_stopped(vm_t *vm)
{
    spin_lock(&gnt_lock);
    gnttab_domain_teardown(&gnt, vm->cfg.domid);
    spin_unlock(&gnt_lock);
}

/* XENMEM_add_to_physmap, XENMAPSPACE_grant_table: one of the caller's own table frames. */
static long add_to_physmap(vm_t *vm, uint64_t arg)
{
    struct xen_add_to_physmap x;
    if (guest_copy(vm->cfg.domid, &x, arg, sizeof(x), false))
        return -XEN_EFAULT;
    if ((x.domid != DOMID_SELF && x.domid != vm->cfg.domid))
        return -XEN_EPERM;
    if (x.space != XENMAPSPACE_grant_table || (x.idx & XENMAPIDX_grant_table_status) ||
        x.idx >= GNTTAB_MAX_FRAMES)
        return -XEN_EINVAL;
    uint64_t gpa = x.gpfn * PAGE;
    if (x.gpfn >= (1UL << 36) || !env_host_addr_ok(NULL, vm->cfg.domid, gpa))
        return -XEN_EINVAL;
    if (map_foreign(vm, gpa, vm->gnt_hpa + x.idx * PAGE, REGION_R | REGION_W))
        return -XEN_ENOENT;
    /* a frame the guest maps is a frame in use: the table covers it from now on */
    for (unsigned i = 0; i < GNTTAB_DOM_MAX; i++)
        if (gnt.dom[i].live && gnt.dom[i].id == vm->cfg.domid && gnt.dom[i].nr_frames <= x.idx)
            gnt.dom[i].nr_frames = (unsigned)x.idx + 1;
    return 0;
}

static long console_io(vm_t *vm, uint64_t cmd, uint64_t count, uint64_t buf)
{
    if (cmd != CONSOLEIO_write)
        return -XEN_ENOSYS;
    if (count > CONSOLE_IO_MAX)
        return -XEN_EINVAL;
    char tmp[64];
    for (uint64_t done = 0; done < count;) {
        size_t n = count - done < sizeof(tmp) ? count - done : sizeof(tmp);
        if (guest_copy(vm->cfg.domid, tmp, buf + done, n, false))
            return -XEN_EFAULT;
        for (size_t i = 0; i < n; i++)
            vm_console_putc(vm, tmp[i]);
        done += n;
    }
    return (long)count;
}

static long sched_op(vm_t *vm, uint64_t cmd, uint64_t arg)
{
    if (cmd == SCHEDOP_yield)
        return 0;
    if (cmd != SCHEDOP_shutdown)
        return -XEN_ENOSYS;
    uint32_t reason;
    if (guest_copy(vm->cfg.domid, &reason, arg, sizeof(reason), false))
        return -XEN_EFAULT;
    if (reason == SHUTDOWN_reboot)
        vm_reset(vm);
    vm_stop(vm, "Xen sched_op shutdown");
    return 0;
}

void xen_hypercall(vcpu_t *v, arch_regs_t *f)
{
    vm_t *vm = v->vm;
    long rc;
    switch (f->x[16]) {
    case __HYPERVISOR_grant_table_op:
        spin_lock(&gnt_lock);
        rc = gnttab_op(&gnt, vm->cfg.domid, (unsigned)f->x[0], f->x[1],
                       f->x[2] > GNTTAB_BATCH_MAX ? GNTTAB_BATCH_MAX + 1 : (unsigned)f->x[2]);
        spin_unlock(&gnt_lock);
        break;
    case __HYPERVISOR_memory_op:
        if (f->x[0] != XENMEM_add_to_physmap) {
            rc = -XEN_ENOSYS;
            break;
        }
        spin_lock(&gnt_lock);
        rc = add_to_physmap(vm, f->x[1]);
        spin_unlock(&gnt_lock);
        break;
    case __HYPERVISOR_xen_version:
        rc = f->x[0] == XENVER_version ? (long)XEN_VERSION_4_17 : -XEN_ENOSYS;
        break;
    case __HYPERVISOR_console_io:
        rc = console_io(vm, f->x[0], f->x[1], f->x[2]);
        break;
    case __HYPERVISOR_sched_op:
        rc = sched_op(vm, f->x[0], f->x[1]);
        break;
    default:
        rc = -XEN_ENOSYS;
        break;
    }
    f->x[0] = (uint64_t)rc;
}

void xen_vm_release(vm_t *vm)
{
    spin_lock(&gnt_lock);
    gnttab_remove_domain(&gnt, vm->cfg.domid);
    spin_unlock(&gnt_lock);
    if (vm->gnt_table) {
        fwmap_unmap_vaddr(vm->gnt_table);
        frame_free(vm->gnt_hpa, GNTTAB_MAX_FRAMES, FRAME_SEPTUM);
        vm->gnt_table = NULL;
    }
}
