/*
 * septum's C entry on the boot CPU, the boot sequence as a table of contents: read the board's
 * device tree and the boot options, build septum's own map and turn the MMU on, bring up the
 * GIC and the other CPUs, then memory, the bundle and its system description, and the VMs; then
 * the boot CPU becomes one more run loop. Without VMs the machine powers off. boot/ is the
 * composition root: it may include every room, and nothing includes it (but boot/layout.h).
 */
#include "boot.h"
#include <arch/firmware.h>
#include <arch/mmu.h>
#include <arch/page.h>
#include <arch/pmu.h>
#include <arch/sysreg.h>
#include <config/bundle.h>
#include <config/load.h>
#include <config/sysdesc.h>
#include <core/irq.h>
#include <core/vm.h>
#include <lib/console.h>
#include <lib/panic.h>
#include <lib/seed.h>
#include <platform/platform.h>
#include <septum_version.h>
#include <stdio.h>
#include <string.h>

board_t board;

static uint64_t align_down(uint64_t x, uint64_t a) { return x & ~(a - 1); }

/* A device tree septum cannot use names no console: report on the console of the board its root
 * compatible names, or, when not even that can be read, of platform_fallback() (QEMU virt, where
 * the tests feed septum broken device trees). */
static void fallback_console(const platform_t *plat)
{
    if (!plat)
        plat = platform_fallback();
    const uart_driver_t *drv = uart_driver_named(plat->console.compatible);
    if (drv)
        console_set_uart(drv, plat->console.base);
}

static void print_memory_map(const boot_info_t *info)
{
    uint64_t img = (uint64_t)__image_start, img_end = (uint64_t)__image_end;
    bool inside = false;

    log_info("board: %s, %u CPU%s, GICv%u, PSCI %s\n", board.model[0] ? board.model : "?",
             board.cpu_num, board.cpu_num == 1 ? "" : "s", board.gic.version,
             !board.psci.present                       ? "absent"
             : board.psci.conduit == BOARD_CONDUIT_HVC ? "via hvc"
                                                       : "via smc");
    if (board.mem_moved)
        log_info("memory: %lu MiB the device tree states past the end of a DRAM window is where "
                 "the %s board has it, in the next window\n",
                 (unsigned long)(board.mem_moved / MiB), board.plat->name);
    for (unsigned i = 0; i < board.mem_num; i++) {
        const board_range_t *m = &board.mem[i];
        log_info("memory: 0x%010lx-0x%010lx %5lu MiB\n", (unsigned long)m->base,
                 (unsigned long)(m->base + m->size - 1), (unsigned long)(m->size / MiB));
        if (img >= m->base && img_end <= m->base + m->size)
            inside = true;
    }
    log_info("  septum   0x%010lx-0x%010lx %5lu KiB\n", (unsigned long)img,
             (unsigned long)(img_end - 1), (unsigned long)((img_end - img) / 1024));
    log_info("  dtb      0x%010lx-0x%010lx %5lu KiB\n", (unsigned long)info->dtb,
             (unsigned long)(info->dtb + board.dtb_size - 1),
             (unsigned long)((board.dtb_size + 1023) / 1024));
    for (unsigned i = 0; i < board.resv_num; i++)
        log_info("  reserved 0x%010lx-0x%010lx %5lu KiB\n", (unsigned long)board.resv[i].base,
                 (unsigned long)(board.resv[i].base + board.resv[i].size - 1),
                 (unsigned long)(board.resv[i].size / 1024));
    if (board.uart.note[0] && board.uart.present)
        log_warn("%s; the console is the %s board's %s at 0x%lx instead\n", board.uart.note,
                 board.plat->name, board.uart.driver->name, (unsigned long)board.uart.reg.base);
    else if (board.uart.present)
        log_info("console: %s at 0x%lx (%s)\n", board.uart.driver->name,
                 (unsigned long)board.uart.reg.base,
                 board.uart.from_table ? "the board table's: no stdout-path" : board.uart.path);
    else if (board.uart.note[0]) /* kept in the early log, for a debugger */
        log_warn("%s; septum has no console\n", board.uart.note);
    if (!inside) {
        log_error("septum (0x%lx-0x%lx) is not inside any memory range of the device tree\n",
                  (unsigned long)img, (unsigned long)img_end);
        septum_stop();
    }
}

/* The pass-through check sysdesc_parse asks: septum's console and flash here, the rest (RAM, the
 * GIC, devices that can master DMA) as the board's device tree says. A DMA master accepted
 * because the description says septum,dma-unisolated is warned about: nothing isolates it. */
static const char *host_refuses(void *ctx, const dev_query_t *dev)
{
    static char why[160];
    const board_dma_t *dma;
    uint64_t con = align_down(console_uart(), PAGE_SIZE);
    (void)ctx;
    if (console_uart() && dev->base < con + PAGE_SIZE && con < dev->base + dev->size)
        return "it is septum's console";
    const char *no = board_passthrough_refuses(&board, dev->base, dev->size, dev->dma_unisolated,
                                               &dma, why, sizeof(why));
    if (no)
        return no;
    const plat_range_t *flash = board.plat ? &board.plat->flash : NULL;
    if (flash && flash->size && dev->base < flash->base + flash->size &&
        flash->base < dev->base + dev->size)
        return "it is flash";
    if (dma)
        log_warn("vm %s: device %s can master DMA (%s: %s) and no IOMMU isolates it: with "
                 "septum,dma-unisolated the VM can reach all memory, septum's and other VMs'\n",
                 dev->vm, dev->name, dma->path, dma->why);
    return NULL;
}

/* The guests' seeds (lib/seed.h), keyed from the board's entropy, which is wiped then. */
static void seed_guests(void)
{
    if (board.seed_rng_len >= SEED_MIN_BYTES && seed_init(board.seed, board.seed_len))
        log_info("guest seeds: from the board's /chosen/rng-seed (%u bytes)\n",
                 (unsigned)board.seed_rng_len);
    else
        log_info("guest seeds: none (the board's /chosen/rng-seed has %u bytes of the %u "
                 "needed): guests get no rng-seed or kaslr-seed\n",
                 (unsigned)board.seed_rng_len, (unsigned)SEED_MIN_BYTES);
    memset(board.seed, 0, sizeof(board.seed));
}

static void setup_vms(const boot_info_t *info, unsigned online)
{
    static vm_config_t cfg[VM_MAX];
    char why[200];
    unsigned n;
    uint64_t max;

    boot_memory(info);
    const void *bundle = boot_find_bundle(info, &max);
    if (!bundle) {
        log_info("no bundle (system description and guest images) was given: nothing to run; "
                 "powering off\n");
        fw_system_off();
    }
    if (bundle_check_layout(bundle, max, why, sizeof(why)) != 0) {
        log_error("%s\n", why);
        septum_stop();
    }
    int err;
    const bundle_entry_t *sd = bundle_find(bundle, BUNDLE_SYSDESC, &err);
    if (!sd) {
        log_error("bundle: no valid %s (error %d)\n", BUNDLE_SYSDESC, err);
        septum_stop();
    }
    /* the description's own data now; the images' when it names them (config/sysdesc.c) */
    if (bundle_check_entry(bundle, sd, why, sizeof(why)) != 0) {
        log_error("%s\n", why);
        septum_stop();
    }
    unsigned ipa = arch_pa_bits() > 48 ? 48 : arch_pa_bits();
    const dev_check_t chk = {host_refuses, NULL, board.uart.present ? board.uart.irq : 0};
    if (sysdesc_parse((const uint8_t *)bundle + sd->offset, sd->size, online, ipa, bundle, &chk,
                      cfg, &n, why, sizeof(why)) != 0) {
        log_error("%s\n", why);
        septum_stop();
    }
    seed_guests();
    if (vm_create_all(cfg, n, bundle) < 0)
        septum_stop();
    if (board.uart.present && board.uart.irq && irq_gic_version()) {
        irq_console_input(board.uart.irq, &vms[0].vcpu[0]);
        log_info("console input goes to vm %s (Ctrl-A then 1-%u switches)\n", vms[0].cfg.name,
                 vm_num);
    }
    vm_report_frames("with the VMs created");
    for (unsigned i = 0; i < vm_num; i++)
        vm_start(&vms[i]);
    log_info("starting %u VM%s\n", vm_num, vm_num == 1 ? "" : "s");
    log_debug("boot: %lu EL2 instructions from reset until the VMs were released\n",
              (unsigned long)arch_pmu_insns());
    boot_release_cpus();
    pcpu_loop(0);
}

void septum_main(const boot_info_t *info)
{
    uint64_t t_entry = arch_pmu_insns();
    unsigned el = (unsigned)(read_sysreg(CurrentEL) >> CURRENTEL_EL_SHIFT);
    log_info("\nseptum %s at EL%u, boot flow: %s\n", SEPTUM_VERSION, el,
             info->flow == BOOT_FLOW_FLASH ? "flash" : "kernel");
    if (info->flash_base != info->image_base && info->flow == BOOT_FLOW_FLASH)
        log_info("  copied from flash at 0x%lx to RAM at 0x%lx\n", (unsigned long)info->flash_base,
                 (unsigned long)info->image_base);

    if (!info->dtb) {
        fallback_console(NULL);
        log_error("no device tree: expected QEMU's DTB at 0x%lx (flash flow) and found none\n",
                  (unsigned long)PLAT_FLASH_DTB_ADDR);
        septum_stop();
    }
    char why[160];
    const void *dtb = (const void *)(uintptr_t)info->dtb;
    if (board_parse(dtb, PLAT_DTB_MAX_SIZE, &board, why, sizeof(why)) != 0) {
        fallback_console(board_platform(dtb, PLAT_DTB_MAX_SIZE));
        log_error("device tree at 0x%lx is unusable: %s\n", (unsigned long)info->dtb, why);
        septum_stop();
    }
    uint64_t t_parsed = arch_pmu_insns();
    if (board.uart.present)
        console_set_uart(board.uart.driver, board.uart.reg.base);
    boot_parse_args(board.bootargs);
    if (board.psci.present)
        fw_use_hvc(board.psci.conduit == BOARD_CONDUIT_HVC);
    print_memory_map(info);

    uint64_t self = read_sysreg(mpidr_el1) & MPIDR_AFF_MASK;
    unsigned ncpus = board.cpu_num < CPU_MAX ? board.cpu_num : CPU_MAX;
    uint64_t t_map0 = arch_pmu_insns();
    boot_el2_map(info, ncpus);
    log_debug("boot: C entered at %lu, DTB parsed at %lu, EL2 map started at %lu\n",
              (unsigned long)t_entry, (unsigned long)t_parsed, (unsigned long)t_map0);
    boot_run_test_hook();

    const gic_desc_t gic = {board.gic.version,       board.gic.dist.base,   board.gic.redist.base,
                            board.gic.redist.size,   board.gic.cpuif.base,  board.gic.cpuif.size,
                            board.gic.hyp_ctrl.base, board.gic.vcpuif.base, board.gic.vcpuif.size};
    if (irq_init(&gic))
        irq_cpu_init(0, self);
    log_info("cpu 0: mpidr 0x%lx online (boot CPU)\n", (unsigned long)self);
    bool listed = false;
    for (unsigned i = 0; i < board.cpu_num; i++)
        listed |= board.cpu[i].mpidr == self;
    if (!listed)
        log_warn("the boot CPU (mpidr 0x%lx) is not in the device tree\n", (unsigned long)self);
    log_debug("boot: %lu EL2 instructions until the MMU was on\n", (unsigned long)arch_pmu_insns());
    unsigned online = boot_start_cpus(self);
    log_debug("boot: %lu EL2 instructions until every CPU was online\n",
              (unsigned long)arch_pmu_insns());
    log_info("%u of %u CPUs online\n", online, board.cpu_num);

    setup_vms(info, online);
}
