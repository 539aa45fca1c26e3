/*
 * VM creation from a vm_config_t (see config/load.h), as a list of steps: find its images in the
 * bundle, give it RAM, set up its memory (core/vm.c), attach its virtual devices, describe its
 * regions, settle its stage-2 table budget, configure its stage 2 and vCPUs, route its
 * pass-through interrupts and run its services. The image loader is the last service: it copies
 * the images in (or maps them in place) and writes the device tree, at creation and again at
 * every reset; an image it copies is checked against the bundle's CRC in the same pass. A VM's RAM
 * is one contiguous run of frames per memory range; septum touches it only through the VM's own
 * region table.
 */
#include <arch/mmu.h>
#if defined(__aarch64__) && !defined(SEPTUM_HOST)
#include <arch/crc.h>
#define HAVE_ARCH_CRC 1
#endif
#include <arch/page.h>
#include <arch/sysreg.h>
#include <config/bundle.h>
#include <config/guestdt.h>
#include <config/load.h>
#include <core/irq.h>
#include <core/vdev.h>
#include <errno.h>
#include <lib/console.h>
#include <mm/frame.h>
#include <mm/fwmap.h>
#include <mm/tables.h>
#include <stdio.h>
#include <string.h>

static unsigned ipa_bits;

static int vm_fail(vm_t *vm, const char *what, int rc)
{
    log_error("vm %s (%s): %s (error %d)\n", vm->cfg.name, vm->cfg.node, what, rc);
    return rc < 0 ? rc : -rc;
}

/* ---- the loader ---- */

/* Copy len bytes (or zeros, when src is NULL) into the VM at gpa through a firmware map. */
static int load_bytes(vm_t *vm, uint64_t gpa, const void *src, uint64_t len)
{
    gasp_map_handle_t h;
    int rc = gasp_map_firmware(&vm->regions, gpa, len, GMF_W, &h);
    if (rc != EOK)
        return rc;
    if (src)
        memcpy(gasp_get_vaddr(h), src, len);
    else
        memset(gasp_get_vaddr(h), 0, len);
    arch_dcache_clean(gasp_get_vaddr(h), len); /* the guest starts uncached */
    gasp_unmap_handle(h);
    return 0;
}

/* Copy an image from the bundle into the VM at gpa through a firmware map, checking its data
 * against the bundle's CRC as it goes (config/sysdesc.c leaves the images the loader copies to
 * it): copy, CRC and cache clean in one pass where the CPU has the CRC instructions, the source
 * and the map are aligned for it and the cache lines are no shorter than its 64-byte steps;
 * three passes otherwise. -EIO if the data does not match: the VM does not start. */
static int load_image(vm_t *vm, uint64_t gpa, const uint8_t *src, uint64_t len, uint32_t want)
{
    gasp_map_handle_t h;
    int rc = gasp_map_firmware(&vm->regions, gpa, len, GMF_W, &h);
    if (rc != EOK)
        return rc;
    uint8_t *dst = gasp_get_vaddr(h);
    uint32_t crc = 0;
    uint64_t done = 0;
#ifdef HAVE_ARCH_CRC
    if (arch_has_crc32() && arch_dcache_line() >= 64 && !((uintptr_t)src & 7) &&
        !((uintptr_t)dst & 63)) {
        done = len & ~63UL;
        crc = ~arch_copy_crc32_clean(dst, src, done / 64, ~0U);
    }
#endif
    memcpy(dst + done, src + done, len - done);
    crc = bundle_crc32(crc, src + done, len - done);
    arch_dcache_clean(dst + done, len - done); /* the guest starts uncached */
    gasp_unmap_handle(h);
    return crc == want ? 0 : -EIO;
}

/* The rest of the execute-in-place window: zeroed while writable, then read-only like the
 * image. */
static int load_xip_tail(vm_t *vm)
{
    uint64_t at = vm->cfg.kernel_load + vm->cfg.xip_size - vm->xip_tail_size;
    region_req_t q = {REGION_MODIFY,
                      {at, vm->xip_tail_size, REGION_NO_HOST, REGION_RAM, REGION_R | REGION_W}};
    unsigned failed;
    if (region_set_soft(&vm->regions, 1, &q, &failed) != REGION_OK)
        return vm_fail(vm, "cannot open its execute-in-place window", -EINVAL);
    int rc = load_bytes(vm, at, NULL, vm->xip_tail_size);
    if (rc != EOK)
        return vm_fail(vm, "cannot map its execute-in-place window", rc);
    q.r.flags = REGION_R | REGION_X;
    if (region_set_soft(&vm->regions, 1, &q, &failed) != REGION_OK)
        return vm_fail(vm, "cannot close its execute-in-place window", -EINVAL);
    return 0;
}

static int vm_load(vm_t *vm)
{
    int rc;
    if (!vm->cfg.kernel_xip && (rc = load_image(vm, vm->cfg.kernel_load, vm->kernel_data,
                                                vm->kernel_size, vm->kernel_crc)) != EOK)
        return vm_fail(vm,
                       rc == -EIO ? "its kernel image in the bundle is corrupt (CRC mismatch)"
                                  : "cannot map memory for the kernel",
                       rc);
    if (vm->xip_tail_size && (rc = load_xip_tail(vm)))
        return rc;
    if (vm->initrd_data && (rc = load_image(vm, vm->cfg.initrd_load, vm->initrd_data,
                                            vm->initrd_size, vm->initrd_crc)) != EOK)
        return vm_fail(vm,
                       rc == -EIO ? "its initrd in the bundle is corrupt (CRC mismatch)"
                                  : "cannot map memory for the initrd",
                       rc);

    gasp_map_handle_t h;
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

const vm_service_t vm_loader = {"image loader", vm_load, NULL, vm_load, NULL};

/* ---- creation, step by step ---- */

static int find_images(vm_t *vm, const void *bundle)
{
    const vm_config_t *cfg = &vm->cfg;
    int err;
    const bundle_entry_t *e = bundle_find(bundle, cfg->kernel, &err);
    if (!e)
        return vm_fail(vm, "kernel image missing from the bundle", err);
    vm->kernel_data = (const uint8_t *)bundle + e->offset;
    vm->kernel_size = e->size;
    vm->kernel_crc = e->crc;
    if (cfg->initrd[0]) {
        if (!(e = bundle_find(bundle, cfg->initrd, &err)))
            return vm_fail(vm, "initrd missing from the bundle", err);
        vm->initrd_data = (const uint8_t *)bundle + e->offset;
        vm->initrd_size = e->size;
        vm->initrd_crc = e->crc;
    }
    if (cfg->dtb[0]) {
        if (!(e = bundle_find(bundle, cfg->dtb, &err)))
            return vm_fail(vm, "device tree missing from the bundle", err);
        vm->dtb_data = (const uint8_t *)bundle + e->offset;
        vm->dtb_size = e->size;
    }
    return 0;
}

/* RAM: each range contiguous, 2 MiB-aligned where possible so stage 2 can use blocks. */
static int alloc_ram(vm_t *vm)
{
    const vm_config_t *cfg = &vm->cfg;
    uint16_t owner = (uint16_t)(FRAME_VM0 + vm->id);
    int rc = 0;
    for (unsigned m = 0; m < cfg->mem_num && !rc; m++) {
        uint64_t npages = cfg->mem[m].size / PAGE_SIZE;
        rc = frame_alloc(npages, SZ_2M / PAGE_SIZE, owner, &vm->mem_hpa[m]);
        if (rc)
            rc = frame_alloc(npages, 1, owner, &vm->mem_hpa[m]);
    }
    uint64_t img_bytes = PAGE_ALIGN(vm->kernel_size);
    if (!rc && cfg->kernel_xip && cfg->xip_size > img_bytes) {
        vm->xip_tail_size = cfg->xip_size - img_bytes;
        rc = frame_alloc(vm->xip_tail_size / PAGE_SIZE, 1, owner, &vm->xip_tail_hpa);
    }
    if (rc)
        return vm_fail(vm, "not enough free RAM", rc);
    vm->ram_hpa = vm->mem_hpa[0];
    return 0;
}

/* Its RAM, pass-through devices and execute-in-place window in the region table. */
static int add_regions(vm_t *vm)
{
    const vm_config_t *cfg = &vm->cfg;
    uint64_t img_bytes = PAGE_ALIGN(vm->kernel_size);
    region_req_t req[VM_MEM_MAX + VM_DEV_MAX + 2];
    unsigned n = 0;
    for (unsigned m = 0; m < cfg->mem_num; m++)
        req[n++] = (region_req_t){REGION_ADD,
                                  {cfg->mem[m].gpa, cfg->mem[m].size, vm->mem_hpa[m], REGION_RAM,
                                   REGION_R | REGION_W | REGION_X}};
    for (unsigned d = 0; d < cfg->dev_num; d++)
        req[n++] = (region_req_t){REGION_ADD,
                                  {cfg->dev[d].base, cfg->dev[d].size, cfg->dev[d].base,
                                   REGION_DEVICE, REGION_R | REGION_W}};
    if (cfg->kernel_xip)
        req[n++] = (region_req_t){REGION_ADD,
                                  {cfg->kernel_load, img_bytes,
                                   (uint64_t)(uintptr_t)vm->kernel_data, REGION_ROM,
                                   REGION_R | REGION_X}};
    if (vm->xip_tail_size) /* writable until zeroed (the loader) */
        req[n++] = (region_req_t){REGION_ADD,
                                  {cfg->kernel_load + img_bytes, vm->xip_tail_size,
                                   vm->xip_tail_hpa, REGION_RAM, REGION_R | REGION_W}};
    unsigned failed;
    int rc = region_set_soft(&vm->regions, n, req, &failed);
    if (rc == REGION_ENOMEM)
        return vm_fail(vm, "not enough page tables for its stage 2", -ENOMEM);
    if (rc)
        return vm_fail(vm, region_strerror(rc), rc);
    return 0;
}

/* Stage-2 table pages a VM may take at run time beyond what its described memory needed, as
 * places: a place is one table on each level below the root (a page mapped far from anything
 * else). Grant mappings and grant-table frames in its grant window share their tables, so
 * this covers hundreds of pages there, or VM_TABLE_PLACES pages scattered over its whole
 * address space; past that, its own mappings fail and nobody else's. */
#define VM_TABLE_PLACES 16

/* Its table budget: what its described memory needed, plus the run-time places; the rest of
 * the pages it was promised at first (core/vm.c vm_init_memory) go back for the next VM. */
static int settle_tables(vm_t *vm)
{
    s2_t *s2 = &vm->s2;
    unsigned levels = 3 - s2->pt.start_level;
    unsigned limit = s2->tables_used + levels * VM_TABLE_PLACES;
    if (limit > s2->tables_limit)
        return vm_fail(vm, "not enough page tables for its stage 2", -ENOMEM);
    tables_unpromise(s2->tables_limit - limit);
    s2_set_limit(s2, limit);
    return 0;
}

static void setup_vcpus(vm_t *vm)
{
    vm->arch.vttbr = vm->s2.vttbr;
    vm->arch.vtcr = arch_vtcr(ipa_bits, vm->s2.pt.start_level);
    vm->arch.hcr = arch_guest_hcr();
    vm->arch.pmu = vm->cfg.pmu;
    for (unsigned i = 0; i < vm->cfg.vcpu_num; i++) {
        vcpu_t *v = &vm->vcpu[i];
        v->vm = vm;
        v->id = i;
        v->pcpu = vm->cfg.pcpu[i];
        v->state = VCPU_OFF;
        sched_pin(v);
    }
    /* pass-through interrupts: to the physical CPU of vCPU 0, forwarded with the hardware bit */
    for (unsigned d = 0; d < vm->cfg.dev_num; d++)
        for (unsigned i = 0; i < vm->cfg.dev[d].irq_num; i++)
            irq_route_spi(vm->cfg.dev[d].irq[i], &vm->vcpu[0]);
}

/* One console line: what the VM got, where. */
static void report(const vm_t *vm)
{
    const vm_config_t *cfg = &vm->cfg;
    char line[400];
    size_t n = 0;
#define ADD(...)                                                                                   \
    do {                                                                                           \
        int k_ = snprintf(line + n, sizeof(line) - n, __VA_ARGS__);                                \
        n = k_ < 0 ? n : n + (size_t)k_ < sizeof(line) ? n + (size_t)k_ : sizeof(line) - 1;        \
    } while (0)
    ADD("vm %s: %u vCPU%s on CPU", cfg->name, cfg->vcpu_num, cfg->vcpu_num == 1 ? "" : "s");
    for (unsigned i = 0; i < cfg->vcpu_num; i++)
        ADD("%s%u", i ? "," : " ", cfg->pcpu[i]);
    ADD(", RAM 0x%lx+%lu MiB at host 0x%lx, %s 0x%lx (%lu KiB", (unsigned long)cfg->ram_gpa,
        (unsigned long)(cfg->ram_size >> 20), (unsigned long)vm->ram_hpa, cfg->kernel,
        (unsigned long)cfg->kernel_load, (unsigned long)((vm->kernel_size + 1023) / 1024));
    if (cfg->kernel_xip)
        ADD(", in place from host 0x%lx", (unsigned long)(uintptr_t)vm->kernel_data);
    ADD("), dtb 0x%lx%s", (unsigned long)vm->dtb_gpa, vm->dtb_data ? " (given)" : "");
    for (unsigned m = 1; m < cfg->mem_num; m++)
        ADD(", RAM 0x%lx+%lu KiB", (unsigned long)cfg->mem[m].gpa,
            (unsigned long)(cfg->mem[m].size >> 10));
    if (vm->initrd_data)
        ADD(", %s 0x%lx", cfg->initrd, (unsigned long)cfg->initrd_load);
    for (unsigned d = 0; d < cfg->dev_num; d++)
        ADD(", %s 0x%lx", cfg->dev[d].name, (unsigned long)cfg->dev[d].base);
#undef ADD
    log_info("%s\n", line);
}

static int vm_create(vm_t *vm, const vm_config_t *cfg, const void *bundle)
{
    memset(vm, 0, sizeof(*vm));
    vm->id = (unsigned)(vm - vms);
    vm->cfg = *cfg;
    vm->dtb_gpa = cfg->dtb_load;
    int rc;
    if ((rc = find_images(vm, bundle)) || (rc = alloc_ram(vm)))
        return rc;
    if ((rc = vm_init_memory(vm, ipa_bits)))
        return vm_fail(vm, "cannot set up its stage 2 and reservations", rc);
    if ((rc = vdev_attach_all(vm)) < 0)
        return vm_fail(vm, "cannot attach its virtual devices", rc);
    if ((rc = add_regions(vm)) || (rc = settle_tables(vm)))
        return rc;
    setup_vcpus(vm);
    if ((rc = vm_services_create(vm)))
        return rc;
    report(vm);
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
    vm_report_frames("before the VMs");
    for (unsigned i = 0; i < n; i++) {
        int rc = vm_create(&vms[i], &cfg[i], bundle);
        if (rc)
            return rc;
        vm_num = i + 1;
    }
    return (int)n;
}
