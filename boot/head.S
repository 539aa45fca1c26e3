/*
 * septum's entry at EL2, for both boot flows.
 *
 * Kernel flow: a loader put the image in RAM (QEMU -kernel) and passes the DTB in x0.
 * Flash flow: the CPU starts at 0x0 in flash with x0 = 0; QEMU left the DTB at the start of RAM
 * (or a loader put the flash image in RAM and the board DTB at the same address, 0x40000000).
 * The image then copies itself to the first 2 MiB boundary after the DTB and continues there, so
 * both flows run the same code from RAM. In RAM: zero bss, copy the initialised data to its
 * page, apply the image's own relative relocations (it is linked at 0), take CPU 0's stack and
 * call septum_main().
 * Secondary CPUs enter at boot_secondary_entry through PSCI CPU_ON with x0 = their index.
 */
#include <arch/pcpu.h>
#include <arch/pmu.h>
#include <arch/sysreg.h>
#include <boot/layout.h>
#include <platform/flash.h>

#define FDT_MAGIC_LE       0xedfe0dd0 /* 0xd00dfeed stored big-endian, read little-endian */
#define FDT_MIN_SIZE       40         /* the size of a DTB header */
#define SZ_2M              0x200000

/* Start event counter 0 counting EL2 instructions: the clock of `make bench`. Clobbers x1. */
.macro pmu_start
    ldr     x1, =PMU_EL2_ONLY
    msr     pmevtyper0_el0, x1
    mov     x1, #1
    msr     pmcntenset_el0, x1
    mrs     x1, pmcr_el0
    orr     x1, x1, #(PMCR_E | PMCR_P)
    msr     pmcr_el0, x1
    isb
.endm

/* Point TPIDR_EL2 at boot_pcpus[\idx] and fill in its exception-stack top and index, so the
 * vectors can switch stacks before any C runs. Clobbers x1-x3. */
.macro set_pcpu idx
    adrp    x1, boot_stacks
    add     x1, x1, :lo12:boot_stacks
    mov     x2, #STACK_STRIDE
    madd    x1, \idx, x2, x1
    add     x1, x1, #(STACK_OFF_EXC + EXC_STACK_SIZE)
    adrp    x2, boot_pcpus
    add     x2, x2, :lo12:boot_pcpus
    add     x2, x2, \idx, lsl #PCPU_SIZE_SHIFT
    stp     x1, \idx, [x2, #PCPU_OFF_EXC_SP]
    msr     tpidr_el2, x2
.endm

    .section .text.head, "ax"
    .global _start
_start:
    b       boot_entry
    nop

    .section .text.boot, "ax"
boot_entry:
    msr     daifset, #DAIF_ALL
    mov     x19, x0                 /* DTB (kernel flow) or 0 */
    adr     x20, _start             /* where the image runs now */
    mov     x22, xzr                /* flash base: none */
    mrs     x1, CurrentEL
    cmp     x1, #CURRENTEL_EL2
    b.ne    not_el2
    pmu_start
    cbz     x19, flash_flow
    mov     x21, #BOOT_FLOW_KERNEL
    b       in_ram

flash_flow:
    /* QEMU's DTB is at its platform address. If what is there does not look like a DTB, C
     * reports exactly what is wrong with it; the image still needs a RAM home, so it goes
     * 2 MiB past the DTB slot. */
    mov     x21, #BOOT_FLOW_FLASH
    mov     x22, x20
    ldr     x19, =PLAT_FLASH_DTB_ADDR
    add     x3, x19, #SZ_2M         /* destination if the DTB is not usable */
    ldr     w1, [x19]
    ldr     w2, =FDT_MAGIC_LE
    cmp     w1, w2
    b.ne    1f
    ldr     w1, [x19, #4]           /* totalsize, big-endian */
    rev     w1, w1
    cmp     x1, #FDT_MIN_SIZE
    b.lo    1f
    ldr     x2, =PLAT_DTB_MAX_SIZE
    cmp     x1, x2
    b.hi    1f
    add     x3, x19, x1             /* first 2 MiB boundary after the DTB */
    ldr     x4, =(SZ_2M - 1)
    add     x3, x3, x4
    bic     x3, x3, x4
1:  ldr     x4, =(PLAT_FLASH_BASE + PLAT_FLASH_SIZE)
    cmp     x20, x4
    b.lo    2f
    /* Started from RAM with x0 = 0: a loader put a flash image there (QEMU's -device loader on
     * a board whose flash is not memory-mapped). Its bundle follows the image file, where the
     * image's bss and stacks would go, so the image moves as from flash, unless the destination
     * meets the image's window (a flash bank's size): then it runs where it is, bundle-less. */
    ldr     x4, =PLAT_FLASH_SIZE
    add     x4, x4, x20             /* end of the window */
    adrp    x5, __image_end
    add     x5, x5, :lo12:__image_end
    sub     x5, x5, x20
    add     x5, x5, x3              /* end of the copy, bss and stacks included */
    cmp     x3, x4
    b.hs    2f
    cmp     x20, x5
    b.hs    2f
    b       in_ram                  /* nothing was copied */
2:
    /* copy [_start, __image_file_end) to x3, 16 bytes at a time (both ends 16-aligned) */
    adrp    x4, __image_file_end
    add     x4, x4, :lo12:__image_file_end
    sub     x5, x4, x20             /* bytes */
    mov     x6, x20
    mov     x7, x3
3:  ldp     x8, x9, [x6], #16
    stp     x8, x9, [x7], #16
    subs    x5, x5, #16
    b.hi    3b
    dsb     sy
    ic      iallu
    dsb     sy
    isb
    adr     x4, in_ram
    sub     x4, x4, x20
    add     x4, x4, x3              /* in_ram in the copy */
    br      x4

in_ram:
    adr     x20, _start
    /* zero bss */
    adrp    x1, __bss_start
    add     x1, x1, :lo12:__bss_start
    adrp    x2, __bss_end
    add     x2, x2, :lo12:__bss_end
    /* 64 bytes a round (the linker script aligns __bss_end to 64): 6 instructions where one
     * store a round took 64 (bss is over 300 KiB) */
1:  cmp     x1, x2
    b.hs    2f
    stp     xzr, xzr, [x1], #16
    stp     xzr, xzr, [x1], #16
    stp     xzr, xzr, [x1], #16
    stp     xzr, xzr, [x1], #16
    b       1b
2:  /* the initialised data: from the end of the file to its own page (16 bytes a round; the
     * linker script aligns both ends) */
    adrp    x1, __data_load
    add     x1, x1, :lo12:__data_load
    adrp    x2, __data_start
    add     x2, x2, :lo12:__data_start
    adrp    x3, __data_end
    add     x3, x3, :lo12:__data_end
5:  cmp     x2, x3
    b.hs    6f
    ldp     x4, x5, [x1], #16
    stp     x4, x5, [x2], #16
    b       5b
6:  /* apply the relative relocations, packed as RELR: an even word is the offset of a pointer
     * to relocate (then the next word's); an odd word is a bitmap of which of the next 63 words
     * are pointers too. Relocating a pointer adds the load address (x20) to it. */
    adrp    x1, __relr_start
    add     x1, x1, :lo12:__relr_start
    adrp    x2, __relr_end
    add     x2, x2, :lo12:__relr_end
3:  cmp     x1, x2
    b.hs    4f
    ldr     x3, [x1], #8
    tbnz    x3, #0, 7f
    add     x6, x20, x3             /* an address: relocate it, the bitmap goes on from there */
    ldr     x4, [x6]
    add     x4, x4, x20
    str     x4, [x6], #8
    b       3b
7:  mov     x7, x6                  /* a bitmap: bit n stands for the word at x6 + 8 * (n - 1) */
8:  lsr     x3, x3, #1
    cbz     x3, 9f
    tbz     x3, #0, 10f
    ldr     x4, [x7]
    add     x4, x4, x20
    str     x4, [x7]
10: add     x7, x7, #8
    b       8b
9:  add     x6, x6, #(63 * 8)
    b       3b
4:  /* CPU 0's per-CPU word, stack and exception vectors, then C */
    mov     x0, xzr
    set_pcpu x0
    adrp    x1, boot_stacks
    add     x1, x1, :lo12:boot_stacks
    add     x1, x1, #(STACK_OFF_STACK + STACK_SIZE)
    mov     sp, x1
    adrp    x1, el2_vectors
    add     x1, x1, :lo12:el2_vectors
    msr     vbar_el2, x1
    isb
    /* boot_info_t on the stack */
    sub     sp, sp, #32
    stp     x19, x21, [sp]
    stp     x20, x22, [sp, #16]
    mov     x0, sp
    bl      septum_main
    b       park

/* Not entered at EL2: nothing septum can do; say so on the early UART and park. */
not_el2:
    adr     x0, msg_not_el2
    bl      early_puts
    b       park
park:
    wfi
    b       park

/* Print a NUL-terminated string on the platform's early UART, polling TXFF (no stack). */
early_puts:
    ldr     x1, =PLAT_EARLY_UART_BASE
1:  ldrb    w2, [x0], #1
    cbz     w2, 3f
2:  ldr     w3, [x1, #0x18]         /* UARTFR */
    tbnz    w3, #5, 2b              /* TXFF */
    str     w2, [x1]                /* UARTDR */
    b       1b
3:  ret

/* PSCI CPU_ON entry for secondaries: x0 = CPU index. MMU settings come from boot_mmu. */
    .global boot_secondary_entry
boot_secondary_entry:
    msr     daifset, #DAIF_ALL
    pmu_start
    mov     x19, x0
    cmp     x19, #CPU_MAX
    b.hs    park
    adrp    x1, boot_stacks
    add     x1, x1, :lo12:boot_stacks
    mov     x2, #STACK_STRIDE
    madd    x1, x19, x2, x1
    add     x1, x1, #(STACK_OFF_STACK + STACK_SIZE)
    mov     sp, x1
    adrp    x1, el2_vectors
    add     x1, x1, :lo12:el2_vectors
    msr     vbar_el2, x1
    adrp    x1, boot_mmu
    add     x1, x1, :lo12:boot_mmu
    ldp     x2, x3, [x1]            /* mair, tcr */
    ldp     x4, x5, [x1, #16]       /* ttbr0, sctlr */
    msr     mair_el2, x2
    msr     tcr_el2, x3
    msr     ttbr0_el2, x4
    isb
    tlbi    alle2
    /* and every EL1&0 entry, of any VMID, from before septum: a VM's TLB invalidation may then
     * stay on the CPUs that have run it (mm/s2.c) */
    tlbi    alle1
    dsb     nsh
    isb
    msr     sctlr_el2, x5
    isb
    /* only now, with the data cache on, write this CPU's word: a non-cacheable write could be
     * lost under a neighbour's dirty cache line */
    set_pcpu x19
    mov     x0, x19
    bl      septum_secondary_main
    b       park

    .section .rodata.boot, "a"
msg_not_el2:
    .asciz  "septum: not entered at EL2; cannot run a hypervisor here\r\n"

    .section .bss.pcpus, "aw", %nobits
    .balign 16
    .global boot_pcpus
boot_pcpus:
    .space  CPU_MAX * PCPU_SIZE

/* All CPUs' stacks: never part of the image file, never zeroed. */
    .section .stacks, "aw", %nobits
    .balign PAGE_SIZE
    .global boot_stacks
boot_stacks:
    .space  CPU_MAX * STACK_STRIDE
