/*
 * Boards as data: what septum needs to know about a board that its device tree does not state,
 * one small table per board (platform/qemu-virt.c, platform/zcu102.c), found at boot by the
 * device tree's root compatible. The device tree stays the source of truth for everything it
 * does state (RAM, CPUs, GIC, console, PSCI); a board without a table runs from its device tree
 * alone. A new board is one file filling platform_t plus its line in PLATFORM_LIST
 * (platform/platform.c).
 */
#ifndef PLATFORM_PLATFORM_H
#define PLATFORM_PLATFORM_H
#include <platform/flash.h>
#include <stdint.h>

#define PLAT_COMPAT_MAX 4
#define PLAT_DDR_MAX    4

typedef struct plat_range {
    uint64_t base, size;
} plat_range_t;

typedef struct platform {
    const char *name; /* "qemu-virt", "zcu102" */
    /* root compatibles it answers to, most specific first; unused slots NULL */
    const char *compatible[PLAT_COMPAT_MAX];
    /* septum's console when /chosen/stdout-path names none it can drive (missing, garbled, a
     * disabled node or a UART without a driver): a compatible of platform/uart.c's table, its
     * registers and its interrupt (INTID; 0 for none) */
    struct {
        const char *compatible;
        uint64_t base;
        uint32_t irq;
    } console;
    /* memory-mapped flash: never RAM and never a VM's device; size 0 if the board has none */
    plat_range_t flash;
    /* The SoC's DRAM windows in the order the DRAM fills them (size 0 ends the list), where the
     * device tree may state RAM as one range from the first window's base: what it states past a
     * window's end continues at the next window's base. Empty: ranges are taken as stated. */
    plat_range_t ddr[PLAT_DDR_MAX];
} platform_t;

extern const platform_t platform_qemu_virt, platform_zcu102;

/*
 * The board table for a device tree's root compatible property (compat: its raw value, len
 * bytes of NUL-terminated strings); the first of its strings that a table names wins. NULL if
 * no table knows the board, or the property is malformed.
 */
const platform_t *platform_find(const char *compat, int len);

/* The board assumed when the device tree cannot even say which board it is (no DTB, a bad
 * magic, a broken structure): QEMU virt, the board every boot flow of the image runs on and the
 * only one where septum starts without a loader that hands it a device tree (the flash flow).
 * On another board its console address may be RAM or another device. */
const platform_t *platform_fallback(void);
#endif
