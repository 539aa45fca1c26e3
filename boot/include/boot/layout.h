/*
 * Memory layout shared by the boot assembly and C: boot flows, per-CPU stacks and guard pages.
 * Each CPU owns one stride: [guard][stack][guard][exception stack]. The guards are never
 * mapped, so overflowing either stack faults instead of silently corrupting a neighbour.
 */
#ifndef BOOT_LAYOUT_H
#define BOOT_LAYOUT_H

#define BOOT_FLOW_KERNEL 1 /* loaded into RAM by a loader (-kernel), x0 = DTB */
#define BOOT_FLOW_FLASH  2 /* started at 0x0 from flash, copied itself to RAM */

#define CPU_MAX 8
#include <arch/page.h>
#define STACK_SIZE       (16 * 1024)
#define EXC_STACK_SIZE   (8 * 1024)
#define STACK_GUARD_SIZE PAGE_SIZE
#define STACK_STRIDE     (STACK_GUARD_SIZE + STACK_SIZE + STACK_GUARD_SIZE + EXC_STACK_SIZE)

/* Offsets within one CPU's stride. */
#define STACK_OFF_GUARD0 0
#define STACK_OFF_STACK  STACK_GUARD_SIZE
#define STACK_OFF_GUARD1 (STACK_GUARD_SIZE + STACK_SIZE)
#define STACK_OFF_EXC    (STACK_GUARD_SIZE + STACK_SIZE + STACK_GUARD_SIZE)

#ifndef __ASSEMBLY__
#include <stdint.h>

#include <arch/pcpu.h>

/* Per-CPU words (TPIDR_EL2 points at this CPU's), filled in by boot/head.S. */
extern arch_pcpu_t boot_pcpus[CPU_MAX];

/* Stacks of all CPUs (boot/head.S); never in the image file, never zeroed. */
extern uint8_t boot_stacks[CPU_MAX][STACK_STRIDE];

/* Where the boot assembly found itself: handed to the C entry. */
typedef struct boot_info {
    uint64_t dtb;        /* physical address of the board DTB (0 if none was found) */
    uint64_t flow;       /* BOOT_FLOW_* */
    uint64_t image_base; /* where septum runs from (RAM) */
    uint64_t flash_base; /* where the image started (flash flow; == image_base if not copied) */
} boot_info_t;

/* C entry points called by boot/head.S. */
void septum_main(const boot_info_t *info);
void septum_secondary_main(uint64_t cpu);

/* What a secondary CPU needs to enable its MMU exactly as the boot CPU did. */
typedef struct boot_mmu {
    uint64_t mair, tcr, ttbr0, sctlr;
} boot_mmu_t;
extern boot_mmu_t boot_mmu;
void boot_secondary_entry(void); /* PSCI CPU_ON entry, x0 = CPU index */
#endif

#endif
