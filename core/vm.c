/*
 * A VM's life after it is built (core/config/load.c builds it): its memory set-up with septum's
 * host checks, start, stop, reset and the release of its memory, and the services that follow
 * that life (VM_SERVICE_LIST below), called through a table rather than by name.
 *
 * Lock order (outer first); a lock is only ever taken with the ones before it held:
 *   grant maptrack lock of a domain -> grant table lock of a domain (two per domain, in the
 *   grant engine core/xen/gnttab.c; never two of one kind at once, so no order between domains)
 *   -> vm->lock (its region table) -> tables lock (mm/tables.c)
 *   vpl011 lock (vdev/pl011.c) -> vgic lock (vdev/vgic.c)
 *   vpl011 lock -> VM console lines (core/vconsole.c) -> console lock (core/lib/console.c)
 *   PV console lock (core/xen/console.c) -> VM console lines
 *   shared_info registration lock (core/xen/shinfo.c) -> event-channel lock of a domain ->
 *   event-channel lock of another (the lower domain id first; core/xen/evtchn.c) -> vgic lock
 * The frame allocator's lock (mm/frame.c), the console lock, the guest-seed generator's lock
 * (core/lib/seed.c) and the console interrupt's route lock (core/irq.c) are leaves: nothing is
 * taken under them. State changes of VMs and vCPUs
 * (vm->state, vcpu->state) are atomic, not locked.
 */
#include <arch/firmware.h>
#include <arch/page.h>
#include <arch/pcpu.h>
#include <arch/timer.h>
#include <core/irq.h>
#include <core/vdev.h>
#include <core/vm.h>
#include <errno.h>
#include <lib/console.h>
#include <mm/frame.h>
#include <mm/tables.h>
#include <stdio.h>
#include <string.h>

vm_t vms[VM_MAX];
unsigned vm_num;
static uint32_t vms_running; /* the CPU that brings it to zero powers the machine off */

/* The services, in the order their hooks run. Each is defined by its own room. */
#define VM_SERVICE_LIST(X)       X(xen_service) X(xen_console_service) X(vm_loader)
#define VM_SERVICE_DECLARE(name) extern const vm_service_t name;
#define VM_SERVICE_ENTRY(name)   &name,
VM_SERVICE_LIST(VM_SERVICE_DECLARE)
static const vm_service_t *const services[] = {VM_SERVICE_LIST(VM_SERVICE_ENTRY)};
#define SERVICE_NUM (sizeof(services) / sizeof(services[0]))

int vm_services_create(vm_t *vm)
{
    for (unsigned i = 0; i < SERVICE_NUM; i++) {
        int rc = services[i]->create ? services[i]->create(vm) : 0;
        if (rc)
            return rc;
    }
    return 0;
}

static void services_stopped(vm_t *vm)
{
    for (unsigned i = 0; i < SERVICE_NUM; i++)
        if (services[i]->stopped)
            services[i]->stopped(vm);
}

/* ---- region table hooks ---- */

/* What a VM's region table may map: its own frames as RAM, its own execute-in-place image as
 * ROM, its own pass-through devices. Frames septum maps for it on its own authority (grants)
 * come with host_vouched and are not asked about. */
static bool vm_host_ok(void *ctx, uint64_t hpa, uint64_t len, region_type_t type)
{
    vm_t *vm = ctx;
    if (type == REGION_RAM)
        return frame_range_owned(hpa, len, (uint16_t)(FRAME_VM0 + vm->id));
    if (type == REGION_ROM && vm->cfg.kernel_xip) {
        /* only the pages of its own execute-in-place image */
        uint64_t img = (uint64_t)(uintptr_t)vm->kernel_data;
        uint64_t img_end = img + PAGE_ALIGN(vm->kernel_size);
        return hpa >= img && hpa + len <= img_end && hpa + len > hpa;
    }
    if (type == REGION_DEVICE)
        for (unsigned i = 0; i < vm->cfg.dev_num; i++)
            if (hpa >= vm->cfg.dev[i].base && len <= vm->cfg.dev[i].size &&
                hpa - vm->cfg.dev[i].base <= vm->cfg.dev[i].size - len)
                return true;
    return false;
}

/* Stage 2 follows the region table. A change that finds no table page within the VM's budget
 * fails (the region table undoes it) and says so once per VM; putting the old mappings back
 * draws on the undo allowance and should never fail. */
static int vm_changed(void *ctx, uint64_t gpa, uint64_t len, const region_t *r, bool undo)
{
    vm_t *vm = ctx;
    static bool told[VM_MAX];
    int rc = s2_changed(&vm->s2, gpa, len, r, undo);
    if (rc && undo)
        log_error("vm %s: stage 2 of 0x%lx+0x%lx could not be put back (error %d)\n", vm->cfg.name,
                  (unsigned long)gpa, (unsigned long)len, rc);
    else if (rc == -ENOMEM && vm->id < VM_MAX && !told[vm->id]) {
        told[vm->id] = true;
        log_info("vm %s: its %u stage-2 table pages are in use; mappings that need more fail\n",
                 vm->cfg.name, vm->s2.tables_limit);
    }
    return rc;
}

static void vm_fatal(void *ctx, int err, unsigned index)
{
    vm_t *vm = ctx;
    log_error("vm %s: region change %u failed: %s\n", vm->cfg.name, index, region_strerror(err));
    vm_stop(vm, "fatal region-table error");
}

static void vm_lock(void *ctx) { spin_lock(&((vm_t *)ctx)->lock); }
static void vm_unlock(void *ctx) { spin_unlock(&((vm_t *)ctx)->lock); }

static unsigned vm_cpu_index(void) { return (unsigned)arch_pcpu()->index; }

/* Its stage 2 is first promised every table page that can be promised; once its described
 * memory is mapped, its creation (core/config/load.c) keeps what it needs plus room to grow and
 * gives the rest back, so the next VM can be promised its own. */
int vm_init_memory(vm_t *vm, unsigned ipa_bits)
{
    unsigned promise = tables_promisable();
    if (promise <= S2_UNDO_PAGES || tables_promise(promise) != 0)
        return -ENOMEM;
    int rc = s2_init(&vm->s2, (uint16_t)(vm->id + 1), ipa_bits, &tables_promised_ops);
    if (!rc)
        rc = s2_set_limit(&vm->s2, promise - S2_UNDO_PAGES);
    /* grant mappings come and go: their table pages stay (mm/s2.h), and a TLB invalidation
     * stays on this CPU while only this CPU has run the VM */
    vm->s2.keep_tables = true;
    vm->s2.cpu_index = vm_cpu_index;
    if (rc) {
        s2_destroy(&vm->s2);
        tables_unpromise(promise);
        vm->s2.tables_limit = 0;
        return rc;
    }
    vm->region_ops = (region_ops_t){vm_host_ok, vm_changed, vm_fatal, vm_lock, vm_unlock, vm};
    region_table_init(&vm->regions, 1UL << ipa_bits, &vm->region_ops);
    return vm_memory_init(&vm->mem, &vm->regions, VM_ANON_BASE, VM_ANON_SIZE) ? -EINVAL : 0;
}

/* ---- accounting ---- */

/* The page-table pool: pages free (neither in use nor promised), septum's own, and each VM's in
 * use of its limit. */
static void report_tables(const char *when)
{
    char line[200];
    unsigned vm_used = 0;
    for (unsigned i = 0; i < vm_num; i++)
        vm_used += vms[i].s2.tables_used;
    unsigned used = tables_used(), promised = tables_promised();
    int n = snprintf(line, sizeof(line), "page tables %s: %u free of %u, septum %u", when,
                     tables_total() - used - promised, tables_total(), used - vm_used);
    for (unsigned i = 0; i < vm_num && n > 0 && (size_t)n < sizeof(line); i++)
        n += snprintf(line + n, sizeof(line) - (size_t)n, ", %s %u of %u", vms[i].cfg.name,
                      vms[i].s2.tables_used, vms[i].s2.tables_limit);
    log_info("%s\n", line);
}

void vm_report_frames(const char *when)
{
    char line[160];
    int n = snprintf(line, sizeof(line), "frames %s: free %lu KiB, septum %lu KiB, tables %lu KiB",
                     when, (unsigned long)(frame_count(FRAME_FREE) * 4),
                     (unsigned long)(frame_count(FRAME_SEPTUM) * 4),
                     (unsigned long)(frame_count(FRAME_TABLES) * 4));
    for (unsigned i = 0; i < vm_num && n > 0 && (size_t)n < sizeof(line); i++)
        n += snprintf(line + n, sizeof(line) - (size_t)n, ", %s %lu KiB", vms[i].cfg.name,
                      (unsigned long)(frame_count((uint16_t)(FRAME_VM0 + i)) * 4));
    log_info("%s\n", line);
    report_tables(when);
}

/* ---- start, stop, reset ---- */

void vm_start(vm_t *vm)
{
    if (__atomic_exchange_n(&vm->state, VM_RUNNING, __ATOMIC_ACQ_REL) != VM_RUNNING)
        __atomic_add_fetch(&vms_running, 1, __ATOMIC_ACQ_REL);
    vcpu_t *v = &vm->vcpu[0];
    v->entry = vm->cfg.kernel_load;
    v->context = vm->dtb_gpa;
    __atomic_store_n(&v->state, VCPU_ON_PENDING, __ATOMIC_RELEASE);
    dsb_ish();
    sev();
}

/* Every vCPU of vm off; the running ones (but the caller) are kicked out of their guest. The
 * exchange is sequentially consistent: see run_vcpu (core/sched.c) for the other half. */
static void vcpus_off(vm_t *vm)
{
    vcpu_t *self = vcpu_current();
    for (unsigned i = 0; i < vm->cfg.vcpu_num; i++) {
        uint32_t st = __atomic_exchange_n(&vm->vcpu[i].state, VCPU_OFF, __ATOMIC_SEQ_CST);
        if (st == VCPU_RUNNING && &vm->vcpu[i] != self)
            irq_kick(vm->vcpu[i].pcpu); /* it leaves its guest at once */
    }
}

#define VCPU_LEAVE_WARN_MS 1000

/* Wait until no vCPU of vm but the caller's is in its guest: the others, kicked by vcpus_off,
 * are waited for however long their CPUs take (a loaded host may not run an emulated CPU for a
 * while); the wait is reported once if it grows long. */
static void wait_others_left(vm_t *vm, const vcpu_t *cur)
{
    uint64_t warn = arch_counter_freq() / 1000 * VCPU_LEAVE_WARN_MS, start = arch_counter();
    for (unsigned i = 0; i < vm->cfg.vcpu_num; i++) {
        vcpu_t *o = &vm->vcpu[i];
        bool warned = false;
        while (o != cur && __atomic_load_n(&o->in_guest, __ATOMIC_SEQ_CST)) {
            if (!warned && arch_counter() - start > warn) {
                log_warn("vm %s: waiting for vcpu %u to leave its guest\n", vm->cfg.name, i);
                irq_kick(o->pcpu);
                warned = true;
            }
            cpu_relax();
        }
    }
}

/* Whether another VM's region table still maps host memory in [hpa, hpa + len). */
static bool mapped_elsewhere(const vm_t *vm, uint64_t hpa, uint64_t len)
{
    for (unsigned i = 0; i < vm_num; i++)
        if (&vms[i] != vm && region_maps_host(&vms[i].regions, hpa, len))
            return true;
    return false;
}

/* Give frames back, unless another VM still maps any of them (a grant mapping that could not
 * be removed): then they stay allocated, and say so, rather than be reused under that VM. */
static uint64_t free_frames(vm_t *vm, uint64_t hpa, uint64_t len)
{
    if (mapped_elsewhere(vm, hpa, len)) {
        log_error("vm %s: host 0x%lx+%lu KiB is still mapped by another VM; not freed\n",
                  vm->cfg.name, (unsigned long)hpa, (unsigned long)(len / 1024));
        return 0;
    }
    return frame_free(hpa, len / PAGE_SIZE, (uint16_t)(FRAME_VM0 + vm->id)) == 0 ? len / 1024 : 0;
}

/* A stopped VM's memory goes back to the frame allocator: stage 2 first (every region deleted,
 * with the TLB invalidations that brings), then its frames. Only when none of its vCPUs can
 * still be in the guest: the caller is one of them (so its own CPU has left the guest) and the
 * others are waited for; or the caller is septum's monitor, which holds nothing a vCPU of that
 * VM could be waiting for, and waits for all of them. Any other caller from outside (a fatal
 * region error raised on another VM's behalf) may hold a lock such a vCPU spins on: then the
 * memory stays allocated. */
static void vm_release_memory(vm_t *vm, bool from_monitor)
{
    vcpu_t *cur = vcpu_current();
    bool own = cur && cur->vm == vm;
    if (!own && !from_monitor)
        return;
    wait_others_left(vm, own ? cur : NULL);
    /* everything goes: whole tables are cleared at once rather than leaf by leaf */
    vm->s2.keep_tables = false;
    int rc;
    while ((rc = region_delete_first(&vm->regions)) == REGION_OK)
        ;
    if (rc != REGION_ENOENT)
        return;
    for (unsigned i = 0; i < SERVICE_NUM; i++)
        if (services[i]->release)
            services[i]->release(vm);
    /* its stage 2 is empty but for its tables: they and the rest of its promise go back */
    unsigned promise = vm->s2.tables_limit + S2_UNDO_PAGES;
    s2_destroy(&vm->s2);
    tables_unpromise(promise);
    vm->s2.tables_limit = 0;
    uint64_t kib = 0;
    for (unsigned m = 0; m < vm->cfg.mem_num; m++)
        kib += free_frames(vm, vm->mem_hpa[m], vm->cfg.mem[m].size);
    if (vm->xip_tail_size)
        kib += free_frames(vm, vm->xip_tail_hpa, vm->xip_tail_size);
    log_info("vm %s: %lu KiB of memory returned\n", vm->cfg.name, (unsigned long)kib);
}

static void stop(vm_t *vm, const char *why, bool from_monitor)
{
    uint32_t was = __atomic_exchange_n(&vm->state, VM_STOPPED, __ATOMIC_ACQ_REL);
    vcpus_off(vm);
    if (was != VM_STOPPED) {
        log_info("vm %s: stopped (%s)\n", vm->cfg.name, why);
        irq_console_follow(); /* its CPUs take no more interrupts */
        services_stopped(vm);
        vm_release_memory(vm, from_monitor);
        log_debug("vm %s: its first instruction ran %lu EL2 instructions after the VMs were "
                  "released, on cpu %u\n",
                  vm->cfg.name, (unsigned long)vm->first_insns, vm->vcpu[0].pcpu);
        if (__atomic_sub_fetch(&vms_running, 1, __ATOMIC_ACQ_REL) == 0) {
            vm_report_frames("at the end");
            log_info("all VMs have stopped; powering off\n");
            fw_system_off();
        }
    }
    vcpu_t *cur = vcpu_current();
    if (cur && cur->vm == vm)
        vcpu_exit();
}

void vm_stop(vm_t *vm, const char *why) { stop(vm, why, false); }
void vm_stop_external(vm_t *vm, const char *why) { stop(vm, why, true); }

/* Stop vm's vCPUs and start it again from its images. cur: the caller's vCPU when it is one of
 * vm's (it leaves its guest its own way), else NULL (every vCPU is waited for). False if a
 * service could not restart: the VM is stopped then. */
static bool restart(vm_t *vm, const vcpu_t *cur)
{
    log_info("vm %s: reset\n", vm->cfg.name);
    services_stopped(vm);
    vcpus_off(vm);
    wait_others_left(vm, cur); /* nothing may run while the images are reloaded */
    for (unsigned i = 0; i < SERVICE_NUM; i++) {
        int rc = services[i]->restart ? services[i]->restart(vm) : 0;
        if (rc) {
            log_error("vm %s: %s cannot restart (error %d)\n", vm->cfg.name, services[i]->name, rc);
            stop(vm, "reset failed", cur == NULL);
            return false;
        }
    }
    vm_start(vm); /* the VM stays counted as running throughout */
    return true;
}

void vm_reset(vm_t *vm)
{
    restart(vm, vcpu_current());
    vcpu_exit();
}

void vm_restart(vm_t *vm) { restart(vm, NULL); }

void vm_services_describe(const vm_t *vm, char *buf, size_t len)
{
    size_t n = 0;
    if (len)
        buf[0] = '\0';
    for (unsigned i = 0; i < SERVICE_NUM && n + 1 < len; i++) {
        if (!services[i]->describe)
            continue;
        if (n && n + 2 < len) {
            buf[n++] = ',';
            buf[n++] = ' ';
            buf[n] = '\0';
        }
        services[i]->describe(vm, buf + n, len - n);
        n += strlen(buf + n);
    }
}
