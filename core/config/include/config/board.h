/*
 * The board as its device tree describes it: RAM, reserved ranges, CPUs, PSCI, GIC, console
 * UART, timer and the chosen node. board_parse() treats the blob as hostile: the header and
 * the whole structure block are validated before any node is read, and every cell count, reg
 * length, range, interrupt specifier and string is checked; a failure says which node and what
 * is wrong. Addresses are taken as they are: a node whose parent bus translates addresses
 * (non-empty ranges) is refused rather than translated.
 */
#ifndef CORE_BOARD_H
#define CORE_BOARD_H
#include <platform/platform.h>
#include <platform/uart.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BOARD_MEM_MAX       8
#define BOARD_RESV_MAX      16
#define BOARD_CPU_MAX       8
#define BOARD_GIC_FRAME_MAX 8
#define BOARD_DMA_MAX       64

typedef struct board_range {
    uint64_t base, size; /* base + size never overflows */
} board_range_t;

/* Where a device that can master DMA answers: its registers, or the windows of a bus it sits
 * behind. No IOMMU isolates it (septum programs none yet), so whoever drives it reaches every
 * physical address: septum's, every VM's. */
typedef struct board_dma {
    board_range_t reg;
    const char *why; /* static text: "dma-coherent", "iommus", a known compatible, ... */
    char path[48];   /* its node, truncated */
} board_dma_t;

typedef enum { BOARD_CONDUIT_NONE, BOARD_CONDUIT_SMC, BOARD_CONDUIT_HVC } board_conduit_t;

typedef struct board {
    uint32_t dtb_size; /* the header's totalsize */
    char model[64];    /* root "model", truncated; "" if absent */
    /* the board's table (platform/), by the root compatible; NULL: none, the DT alone */
    const platform_t *plat;
    /* device_type = "memory" nodes, every reg entry, sorted by base, page-aligned, no overlap;
     * zero-sized entries and nodes with a status other than "okay" are skipped */
    board_range_t mem[BOARD_MEM_MAX];
    unsigned mem_num;
    /* bytes of RAM the DT stated past the end of one of the board table's DRAM windows, which
     * were moved to the next window (QEMU's ZCU102 states RAM as one range from 0) */
    uint64_t mem_moved;
    /* /memreserve/ entries, then reg entries of enabled /reserved-memory children; sorted */
    board_range_t resv[BOARD_RESV_MAX];
    unsigned resv_num;
    struct {
        uint64_t mpidr;   /* affinity fields only (Aff3 and Aff2..Aff0) */
        bool psci;        /* enable-method contains "psci" */
    } cpu[BOARD_CPU_MAX]; /* in device-tree order */
    unsigned cpu_num;
    struct {
        bool present;
        board_conduit_t conduit;
        uint32_t cpu_on_id; /* CPU_ON function ID: 0xc4000003 for 0.2+, "cpu_on" for 0.1 */
        bool v0_2_or_later; /* compatible arm,psci-0.2 or arm,psci-1.0: standard IDs */
    } psci;
    struct {
        unsigned version; /* 2 or 3 */
        /* v3: dist, redist (the only redistributor region); cpuif/hyp_ctrl/vcpuif if listed.
         * v2: dist, cpuif; hyp_ctrl and vcpuif only with the virtualisation extensions. */
        board_range_t dist, redist, cpuif, hyp_ctrl, vcpuif;
        uint32_t maint_irq; /* INTID of the maintenance PPI, 0 if not given */
        /* the reg of the GIC node's children (an ITS, GICv2m frames), whatever their status;
         * under a translating GIC, its windows instead */
        board_range_t frame[BOARD_GIC_FRAME_MAX];
        unsigned frame_num;
    } gic;
    struct {
        bool present;
        const uart_driver_t *driver; /* platform/uart.c's driver for it (present only) */
        bool from_table;             /* the board table's console, not a node of the DT */
        board_range_t reg;
        uint32_t irq;   /* INTID, 0 if none */
        char path[64];  /* full node path; "" if longer or from the table */
        char note[128]; /* why stdout-path named no console septum drives; "" if it did */
    } uart;             /* never inside a memory range: board_parse refuses that */
    /* devices that can master DMA: a node with iommus, dma-coherent or dma-noncoherent, below a
     * bus with dma-ranges, or with a compatible septum knows to be a DMA master (the table in
     * board.c), whatever its status; a bus among them adds its windows (its children) */
    board_dma_t dma[BOARD_DMA_MAX];
    unsigned dma_num;
    struct {
        uint32_t irq[4]; /* INTIDs: secure, non-secure physical, virtual, hypervisor physical */
        bool present;
    } timer;
    char bootargs[256];
    uint64_t initrd_start, initrd_end; /* [start, end); both 0 if absent */
    /* /chosen/rng-seed (its first 64 bytes), then as much of /chosen/kaslr-seed as fits: the
     * board's entropy, which keys the guests' seeds (lib/seed.h); seed_rng_len is rng-seed's
     * own length. Whoever uses it wipes it. */
    uint8_t seed[64];
    uint32_t seed_len, seed_rng_len;
} board_t;

/*
 * Parse the DTB at fdt (8-byte aligned, at most max_size readable bytes) into *b (zeroed
 * first, and again on failure). Returns 0, or a negative errno with why (NUL-terminated,
 * truncated to why_len; why may be NULL when why_len is 0) saying what is wrong. -EINVAL: a
 * malformed blob, node or property, or a console UART whose registers lie inside memory.
 * -E2BIG: over a limit (totalsize above max_size, more than the *_MAX entries, long bootargs).
 * -ENOENT: a required node is missing (memory, /cpus or any CPU in it, the GIC). -ENOTSUP:
 * well-formed but unsupported (cell counts above 2, address translation through ranges, several
 * GICv3 redistributor regions, #interrupt-cells other than 3 or 4). A missing UART, PSCI or
 * timer node is not an error: the present flags say so.
 *
 * The console is the node /chosen/stdout-path names (a path or an alias, options after ':'
 * ignored) if it is enabled and platform/uart.c has a driver for its compatible. If stdout-path
 * names none septum can drive (a missing node, a garbled string, a disabled node, an unknown
 * compatible), uart.note says why and the board table's console is used (uart.from_table);
 * without a board table the UART stays absent. Without stdout-path: the board table's console,
 * else the first enabled node a driver knows.
 *
 * RAM stated past the end of one of the board table's DRAM windows continues at the next
 * window's base (mem_moved counts it).
 */
int board_parse(const void *fdt, size_t max_size, board_t *b, char *why, size_t why_len);

/*
 * The board table for the DTB at fdt by its root compatible, read only after the same header and
 * structure checks board_parse makes: NULL if no table knows the board or the blob is unusable.
 * For reporting on the right console when board_parse refused the blob.
 */
const platform_t *board_platform(const void *fdt, size_t max_size);

/*
 * Whether host range base..base+size may be passed through to a VM, as far as the board knows:
 * NULL if so, else why not (in buf, or a static string). RAM and the GIC's frames (the ITS
 * included) never are; a device that can master DMA only when dma_unisolated (the description
 * accepts that no IOMMU isolates it), and then *dma (if dma is not NULL) names it, for a warning;
 * else *dma is NULL.
 */
const char *board_passthrough_refuses(const board_t *b, uint64_t base, uint64_t size,
                                      bool dma_unisolated, const board_dma_t **dma, char *buf,
                                      size_t len);
#endif
