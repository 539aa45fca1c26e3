/*
 * What the boot files share among themselves (boot/ only: nothing else includes this). The boot
 * sequence is boot/main.c; each step lives in its own file: boot options and test hooks
 * (options.c), septum's own memory and the bundle (memory.c), the other CPUs (cpus.c).
 */
#ifndef BOOT_BOOT_H
#define BOOT_BOOT_H
#include <boot/layout.h>
#include <config/board.h>
#include <stdbool.h>
#include <stdint.h>

#define MiB (1024UL * 1024UL)

extern char __image_start[], __text_end[], __rodata_end[], __stacks_start[], __image_end[],
    __image_file_end[];

/* The board, as its device tree describes it (boot/main.c parses it first). */
extern board_t board;

/* options.c: the septum.* boot arguments; the fatal-path test hook they may name. */
void boot_parse_args(const char *args);
void boot_run_test_hook(void);

/* memory.c: septum's EL2 map (MMU on at the end), then the frame allocator, the page-table
 * pool and the firmware-map window, and the bundle (NULL if none; *max its largest size). */
void boot_el2_map(const boot_info_t *info, unsigned ncpus);
void boot_memory(const boot_info_t *info);
const void *boot_find_bundle(const boot_info_t *info, uint64_t *max);

/* cpus.c: start the secondaries through PSCI (the count online, boot CPU included), and let
 * them go to their run loops once the VMs exist. */
unsigned boot_start_cpus(uint64_t self);
void boot_release_cpus(void);
#endif
