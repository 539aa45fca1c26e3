/*
 * septum's own memory at boot: its EL2 map (text RX, rodata R, data RW, each CPU's stacks with
 * unmapped guards, the console UART, the GIC, the DTB), checked for W+X before the MMU goes on;
 * then the frame allocator (all RAM minus what is taken), the page-table pool, the
 * firmware-map window, and the bundle.
 */
#include "boot.h"
#include <arch/mmu.h>
#include <arch/page.h>
#include <arch/pcpu.h>
#include <config/bundle.h>
#include <errno.h>
#include <lib/console.h>
#include <lib/panic.h>
#include <mm/el2map.h>
#include <mm/frame.h>
#include <mm/fwmap.h>
#include <mm/pt.h>
#include <mm/tables.h>
#include <platform/platform.h>

boot_mmu_t boot_mmu;

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

static uint64_t align_down(uint64_t x, uint64_t a) { return x & ~(a - 1); }
static uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) & ~(a - 1); }

void boot_el2_map(const boot_info_t *info, unsigned ncpus)
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
    if (console_uart())
        r[n++] = (el2map_range_t){uart, uart + PAGE_SIZE, PT_R | PT_W | PT_DEVICE, "uart"};
    if (board.gic.version == 3) {
        r[n++] = (el2map_range_t){board.gic.dist.base, board.gic.dist.base + board.gic.dist.size,
                                  PT_R | PT_W | PT_DEVICE, "GIC distributor"};
        r[n++] = (el2map_range_t){board.gic.redist.base,
                                  board.gic.redist.base + board.gic.redist.size,
                                  PT_R | PT_W | PT_DEVICE, "GIC redistributors"};
    } else if (board.gic.hyp_ctrl.size && board.gic.cpuif.size) {
        /* GICv2: distributor, CPU interface and virtual interface control (the virtual CPU
         * interface only guests touch) */
        const board_range_t *f[] = {&board.gic.dist, &board.gic.cpuif, &board.gic.hyp_ctrl};
        static const char *const what[] = {"GIC distributor", "GIC CPU interface",
                                           "GIC virtual interface control"};
        for (unsigned i = 0; i < 3; i++)
            r[n++] = (el2map_range_t){align_down(f[i]->base, PAGE_SIZE),
                                      align_up(f[i]->base + f[i]->size, PAGE_SIZE),
                                      PT_R | PT_W | PT_DEVICE, what[i]};
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

#define TABLE_POOL_PAGES 512         /* 2 MiB of page-table pages for stage 2 and EL2 */
#define FWMAP_WINDOW     (1UL << 30) /* EL2 VA space for firmware maps */

static unsigned cpu_index(void) { return (unsigned)arch_pcpu()->index; }

static void take(frame_range_t *t, unsigned *n, uint64_t base, uint64_t size)
{
    if (size)
        t[(*n)++] = (frame_range_t){base, size};
}

/* Where the flash image's window ends when a loader put the image in RAM (x0 = 0 and an image
 * outside flash: QEMU's -device loader on the ZCU102, whose flash is not memory-mapped; head.S
 * moved septum out of it): a flash bank's size from its start, within the RAM range that holds
 * it. 0 if septum did not start from a flash image in RAM. */
static uint64_t flash_image_in_ram(const boot_info_t *info)
{
    if (info->flow != BOOT_FLOW_FLASH)
        return 0;
    for (unsigned i = 0; i < board.mem_num; i++) {
        uint64_t base = board.mem[i].base, end = base + board.mem[i].size;
        if (info->flash_base >= base && info->flash_base < end)
            return end - info->flash_base < PLAT_FLASH_SIZE ? end
                                                            : info->flash_base + PLAT_FLASH_SIZE;
    }
    return 0;
}

typedef struct direct_ranges {
    fwmap_range_t r[FWMAP_DIRECT_MAX];
    unsigned n;
} direct_ranges_t;

/* frame_walk: the frames septum hands out (free, and the page-table pool), adjacent ones merged */
static int direct_extent(void *arg, paddr_t base, uint64_t npages, uint16_t owner)
{
    direct_ranges_t *d = arg;
    if (owner == FRAME_SEPTUM)
        return 0;
    uint64_t end = base + npages * PAGE_SIZE;
    if (d->n && d->r[d->n - 1].end == base)
        d->r[d->n - 1].end = end;
    else if (d->n == FWMAP_DIRECT_MAX)
        return -ENOSPC;
    else
        d->r[d->n++] = (fwmap_range_t){base, end};
    return 0;
}

/* The direct map above the window: the frames the allocator manages, but for what it was given
 * as taken (septum's image, whose code gets no writable alias; the board's reserved ranges,
 * firmware's and possibly secure memory that must not be mapped even for a speculative fetch;
 * the DTB and the bundle). Guests' frames all come from there, so the guests' buffers and frames
 * septum reads and writes per hypercall need no map of their own. Without room for it septum
 * still works, through the window alone. Called before anything but the table pool is
 * allocated: every other frame septum owns then is one it was given as taken. */
static void boot_direct_map(uint64_t va)
{
    direct_ranges_t d = {.n = 0};
    if (frame_walk(direct_extent, &d) != 0 || !d.n || fwmap_direct_init(&el2_pt, va, d.r, d.n)) {
        log_warn("no direct map of RAM: guest buffers go through the firmware-map window\n");
        return;
    }
    uint64_t bytes = 0;
    for (unsigned i = 0; i < d.n; i++)
        bytes += d.r[i].end - d.r[i].start;
    log_info("direct map: %lu MiB of RAM in %u ranges\n", (unsigned long)(bytes / MiB), d.n);
}

/* All RAM minus septum, the DTB, reserved ranges and a bundle in RAM goes to the frame
 * allocator; page tables get a pool of it; firmware maps get a VA window above all RAM. */
void boot_memory(const boot_info_t *info)
{
    frame_range_t ram[BOARD_MEM_MAX], taken[BOARD_RESV_MAX + 5];
    unsigned nt = 0;
    for (unsigned i = 0; i < board.mem_num; i++)
        ram[i] = (frame_range_t){board.mem[i].base, board.mem[i].size};
    take(taken, &nt, (uint64_t)__image_start, (uint64_t)(__image_end - __image_start));
    /* Physical page 0, where a board has RAM there (the ZCU102), is never handed out: septum
     * reaches its table pages and frames through identity pointers, and a page at 0 would be
     * NULL, an allocation failure to every caller (the first table page from the pool there
     * failed a VM's grant-table mapping with -ENOMEM). Outside RAM this takes nothing. */
    take(taken, &nt, 0, PAGE_SIZE);
    /* a flash image in RAM: the whole window, its bundle included (the bundle's size is known
     * only once it is checked, which needs the allocator) */
    uint64_t flash_end = flash_image_in_ram(info);
    if (flash_end)
        take(taken, &nt, info->flash_base, flash_end - info->flash_base);
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
    boot_direct_map(window + FWMAP_WINDOW);
    log_info("frames: %lu MiB free of %lu MiB, %u table pages\n",
             (unsigned long)(frame_count(FRAME_FREE) * PAGE_SIZE / MiB),
             (unsigned long)(frame_total() * PAGE_SIZE / MiB), tables_total());
}

/* The bundle: after septum in its flash image (flash flow: in flash, or in RAM where a loader put
 * the image) or the initrd (kernel flow). Mapped
 * read-only into EL2; NULL if there is none. */
const void *boot_find_bundle(const boot_info_t *info, uint64_t *max)
{
    uint64_t base, end;
    uint64_t in_ram = flash_image_in_ram(info);
    if (info->flow == BOOT_FLOW_FLASH && info->flash_base != info->image_base) {
        uint64_t file = (uint64_t)(__image_file_end - __image_start);
        base = info->flash_base + align_up(file, BUNDLE_FLASH_ALIGN);
        end = in_ram ? in_ram : info->flash_base + PLAT_FLASH_SIZE;
        if (base >= end)
            return NULL;
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
