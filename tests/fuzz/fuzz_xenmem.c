/*
 * libFuzzer harness for the physmap and shared_info side of the Xen guest ABI (core/xen/
 * guestmem.c, shinfo.c, physmap.c, hvm.c and the domain service of domain.c) on the fake arch:
 * two VMs of two vCPUs, each with RAM_PAGES pages of host memory (the last RO_PAGES read-only to
 * the guest, as an execute-in-place tail is) and a device page. The input is a script of guest
 * actions: XENMEM_add_to_physmap (shared_info, grant-table frames, garbage spaces, indices and
 * frames), remove_from_physmap, decrease_reservation and populate_physmap with hostile extent
 * lists (counts, orders, start extents, lists crossing pages or not translating), vcpu_op's
 * vcpu_info (twice, for another vCPU, bad offsets) and runstate registrations, hvm_op, the guest
 * scribbling on its memory through its stage 1 and changing that stage 1 (the fake AT), vCPUs
 * going on and off; and septum's: HVM parameters set, a VM reset, stopped and created again.
 *
 * After every step: each page of a VM's RAM is either mapped where it was, to its own frame,
 * with the rights it had, or a hole (and the holes are counted, within XEN_HOLES_MAX); every
 * other region is the device or a grant-table frame; the firmware maps live are exactly the
 * grant tables and the registered shared_info and vcpu_info pages, which are the VM's own
 * writable RAM; a read-only page never changes, the other VM's memory never changes, and the
 * caller's own changes only where the call may write (its output, a new shared_info or
 * vcpu_info, a hole filled); the HVM parameters read what was set. A reset gives the VM its
 * starting region table back with no hole and no map but its grant table; a stop leaves no map
 * and no frame. Every input ends by stopping both VMs. AddressSanitizer and UBSan watch the
 * rest: each VM's memory is an allocation of its own, so septum reaching past it is a report.
 */
#include <assert.h>
#include <fake_arch.h>
#include <fake_xen_mem.h>
#include <lib/console.h>
#include <septum/xen.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <test_vm.h>
#include <xen/domain.h>
#include <xen/guestmem.h>
#include <xen/hvm.h>
#include <xen/physmap.h>
#include <xen/shinfo.h>

#define PG        4096UL
#define RAM       0x40000000ULL
#define RAM_PAGES 24
#define RO_PAGES  4 /* the last pages of RAM: read-only to the guest */
#define DEV       0x09000000ULL
#define VA        0xffff800000100000ULL /* the guest's stage 1 maps S1_PAGES pages from here */
#define S1_PAGES  FAKE_S1_MAX
#define VMS       2
#define VCPUS     2
#define GFN(n)    (RAM / PG + (n))
#define GFN_LIMIT (1ULL << 36)

/* ---- the machine ---- */

vm_t vms[VM_MAX];
unsigned vm_num;
extern const vm_service_t xen_service; /* core/xen/domain.c, named by core/vm.c's list */

typedef struct fvm {
    bool live;
    uint8_t *ram;                  /* host memory behind its RAM */
    uint8_t before[RAM_PAGES][PG]; /* its RAM before septum's call */
    region_t start[REGION_MAX];    /* its region table after creation */
    unsigned start_num;
    struct {
        bool on, ro;
        uint64_t ipa;
    } s1[S1_PAGES]; /* its guest's stage 1 */
    bool s1_off;
    uint64_t param[HVM_NR_PARAMS];               /* what get_param must answer */
    void *told_shinfo, *told_vinfo[VM_VCPU_MAX]; /* what the event engine was told */
} fvm_t;
static fvm_t fvm[VMS];

/* septum's own frames (grant tables) from the frame allocator */
static struct {
    void *p;
    uint64_t npages;
} frames[8];
static unsigned frames_live;

int frame_alloc(uint64_t npages, uint64_t align_pages, uint16_t owner, paddr_t *pa)
{
    (void)align_pages, (void)owner;
    for (unsigned i = 0; i < 8; i++)
        if (!frames[i].p) {
            frames[i].p = aligned_alloc(PG, npages * PG);
            frames[i].npages = npages;
            *pa = (uintptr_t)frames[i].p;
            frames_live++;
            return 0;
        }
    return -1;
}

int frame_free(paddr_t base, uint64_t npages, uint16_t owner)
{
    (void)owner;
    for (unsigned i = 0; i < 8; i++)
        if (frames[i].p && (uintptr_t)frames[i].p == base) {
            assert(frames[i].npages == npages);
            free(frames[i].p);
            frames[i].p = NULL;
            frames_live--;
            return 0;
        }
    assert(!"freeing frames never allocated");
    return -1;
}

static bool in_frames(uint64_t hpa, uint64_t len)
{
    for (unsigned i = 0; i < 8; i++) {
        uint64_t b = (uintptr_t)frames[i].p;
        if (frames[i].p && hpa >= b && len <= frames[i].npages * PG &&
            hpa - b <= frames[i].npages * PG - len)
            return true;
    }
    return false;
}

/* What septum may map by frame number: a live VM's RAM or its own frames. */
static bool hpa_ok(uint64_t hpa, uint64_t len)
{
    for (unsigned i = 0; i < VMS; i++) {
        uint64_t b = (uintptr_t)fvm[i].ram;
        if (fvm[i].live && hpa >= b && len <= RAM_PAGES * PG && hpa - b <= RAM_PAGES * PG - len)
            return true;
    }
    return in_frames(hpa, len);
}

/* The event engine, as far as these files tell it of pages (fuzz_evtchn covers the engine). */
void *xen_evtchn_set_shared_info(vm_t *vm, void *p)
{
    void *was = fvm[vm->id].told_shinfo;
    fvm[vm->id].told_shinfo = p;
    return was;
}
void *xen_evtchn_set_vcpu_info(vm_t *vm, unsigned vcpu, void *p)
{
    assert(vcpu < vm->cfg.vcpu_num);
    void *was = fvm[vm->id].told_vinfo[vcpu];
    fvm[vm->id].told_vinfo[vcpu] = p;
    return was;
}
int xen_events_create(vm_t *vm) { return vm ? 0 : -1; }
void xen_events_stopped(vm_t *vm) { (void)vm; }
void xen_events_restart(vm_t *vm) { (void)vm; }
void xen_events_release(vm_t *vm) { (void)vm; }

/* septum's log: a guest's doing is logged naming its VM; nothing here is an error of septum's */
void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
    (void)fmt, (void)ap;
    assert(level != LOG_ERROR);
}
void log_msg(enum log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, fmt, ap);
    va_end(ap);
}
void log_guest(unsigned source, const char *name, enum log_level level, const char *fmt, ...)
{
    (void)fmt;
    assert(source < VMS && strcmp(name, vms[source].cfg.name) == 0 && level != LOG_ERROR);
}

/* ---- the guest's view ---- */

static unsigned initial_flags(unsigned page)
{
    return page >= RAM_PAGES - RO_PAGES ? REGION_R | REGION_X : REGION_R | REGION_W | REGION_X;
}

/* Load vm's stage 1 into the fake AT and run on its vCPU n. */
static vcpu_t *run_on(unsigned id, unsigned n)
{
    fvm_t *f = &fvm[id];
    fake_arch.s1_num = 0;
    for (unsigned k = 0; k < S1_PAGES; k++)
        if (f->s1[k].on)
            fake_arch.s1[fake_arch.s1_num++] = (typeof(fake_arch.s1[0])){VA + k * PG, f->s1[k].ipa,
                                                                         f->s1[k].ro};
    fake_arch.s1_off = f->s1_off;
    vcpu_t *v = test_vm_run(&vms[id], n);
    v->state = VCPU_RUNNING; /* it makes the call */
    return v;
}

/* The guest's own load or store of one byte at va: its stage 1, then its stage 2. */
static uint8_t *guest_byte(unsigned id, uint64_t va, bool write)
{
    const fvm_t *f = &fvm[id];
    uint64_t ipa = va;
    if (!f->s1_off) {
        if (va < VA || va - VA >= S1_PAGES * PG)
            return NULL;
        unsigned k = (unsigned)((va - VA) / PG);
        if (!f->s1[k].on || (write && f->s1[k].ro))
            return NULL;
        ipa = f->s1[k].ipa + (va & (PG - 1));
    }
    region_t r;
    if (region_info(&vms[id].regions, ipa, &r) != REGION_OK || r.type != REGION_RAM ||
        !(r.flags & (write ? REGION_W : REGION_R)))
        return NULL;
    return (uint8_t *)(uintptr_t)(r.hpa + (ipa - r.gpa));
}

/* The guest's stores of len bytes at va: those its stages let it write. Whether all were, that
 * is, whether a call reading va then reads src (a post-condition on what the guest asked holds
 * only then: otherwise the call reads what was there before). */
static bool guest_write(unsigned id, uint64_t va, const void *src, size_t len)
{
    bool all = true;
    for (size_t i = 0; i < len; i++) {
        uint8_t *p = guest_byte(id, va + i, true);
        if (p)
            *p = ((const uint8_t *)src)[i];
        else
            all = false;
    }
    return all;
}

static bool guest_read(unsigned id, uint64_t va, void *dst, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        const uint8_t *p = guest_byte(id, va + i, false);
        if (!p)
            return false;
        ((uint8_t *)dst)[i] = *p;
    }
    return true;
}

/* ---- the input ---- */

static const uint8_t *in;
static size_t in_len;
static uint8_t byte(void)
{
    if (!in_len)
        return 0;
    in_len--;
    return *in++;
}
static uint16_t u16(void) { return (uint16_t)(byte() | byte() << 8); }

/* A guest virtual address: mostly in its stage-1 window, anywhere in a page (so structures
 * cross pages), sometimes none at all. */
static uint64_t pick_va(void)
{
    uint8_t b = byte();
    uint16_t off = u16() & (PG - 1);
    switch (b >> 5) {
    case 6: return b & 1 ? ~0ULL - (off & 31) : off;
    case 7: return RAM + (b & 31) * PG + off; /* an IPA: for a guest with its MMU off */
    default: return VA + (b % S1_PAGES) * PG + off;
    }
}

static unsigned cur; /* the VM whose guest acts */

/* A guest frame number: its RAM and just past it mostly, then its shared_info's (a vcpu_info
 * may go there too), then the odd ones. */
static uint64_t pick_gfn(void)
{
    static const uint64_t odd[] = {
        0,     DEV / PG,   GFN(0) - 1,        GFN_LIMIT - 1,    GFN_LIMIT,
        ~0ULL, 1ULL << 52, (1ULL << 40) / PG, VM_ANON_BASE / PG};
    uint8_t b = byte();
    if (b >= 0xd8 && b < 0xe0 && fvm[cur].told_shinfo)
        return GFN(((uintptr_t)fvm[cur].told_shinfo - (uintptr_t)fvm[cur].ram) / PG);
    return b < 0xe0 ? GFN(b % (RAM_PAGES + 6)) : odd[b % (sizeof(odd) / sizeof(odd[0]))];
}

static domid_t pick_dom(unsigned id)
{
    switch (byte() & 7) {
    case 0: return vms[id].cfg.domid;
    case 1: return vms[!id].cfg.domid;
    case 2: return 0;
    case 3: return 0x7fff;
    default: return DOMID_SELF;
    }
}

static uint64_t pick_count(uint64_t n)
{
    uint8_t b = byte();
    switch (b & 7) {
    case 0: return b >> 3;
    case 1: return n + (b >> 3);
    case 2: return ~0ULL - (b >> 3);
    case 3: return 1ULL << (b >> 3);
    default: return n;
    }
}

/* ---- the checks ---- */

static bool own_ram(unsigned id, unsigned page)
{
    region_t r;
    return region_info(&vms[id].regions, RAM + page * PG, &r) == REGION_OK &&
           r.type == REGION_RAM && !r.owner;
}

/* A page septum writes for the event engine: its own writable RAM, mapped. */
static void check_told(unsigned id, const void *p, size_t len)
{
    uint64_t off = (uintptr_t)p - (uintptr_t)fvm[id].ram;
    assert(off < RAM_PAGES * PG && (off % PG) + len <= PG && off % 8 == 0);
    unsigned page = (unsigned)(off / PG);
    region_t r;
    assert(region_info(&vms[id].regions, RAM + page * PG, &r) == REGION_OK &&
           r.type == REGION_RAM && !r.owner && (r.flags & REGION_W));
    bool mapped = false;
    for (unsigned i = 0; i < FAKE_XEN_MAPS; i++)
        if (fake_xen_map[i].va == (void *)((uintptr_t)p & ~(PG - 1)) && fake_xen_map[i].write)
            mapped = true;
    assert(mapped);
}

static uint8_t ro_content[RO_PAGES * PG]; /* what the read-only pages hold */

static void fill_ram(uint8_t *ram)
{
    for (unsigned p = 0; p < RAM_PAGES; p++)
        memset(ram + p * PG, 0xa5 ^ p, PG);
}

static void check_vm(unsigned id)
{
    const fvm_t *f = &fvm[id];
    vm_t *vm = &vms[id];
    /* read-only to the guest: never written */
    assert(memcmp(f->ram + (RAM_PAGES - RO_PAGES) * PG, ro_content, sizeof(ro_content)) == 0);
    if (!f->live)
        return;
    /* frame accounting: each page where it was, to its own frame, or a hole */
    unsigned missing = 0;
    for (unsigned p = 0; p < RAM_PAGES; p++) {
        region_t r;
        if (own_ram(id, p)) {
            assert(region_info(&vm->regions, RAM + p * PG, &r) == REGION_OK);
            assert(r.hpa + (RAM + p * PG - r.gpa) == (uintptr_t)f->ram + p * PG);
            assert(r.flags == initial_flags(p));
        } else {
            missing++;
        }
    }
    assert(missing == xen_holes(vm) && missing <= XEN_HOLES_MAX);
    for (unsigned i = 0; i < vm->regions.num; i++) {
        const region_t *r = &vm->regions.r[i];
        if (r->owner) /* a grant-table frame: one page of septum's */
            assert(r->type == REGION_RAM && r->len == PG && in_frames(r->hpa, PG));
        else if (r->type == REGION_DEVICE)
            assert(r->gpa == DEV && r->len == PG && r->hpa == DEV);
        else
            assert(r->type == REGION_RAM && r->gpa >= RAM &&
                   r->gpa + r->len <= RAM + RAM_PAGES * PG);
    }
    /* what the event engine writes is mapped and the VM's own writable RAM */
    assert(f->told_shinfo == xen_shared_info(vm));
    if (f->told_shinfo)
        check_told(id, f->told_shinfo, PG);
    for (unsigned v = 0; v < VM_VCPU_MAX; v++)
        if (f->told_vinfo[v])
            check_told(id, f->told_vinfo[v], sizeof(struct vcpu_info));
}

/* Firmware maps live: each live VM's grant table, shared_info and vcpu_info pages. */
static void check_maps(void)
{
    unsigned want = 0;
    for (unsigned id = 0; id < VMS; id++) {
        if (!fvm[id].live)
            continue;
        want += 1 + (fvm[id].told_shinfo != NULL);
        for (unsigned v = 0; v < VM_VCPU_MAX; v++)
            want += fvm[id].told_vinfo[v] != NULL;
    }
    assert(fake_xen_mem_live == want);
    assert(frames_live == (unsigned)fvm[0].live + fvm[1].live);
}

static void check_all(void)
{
    for (unsigned id = 0; id < VMS; id++)
        check_vm(id);
    check_maps();
}

/* Around a call from VM id: which of its pages septum may write in it (others: none). */
static bool may_write[RAM_PAGES];
static void *shinfo_was, *vinfo_was[VM_VCPU_MAX];

static void before_call(unsigned id)
{
    memset(may_write, 0, sizeof(may_write));
    for (unsigned i = 0; i < VMS; i++)
        memcpy(fvm[i].before, fvm[i].ram, RAM_PAGES * PG);
    for (unsigned p = 0; p < RAM_PAGES; p++)
        may_write[p] = !own_ram(id, p); /* a hole filled is zeroed */
    shinfo_was = fvm[id].told_shinfo;
    memcpy(vinfo_was, fvm[id].told_vinfo, sizeof(vinfo_was));
}

static void allow_page_of(unsigned id, const void *p)
{
    uint64_t off = (uintptr_t)p - (uintptr_t)fvm[id].ram;
    if (off < RAM_PAGES * PG)
        may_write[off / PG] = true;
}

/* The guest's buffer at va, len bytes: septum may write the pages it translates to. */
static void allow_va(unsigned id, uint64_t va, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        const uint8_t *p = guest_byte(id, va + i, true);
        if (p)
            allow_page_of(id, p);
    }
}

static void after_call(unsigned id)
{
    if (fvm[id].told_shinfo && fvm[id].told_shinfo != shinfo_was)
        allow_page_of(id, fvm[id].told_shinfo);
    for (unsigned v = 0; v < VM_VCPU_MAX; v++)
        if (fvm[id].told_vinfo[v] && fvm[id].told_vinfo[v] != vinfo_was[v])
            allow_page_of(id, fvm[id].told_vinfo[v]);
    for (unsigned i = 0; i < VMS; i++)
        for (unsigned p = 0; p < RAM_PAGES; p++)
            if (i != id || !may_write[p])
                assert(memcmp(fvm[i].before[p], fvm[i].ram + p * PG, PG) == 0);
    check_all();
}

/* ---- VM life ---- */

static void params_reset(unsigned id)
{
    memset(fvm[id].param, 0, sizeof(fvm[id].param));
    fvm[id].param[HVM_PARAM_CALLBACK_IRQ] = (HVM_PARAM_CALLBACK_TYPE_PPI << 56) |
                                            (HVM_PARAM_CALLBACK_TYPE_PPI_LOW << 8) | XEN_EVTCHN_PPI;
}

static void create(unsigned id)
{
    fvm_t *f = &fvm[id];
    vm_t *vm = &vms[id];
    test_vm_init(vm, id, id ? "beta" : "alpha", VCPUS);
    fill_ram(f->ram);
    assert(test_vm_region(vm, RAM, (RAM_PAGES - RO_PAGES) * PG, (uintptr_t)f->ram, REGION_RAM,
                          initial_flags(0)) == 0);
    assert(test_vm_region(vm, RAM + (RAM_PAGES - RO_PAGES) * PG, RO_PAGES * PG,
                          (uintptr_t)f->ram + (RAM_PAGES - RO_PAGES) * PG, REGION_RAM,
                          initial_flags(RAM_PAGES - 1)) == 0);
    assert(test_vm_region(vm, DEV, PG, DEV, REGION_DEVICE, REGION_R | REGION_W) == 0);
    f->start_num = vm->regions.num;
    memcpy(f->start, vm->regions.r, sizeof(f->start));
    f->live = true;
    assert(xen_service.create(vm) == 0);
    params_reset(id);
}

static void vm_stopped(unsigned id)
{
    vms[id].state = VM_STOPPED;
    for (unsigned v = 0; v < VCPUS; v++)
        vms[id].vcpu[v].state = VCPU_OFF;
    xen_service.stopped(&vms[id]);
}

/* Stop: its memory goes (every region deleted), then the service lets go of the rest. */
static void stop(unsigned id)
{
    vm_t *vm = &vms[id];
    vm_stopped(id);
    while (vm->regions.num) {
        region_req_t q = {REGION_DELETE,
                          {vm->regions.r[0].gpa, vm->regions.r[0].len, REGION_NO_HOST, REGION_RAM,
                           0}};
        unsigned failed;
        assert(region_set_soft(&vm->regions, 1, &q, &failed) == REGION_OK);
    }
    xen_service.release(vm);
    fvm[id].live = false;
    assert(!fvm[id].told_shinfo);
    for (unsigned v = 0; v < VM_VCPU_MAX; v++)
        assert(!fvm[id].told_vinfo[v]);
    assert(xen_holes(vm) == 0);
}

static void reset(unsigned id)
{
    vm_t *vm = &vms[id];
    vm_stopped(id);
    assert(xen_service.restart(vm) == 0);
    vm->state = VM_RUNNING;
    vm->vcpu[0].state = VCPU_RUNNING;
    params_reset(id);
    /* as it started: its regions, no hole, nothing registered */
    assert(vm->regions.num == fvm[id].start_num);
    assert(memcmp(vm->regions.r, fvm[id].start, vm->regions.num * sizeof(region_t)) == 0);
    assert(xen_holes(vm) == 0 && !xen_shared_info(vm) && !fvm[id].told_shinfo);
    for (unsigned v = 0; v < VCPUS; v++)
        assert(!fvm[id].told_vinfo[v] && !xen_vcpu_info(&vm->vcpu[v]));
}

/* ---- the guest's calls ---- */

static void call_add_to_physmap(unsigned id, vcpu_t *v)
{
    static const uint32_t spaces[] = {XENMAPSPACE_shared_info, XENMAPSPACE_grant_table, 2,
                                      0xffffffff};
    static const uint64_t idxs[] = {
        0, 1, 2, 3, GNTTAB_MAX_FRAMES, XENMAPIDX_grant_table_status, ~0ULL, 1ULL << 32};
    uint64_t arg = pick_va();
    uint8_t b = byte();
    struct xen_add_to_physmap x = {pick_dom(id), 0, spaces[b & 3], idxs[(b >> 2) & 7], pick_gfn()};
    bool asked = !(b & 0x80) && guest_write(id, arg, &x, sizeof(x));
    unsigned holes = xen_holes(&vms[id]);
    before_call(id);
    long rc = xen_add_to_physmap(v, arg);
    after_call(id);
    assert(xen_holes(&vms[id]) == holes);
    if (rc == 0 && asked && x.space == XENMAPSPACE_shared_info)
        assert(xen_shared_info(&vms[id]));
    if (rc == 0 && asked && x.space == XENMAPSPACE_grant_table) {
        region_t r;
        assert(region_info(&vms[id].regions, x.gpfn * PG, &r) == REGION_OK && r.owner);
    }
}

static void call_remove_from_physmap(unsigned id, vcpu_t *v)
{
    uint64_t arg = pick_va();
    uint8_t b = byte();
    struct xen_remove_from_physmap x = {pick_dom(id), pick_gfn()};
    if (!(b & 0x80))
        guest_write(id, arg, &x, sizeof(x));
    unsigned holes = xen_holes(&vms[id]);
    before_call(id);
    long rc = xen_remove_from_physmap(v, arg);
    after_call(id);
    assert(xen_holes(&vms[id]) == holes + (rc == 0));
}

static void call_reservation(unsigned id, vcpu_t *v, unsigned op)
{
    uint64_t arg = pick_va(), list = pick_va();
    uint8_t b = byte();
    unsigned n = byte() % 24;
    uint64_t gfns[24];
    for (unsigned i = 0; i < n; i++)
        gfns[i] = pick_gfn();
    guest_write(id, list, gfns, n * 8);
    uint64_t start = b & 0x10 ? byte() % 8 : 0;
    uint32_t order = b & 0x20 ? (b & 0x40 ? 9 : 0xffffffff) : 0;
    struct xen_memory_reservation r = {list, pick_count(n), order, 0, pick_dom(id)};
    bool asked = !(b & 0x80) && guest_write(id, arg, &r, sizeof(r));
    unsigned holes = xen_holes(&vms[id]);
    before_call(id);
    long rc = xen_reservation_op(v, op | start << MEMOP_EXTENT_SHIFT, arg);
    after_call(id);
    unsigned now = xen_holes(&vms[id]);
    if (rc < 0) {
        assert(now == holes);
        return;
    }
    assert((uint64_t)rc >= start);
    if (asked) /* what it read is what the guest wrote */
        assert((uint64_t)rc <= (r.nr_extents > start ? r.nr_extents : start));
    uint64_t done = (uint64_t)rc - start;
    if (op == XENMEM_decrease_reservation)
        assert(now == holes + done);
    else
        assert(holes == now + done);
}

static void call_vcpu_op(unsigned id, vcpu_t *v)
{
    uint8_t b = byte();
    static const uint64_t targets[] = {0, 1, 2, VM_VCPU_MAX, ~0ULL, 1, 0, 1};
    uint64_t target = targets[b & 7], arg = pick_va();
    uint64_t cmd = b & 0x40 ? VCPUOP_register_runstate_memory_area : VCPUOP_register_vcpu_info;
    if ((b & 0x30) == 0x30)
        cmd = byte(); /* anything else */
    if (cmd == VCPUOP_register_vcpu_info && !(b & 0x80)) {
        uint16_t o = u16();
        struct vcpu_register_vcpu_info r = {pick_gfn(), o & 0x8000 ? (o & 0x1ff) * 8 : o, 0};
        guest_write(id, arg, &r, sizeof(r));
    } else if (!(b & 0x80)) {
        struct vcpu_register_runstate_memory_area a = {pick_va()};
        guest_write(id, arg, &a, sizeof(a));
    }
    void *had = target < VCPUS ? fvm[id].told_vinfo[target] : NULL;
    before_call(id);
    long rc = xen_vcpu_op(v, cmd, target, arg);
    after_call(id);
    if (target >= VCPUS)
        assert(rc == -XEN_ENOENT || rc == -XEN_EINVAL);
    else if (cmd == VCPUOP_register_vcpu_info) /* once only; a success names a new place */
        assert(rc ? fvm[id].told_vinfo[target] == had
                  : !had && fvm[id].told_vinfo[target] == xen_vcpu_info(&vms[id].vcpu[target]));
}

static void call_hvm_op(unsigned id, vcpu_t *v)
{
    uint8_t b = byte();
    uint64_t arg = pick_va();
    uint64_t cmd = b & 1 ? HVMOP_set_param : (b & 2 ? byte() : HVMOP_get_param);
    struct xen_hvm_param p = {pick_dom(id), byte() % (HVM_NR_PARAMS + 2), 0x5a5a};
    bool asked = !(b & 0x80) && guest_write(id, arg, &p, sizeof(p));
    before_call(id);
    if (cmd == HVMOP_get_param)
        allow_va(id, arg, sizeof(p));
    long rc = xen_hvm_op(v, cmd, arg);
    after_call(id);
    if (cmd == HVMOP_set_param)
        assert(rc != 0);
    struct xen_hvm_param q;
    if (rc == 0 && asked && guest_read(id, arg, &q, sizeof(q)))
        assert(q.index == p.index && q.value == fvm[id].param[p.index]);
}

/* ---- the script ---- */

static void step(void)
{
    uint8_t op = byte();
    unsigned id = op >> 7 & 1;
    cur = id;
    fvm_t *f = &fvm[id];
    vm_t *vm = &vms[id];
    if (op % 16 == 14) { /* septum: stop, or create again */
        if (f->live)
            stop(id);
        else
            create(id);
        check_all();
        return;
    }
    if (!f->live)
        return;
    unsigned n = op >> 6 & 1;
    switch (op % 16) {
    case 0:
    case 1: { /* the guest scribbles on its memory */
        uint64_t va = pick_va();
        uint8_t buf[64];
        unsigned len = byte() % sizeof(buf) + 1;
        for (unsigned i = 0; i < len; i++)
            buf[i] = byte();
        run_on(id, n);
        guest_write(id, va, buf, len);
        check_all();
        return;
    }
    case 2: call_add_to_physmap(id, run_on(id, n)); return;
    case 3: call_remove_from_physmap(id, run_on(id, n)); return;
    case 4: call_reservation(id, run_on(id, n), XENMEM_decrease_reservation); return;
    case 5: call_reservation(id, run_on(id, n), XENMEM_populate_physmap); return;
    case 6:
    case 7: call_vcpu_op(id, run_on(id, n)); return;
    case 8: call_hvm_op(id, run_on(id, n)); return;
    case 9: { /* septum sets a parameter (the PV console's) */
        unsigned idx = byte() % (HVM_NR_PARAMS + 2);
        uint64_t val = pick_gfn();
        int rc = xen_hvm_param_set(vm, idx, val);
        assert(rc == (idx < HVM_NR_PARAMS ? 0 : -EINVAL));
        if (!rc)
            f->param[idx] = val;
        return;
    }
    case 10:
    case 11: { /* the guest changes its stage 1 */
        uint8_t b = byte();
        if (b == 0xff) {
            f->s1_off = !f->s1_off;
            return;
        }
        unsigned k = b % S1_PAGES;
        uint8_t t = byte();
        f->s1[k].on = !(t & 0x80);
        f->s1[k].ro = t & 0x40;
        f->s1[k].ipa = (t & 0x3f) < 0x38 ? RAM + (t & 0x3f) % (RAM_PAGES + 4) * PG
                                         : (t & 7) * 0x10000000ULL;
        return;
    }
    case 12: /* vCPU 1 goes off (PSCI CPU_OFF), or stays on */
        vm->vcpu[1].state = op & 0x40 ? VCPU_OFF : VCPU_RUNNING;
        return;
    case 13:
        reset(id);
        check_all();
        return;
    default: return;
    }
}

static void s1_reset(unsigned id)
{
    fvm_t *f = &fvm[id];
    memset(f->s1, 0, sizeof(f->s1));
    f->s1_off = false;
    for (unsigned k = 0; k < S1_PAGES; k++) /* page 5 read-only, 7 not mapped, as Linux might */
        f->s1[k] = (typeof(f->s1[0])){k != 7, k == 5, RAM + k * PG};
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        for (unsigned id = 0; id < VMS; id++)
            fvm[id].ram = aligned_alloc(PG, RAM_PAGES * PG);
        fake_xen_mem_hpa_ok = hpa_ok;
        fill_ram(fvm[0].ram);
        memcpy(ro_content, fvm[0].ram + (RAM_PAGES - RO_PAGES) * PG, sizeof(ro_content));
        ready = true;
    }
    in = data;
    in_len = size;
    fake_arch_reset();
    vm_num = VMS;
    for (unsigned id = 0; id < VMS; id++) {
        s1_reset(id);
        create(id);
    }
    check_all();
    for (unsigned steps = 0; in_len && steps < 256; steps++)
        step();
    /* the teardown: nothing left of either VM */
    for (unsigned id = 0; id < VMS; id++)
        if (fvm[id].live)
            stop(id);
    check_all();
    assert(fake_xen_mem_live == 0 && frames_live == 0);
    return 0;
}
