/*
 * Unit tests of the Xen guest ABI septum offers unmodified Linux (core/xen/guestmem.c,
 * shinfo.c, physmap.c, hvm.c): hypercall buffers as guest virtual addresses through the
 * calling vCPU's stage 1 (the fake arch's AT), shared_info and vcpu_info registration, the
 * runstate area, holes made by decrease_reservation / remove_from_physmap and filled by
 * populate_physmap, and HVM parameters. Guest RAM is host memory here: the region table's host
 * addresses are this process's pointers, and the firmware maps (fake_xen_mem.h) hand them out as
 * they are (after the same checks gasp_map makes), counting what is live so a leak shows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <fake_arch.h>
#include <fake_log.h>
#define FAKE_CHECK(cond) assert_true(cond)
#include <fake_xen_mem.h> /* the firmware maps, over host pointers */
#include <septum/xen.h>
#include <stdlib.h>
#include <string.h>
#include <test_vm.h>
#include <xen/domain.h>
#include <xen/guestmem.h>
#include <xen/hvm.h>
#include <xen/physmap.h>
#include <xen/shinfo.h>

#define PG     4096UL
#define RAM    0x40000000ULL
#define PAGES  64
#define GFN(n) (RAM / PG + (n))
#define VA     0xffff800000100000ULL /* where the guest's kernel sees its RAM page 0 */

static vm_t vm_a, vm_b;
static uint8_t *ram_a, *ram_b; /* host memory behind each VM's RAM */

/* ---- the event channels, as far as these files tell them of pages ---- */

static void *told_shinfo[VM_MAX], *told_vinfo[VM_MAX][VM_VCPU_MAX];
void *xen_evtchn_set_shared_info(vm_t *vm, void *p)
{
    void *was = told_shinfo[vm->id];
    told_shinfo[vm->id] = p;
    return was;
}
void *xen_evtchn_set_vcpu_info(vm_t *vm, unsigned vcpu, void *p)
{
    void *was = told_vinfo[vm->id][vcpu];
    told_vinfo[vm->id][vcpu] = p;
    return was;
}

/* ---- set up ---- */

static uint8_t *new_ram(void)
{
    uint8_t *p = aligned_alloc(PG, PAGES * PG);
    memset(p, 0, PAGES * PG);
    return p;
}

static int setup(void **state)
{
    (void)state;
    fake_arch_reset();
    fake_log_reset();
    test_vm_init(&vm_a, 0, "alpha", 2);
    test_vm_init(&vm_b, 1, "beta", 1);
    ram_a = new_ram();
    ram_b = new_ram();
    assert_int_equal(test_vm_region(&vm_a, RAM, PAGES * PG, (uintptr_t)ram_a, REGION_RAM,
                                    REGION_R | REGION_W | REGION_X),
                     0);
    assert_int_equal(test_vm_region(&vm_b, RAM, PAGES * PG, (uintptr_t)ram_b, REGION_RAM,
                                    REGION_R | REGION_W | REGION_X),
                     0);
    /* alpha's kernel maps its RAM at VA; page 5 read-only, page 7 not at all */
    for (unsigned i = 0; i < 12; i++)
        if (i == 5)
            fake_arch_map_va_ro(VA + i * PG, RAM + i * PG);
        else if (i != 7)
            fake_arch_map_va(VA + i * PG, RAM + i * PG);
    xen_hvm_params_reset(&vm_a);
    xen_hvm_params_reset(&vm_b);
    test_vm_run(&vm_a, 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    xen_shinfo_reset(&vm_a);
    xen_shinfo_reset(&vm_b);
    xen_holes_forget(&vm_a);
    xen_holes_forget(&vm_b);
    assert_int_equal(fake_xen_mem_live, 0); /* every map septum made is gone */
    free(ram_a);
    free(ram_b);
    memset(told_shinfo, 0, sizeof(told_shinfo));
    memset(told_vinfo, 0, sizeof(told_vinfo));
    return 0;
}

static vcpu_t *va0(void) { return &vm_a.vcpu[0]; }

/* ---- guest virtual buffers ---- */

static void test_va_copy(void **state)
{
    (void)state;
    char buf[64];
    /* a range across pages 2 and 3, which the guest maps where they are */
    memcpy(ram_a + 3 * PG - 5, "acrosspages", 12);
    assert_int_equal(xen_guest_copy(va0(), buf, VA + 3 * PG - 5, 12, false), 0);
    assert_string_equal(buf, "acrosspages");
    assert_int_equal(fake_xen_mem_live, 0);
    /* a translation per page: two pages, two ATs */
    unsigned at = fake_arch.at_calls;
    assert_int_equal(xen_guest_copy(va0(), buf, VA + 3 * PG - 5, 12, true), 0);
    assert_int_equal(fake_arch.at_calls - at, 2);
    /* untranslatable (page 7), or a range that runs into it */
    assert_int_equal(xen_guest_copy(va0(), buf, VA + 7 * PG, 4, false), -XEN_EFAULT);
    assert_int_equal(xen_guest_copy(va0(), buf, VA + 7 * PG - 2, 4, false), -XEN_EFAULT);
    /* a write through a read-only stage-1 mapping is refused; reading it is fine */
    assert_int_equal(xen_guest_copy(va0(), buf, VA + 5 * PG, 4, true), -XEN_EFAULT);
    assert_int_equal(xen_guest_copy(va0(), buf, VA + 5 * PG, 4, false), 0);
    /* zero length, a wrapping range */
    assert_int_equal(xen_guest_copy(va0(), buf, VA, 0, false), -XEN_EFAULT);
    assert_int_equal(xen_guest_copy(va0(), buf, ~0ULL - 2, 8, false), -XEN_EFAULT);
    /* only the vCPU running on this CPU: its stage 1 is the one loaded */
    assert_int_equal(xen_guest_copy(&vm_a.vcpu[1], buf, VA, 4, false), -XEN_EFAULT);
    assert_int_equal(xen_guest_copy(&vm_b.vcpu[0], buf, VA, 4, false), -XEN_EFAULT);
    assert_int_equal(fake_xen_mem_live, 0);
}

static void test_va_rights_and_mmu_off(void **state)
{
    (void)state;
    char buf[8] = "x";
    /* stage 1 maps it, but the VM may not write there (a read-only region) */
    region_req_t q = {REGION_MODIFY, {RAM + 9 * PG, PG, REGION_NO_HOST, REGION_RAM, REGION_R}};
    unsigned failed;
    assert_int_equal(region_set_soft(&vm_a.regions, 1, &q, &failed), 0);
    assert_int_equal(xen_guest_copy(va0(), buf, VA + 9 * PG, 1, true), -XEN_EFAULT);
    assert_int_equal(xen_guest_copy(va0(), buf, VA + 9 * PG, 1, false), 0);
    /* stage 1 maps it to memory that is not the VM's RAM */
    fake_arch_map_va(VA + 20 * PG, 0x8000000);
    assert_int_equal(xen_guest_copy(va0(), buf, VA + 20 * PG, 1, false), -XEN_EFAULT);
    /* an SDK guest with its MMU off: addresses are IPAs */
    fake_arch.s1_off = true;
    memcpy(ram_a + 4 * PG, "ipa", 4);
    assert_int_equal(xen_guest_copy(va0(), buf, RAM + 4 * PG, 4, false), 0);
    assert_string_equal(buf, "ipa");
    assert_int_equal(xen_guest_copy(va0(), buf, 0x1000, 4, false), -XEN_EFAULT);
    /* one page at a time for a map: an operation array's first page */
    xen_gmap_t m;
    assert_int_equal(xen_guest_map(va0(), RAM + 4 * PG + 4000, 200, true, &m), 0);
    assert_int_equal(m.len, 96);
    assert_ptr_equal(m.ptr, ram_a + 4 * PG + 4000);
    xen_guest_unmap(&m);
    assert_int_equal(fake_xen_mem_live, 0);
}

/* ---- shared_info, vcpu_info, runstate ---- */

static void test_shared_info(void **state)
{
    (void)state;
    memset(ram_a + 6 * PG, 0xaa, PG);
    assert_int_equal(xen_map_shared_info(&vm_a, 1, GFN(6)), -XEN_EINVAL);     /* idx 0 only */
    assert_int_equal(xen_map_shared_info(&vm_a, 0, GFN(PAGES)), -XEN_EINVAL); /* not its RAM */
    assert_int_equal(xen_map_shared_info(&vm_a, 0, 0x8000), -XEN_EINVAL);
    assert_null(xen_shared_info(&vm_a));
    assert_int_equal(xen_map_shared_info(&vm_a, 0, GFN(6)), 0);
    struct shared_info *s = xen_shared_info(&vm_a);
    assert_ptr_equal(s, ram_a + 6 * PG); /* the guest's own page */
    assert_ptr_equal(told_shinfo[0], s);
    assert_int_equal(s->evtchn_mask[0], 0); /* fresh */
    assert_int_equal(ram_a[6 * PG + PG - 1], 0);
    assert_ptr_equal(xen_vcpu_info(&vm_a.vcpu[0]), &s->vcpu_info[0]);
    assert_null(xen_vcpu_info(&vm_a.vcpu[1])); /* one legacy slot on Arm */
    assert_int_equal(xen_map_shared_info(&vm_a, 0, GFN(8)), -XEN_EBUSY);
    assert_true(xen_shinfo_uses(&vm_a, GFN(6)));
    assert_false(xen_shinfo_uses(&vm_b, GFN(6)));
    /* a read-only page of its own will not do */
    region_req_t q = {REGION_MODIFY, {RAM + 9 * PG, PG, REGION_NO_HOST, REGION_RAM, REGION_R}};
    unsigned failed;
    assert_int_equal(region_set_soft(&vm_b.regions, 1, &q, &failed), 0);
    assert_int_equal(xen_map_shared_info(&vm_b, 0, GFN(9)), -XEN_EINVAL);
    xen_shinfo_reset(&vm_a);
    assert_null(xen_shared_info(&vm_a));
    assert_null(told_shinfo[0]);
    assert_int_equal(fake_xen_mem_live, 0);
}

static void test_vcpu_info(void **state)
{
    (void)state;
    struct vcpu_register_vcpu_info r = {GFN(10), 128, 0};
    memcpy(ram_a + 2 * PG, &r, sizeof(r));
    uint64_t arg = VA + 2 * PG;
    assert_int_equal(xen_vcpu_op(va0(), VCPUOP_register_vcpu_info, 2, arg), -XEN_ENOENT);
    assert_int_equal(xen_vcpu_op(va0(), 99, 0, arg), -XEN_EINVAL);
    assert_int_equal(xen_vcpu_op(va0(), VCPUOP_register_vcpu_info, 0, VA + 7 * PG), -XEN_EFAULT);
    assert_int_equal(xen_vcpu_op(va0(), VCPUOP_register_vcpu_info, 0, arg), 0);
    struct vcpu_info *vi = xen_vcpu_info(&vm_a.vcpu[0]);
    assert_ptr_equal(vi, ram_a + 10 * PG + 128);
    assert_ptr_equal(told_vinfo[0][0], vi);
    assert_int_equal(vi->evtchn_upcall_pending, 1); /* the guest scans its ports once */
    assert_int_equal(vi->evtchn_pending_sel, ~0ULL);
    /* twice */
    assert_int_equal(xen_vcpu_op(va0(), VCPUOP_register_vcpu_info, 0, arg), -XEN_EINVAL);
    /* for vCPU 1, which is off: allowed; while it runs: not */
    vm_a.vcpu[1].state = VCPU_RUNNING;
    assert_int_equal(xen_vcpu_op(va0(), VCPUOP_register_vcpu_info, 1, arg), -XEN_EINVAL);
    vm_a.vcpu[1].state = VCPU_OFF;
    r = (struct vcpu_register_vcpu_info){GFN(10), PG - 40, 0}; /* crosses the page's end */
    memcpy(ram_a + 2 * PG, &r, sizeof(r));
    assert_int_equal(xen_vcpu_op(va0(), VCPUOP_register_vcpu_info, 1, arg), -XEN_EINVAL);
    r = (struct vcpu_register_vcpu_info){GFN(10), 4, 0}; /* misaligned */
    memcpy(ram_a + 2 * PG, &r, sizeof(r));
    assert_int_equal(xen_vcpu_op(va0(), VCPUOP_register_vcpu_info, 1, arg), -XEN_EINVAL);
    r = (struct vcpu_register_vcpu_info){GFN(PAGES + 3), 0, 0}; /* not its frame */
    memcpy(ram_a + 2 * PG, &r, sizeof(r));
    assert_int_equal(xen_vcpu_op(va0(), VCPUOP_register_vcpu_info, 1, arg), -XEN_EINVAL);
    r = (struct vcpu_register_vcpu_info){GFN(11), 192, 0};
    memcpy(ram_a + 2 * PG, &r, sizeof(r));
    assert_int_equal(xen_vcpu_op(va0(), VCPUOP_register_vcpu_info, 1, arg), 0);
    assert_ptr_equal(xen_vcpu_info(&vm_a.vcpu[1]), ram_a + 11 * PG + 192);
    /* the runstate area: accepted per vCPU, the address read through stage 1 */
    uint64_t area = VA + 3 * PG;
    memcpy(ram_a + 2 * PG, &area, 8);
    assert_int_equal(xen_vcpu_op(va0(), VCPUOP_register_runstate_memory_area, 1, arg), 0);
    assert_int_equal(xen_vcpu_op(va0(), VCPUOP_register_runstate_memory_area, 4, arg), -XEN_ENOENT);
    assert_int_equal(xen_vcpu_op(va0(), VCPUOP_register_runstate_memory_area, 0, VA + 7 * PG),
                     -XEN_EFAULT);
    assert_int_equal(fake_xen_mem_live, 2);
    xen_shinfo_reset(&vm_a); /* a reset: both unmapped, both may be registered again */
    assert_int_equal(fake_xen_mem_live, 0);
    assert_null(xen_vcpu_info(&vm_a.vcpu[1]));
    memcpy(ram_a + 2 * PG, &r, sizeof(r));
    assert_int_equal(xen_vcpu_op(va0(), VCPUOP_register_vcpu_info, 1, arg), 0);
}

/* vCPU 0's vcpu_info named inside its own slot of shared_info, 8 bytes on: what the slot held
 * moves over though the two overlap. (Found by fuzz_xenmem: the copy was a memcpy.) */
static void test_vcpu_info_over_its_slot(void **state)
{
    (void)state;
    assert_int_equal(xen_map_shared_info(&vm_a, 0, GFN(6)), 0);
    struct vcpu_info *slot = xen_vcpu_info(&vm_a.vcpu[0]);
    assert_ptr_equal(slot, ram_a + 6 * PG);
    slot->evtchn_upcall_mask = 1;
    slot->time = (struct vcpu_time_info){7, 0, 0x1111, 0x2222, 0x3333, 5, 0, {0}};
    struct vcpu_time_info t = slot->time;
    struct vcpu_register_vcpu_info r = {GFN(6), 8, 0};
    memcpy(ram_a + 2 * PG, &r, sizeof(r));
    assert_int_equal(xen_vcpu_op(va0(), VCPUOP_register_vcpu_info, 0, VA + 2 * PG), 0);
    struct vcpu_info *vi = xen_vcpu_info(&vm_a.vcpu[0]);
    assert_ptr_equal(vi, ram_a + 6 * PG + 8);
    assert_int_equal(vi->evtchn_upcall_mask, 1);
    assert_memory_equal(&vi->time, &t, sizeof(t));
    assert_int_equal(vi->evtchn_upcall_pending, 1);
    assert_int_equal(vi->evtchn_pending_sel, ~0ULL);
}

/* ---- holes ---- */

static long reservation(unsigned op, const uint64_t *gfns, unsigned n, domid_t dom)
{
    /* the extent list on page 3, the structure on page 2, both through stage 1 */
    memcpy(ram_a + 3 * PG, gfns, n * 8);
    struct xen_memory_reservation r = {VA + 3 * PG, n, 0, 0, dom};
    memcpy(ram_a + 2 * PG, &r, sizeof(r));
    return xen_reservation_op(va0(), op, VA + 2 * PG);
}

static void test_holes(void **state)
{
    (void)state;
    uint64_t g[3] = {GFN(20), GFN(22), GFN(21)};
    ram_a[20 * PG] = 7;
    assert_int_equal(reservation(XENMEM_decrease_reservation, g, 3, DOMID_SELF), 3);
    assert_int_equal(xen_holes(&vm_a), 3);
    region_t r;
    assert_int_equal(region_info(&vm_a.regions, RAM + 21 * PG, &r), REGION_ENOENT);
    /* a hole is no RAM any more: not again, and not as a shared_info */
    assert_int_equal(reservation(XENMEM_decrease_reservation, g, 1, DOMID_SELF), 0);
    assert_int_equal(xen_map_shared_info(&vm_a, 0, GFN(20)), -XEN_EINVAL);
    /* another domain's reservation: refused */
    assert_int_equal(reservation(XENMEM_decrease_reservation, g, 1, 2), -XEN_EPERM);
    /* a page septum writes (its shared_info) stays */
    assert_int_equal(xen_map_shared_info(&vm_a, 0, GFN(30)), 0);
    uint64_t s[2] = {GFN(23), GFN(30)};
    assert_int_equal(reservation(XENMEM_decrease_reservation, s, 2, DOMID_SELF), 1);
    assert_int_equal(xen_holes(&vm_a), 4);
    /* a frame that is not the caller's: beyond its RAM, a device, nothing */
    uint64_t o[1] = {GFN(PAGES + 1)};
    assert_int_equal(reservation(XENMEM_decrease_reservation, o, 1, DOMID_SELF), 0);
    /* populate: only its own holes, each with the frame it had, zeroed */
    uint64_t p[3] = {GFN(20), GFN(40), GFN(22)};
    assert_int_equal(reservation(XENMEM_populate_physmap, p, 3, DOMID_SELF), 1);
    assert_int_equal(region_info(&vm_a.regions, RAM + 20 * PG, &r), REGION_OK);
    assert_int_equal(r.hpa + (RAM + 20 * PG - r.gpa), (uintptr_t)ram_a + 20 * PG);
    assert_int_equal(ram_a[20 * PG], 0);
    assert_int_equal(xen_holes(&vm_a), 3);
    /* the continuation encoding: start at extent 1 */
    uint64_t q[2] = {GFN(40), GFN(22)};
    assert_int_equal(reservation(XENMEM_populate_physmap | (1U << MEMOP_EXTENT_SHIFT), q, 2,
                                 DOMID_SELF),
                     2);
    assert_int_equal(xen_holes(&vm_a), 2);
    /* an order above 0: none done */
    memcpy(ram_a + 3 * PG, g, 8);
    struct xen_memory_reservation big = {VA + 3 * PG, 1, 9, 0, DOMID_SELF};
    memcpy(ram_a + 2 * PG, &big, sizeof(big));
    assert_int_equal(xen_reservation_op(va0(), XENMEM_decrease_reservation, VA + 2 * PG), 0);
    /* an extent list that does not translate: stops there */
    struct xen_memory_reservation bad = {VA + 7 * PG, 1, 0, 0, DOMID_SELF};
    memcpy(ram_a + 2 * PG, &bad, sizeof(bad));
    assert_int_equal(xen_reservation_op(va0(), XENMEM_decrease_reservation, VA + 2 * PG), 0);
    assert_int_equal(xen_reservation_op(va0(), XENMEM_decrease_reservation, VA + 7 * PG),
                     -XEN_EFAULT);
    /* a reset fills every hole with its own frame again */
    assert_int_equal(xen_holes_refill(&vm_a), 0);
    assert_int_equal(xen_holes(&vm_a), 0);
    assert_int_equal(vm_a.regions.num, 1); /* one RAM region again, merged */
    xen_shinfo_reset(&vm_a);
}

static void test_hole_budget_and_remove(void **state)
{
    (void)state;
    uint64_t g[XEN_HOLES_MAX + 4];
    for (unsigned i = 0; i < XEN_HOLES_MAX + 4; i++)
        g[i] = GFN(12 + 2 * i); /* isolated pages: each splits the RAM region */
    assert_int_equal(reservation(XENMEM_decrease_reservation, g, XEN_HOLES_MAX + 4, DOMID_SELF),
                     XEN_HOLES_MAX);
    assert_int_equal(xen_holes(&vm_a), XEN_HOLES_MAX);
    struct xen_remove_from_physmap x = {DOMID_SELF, GFN(60)};
    memcpy(ram_a + 2 * PG, &x, sizeof(x));
    assert_int_equal(xen_remove_from_physmap(va0(), VA + 2 * PG), -XEN_ENOMEM);
    assert_int_equal(xen_holes_refill(&vm_a), 0);
    assert_int_equal(xen_remove_from_physmap(va0(), VA + 2 * PG), 0);
    assert_int_equal(xen_holes(&vm_a), 1);
    assert_int_equal(xen_remove_from_physmap(va0(), VA + 2 * PG), -XEN_ENOENT); /* a hole */
    x.domid = 9;
    memcpy(ram_a + 2 * PG, &x, sizeof(x));
    assert_int_equal(xen_remove_from_physmap(va0(), VA + 2 * PG), -XEN_EPERM);
    assert_int_equal(xen_remove_from_physmap(va0(), VA + 7 * PG), -XEN_EFAULT);
    /* something sits in the hole (a grant mapping): the reset cannot fill it */
    assert_int_equal(test_vm_region(&vm_a, RAM + 60 * PG, PG, (uintptr_t)ram_b, REGION_RAM,
                                    REGION_R),
                     0);
    assert_int_equal(xen_holes_refill(&vm_a), -EBUSY);
    xen_holes_forget(&vm_a);
    assert_int_equal(xen_holes(&vm_a), 0);
}

/* A read-only page of its RAM (an execute-in-place window) is not given back: populate would
 * bring it back zeroed, and with the rights of fresh RAM. A page keeps its rights through a
 * hole. (Found by fuzz_xenmem.) */
static void test_hole_keeps_rights(void **state)
{
    (void)state;
    region_req_t q[2] = {{REGION_MODIFY,
                          {RAM + 40 * PG, 2 * PG, REGION_NO_HOST, REGION_RAM, REGION_R | REGION_X}},
                         {REGION_MODIFY,
                          {RAM + 44 * PG, PG, REGION_NO_HOST, REGION_RAM, REGION_R | REGION_W}}};
    unsigned failed;
    assert_int_equal(region_set_soft(&vm_a.regions, 2, q, &failed), 0);
    memset(ram_a + 40 * PG, 0x5a, 2 * PG);
    uint64_t g[2] = {GFN(40), GFN(41)};
    assert_int_equal(reservation(XENMEM_decrease_reservation, g, 2, DOMID_SELF), 0);
    struct xen_remove_from_physmap x = {DOMID_SELF, GFN(41)};
    memcpy(ram_a + 2 * PG, &x, sizeof(x));
    assert_int_equal(xen_remove_from_physmap(va0(), VA + 2 * PG), -XEN_EPERM);
    assert_int_equal(xen_holes(&vm_a), 0);
    /* a writable page without execute: back as it was, by populate and by a reset */
    uint64_t w[1] = {GFN(44)};
    assert_int_equal(reservation(XENMEM_decrease_reservation, w, 1, DOMID_SELF), 1);
    assert_int_equal(reservation(XENMEM_populate_physmap, w, 1, DOMID_SELF), 1);
    region_t r;
    assert_int_equal(region_info(&vm_a.regions, RAM + 44 * PG, &r), REGION_OK);
    assert_int_equal(r.flags, REGION_R | REGION_W);
    assert_int_equal(reservation(XENMEM_decrease_reservation, w, 1, DOMID_SELF), 1);
    assert_int_equal(xen_holes_refill(&vm_a), 0);
    assert_int_equal(region_info(&vm_a.regions, RAM + 44 * PG, &r), REGION_OK);
    assert_int_equal(r.flags, REGION_R | REGION_W);
    for (unsigned i = 0; i < 2 * PG; i++)
        assert_int_equal(ram_a[40 * PG + i], 0x5a);
    assert_int_equal(region_info(&vm_a.regions, RAM + 41 * PG, &r), REGION_OK);
    assert_int_equal(r.flags, REGION_R | REGION_X);
}

/* ---- HVM parameters ---- */

static long get_param(unsigned index, domid_t dom, uint64_t *value)
{
    struct xen_hvm_param p = {dom, index, 0x1234};
    memcpy(ram_a + 2 * PG, &p, sizeof(p));
    long rc = xen_hvm_op(va0(), HVMOP_get_param, VA + 2 * PG);
    memcpy(&p, ram_a + 2 * PG, sizeof(p));
    *value = p.value;
    return rc;
}

static void test_hvm_params(void **state)
{
    (void)state;
    uint64_t v;
    assert_int_equal(get_param(HVM_PARAM_CALLBACK_IRQ, DOMID_SELF, &v), 0);
    assert_int_equal(v, (2ULL << 56) | (2ULL << 8) | 31);
    assert_int_equal(get_param(HVM_PARAM_STORE_PFN, DOMID_SELF, &v), 0);
    assert_int_equal(v, 0); /* no xenstore */
    assert_int_equal(xen_hvm_param_set(&vm_a, HVM_PARAM_CONSOLE_PFN, 0x3000004), 0);
    assert_int_equal(get_param(HVM_PARAM_CONSOLE_PFN, 1, &v), 0); /* its own domid */
    assert_int_equal(v, 0x3000004);
    assert_int_equal(get_param(HVM_NR_PARAMS, DOMID_SELF, &v), -XEN_EINVAL);
    assert_int_equal(get_param(HVM_PARAM_CONSOLE_PFN, 2, &v), -XEN_EPERM); /* another's */
    assert_int_equal(xen_hvm_param_set(&vm_a, HVM_NR_PARAMS, 1), -EINVAL);
    struct xen_hvm_param p = {DOMID_SELF, HVM_PARAM_STORE_PFN, 5};
    memcpy(ram_a + 2 * PG, &p, sizeof(p));
    assert_int_equal(xen_hvm_op(va0(), HVMOP_set_param, VA + 2 * PG), -XEN_EPERM);
    assert_int_equal(xen_hvm_op(va0(), 77, VA + 2 * PG), -XEN_ENOSYS);
    /* the answer goes back through a writable stage-1 mapping only */
    memcpy(ram_a + 5 * PG, &p, sizeof(p));
    assert_int_equal(xen_hvm_op(va0(), HVMOP_get_param, VA + 5 * PG), -XEN_EFAULT);
    xen_hvm_params_reset(&vm_a);
    assert_int_equal(get_param(HVM_PARAM_CONSOLE_PFN, DOMID_SELF, &v), 0);
    assert_int_equal(v, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_va_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_va_rights_and_mmu_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_info, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vcpu_info, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vcpu_info_over_its_slot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_holes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hole_budget_and_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hole_keeps_rights, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hvm_params, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
