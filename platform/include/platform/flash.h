/*
 * The flash boot flow's conventions, used by boot/head.S before any device tree is read (so they
 * are constants, not table entries): septum is entered with x0 = 0, either from flash at 0x0 on
 * QEMU virt (QEMU's firmware loader then leaves the DTB at the start of RAM, 0x40000000) or from
 * wherever a loader put the flash image in RAM (QEMU's -device loader on the ZCU102, with the
 * board DTB loaded at the same 0x40000000, which is RAM there too).
 */
#ifndef PLATFORM_FLASH_H
#define PLATFORM_FLASH_H

#define PLAT_FLASH_DTB_ADDR 0x40000000UL
/* a flash image is septum and its bundle in one bank of QEMU virt's flash */
#define PLAT_FLASH_BASE 0x00000000UL
#define PLAT_FLASH_SIZE 0x04000000UL

/* head.S's two messages before any C runs (not entered at EL2; a relocation it cannot apply)
 * go to platform_fallback()'s console, QEMU virt's PL011: nothing else is known that early, and
 * septum parks right after them. */
#define PLAT_EARLY_UART_BASE 0x09000000UL

/* The most a board DTB may occupy; QEMU reserves 1 MiB for it. */
#define PLAT_DTB_MAX_SIZE 0x00100000UL

#endif
