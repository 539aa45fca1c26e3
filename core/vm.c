/*
 * VM creation, start, stop and reset, and each physical CPU's run loop. A VM's RAM is one
 * contiguous run of frames owned by it; its images are copied in through firmware maps (or, for
 * execute-in-place, mapped read-only straight from the bundle); its device tree goes in the last
 * VM_DTB_SIZE bytes of its RAM.
 */
#include <arch/mmu.h>
#include <arch/pcpu.h>
#include <arch/pmu.h>
#include <arch/sysreg.h>
#include <arch/timer.h>
#include <core/bundle.h>
#include <core/console.h>
#include <core/firmware.h>
#include <core/guestdt.h>
#include <core/tables.h>
#include <core/vm.h>
#include <core/xen.h>
#include <vdev/vdev.h>
#include <vdev/vgic.h>
#include <core/irq.h>
#include <errno.h>
#include <mm/frame.h>
#include <stdio.h>
#include <mm/fwmap.h>
#include <string.h>

vm_t vms[VM_MAX];
unsigned vm_num;
static vcpu_t *pcpu_vcpus[CPU_MAX];
static spinlock_t frame_lock;
static uint32_t vms_running; /* the CPU that brings it to zero powers the machine off */
static uint64_t release_insns[CPU_MAX]; /* each CPU's EL2 instruction count when VMs were released */
static unsigned ipa_bits;

#define PAGE  4096UL
#define SZ_2M 0x200000UL

vcpu_t *vcpu_of_pcpu(unsigned pcpu) { return pcpu < CPU_MAX ? pcpu_vcpus[pcpu] : NULL; }


/* ---- region table hooks ---- */

static bool vm_host_ok(void *ctx, uint64_t hpa, uint64_t len, region_type_t type)
{
    vm_t *vm = ctx;
    if (type == REGION_RAM)
        return frame_range_owned(hpa, len, (uint16_t)(FRAME_VM0 + vm->id)) ||
               (hpa == vm->foreign_ok && len == PAGE); /* a grant septum is mapping */
    if (type == REGION_ROM && vm->cfg.kernel_xip) {
        /* only the pages of its own execute-in-place image */
        uint64_t img = (uint64_t)(uintptr_t)vm->kernel_data;
        uint64_t img_end = img + ((vm->kernel_size + PAGE - 1) & ~(PAGE - 1));
        return hpa >= img && hpa + len <= img_end && hpa + len > hpa;
    }
    if (type == REGION_DEVICE)
        for (unsigned i = 0; i < vm->cfg.dev_num; i++)
            if (hpa >= vm->cfg.dev[i].base && len <= vm->cfg.dev[i].size &&
                hpa - vm->cfg.dev[i].base <= vm->cfg.dev[i].size - len)
                return true;
    return false;
}

static void vm_changed(void *ctx, uint64_t gpa, uint64_t len, const region_t *r)
{
    s2_changed(&((vm_t *)ctx)->s2, gpa, len, r);
}

static void vm_fatal(void *ctx, int err, unsigned index)
{
    vm_t *vm = ctx;
    log_error("vm %s: region change %u failed: %s\n", vm->cfg.name, index, region_strerror(err));
    vm_stop(vm, "fatal region-table error");
}

static void vm_lock(void *ctx) { spin_lock(&((vm_t *)ctx)->lock); }
static void vm_unlock(void *ctx) { spin_unlock(&((vm_t *)ctx)->lock); }

/* ---- creation ---- */

static int vm_fail(vm_t *vm, const char *what, int rc)
{
    log_error("vm %s (%s): %s (error %d)\n", vm->cfg.name, vm->cfg.node, what, rc);
    return rc < 0 ? rc : -rc;
}

/* Copy the kernel and write the device tree through firmware maps: septum touches guest memory
 * only through the VM's own region table. */
static int vm_load(vm_t *vm)
{
    gasp_map_handle_t h;
    int rc;
    if (!vm->cfg.kernel_xip) {
        rc = gasp_map_firmware(&vm->regions, vm->cfg.kernel_load, vm->kernel_size, GMF_W, &h);
        if (rc != EOK)
            return vm_fail(vm, "cannot map memory for the kernel", rc);
        memcpy(gasp_get_vaddr(h), vm->kernel_data, vm->kernel_size);
        arch_dcache_clean(gasp_get_vaddr(h), vm->kernel_size); /* the guest starts uncached */
        gasp_unmap_handle(h);
    }
    if (vm->xip_tail_size) {
        /* the rest of the execute-in-place window: zero, then read-only like the image */
        uint64_t at = vm->cfg.kernel_load + vm->cfg.xip_size - vm->xip_tail_size;
        region_req_t q = {REGION_MODIFY, {at, vm->xip_tail_size, REGION_NO_HOST, REGION_RAM,
                                          REGION_R | REGION_W}};
        unsigned failed;
        if (region_set_soft(&vm->regions, 1, &q, &failed) != REGION_OK)
            return vm_fail(vm, "cannot open its execute-in-place window", -EINVAL);
        rc = gasp_map_firmware(&vm->regions, at, vm->xip_tail_size, GMF_W, &h);
        if (rc != EOK)
            return vm_fail(vm, "cannot map its execute-in-place window", rc);
        memset(gasp_get_vaddr(h), 0, vm->xip_tail_size);
        arch_dcache_clean(gasp_get_vaddr(h), vm->xip_tail_size);
        gasp_unmap_handle(h);
        q.r.flags = REGION_R | REGION_X;
        if (region_set_soft(&vm->regions, 1, &q, &failed) != REGION_OK)
            return vm_fail(vm, "cannot close its execute-in-place window", -EINVAL);
    }
    if (vm->initrd_data) {
        rc = gasp_map_firmware(&vm->regions, vm->cfg.initrd_load, vm->initrd_size, GMF_W, &h);
        if (rc != EOK)
            return vm_fail(vm, "cannot map memory for the initrd", rc);
        memcpy(gasp_get_vaddr(h), vm->initrd_data, vm->initrd_size);
        arch_dcache_clean(gasp_get_vaddr(h), vm->initrd_size);
        gasp_unmap_handle(h);
    }
    rc = gasp_map_firmware(&vm->regions, vm->dtb_gpa, VM_DTB_SIZE, GMF_W, &h);
    if (rc != EOK)
        return vm_fail(vm, "cannot map memory for the device tree", rc);
    if (vm->dtb_data) {
        memcpy(gasp_get_vaddr(h), vm->dtb_data, vm->dtb_size); /* checked by sysdesc */
        rc = 0;
    } else {
        rc = guestdt_build(vm, gasp_get_vaddr(h), VM_DTB_SIZE);
    }
    arch_dcache_clean(gasp_get_vaddr(h), VM_DTB_SIZE);
    gasp_unmap_handle(h);
    return rc ? vm_fail(vm, "cannot build the device tree", rc) : 0;
}

static int vm_create(vm_t *vm, const vm_config_t *cfg, const void *bundle)
{
    memset(vm, 0, sizeof(*vm));
    vm->id = (unsigned)(vm - vms);
    vm->cfg = *cfg;
    vm->dtb_gpa = cfg->dtb_load;
    vm->foreign_ok = REGION_NO_HOST;
    int err;
    const bundle_entry_t *e = bundle_find(bundle, cfg->kernel, &err);
    if (!e)
        return vm_fail(vm, "kernel image missing from the bundle", err);
    vm->kernel_data = (const uint8_t *)bundle + e->offset;
    vm->kernel_size = e->size;

    if (cfg->initrd[0]) {
        e = bundle_find(bundle, cfg->initrd, &err);
        if (!e)
            return vm_fail(vm, "initrd missing from the bundle", err);
        vm->initrd_data = (const uint8_t *)bundle + e->offset;
        vm->initrd_size = e->size;
    }
    if (cfg->dtb[0]) {
        e = bundle_find(bundle, cfg->dtb, &err);
        if (!e)
            return vm_fail(vm, "device tree missing from the bundle", err);
        vm->dtb_data = (const uint8_t *)bundle + e->offset;
        vm->dtb_size = e->size;
    }

    /* RAM: each range contiguous, 2 MiB-aligned where possible so stage 2 can use blocks */
    uint16_t owner = (uint16_t)(FRAME_VM0 + vm->id);
    int rc = 0;
    for (unsigned m = 0; m < cfg->mem_num && !rc; m++) {
        uint64_t npages = cfg->mem[m].size / PAGE;
        spin_lock(&frame_lock);
        rc = frame_alloc(npages, SZ_2M / PAGE, owner, &vm->mem_hpa[m]);
        if (rc)
            rc = frame_alloc(npages, 1, owner, &vm->mem_hpa[m]);
        spin_unlock(&frame_lock);
    }
    uint64_t img_bytes = (vm->kernel_size + PAGE - 1) & ~(PAGE - 1);
    if (!rc && cfg->kernel_xip && cfg->xip_size > img_bytes) {
        vm->xip_tail_size = cfg->xip_size - img_bytes;
        spin_lock(&frame_lock);
        rc = frame_alloc(vm->xip_tail_size / PAGE, 1, owner, &vm->xip_tail_hpa);
        spin_unlock(&frame_lock);
    }
    if (rc)
        return vm_fail(vm, "not enough free RAM", rc);
    vm->ram_hpa = vm->mem_hpa[0];

    rc = s2_init(&vm->s2, (uint16_t)(vm->id + 1), ipa_bits, &tables_ops);
    if (rc)
        return vm_fail(vm, "cannot allocate stage-2 tables", rc);
    vm->region_ops = (region_ops_t){vm_host_ok, vm_changed, vm_fatal, vm_lock, vm_unlock, vm};
    region_table_init(&vm->regions, 1UL << ipa_bits, &vm->region_ops);
    if (vm_memory_init(&vm->mem, &vm->regions, VM_ANON_BASE, VM_ANON_SIZE) != 0)
        return vm_fail(vm, "cannot set up reservations", -EINVAL);
    if ((rc = vdev_attach_all(vm)) < 0)
        return vm_fail(vm, "cannot attach its virtual devices", rc);
    region_req_t req[VM_MEM_MAX + VM_DEV_MAX + 2];
    unsigned n = 0;
    for (unsigned m = 0; m < cfg->mem_num; m++)
        req[n++] = (region_req_t){REGION_ADD, {cfg->mem[m].gpa, cfg->mem[m].size, vm->mem_hpa[m],
                                               REGION_RAM, REGION_R | REGION_W | REGION_X}};
    for (unsigned d = 0; d < cfg->dev_num; d++)
        req[n++] = (region_req_t){REGION_ADD, {cfg->dev[d].base, cfg->dev[d].size,
                                               cfg->dev[d].base, REGION_DEVICE,
                                               REGION_R | REGION_W}};
    if (cfg->kernel_xip)
        req[n++] = (region_req_t){REGION_ADD, {cfg->kernel_load, img_bytes,
                                               (uint64_t)(uintptr_t)vm->kernel_data, REGION_ROM,
                                               REGION_R | REGION_X}};
    if (vm->xip_tail_size) /* writable until zeroed (vm_load) */
        req[n++] = (region_req_t){REGION_ADD, {cfg->kernel_load + img_bytes, vm->xip_tail_size,
                                               vm->xip_tail_hpa, REGION_RAM,
                                               REGION_R | REGION_W}};
    unsigned failed;
    rc = region_set_soft(&vm->regions, n, req, &failed);
    if (rc)
        return vm_fail(vm, region_strerror(rc), rc);
    if (vm->s2.error)
        return vm_fail(vm, "cannot build stage 2", vm->s2.error);
    vm->arch.vttbr = vm->s2.vttbr;
    vm->arch.vtcr = arch_vtcr(ipa_bits, vm->s2.pt.start_level);
    vm->arch.hcr = arch_guest_hcr();

    for (unsigned i = 0; i < cfg->vcpu_num; i++) {
        vcpu_t *v = &vm->vcpu[i];
        v->vm = vm;
        v->id = i;
        v->pcpu = cfg->pcpu[i];
        v->state = VCPU_OFF;
        pcpu_vcpus[v->pcpu] = v;
    }
    /* pass-through interrupts: to the physical CPU of vCPU 0, forwarded with the hardware bit */
    for (unsigned d = 0; d < cfg->dev_num; d++)
        for (unsigned i = 0; i < cfg->dev[d].irq_num; i++)
            irq_route_spi(cfg->dev[d].irq[i], &vm->vcpu[0]);
    if ((rc = xen_vm_init(vm)) < 0)
        return vm_fail(vm, "cannot set up its grant table", rc);
    if ((rc = vm_load(vm)))
        return rc;
    log_info("vm %s: %u vCPU%s on CPU", cfg->name, cfg->vcpu_num, cfg->vcpu_num == 1 ? "" : "s");
    for (unsigned i = 0; i < cfg->vcpu_num; i++)
        log_info("%s%u", i ? "," : " ", cfg->pcpu[i]);
    log_info(", RAM 0x%lx+%lu MiB at host 0x%lx, %s 0x%lx (%lu KiB", (unsigned long)cfg->ram_gpa,
             (unsigned long)(cfg->ram_size >> 20), (unsigned long)vm->ram_hpa, cfg->kernel,
             (unsigned long)cfg->kernel_load, (unsigned long)((vm->kernel_size + 1023) / 1024));
    if (cfg->kernel_xip)
        log_info(", in place from host 0x%lx", (unsigned long)(uintptr_t)vm->kernel_data);
    log_info("), dtb 0x%lx%s", (unsigned long)vm->dtb_gpa, vm->dtb_data ? " (given)" : "");
    for (unsigned m = 1; m < cfg->mem_num; m++)
        log_info(", RAM 0x%lx+%lu KiB", (unsigned long)cfg->mem[m].gpa,
                 (unsigned long)(cfg->mem[m].size >> 10));
    if (vm->initrd_data)
        log_info(", %s 0x%lx", cfg->initrd, (unsigned long)cfg->initrd_load);
    for (unsigned d = 0; d < cfg->dev_num; d++)
        log_info(", %s 0x%lx", cfg->dev[d].name, (unsigned long)cfg->dev[d].base);
    log_info("\n");
    return 0;
}

int vm_create_all(const vm_config_t *cfg, unsigned n, const void *bundle)
{
    unsigned pa = arch_pa_bits();
    ipa_bits = pa > 48 ? 48 : pa;
    if (ipa_bits < 40) {
        log_error("the CPU has %u physical address bits; septum needs 40 for guests\n", pa);
        return -ENOTSUP;
    }
    for (unsigned i = 0; i < n; i++) {
        int rc = vm_create(&vms[i], &cfg[i], bundle);
        if (rc)
            return rc;
        vm_num = i + 1;
    }
    return (int)n;
}

/* ---- console ---- */

void vm_console_putc(vm_t *vm, char c)
{
    spin_lock(&vm->lock);
    bool flush = c == '\n' || vm->line_len == sizeof(vm->line) - 1;
    if (c != '\n' && c != '\r')
        vm->line[vm->line_len++] = (c >= 0x20 && c < 0x7f) || c == '\t' ? c : '?';
    if (flush) {
        vm->line[vm->line_len] = '\0';
        log_info("[%s] %s\n", vm->cfg.name, vm->line);
        vm->line_len = 0;
    }
    spin_unlock(&vm->lock);
}

static unsigned input_vm;   /* the VM that has the console input */
static bool input_escape;  /* the previous byte was the escape */

static void input_to(unsigned i)
{
    input_vm = i;
    log_info("console input: vm %s\n", vms[i].cfg.name);
}

void vm_console_input(char c)
{
    if (!vm_num)
        return;
    if (input_escape) {
        input_escape = false;
        if (c >= '1' && c <= '9') {
            if ((unsigned)(c - '1') < vm_num)
                input_to((unsigned)(c - '1'));
            return;
        }
        if (c == 'n') {
            input_to((input_vm + 1) % vm_num);
            return;
        }
        if (c != VM_CONSOLE_ESCAPE)
            return; /* an unknown command is dropped */
    } else if (c == VM_CONSOLE_ESCAPE) {
        input_escape = true;
        return;
    }
    vm_t *vm = &vms[input_vm];
    if (__atomic_load_n(&vm->state, __ATOMIC_ACQUIRE) == VM_RUNNING && !vdev_console_rx(vm, c))
        log_debug("vm %s: console input dropped (no room)\n", vm->cfg.name);
}

/* ---- accounting ---- */

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
}

/* ---- running ---- */

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

static uint64_t stack_top(unsigned pcpu)
{
    return (uint64_t)(uintptr_t)boot_stacks[pcpu] + STACK_OFF_STACK + STACK_SIZE;
}

static _Noreturn void run_vcpu(vcpu_t *v)
{
    arch_regs_t regs;
    arch_el1_t el1;
    arch_vcpu_reset(&regs, &el1, v->entry, v->context);
    arch_el1_restore(&el1);
    arch_vcpu_load(&v->vm->arch, v->id);
    vgic_vcpu_reset(v);
    __atomic_store_n(&v->in_guest, 1, __ATOMIC_RELEASE);
    __atomic_store_n(&v->state, VCPU_RUNNING, __ATOMIC_RELEASE);
    if (v->id == 0 && !v->vm->first_insns) {
        v->vm->first_insns = arch_pmu_insns() - release_insns[v->pcpu];
        /* the counter runs from reset: make bench adds a guest's own boot time to this */
        log_debug("vm %s: entered at %lu us after reset\n", v->vm->cfg.name,
                  (unsigned long)(arch_counter() / (arch_counter_freq() / 1000000)));
    }
    arch_vcpu_enter(&regs, stack_top(v->pcpu));
}

void pcpu_loop(uint64_t pcpu)
{
    vcpu_t *v = pcpu_vcpus[pcpu];
    arch_pcpu()->vcpu = v;
    if (!release_insns[pcpu])
        release_insns[pcpu] = arch_pmu_insns();
    if (!v) {
        /* nothing to run here, ever: park (interrupts stay masked) */
        for (;;)
            wfi();
    }
    for (;;) {
        if (__atomic_load_n(&v->state, __ATOMIC_ACQUIRE) == VCPU_ON_PENDING &&
            __atomic_load_n(&v->vm->state, __ATOMIC_ACQUIRE) == VM_RUNNING)
            run_vcpu(v);
        wfe();
    }
}

void vcpu_exit(void)
{
    unsigned pcpu = (unsigned)arch_pcpu()->index;
    /* stage 2 off while no vCPU runs here */
    write_sysreg(0, hcr_el2);
    isb();
    vcpu_t *v = vcpu_current();
    if (v)
        __atomic_store_n(&v->in_guest, 0, __ATOMIC_RELEASE);
    arch_stack_reset_call(stack_top(pcpu), pcpu_loop, pcpu);
}

#define VCPU_LEAVE_TIMEOUT_MS 100

/* A stopped VM's memory goes back to the frame allocator: stage 2 first (every region deleted,
 * with the TLB invalidations that brings), then its frames. Only when none of its vCPUs can
 * still be in the guest: the caller is one of them (so its own CPU has left the guest), and the
 * others, kicked by vm_stop, are waited for. */
static void vm_release_memory(vm_t *vm)
{
    vcpu_t *cur = vcpu_current();
    if (!cur || cur->vm != vm)
        return;
    uint64_t limit = arch_counter_freq() / 1000 * VCPU_LEAVE_TIMEOUT_MS, start = arch_counter();
    for (unsigned i = 0; i < vm->cfg.vcpu_num; i++) {
        vcpu_t *o = &vm->vcpu[i];
        while (o != cur && __atomic_load_n(&o->in_guest, __ATOMIC_ACQUIRE)) {
            if (arch_counter() - start > limit) {
                log_warn("vm %s: vcpu %u did not leave its guest; its memory stays allocated\n",
                         vm->cfg.name, i);
                return;
            }
            cpu_relax();
        }
    }
    while (vm->regions.num) {
        region_req_t q = {REGION_DELETE, {vm->regions.r[0].gpa, vm->regions.r[0].len,
                                          REGION_NO_HOST, REGION_RAM, 0}};
        unsigned failed;
        if (region_set_soft(&vm->regions, 1, &q, &failed) != REGION_OK)
            return;
    }
    uint64_t kib = 0;
    spin_lock(&frame_lock);
    xen_vm_release(vm);
    for (unsigned m = 0; m < vm->cfg.mem_num; m++)
        if (frame_free(vm->mem_hpa[m], vm->cfg.mem[m].size / PAGE,
                       (uint16_t)(FRAME_VM0 + vm->id)) == 0)
            kib += vm->cfg.mem[m].size / 1024;
    if (vm->xip_tail_size &&
        frame_free(vm->xip_tail_hpa, vm->xip_tail_size / PAGE, (uint16_t)(FRAME_VM0 + vm->id)) == 0)
        kib += vm->xip_tail_size / 1024;
    spin_unlock(&frame_lock);
    log_info("vm %s: %lu KiB of memory returned\n", vm->cfg.name, (unsigned long)kib);
}

void vm_stop(vm_t *vm, const char *why)
{
    uint32_t was = __atomic_exchange_n(&vm->state, VM_STOPPED, __ATOMIC_ACQ_REL);
    vcpu_t *self = vcpu_current();
    for (unsigned i = 0; i < vm->cfg.vcpu_num; i++) {
        uint32_t st = __atomic_exchange_n(&vm->vcpu[i].state, VCPU_OFF, __ATOMIC_ACQ_REL);
        if (st == VCPU_RUNNING && &vm->vcpu[i] != self)
            irq_kick(vm->vcpu[i].pcpu); /* it leaves its guest at once */
    }
    if (was != VM_STOPPED) {
        log_info("vm %s: stopped (%s)\n", vm->cfg.name, why);
        xen_vm_stopped(vm);
        vm_release_memory(vm);
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

void vm_reset(vm_t *vm)
{
    log_info("vm %s: reset\n", vm->cfg.name);
    xen_vm_stopped(vm);
    vcpu_t *self = vcpu_current();
    for (unsigned i = 0; i < vm->cfg.vcpu_num; i++) {
        uint32_t st = __atomic_exchange_n(&vm->vcpu[i].state, VCPU_OFF, __ATOMIC_ACQ_REL);
        if (st == VCPU_RUNNING && &vm->vcpu[i] != self)
            irq_kick(vm->vcpu[i].pcpu);
    }
    if (vm_load(vm) != 0) {
        vm_stop(vm, "reset failed");
        vcpu_exit();
    }
    vm_start(vm); /* the VM stays counted as running throughout */
    vcpu_exit();
}
