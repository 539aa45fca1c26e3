/*
 * septum's C entry on the boot CPU and on the secondaries. The boot CPU reads the board's
 * device tree, builds septum's own EL2 map (text RX, rodata R, data RW, each CPU's stacks with
 * unmapped guards, the console UART), turns the MMU on, starts the other CPUs through PSCI and,
 * until VMs exist, powers the machine off.
 */
#include <arch/mmu.h>
#include <arch/pcpu.h>
#include <arch/pmu.h>
#include <arch/psci.h>
#include <arch/sysreg.h>
#include <arch/timer.h>
#include <boot/layout.h>
#include <core/board.h>
#include <core/irq.h>
#include <core/bundle.h>
#include <core/sysdesc.h>
#include <core/tables.h>
#include <core/vm.h>
#include <mm/frame.h>
#include <mm/fwmap.h>
#include <core/console.h>
#include <core/firmware.h>
#include <core/panic.h>
#include <mm/el2map.h>
#include <mm/pt.h>
#include <platform/platform.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

extern char __image_start[], __text_end[], __rodata_end[], __stacks_start[], __image_end[],
    __image_file_end[];

boot_mmu_t boot_mmu;

static board_t board;
static uint64_t cpu_mpidr[CPU_MAX];
static uint32_t cpu_online[CPU_MAX];
static uint32_t vms_ready; /* secondaries wait for it before looking for their vCPU */

#define CPU_ON_TIMEOUT_MS 1000
#define MiB               (1024UL * 1024UL)

/* ---- septum's own map ---- */

static bool el2_mmu_on;

static void el2_tlb_inval(void *ctx, uint64_t va, uint64_t size)
{
    (void)ctx;
    if (!el2_mmu_on)
        return;
    if (fwmap_slice(va) == arch_pcpu()->index) /* this CPU's own firmware-map slice */
        arch_tlb_inval_el2_local(va, size);
    else
        arch_tlb_inval_el2(va, size);
}

static pt_ops_t el2_pt_ops;
static pt_t el2_pt;

/* ---- boot arguments (/chosen/bootargs): septum.* options ---- */

static const char *test_hook = "";

static void parse_bootargs(const char *args)
{
    static char copy[sizeof(board.bootargs)];
    snprintf(copy, sizeof(copy), "%s", args);
    for (char *tok = copy, *next; tok && *tok; tok = next) {
        next = strchr(tok, ' ');
        if (next)
            *next++ = '\0';
        if (strncmp(tok, "septum.", 7) != 0)
            continue;
        char *val = strchr(tok, '=');
        if (!val) {
            log_warn("boot argument '%s' needs a value; ignored\n", tok);
            continue;
        }
        *val++ = '\0';
        if (!strcmp(tok, "septum.loglevel")) {
            static const char *const names[] = {"error", "warn", "info", "debug"};
            unsigned l = 0;
            while (l < 4 && strcmp(val, names[l]))
                l++;
            if (l < 4)
                console_set_level((enum log_level)l);
            else
                log_warn("septum.loglevel=%s: expected error, warn, info or debug\n", val);
        } else if (!strcmp(tok, "septum.panic")) {
            panic_set_halt(!strcmp(val, "halt"));
        } else if (!strcmp(tok, "septum.test")) {
            test_hook = val;
        } else {
            log_warn("unknown boot argument '%s'; ignored\n", tok);
        }
    }
}

/* ---- the EL2 map ---- */

static uint64_t align_down(uint64_t x, uint64_t a) { return x & ~(a - 1); }
static uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) & ~(a - 1); }

static void build_el2_map(const boot_info_t *info, unsigned ncpus)
{
    el2map_range_t r[8 + 2 * CPU_MAX];
    unsigned n = 0;
    char why[128];

    r[n++] = (el2map_range_t){(uint64_t)__image_start, (uint64_t)__text_end, PT_R | PT_X, "text"};
    r[n++] = (el2map_range_t){(uint64_t)__text_end, (uint64_t)__rodata_end, PT_R, "rodata"};
    r[n++] = (el2map_range_t){(uint64_t)__rodata_end, (uint64_t)__stacks_start, PT_R | PT_W,
                              "data"};
    for (unsigned c = 0; c < ncpus; c++) {
        uint64_t s = (uint64_t)boot_stacks[c];
        r[n++] = (el2map_range_t){s + STACK_OFF_STACK, s + STACK_OFF_STACK + STACK_SIZE,
                                  PT_R | PT_W, "stack"};
        r[n++] = (el2map_range_t){s + STACK_OFF_EXC, s + STACK_OFF_EXC + EXC_STACK_SIZE,
                                  PT_R | PT_W, "exception stack"};
    }
    uint64_t uart = align_down(console_uart(), PAGE_SIZE);
    r[n++] = (el2map_range_t){uart, uart + PAGE_SIZE, PT_R | PT_W | PT_DEVICE, "uart"};
    if (board.gic.version == 3) {
        r[n++] = (el2map_range_t){board.gic.dist.base, board.gic.dist.base + board.gic.dist.size,
                                  PT_R | PT_W | PT_DEVICE, "GIC distributor"};
        r[n++] = (el2map_range_t){board.gic.redist.base,
                                  board.gic.redist.base + board.gic.redist.size,
                                  PT_R | PT_W | PT_DEVICE, "GIC redistributors"};
    }
    r[n++] = (el2map_range_t){align_down(info->dtb, PAGE_SIZE),
                              align_up(info->dtb + board.dtb_size, PAGE_SIZE), PT_R, "dtb"};

    unsigned va_bits = arch_pa_bits() > 48 ? 48 : arch_pa_bits();
    el2_pt_ops = tables_ops;
    el2_pt_ops.tlb_inval = el2_tlb_inval;
    if (pt_init(&el2_pt, PT_STAGE1_EL2, va_bits, &el2_pt_ops) != 0)
        panic("cannot allocate the EL2 root table");
    if (el2map_build(&el2_pt, r, n, why, sizeof(why)) != 0)
        panic("EL2 map: %s", why);
    el2map_report_t rep;
    if (el2map_check(&el2_pt, &rep) != 0)
        panic("EL2 map has %u writable+executable mappings", rep.wx);

    /* the tables were written with the data cache off; the walker will read them cached */
    void *pool;
    uint64_t pool_size;
    tables_boot_pool(&pool, &pool_size);
    arch_dcache_inval(pool, pool_size);
    arch_mmu_enable(el2_pt.root_pa, va_bits);
    el2_mmu_on = true;
    console_enable_locking();

    arch_mmu_settings(&boot_mmu.mair, &boot_mmu.tcr, &boot_mmu.sctlr);
    boot_mmu.ttbr0 = el2_pt.root_pa;
    arch_dcache_clean(&boot_mmu, sizeof(boot_mmu)); /* secondaries read it with caches off */
    log_info("EL2 MMU on: %lu KiB mapped (%lu KiB executable, %lu KiB writable), %u W+X, "
             "%u-bit VA\n",
             (unsigned long)(rep.mapped_bytes / 1024), (unsigned long)(rep.exec_bytes / 1024),
             (unsigned long)(rep.writable_bytes / 1024), rep.wx, va_bits);
}

/* ---- reporting what was found ---- */

static void print_memory_map(const boot_info_t *info)
{
    uint64_t img = (uint64_t)__image_start, img_end = (uint64_t)__image_end;
    bool inside = false;

    log_info("board: %s, %u CPU%s, GICv%u, PSCI %s\n", board.model[0] ? board.model : "?",
             board.cpu_num, board.cpu_num == 1 ? "" : "s", board.gic.version,
             !board.psci.present                        ? "absent"
             : board.psci.conduit == BOARD_CONDUIT_HVC ? "via hvc"
                                                       : "via smc");
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
    if (board.uart.present)
        log_info("console: pl011 at 0x%lx (%s)\n", (unsigned long)board.uart.reg.base,
                 board.uart.path);
    else
        log_warn("no PL011 console in the device tree; staying on 0x%lx\n",
                 (unsigned long)console_uart());
    if (!inside) {
        log_error("septum (0x%lx-0x%lx) is not inside any memory range of the device tree\n",
                  (unsigned long)img, (unsigned long)img_end);
        septum_stop();
    }
}

/* ---- CPUs ---- */

static const char *psci_error(int64_t e)
{
    switch (e) {
    case PSCI_INVALID_PARAMETERS:
        return "invalid parameters";
    case PSCI_DENIED:
        return "denied";
    case PSCI_ALREADY_ON:
        return "already on";
    case PSCI_ON_PENDING:
        return "on pending";
    case PSCI_INTERNAL_FAILURE:
        return "internal failure";
    case PSCI_INVALID_ADDRESS:
        return "invalid address";
    default:
        return "not supported";
    }
}

static bool wait_online(unsigned idx)
{
    uint64_t freq = arch_counter_freq(), start = arch_counter();
    uint64_t limit = freq / 1000 * CPU_ON_TIMEOUT_MS;
    while (!__atomic_load_n(&cpu_online[idx], __ATOMIC_ACQUIRE))
        if (arch_counter() - start > limit)
            return false;
    return true;
}

static unsigned start_secondaries(uint64_t self)
{
    unsigned idx = 1, online = 1;
    for (unsigned i = 0; i < board.cpu_num; i++) {
        uint64_t mpidr = board.cpu[i].mpidr;
        if (mpidr == self)
            continue;
        if (idx >= CPU_MAX) {
            log_warn("cpu mpidr 0x%lx: septum supports %u CPUs; not started\n",
                     (unsigned long)mpidr, CPU_MAX);
            continue;
        }
        if (!board.psci.present || !board.cpu[i].psci) {
            log_warn("cpu mpidr 0x%lx: no PSCI enable-method; not started\n",
                     (unsigned long)mpidr);
            continue;
        }
        cpu_mpidr[idx] = mpidr;
        int64_t rc = fw_cpu_on(mpidr, (uint64_t)boot_secondary_entry, idx);
        if (rc != PSCI_SUCCESS) {
            log_error("cpu mpidr 0x%lx: PSCI CPU_ON failed: %s (%ld)\n", (unsigned long)mpidr,
                      psci_error(rc), (long)rc);
            continue;
        }
        if (!wait_online(idx)) {
            log_error("cpu %u (mpidr 0x%lx) did not report in within %u ms\n", idx,
                      (unsigned long)mpidr, CPU_ON_TIMEOUT_MS);
            idx++;
            continue;
        }
        idx++;
        online++;
    }
    return online;
}

void septum_secondary_main(uint64_t cpu)
{
    uint64_t mpidr = read_sysreg(mpidr_el1) & MPIDR_AFF_MASK;
    log_info("cpu %lu: mpidr 0x%lx online\n", (unsigned long)cpu, (unsigned long)mpidr);
    irq_cpu_init((unsigned)cpu, mpidr);
    __atomic_store_n(&cpu_online[cpu], 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&vms_ready, __ATOMIC_ACQUIRE))
        wfe();
    pcpu_loop(cpu);
}

/* ---- test hooks (septum.test=...), for the system tests of the fatal paths ---- */

static unsigned overflow(volatile unsigned *depth)
{
    volatile char pad[512];
    pad[0] = (char)*depth;
    if (++*depth > (1u << 30)) /* never true: 16 KiB of stack end long before */
        return 0;
    return overflow(depth) + pad[0];
}

static void run_test_hook(void)
{
    if (!*test_hook)
        return;
    log_info("test hook: %s\n", test_hook);
    if (!strcmp(test_hook, "fault")) {
        /* the first byte past septum's image: RAM, but not in the EL2 map */
        volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)__image_end;
        log_info("read from unmapped 0x%lx: 0x%lx\n", (unsigned long)(uintptr_t)p,
                 (unsigned long)*p);
    } else if (!strcmp(test_hook, "stack-overflow")) {
        volatile unsigned depth = 0;
        log_info("never: %u\n", overflow(&depth));
    } else if (!strcmp(test_hook, "panic")) {
        panic("test hook asked for a panic");
    } else {
        log_warn("unknown test hook '%s'\n", test_hook);
    }
}

/* ---- VMs ---- */

#define TABLE_POOL_PAGES 512           /* 2 MiB of page-table pages for stage 2 and EL2 */
#define FWMAP_WINDOW     (1UL << 30)   /* EL2 VA space for firmware maps */

static unsigned cpu_index(void) { return (unsigned)arch_pcpu()->index; }

static void take(frame_range_t *t, unsigned *n, uint64_t base, uint64_t size)
{
    if (size)
        t[(*n)++] = (frame_range_t){base, size};
}

/* All RAM minus septum, the DTB, reserved ranges and a bundle in RAM goes to the frame
 * allocator; page tables get a pool of it; firmware maps get a VA window above all RAM. */
static void setup_memory(const boot_info_t *info)
{
    frame_range_t ram[BOARD_MEM_MAX], taken[BOARD_RESV_MAX + 3];
    unsigned nt = 0;
    for (unsigned i = 0; i < board.mem_num; i++)
        ram[i] = (frame_range_t){board.mem[i].base, board.mem[i].size};
    take(taken, &nt, (uint64_t)__image_start, (uint64_t)(__image_end - __image_start));
    take(taken, &nt, info->dtb, board.dtb_size);
    take(taken, &nt, board.initrd_start, board.initrd_end - board.initrd_start);
    for (unsigned i = 0; i < board.resv_num; i++)
        take(taken, &nt, board.resv[i].base, board.resv[i].size);
    if (frame_init(ram, board.mem_num, taken, nt, FRAME_SEPTUM) != 0)
        panic("frame allocator: the memory map is inconsistent");

    paddr_t pool;
    if (frame_alloc(TABLE_POOL_PAGES, TABLE_POOL_PAGES, FRAME_TABLES, &pool) != 0 ||
        pt_map(&el2_pt, pool, pool, TABLE_POOL_PAGES * PAGE_SIZE, PT_R | PT_W) != 0 ||
        tables_add_pool(pool, TABLE_POOL_PAGES) != 0)
        panic("cannot set up the page-table pool");

    uint64_t top = 0;
    for (unsigned i = 0; i < board.mem_num; i++)
        if (board.mem[i].base + board.mem[i].size > top)
            top = board.mem[i].base + board.mem[i].size;
    uint64_t window = align_up(top, FWMAP_WINDOW);
    if (window < (1UL << 39)) /* keep clear of the low devices and flash too */
        window = 1UL << 39;
    if (fwmap_init(&el2_pt, window, FWMAP_WINDOW, CPU_MAX, cpu_index) != 0 ||
        window + FWMAP_WINDOW > (1UL << el2_pt.va_bits))
        panic("no room for the firmware-map window");
    vm_report_frames("before the VMs");
    log_info("frames: %lu MiB free of %lu MiB, %u table pages\n",
             (unsigned long)(frame_count(FRAME_FREE) * PAGE_SIZE / MiB),
             (unsigned long)(frame_total() * PAGE_SIZE / MiB), tables_total());
}

/* The bundle: after septum in flash (flash flow) or the initrd (kernel flow). Mapped
 * read-only into EL2; NULL if there is none. */
static const void *find_bundle(const boot_info_t *info, uint64_t *max)
{
    uint64_t base, end;
    if (info->flow == BOOT_FLOW_FLASH && info->flash_base != info->image_base) {
        uint64_t file = (uint64_t)(__image_file_end - __image_start);
        base = info->flash_base + align_up(file, BUNDLE_FLASH_ALIGN);
        end = info->flash_base + PLAT_FLASH_SIZE;
    } else if (board.initrd_end > board.initrd_start) {
        base = board.initrd_start;
        end = board.initrd_end;
    } else {
        return NULL;
    }
    uint64_t mb = align_down(base, PAGE_SIZE), me = align_up(end, PAGE_SIZE);
    if (pt_map(&el2_pt, mb, mb, me - mb, PT_R) != 0)
        panic("cannot map the bundle at 0x%lx", (unsigned long)base);
    *max = end - base;
    /* erased or zero-filled flash after septum means no bundle, not a broken one */
    const uint8_t *p = (const uint8_t *)(uintptr_t)base;
    bool blank = true;
    for (unsigned i = 0; i < sizeof(bundle_header_t) && blank; i++)
        blank = p[i] == p[0] && (p[0] == 0 || p[0] == 0xff);
    return blank ? NULL : p;
}

/* A pass-through device must be an MMIO range septum does not use itself and that is no RAM. */
static const char *host_refuses(void *ctx, uint64_t base, uint64_t size)
{
    (void)ctx;
    const board_range_t own[] = {
        {align_down(console_uart(), PAGE_SIZE), PAGE_SIZE},
        board.gic.dist,
        board.gic.redist,
        board.gic.cpuif,
        board.gic.hyp_ctrl,
        board.gic.vcpuif,
    };
    static const char *const why[] = {"it is septum's console", "it is the GIC",
                                      "it is the GIC", "it is the GIC", "it is the GIC",
                                      "it is the GIC"};
    for (unsigned i = 0; i < sizeof(own) / sizeof(own[0]); i++)
        if (own[i].size && base < own[i].base + own[i].size && own[i].base < base + size)
            return why[i];
    for (unsigned i = 0; i < board.mem_num; i++)
        if (base < board.mem[i].base + board.mem[i].size && board.mem[i].base < base + size)
            return "it is RAM, not a device";
    if (base < PLAT_FLASH_BASE + 2 * PLAT_FLASH_SIZE)
        return "it is flash";
    return NULL;
}

static void setup_vms(const boot_info_t *info, unsigned online)
{
    static vm_config_t cfg[VM_MAX];
    char why[200];
    unsigned n;
    uint64_t max;

    setup_memory(info);
    const void *bundle = find_bundle(info, &max);
    if (!bundle) {
        log_info("no bundle (system description and guest images) was given: nothing to run; "
                 "powering off\n");
        fw_system_off();
    }
    if (bundle_check(bundle, max, why, sizeof(why)) != 0) {
        log_error("%s\n", why);
        septum_stop();
    }
    int err;
    const bundle_entry_t *sd = bundle_find(bundle, BUNDLE_SYSDESC, &err);
    if (!sd) {
        log_error("bundle: no valid %s (error %d)\n", BUNDLE_SYSDESC, err);
        septum_stop();
    }
    unsigned ipa = arch_pa_bits() > 48 ? 48 : arch_pa_bits();
    const dev_check_t chk = {host_refuses, NULL};
    if (sysdesc_parse((const uint8_t *)bundle + sd->offset, sd->size, online, ipa, bundle, &chk,
                      cfg, &n, why, sizeof(why)) != 0) {
        log_error("%s\n", why);
        septum_stop();
    }
    if (vm_create_all(cfg, n, bundle) < 0)
        septum_stop();
    if (board.uart.present && board.uart.irq && irq_present()) {
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
    __atomic_store_n(&vms_ready, 1, __ATOMIC_RELEASE);
    dsb_ish();
    sev();
    pcpu_loop(0);
}

/* ---- boot CPU ---- */

void septum_main(const boot_info_t *info)
{
    uint64_t t_entry = arch_pmu_insns();
    unsigned el = (unsigned)(read_sysreg(CurrentEL) >> CURRENTEL_EL_SHIFT);
    log_info("\nseptum %s at EL%u, boot flow: %s\n", SEPTUM_VERSION, el,
             info->flow == BOOT_FLOW_FLASH ? "flash" : "kernel");
    if (info->flash_base != info->image_base && info->flow == BOOT_FLOW_FLASH)
        log_info("  copied from flash at 0x%lx to RAM at 0x%lx\n",
                 (unsigned long)info->flash_base, (unsigned long)info->image_base);

    if (!info->dtb) {
        log_error("no device tree: expected QEMU's DTB at 0x%lx (flash flow) and found none\n",
                  (unsigned long)PLAT_FLASH_DTB_ADDR);
        septum_stop();
    }
    char why[160];
    if (board_parse((const void *)(uintptr_t)info->dtb, PLAT_DTB_MAX_SIZE, &board, why,
                    sizeof(why)) != 0) {
        log_error("device tree at 0x%lx is unusable: %s\n", (unsigned long)info->dtb, why);
        septum_stop();
    }
    uint64_t t_parsed = arch_pmu_insns();
    parse_bootargs(board.bootargs);
    if (board.psci.present)
        fw_use_hvc(board.psci.conduit == BOARD_CONDUIT_HVC);
    if (board.uart.present)
        console_set_uart(board.uart.reg.base);
    print_memory_map(info);

    uint64_t self = read_sysreg(mpidr_el1) & MPIDR_AFF_MASK;
    unsigned ncpus = board.cpu_num < CPU_MAX ? board.cpu_num : CPU_MAX;
    uint64_t t_map0 = arch_pmu_insns();
    build_el2_map(info, ncpus);
    log_debug("boot: C entered at %lu, DTB parsed at %lu, EL2 map started at %lu\n",
              (unsigned long)t_entry, (unsigned long)t_parsed, (unsigned long)t_map0);
    run_test_hook();

    cpu_mpidr[0] = self;
    if (irq_init(board.gic.version, board.gic.dist.base, board.gic.redist.base,
                 board.gic.redist.size))
        irq_cpu_init(0, self);
    log_info("cpu 0: mpidr 0x%lx online (boot CPU)\n", (unsigned long)self);
    bool listed = false;
    for (unsigned i = 0; i < board.cpu_num; i++)
        listed |= board.cpu[i].mpidr == self;
    if (!listed)
        log_warn("the boot CPU (mpidr 0x%lx) is not in the device tree\n", (unsigned long)self);
    log_debug("boot: %lu EL2 instructions until the MMU was on\n", (unsigned long)arch_pmu_insns());
    unsigned online = start_secondaries(self);
    log_debug("boot: %lu EL2 instructions until every CPU was online\n",
              (unsigned long)arch_pmu_insns());
    log_info("%u of %u CPUs online\n", online, board.cpu_num);

    setup_vms(info, online);
}
